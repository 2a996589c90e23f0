"""Background jobs as database rows, sent through an outbox.

A service creates the row with ``job_create`` and queues its Celery task with ``job_enqueue``: that
writes a ``JobMessage`` (task name and arguments) in the *same* transaction, so the job and its message
commit together or not at all. Right after commit the message is sent (``outbox_dispatch``); when the
broker is down the send fails quietly, the page tells the user “后台服务暂不可用，任务已记录，恢复后自动执行”
(``core.middleware.JobDispatchNoticeMiddleware``) and the beat task ``core.tasks.outbox_dispatch_task``
sends it once the broker is back. No page ever fails because the broker is away.

The task body runs under ``run_job`` (or a fan-out's own runner), on a ``JobTask``: time limits per
task kind (``settings.JOB_TIME_LIMITS``), retries with exponential back-off for database and broker
errors, a short retry for anything else, and the failure recorded in Chinese on the job — retried
again if even that needs the database at a moment it is away. Every step refreshes the job's
``heartbeat_at``; the beat task ``core.tasks.jobs_sweep_task`` re-queues idempotent work whose heartbeat
stopped (a worker killed with ``kill -9``) and marks the rest failed with a Chinese reason.

Running the same job id twice is safe: work functions are idempotent (they replace their output,
never append to it), which is what lets the outbox, the sweeper and 重试失败项 send a message again.
"""

from __future__ import annotations

import contextvars
import errno
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, Concat
from django.utils import timezone
from django.utils.module_loading import import_string
from guardian.shortcuts import assign_perm

from .choices import JobStatus
from .errors import ApplicationError
from .models import Job, JobMessage

logger = logging.getLogger(__name__)

BROKER_DOWN_NOTICE = "后台服务暂不可用，任务已记录，恢复后自动执行"


def _transient_errors() -> tuple[type[BaseException], ...]:
    import kombu.exceptions
    import redis.exceptions

    return (
        OperationalError,
        InterfaceError,
        kombu.exceptions.OperationalError,
        redis.exceptions.ConnectionError,
        redis.exceptions.TimeoutError,
        ConnectionError,
        TimeoutError,
    )


TRANSIENT_ERRORS = _transient_errors()


def is_transient(exc: BaseException) -> bool:
    """A database or broker error that goes away by itself (outage, restart, a locked SQLite file)."""
    return isinstance(exc, TRANSIENT_ERRORS)


def failure_reason(exc: BaseException) -> str:
    """What a person reads about a failure: Chinese, never the raw exception text (that goes to the log)."""
    import kombu.exceptions
    import redis.exceptions

    if isinstance(exc, ApplicationError):
        return exc.message
    if isinstance(exc, SoftTimeLimitExceeded):
        return "执行超时，已停止"
    if isinstance(exc, OperationalError | InterfaceError):
        return "数据库繁忙或暂时不可用"
    if isinstance(exc, kombu.exceptions.OperationalError | redis.exceptions.RedisError):
        return "后台服务（消息队列）暂时不可用"
    if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
        return "存储空间已满，文件未能写入"
    if isinstance(exc, ConnectionError | TimeoutError):
        return "后台服务暂时不可用"
    if isinstance(exc, OSError):
        return "文件读写出错"
    return "内部错误（详情已记入系统日志，请联系管理员）"


# ---- creating and queueing ------------------------------------------------------------------------
def job_create(*, kind: str, label: str, requester=None, params: dict | None = None) -> Job:
    job = Job.objects.create(
        kind=kind, label=label, requester=requester, params=params or {}, heartbeat_at=timezone.now()
    )
    if requester is not None and requester.is_authenticated:
        assign_perm("core.view_job", requester, job)
    return job


def job_enqueue(job: Job, task, *args) -> JobMessage:
    """Write ``task(job_id, *args)`` to the outbox in the current transaction; send it after commit.

    ``task`` is a Celery task or its registered name.
    """
    name = task if isinstance(task, str) else task.name
    message = JobMessage.objects.create(job=job, task_name=name, args=[str(job.pk), *args])
    _after_commit_ids().append(message.pk)
    transaction.on_commit(_dispatch_after_commit, robust=True)
    return message


# Messages written by this thread and not yet tried: the first after-commit hook sends them all in one
# batch (a fan-out of 23 reports is one connection, not 23); the later hooks find nothing left. Ids of
# a transaction that rolled back find no row, so they cost nothing.
_local = threading.local()


def _after_commit_ids() -> list[int]:
    if not hasattr(_local, "ids"):
        _local.ids = []
    return _local.ids


def _dispatch_after_commit() -> None:
    ids = _after_commit_ids()[:]
    del _after_commit_ids()[:]
    if ids:
        outbox_dispatch_quietly(ids)


# The request's "a send failed" flag, read by core.middleware.JobDispatchNoticeMiddleware.
dispatch_failed: contextvars.ContextVar[bool] = contextvars.ContextVar("job_dispatch_failed", default=False)
# After a failed send, this process leaves the broker alone for a few seconds (the beat tries again):
# a fan-out of 23 messages then costs one connection attempt, not 23.
_broker_down_until = 0.0


def outbox_dispatch(message_ids: list[int] | None = None, *, limit: int = 500) -> int:
    """Send unsent outbox messages (those given, or the oldest ``limit``); returns how many were sent.

    Rows are locked with SKIP LOCKED, so the after-commit attempt and the beat never send a row twice
    at once (a rare second send is harmless: tasks are idempotent). A failed send leaves the row unsent
    with its attempt counted, and stops the batch: the broker is down.
    """
    global _broker_down_until
    from qingpu_portal.celery import app

    sent = 0
    pending = JobMessage.objects.filter(sent_at__isnull=True)
    if message_ids is not None:
        pending = pending.filter(pk__in=message_ids)
    if not pending.exists():
        return 0  # the usual case for the beat: no write transaction (SQLite's lock) at all
    # One connection for the batch that gives up at the first refusal (kombu's default would retry
    # for seconds per message, holding the user's page); the beat tries again in a few seconds.
    options = {**(app.conf.broker_transport_options or {}), "max_retries": 0}
    with transaction.atomic(), app.connection_for_write(transport_options=options) as connection:
        batch = list(pending.select_for_update(skip_locked=True).order_by("created_at", "pk")[:limit])
        if not batch:
            return 0
        failed: list[int] = []
        error = ""
        for message in batch:
            if failed or time.monotonic() < _broker_down_until:
                failed.append(message.pk)
                error = error or "后台服务暂不可用"
                continue
            try:
                app.send_task(message.task_name, args=message.args, retry=False, connection=connection)
            except Exception as exc:
                logger.warning("outbox: could not send %s (%s: %s)", message.pk, type(exc).__name__, exc)
                _broker_down_until = time.monotonic() + settings.JOBS_BROKER_BACKOFF_SECONDS
                failed.append(message.pk)
                error = failure_reason(exc)
            else:
                sent += 1
                JobMessage.objects.filter(pk=message.pk).update(
                    sent_at=timezone.now(), send_attempts=F("send_attempts") + 1, last_error=""
                )
        if failed:
            JobMessage.objects.filter(pk__in=failed).update(
                send_attempts=F("send_attempts") + 1, last_error=error[:300]
            )
            dispatch_failed.set(True)
    return sent


def outbox_dispatch_quietly(message_ids: list[int] | None = None) -> int:
    """``outbox_dispatch`` for after-commit hooks: never raises (the beat sends what is left)."""
    try:
        return outbox_dispatch(message_ids)
    except Exception:
        logger.exception("outbox: dispatch failed; the beat dispatcher will send the messages")
        dispatch_failed.set(True)
        return 0


def job_waits_for_broker(job: Job) -> bool:
    """True when a send of the job's messages was tried and failed (the page says so)."""
    return job.messages.filter(sent_at__isnull=True, send_attempts__gt=0).exists()


# ---- progress ---------------------------------------------------------------------------------------
class JobContext:
    def __init__(self, job: Job):
        self.job = job

    def progress(self, percent: float, message: str | None = None) -> None:
        percent = max(0, min(100, int(percent)))
        if message:
            self.log(message)
        Job.objects.filter(pk=self.job.pk).update(progress=percent, heartbeat_at=timezone.now())
        self.job.progress = percent

    def rows(self, done: int, total: int | None = None) -> None:
        """Progress of a job that works through rows (an import): percent, rows done and rows per
        second, shown on the job page (kept in ``result`` while it runs; the final result replaces it)."""
        started = getattr(self, "_rows_started", None)
        if started is None:
            started = self._rows_started = time.monotonic()
        elapsed = max(time.monotonic() - started, 1e-6)
        rate = int(done / elapsed) if done else 0
        percent = min(99, int(done * 100 / total)) if total else self.job.progress
        figures = {"rows_done": done, "rows_total": total, "rows_per_second": rate}
        Job.objects.filter(pk=self.job.pk).update(
            progress=percent, heartbeat_at=timezone.now(), result={"progress_rows": figures}
        )
        self.job.progress = percent

    def log(self, message: str) -> None:
        job_log(self.job.pk, message)
        self.job.log += _log_line(message)


def _log_line(message: str) -> str:
    return f"[{timezone.localtime():%H:%M:%S}] {message}\n"


def job_log(job_id, message: str) -> None:
    Job.objects.filter(pk=job_id).update(
        log=Concat(F("log"), Value(_log_line(message))), heartbeat_at=timezone.now()
    )


def job_log_quietly(job_id, message: str) -> None:
    """Log if the database is there; a note about an outage must not fail because of the outage."""
    try:
        job_log(job_id, message)
    except Exception:
        logger.warning("job %s: could not log %r (database away)", job_id, message)


def rows_text(job: Job) -> str:
    """“已处理 12,000 / 200,000 行，每秒 8,500 行” for the job page (empty for other jobs)."""
    figures = (job.result or {}).get("progress_rows") or {}
    if not figures:
        return ""
    total = figures.get("rows_total")
    done = f"{figures['rows_done']:,}" + (f" / {total:,}" if total else "")
    return f"已处理 {done} 行，每秒 {figures['rows_per_second']:,} 行"


# ---- the task base: time limits, retries ------------------------------------------------------------
def time_limits(kind: str) -> dict:
    """``soft_time_limit`` / ``time_limit`` of a task kind, for ``@shared_task(**time_limits(kind))``."""
    soft, hard = settings.JOB_TIME_LIMITS[kind]
    return {"soft_time_limit": soft, "time_limit": hard}


def retry_countdown(retries: int) -> int:
    """Exponential back-off: base, 2×base, 4×base … capped (JOBS_RETRY_BACKOFF_SECONDS / _MAX_SECONDS)."""
    base = settings.JOBS_RETRY_BACKOFF_SECONDS
    return int(min(base * (2**retries), settings.JOBS_RETRY_BACKOFF_MAX_SECONDS))


class JobTask(Task):
    """Base of every job task. On an error: database/broker errors are retried with exponential
    back-off up to ``JOBS_RETRY_MAX`` times, other errors ``error_retries`` times after
    ``JOBS_ERROR_RETRY_SECONDS``; after that ``record_failure(reason)`` is called — and if that itself
    meets a database error, the task is retried again rather than leaving the job running for ever."""

    error_retries = 0
    acks_late = True
    reject_on_worker_lost = True

    def retry_or_record(
        self,
        exc: BaseException,
        *,
        job_id,
        record_failure: Callable[[str], None],
        what: str = "",
    ) -> None:
        transient = is_transient(exc)
        reason = failure_reason(exc)
        retries = self.request.retries
        limit = settings.JOBS_RETRY_MAX if transient else self.error_retries
        prefix = f"{what}：" if what else ""
        if not self.request.called_directly and retries < limit:
            countdown = retry_countdown(retries) if transient else settings.JOBS_ERROR_RETRY_SECONDS
            note = "已自动重试" if transient else "稍后重试"
            job_log_quietly(job_id, f"{prefix}{reason}，{note}（{countdown} 秒后第 {retries + 1} 次重试）")
            raise self.retry(countdown=countdown, max_retries=None)
        try:
            record_failure(reason)
        except TRANSIENT_ERRORS:
            if self.request.called_directly:
                raise
            logger.warning("job %s: could not record its failure; retrying the task", job_id)
            raise self.retry(countdown=retry_countdown(retries), max_retries=None) from None


def job_fail(job_id, reason: str, *, final_note: str = "") -> None:
    """Mark the job failed with its Chinese reason (one transaction)."""
    with transaction.atomic():
        job_log(job_id, f"失败：{reason}{final_note}")
        Job.objects.filter(pk=job_id).update(status=JobStatus.FAILED, finished_at=timezone.now())


def run_job(job_id: str, work: Callable[[Job, JobContext], dict | None], *, task: JobTask | None = None):
    """Run ``work(job, ctx)`` for the job row; returns the refreshed row (None if it no longer exists).

    Under a ``task``, failures are retried as ``JobTask.retry_or_record`` says; called directly (demo
    data, tests), a failure is final and re-raised.
    """
    try:
        updated = Job.objects.filter(pk=job_id).update(
            status=JobStatus.RUNNING,
            started_at=timezone.now(),
            heartbeat_at=timezone.now(),
            attempts=F("attempts") + 1,
            progress=0,
        )
        if not updated:
            logger.warning("job %s no longer exists; nothing to do", job_id)
            return None
        job = Job.objects.get(pk=job_id)
        ctx = JobContext(job)
        ctx.log(f"开始执行（第 {job.attempts} 次）")
        result = work(job, ctx) or {}
        with transaction.atomic():
            Job.objects.filter(pk=job_id).update(
                status=JobStatus.SUCCEEDED,
                progress=100,
                finished_at=timezone.now(),
                heartbeat_at=timezone.now(),
                result=result,
            )
            ctx.log("已完成")
    except Exception as exc:
        logger.exception("job %s failed", job_id)
        if task is None:
            job_fail_quietly(job_id, failure_reason(exc))
            raise
        task.retry_or_record(exc, job_id=job_id, record_failure=lambda reason: job_fail(job_id, reason))
        return None
    job.refresh_from_db()
    return job


def job_fail_quietly(job_id, reason: str) -> None:
    try:
        job_fail(job_id, reason)
    except Exception:
        logger.warning("job %s: could not record its failure (database away)", job_id)


# ---- kinds: what the sweeper and 重试失败项 do with each ------------------------------------------------
@dataclass(frozen=True)
class JobKind:
    """How a job kind is re-run: ``idempotent`` work is re-queued by the sweeper; ``retry_failed`` and
    ``give_up`` (dotted paths, called with the locked job) reset or close the kind's own items."""

    idempotent: bool = True
    retry_failed: str = ""
    give_up: str = ""


JOB_KINDS: dict[str, JobKind] = {
    "reports.cycle_reports": JobKind(
        retry_failed="reports.services.cycle_reports_failed_reset",
        give_up="reports.services.cycle_reports_give_up",
    ),
}


def job_kind(kind: str) -> JobKind:
    return JOB_KINDS.get(kind, JobKind())


def _resend(job: Job) -> list[int]:
    """Mark every message of the job unsent again (tasks skip what is already done); returns their ids."""
    ids = list(job.messages.values_list("pk", flat=True))
    JobMessage.objects.filter(pk__in=ids).update(sent_at=None, send_attempts=0, last_error="")
    transaction.on_commit(lambda: outbox_dispatch_quietly(ids), robust=True)
    return ids


def jobs_sweep(*, now=None) -> dict:
    """Close the jobs whose heartbeat stopped: re-queue idempotent ones (at most ``JOBS_MAX_REQUEUES``
    times), mark the rest failed with a Chinese reason. Jobs still waiting for the broker (unsent
    messages) are the dispatcher's, not the sweeper's."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.JOBS_STALE_SECONDS)
    counts = {"requeued": 0, "failed": 0}
    with transaction.atomic():
        stale = (
            Job.objects.filter(status__in=[JobStatus.PENDING, JobStatus.RUNNING])
            .annotate(last_activity=Coalesce("heartbeat_at", "started_at", "created_at"))
            .filter(last_activity__lt=cutoff)
            .exclude(Q(messages__sent_at__isnull=True))
            .filter(messages__isnull=False)
            .distinct()
        )
        ids = list(stale.values_list("pk", flat=True))
        for job in Job.objects.select_for_update(skip_locked=True).filter(pk__in=ids):
            kind = job_kind(job.kind)
            if kind.idempotent and job.requeues < settings.JOBS_MAX_REQUEUES:
                Job.objects.filter(pk=job.pk).update(requeues=F("requeues") + 1, heartbeat_at=now)
                job_log(job.pk, f"后台进程长时间无响应，已自动重新排队（第 {job.requeues + 1} 次）")
                _resend(job)
                counts["requeued"] += 1
            else:
                reason = (
                    "后台进程中断，任务未能完成"
                    if not kind.idempotent
                    else f"后台进程多次中断（已自动重新排队 {job.requeues} 次），任务未能完成"
                )
                if kind.give_up:
                    import_string(kind.give_up)(job, reason)
                job_fail(job.pk, reason, final_note="。可点击“重试失败项”重新执行。")
                counts["failed"] += 1
    if any(counts.values()):
        logger.info("jobs sweep: %s", counts)
    return counts


# ---- 重试失败项 ---------------------------------------------------------------------------------------
def job_retry_failed(*, job: Job, actor) -> Job:
    """Run a failed job's failed part again — only for whoever started it (anyone else: not found).

    A cycle's reports re-render only the reports that failed; other kinds run again as a whole (their
    work is idempotent).
    """
    from django.http import Http404

    from .audit import log_action

    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job.pk).first()
        if job is None or actor is None or job.requester_id != actor.pk:
            raise Http404("没有找到该任务")
        if job.status != JobStatus.FAILED:
            raise ApplicationError(
                "只有“失败”的任务可以重试。",
                fields={"status": [f"该任务当前为“{job.get_status_display()}”。"]},
            )
        kind = job_kind(job.kind)
        detail = import_string(kind.retry_failed)(job) if kind.retry_failed else ""
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.PENDING, finished_at=None, requeues=0, heartbeat_at=timezone.now()
        )
        job_log(
            job.pk, f"{actor.display_name if hasattr(actor, 'display_name') else actor} 重试失败项{detail}"
        )
        _resend(job)
        log_action("core.job.retried", actor=actor, obj=job, data={"kind": job.kind, "detail": detail})
    job.refresh_from_db()
    return job
