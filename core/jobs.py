"""Background jobs as database rows.

A service creates the row with ``job_create`` and enqueues its Celery task with ``job_enqueue`` (on
commit, by id). The task body runs under ``run_job``, which marks the row running, gives the work a
``JobContext`` to report progress, and records success or failure. Running the same job id twice is
safe: work functions must be idempotent (they replace their output, never append to it).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable

from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Concat
from django.utils import timezone
from guardian.shortcuts import assign_perm

from .choices import JobStatus
from .models import Job

logger = logging.getLogger(__name__)


def job_create(*, kind: str, label: str, requester=None, params: dict | None = None) -> Job:
    job = Job.objects.create(kind=kind, label=label, requester=requester, params=params or {})
    if requester is not None and requester.is_authenticated:
        assign_perm("core.view_job", requester, job)
    return job


def job_enqueue(job: Job, task, *args) -> None:
    """Send ``task(job_id, *args)`` once the surrounding transaction commits."""
    job_id = str(job.pk)
    transaction.on_commit(lambda: task.delay(job_id, *args))


class JobContext:
    def __init__(self, job: Job):
        self.job = job

    def progress(self, percent: float, message: str | None = None) -> None:
        percent = max(0, min(100, int(percent)))
        updates = {"progress": percent}
        if message:
            self.log(message)
        Job.objects.filter(pk=self.job.pk).update(**updates)
        self.job.progress = percent

    def log(self, message: str) -> None:
        line = f"[{timezone.localtime():%H:%M:%S}] {message}\n"
        Job.objects.filter(pk=self.job.pk).update(log=Concat(F("log"), Value(line)))
        self.job.log += line


def run_job(
    job_id: str, work: Callable[[Job, JobContext], dict | None], *, final_attempt: bool = True
) -> Job | None:
    """Run ``work(job, ctx)`` for the job row; returns the refreshed row (None if it no longer exists)."""
    updated = Job.objects.filter(pk=job_id).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), attempts=F("attempts") + 1, progress=0
    )
    if not updated:
        logger.warning("job %s no longer exists; nothing to do", job_id)
        return None
    job = Job.objects.get(pk=job_id)
    ctx = JobContext(job)
    ctx.log(f"开始执行（第 {job.attempts} 次）")
    try:
        result = work(job, ctx) or {}
    except Exception as exc:
        logger.exception("job %s (%s) failed", job_id, job.kind)
        ctx.log(f"出错：{exc}\n{traceback.format_exc(limit=3)}")
        if final_attempt:
            Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, finished_at=timezone.now())
        raise
    Job.objects.filter(pk=job_id).update(
        status=JobStatus.SUCCEEDED, progress=100, finished_at=timezone.now(), result=result
    )
    ctx.log("已完成")
    job.refresh_from_db()
    return job
