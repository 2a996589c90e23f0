"""The job outbox, the sweeper, 重试失败项 and atomic files — from the user's and the outsider's side."""

from __future__ import annotations

from datetime import timedelta

import pytest
import redis
from django.conf import settings
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core import jobs
from core.choices import JobStatus
from core.models import Job, JobMessage
from evaluations import services as evaluation_services
from evaluations.choices import CycleState
from evaluations.models import Cycle
from qingpu_portal.celery import app


def _queue():
    return redis.Redis.from_url(settings.CELERY_BROKER_URL)


@pytest.fixture
def clean_queue():
    from conftest import drain_session_worker

    _queue().delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    yield _queue()
    drain_session_worker()
    _queue().delete(settings.CELERY_TASK_DEFAULT_QUEUE)


@pytest.fixture
def broker_down(monkeypatch):
    """The portal's broker URL points at a port where nothing listens (a stopped Redis)."""
    monkeypatch.setattr(jobs, "_broker_down_until", 0.0)

    def _reset_pools():  # kombu keeps a producer pool per broker URL: a new URL gets its own
        app._pool = None
        app.amqp._producer_pool = None

    good = app.conf.broker_url
    _reset_pools()
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    yield
    _reset_pools()
    app.conf.broker_url = good
    jobs._broker_down_until = 0.0


def _delivered(job, queue, timeout: float = 20) -> bool:
    """The message is on the broker's queue — or the suite's session worker (listening on the same
    queue once a worker test has started it) has already taken it: the job then shows an attempt."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if queue.llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 1 or Job.objects.get(pk=job.pk).attempts > 0:
            return True
        time.sleep(0.2)
    return False


def test_job_and_its_message_commit_together_and_are_sent_after_commit(transactional_db, clean_queue, people):
    cycle = evaluation_services.cycle_create(year=2031, actor=people["bureau"])
    job = evaluation_services.cycle_open(cycle=cycle, actor=people["bureau"])
    message = JobMessage.objects.get(job=job)
    assert message.task_name == "evaluations.tasks.open_cycle_task"
    assert message.args == [str(job.pk)]
    assert message.sent_at is not None and message.send_attempts == 1
    assert _delivered(job, clean_queue)


def test_a_rolled_back_action_leaves_neither_job_nor_message(transactional_db, clean_queue, people):
    cycle = evaluation_services.cycle_create(year=2031, actor=people["bureau"])
    with pytest.raises(RuntimeError), transaction.atomic():
        evaluation_services.cycle_open(cycle=cycle, actor=people["bureau"])
        raise RuntimeError("the rest of the user's action failed")
    assert not Job.objects.exists() and not JobMessage.objects.exists()
    assert Cycle.objects.get(pk=cycle.pk).state == CycleState.DRAFT
    assert clean_queue.llen(settings.CELERY_TASK_DEFAULT_QUEUE) == 0


def test_broker_down_opening_a_cycle_says_so_in_chinese_and_the_work_is_sent_when_it_returns(
    transactional_db, client, clean_queue, people, broker_down
):
    cycle = evaluation_services.cycle_create(year=2031, actor=people["bureau"])
    client.force_login(people["bureau"])
    response = client.post(reverse("evaluations:cycle_open", args=[cycle.pk]), follow=True)
    assert response.status_code == 200
    assert jobs.BROKER_DOWN_NOTICE in response.content.decode()  # the message and the job page's note
    cycle.refresh_from_db()
    job = Job.objects.get(kind=evaluation_services.OPEN_KIND)
    assert cycle.state == CycleState.OPEN and job.status == JobStatus.PENDING
    message = JobMessage.objects.get(job=job)
    assert message.sent_at is None and message.send_attempts == 1
    assert "后台服务" in message.last_error
    status = client.get(reverse("core:job_status", args=[job.pk])).json()
    assert status["broker_notice"] == jobs.BROKER_DOWN_NOTICE

    # The broker comes back: the beat's dispatcher sends the kept message; nobody touches a shell.
    app.conf.broker_url = settings.CELERY_BROKER_URL
    app._pool = None
    app.amqp._producer_pool = None
    jobs._broker_down_until = 0.0
    assert jobs.outbox_dispatch() == 1
    message.refresh_from_db()
    assert message.sent_at is not None
    assert _delivered(job, clean_queue)
    assert client.get(reverse("core:job_status", args=[job.pk])).json()["broker_notice"] == ""


def _stale_job(requester, *, kind="evaluations.cycle_open", requeues=0):
    job = jobs.job_create(kind=kind, label="测试任务", requester=requester)
    JobMessage.objects.create(job=job, task_name="core.tasks.outbox_dispatch_task", sent_at=timezone.now())
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.RUNNING,
        requeues=requeues,
        heartbeat_at=timezone.now() - timedelta(seconds=settings.JOBS_STALE_SECONDS + 5),
    )
    return job


def test_sweeper_requeues_a_job_whose_heartbeat_stopped(db, people, django_capture_on_commit_callbacks):
    job = _stale_job(people["bureau"])
    fresh = jobs.job_create(kind="evaluations.cycle_open", label="正在运行", requester=people["bureau"])
    JobMessage.objects.create(job=fresh, task_name="x", sent_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=False):
        assert jobs.jobs_sweep() == {"requeued": 1, "failed": 0}
    job.refresh_from_db()
    assert job.requeues == 1 and job.status == JobStatus.RUNNING
    assert "后台进程长时间无响应，已自动重新排队（第 1 次）" in job.log
    assert JobMessage.objects.get(job=job).sent_at is None  # to be sent again
    assert JobMessage.objects.get(job=fresh).sent_at is not None


def test_sweeper_fails_a_job_requeued_too_often_with_a_chinese_reason(
    db, people, django_capture_on_commit_callbacks
):
    job = _stale_job(people["bureau"], requeues=settings.JOBS_MAX_REQUEUES)
    with django_capture_on_commit_callbacks(execute=False):
        assert jobs.jobs_sweep() == {"requeued": 0, "failed": 1}
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.finished_at is not None
    assert "后台进程多次中断" in job.log and "重试失败项" in job.log


def test_sweeper_leaves_jobs_waiting_for_the_broker_to_the_dispatcher(db, people):
    job = _stale_job(people["bureau"])
    JobMessage.objects.create(job=job, task_name="x", sent_at=None, send_attempts=3)
    assert jobs.jobs_sweep() == {"requeued": 0, "failed": 0}


def test_a_failure_is_logged_in_chinese_without_the_raw_exception_text(db, people):
    job = jobs.job_create(kind="test", label="测试任务", requester=people["bureau"])

    def work(job, ctx):
        raise ValueError("list index out of range")

    with pytest.raises(ValueError):
        jobs.run_job(str(job.pk), work)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "内部错误（详情已记入系统日志，请联系管理员）" in job.log
    assert "list index" not in job.log and "Traceback" not in job.log and "ValueError" not in job.log


def test_only_the_requester_retries_a_failed_job_and_only_its_failed_reports(
    client, people, django_capture_on_commit_callbacks
):
    from reports.models import RenderStatus, ReportRender
    from reports.services import CYCLE_REPORTS_KIND

    job = jobs.job_create(kind=CYCLE_REPORTS_KIND, label="生成报告", requester=people["bureau"])
    done = ReportRender.objects.create(job=job, kind="center_report", label="甲", status=RenderStatus.DONE)
    failed = ReportRender.objects.create(
        job=job, kind="center_report", label="乙", status=RenderStatus.FAILED, error="数据库繁忙"
    )
    for render in (done, failed):
        JobMessage.objects.create(
            job=job,
            task_name="reports.tasks.render_report",
            args=[str(job.pk), render.pk],
            sent_at=timezone.now(),
        )
    Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, finished_at=timezone.now())
    url = reverse("core:job_retry", args=[job.pk])

    # Anyone else — an auditor, a director: not found, nothing changes.
    client.force_login(people["auditor"])
    assert client.post(url).status_code == 404
    client.force_login(people["director"])
    assert client.post(url).status_code == 404
    assert Job.objects.get(pk=job.pk).status == JobStatus.FAILED

    client.force_login(people["bureau"])
    page = client.get(reverse("core:job_detail", args=[job.pk])).content.decode()
    assert f'action="{url}"' in page and "重试失败项</button>" in page
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url, follow=True)
    assert response.status_code == 200 and "已重新排队" in response.content.decode()
    job.refresh_from_db()
    assert job.status == JobStatus.PENDING and job.finished_at is None
    failed.refresh_from_db()
    done.refresh_from_db()
    assert failed.status == RenderStatus.PENDING and failed.error == ""
    assert done.status == RenderStatus.DONE
    assert "重新生成失败的 1 份报告" in job.log
    assert not JobMessage.objects.filter(job=job, sent_at__isnull=False).exists()

    # A job that has not failed offers no retry, and a second retry is refused in Chinese.
    response = client.post(url, follow=True)
    assert "只有“失败”的任务可以重试" in response.content.decode()
    assert f'action="{url}"' not in client.get(reverse("core:job_detail", args=[job.pk])).content.decode()


class _BreaksHalfway(File):
    """A file whose stream fails after the first chunk (a full disk, a dropped upload)."""

    def __init__(self):
        super().__init__(None, name="x.pdf")

    def chunks(self, chunk_size=None):
        yield b"%PDF-1.7 first part"
        raise OSError(28, "No space left on device")


def test_a_file_that_fails_halfway_leaves_nothing_under_its_name(tmp_path):
    from core.storage import AtomicFileSystemStorage

    assert isinstance(default_storage, AtomicFileSystemStorage)  # every upload and generated file
    storage = AtomicFileSystemStorage(location=tmp_path)
    from core.storage import StorageFailure

    with pytest.raises(StorageFailure):  # a Chinese message naming the file (an OSError underneath)
        storage.save("reports/broken.pdf", _BreaksHalfway())
    assert list((tmp_path / "reports").iterdir()) == []
    name = storage.save("reports/whole.pdf", ContentFile(b"%PDF-1.7 whole"))
    assert (tmp_path / name).read_bytes() == b"%PDF-1.7 whole"
    assert [p.name for p in (tmp_path / "reports").iterdir()] == ["whole.pdf"]


def test_a_file_saved_in_a_failed_transaction_is_removed(db):
    from core.storage import atomic_with_files, track_new_file

    with pytest.raises(RuntimeError), atomic_with_files():
        name = default_storage.save("jobs/test/orphan.pdf", ContentFile(b"%PDF"))
        track_new_file(default_storage, name)
        assert default_storage.exists(name)
        raise RuntimeError("the row could not be saved")
    assert not default_storage.exists(name)


def test_the_job_status_poll_costs_a_fixed_number_of_queries(client, people, django_assert_num_queries):
    job = jobs.job_create(kind="test", label="测试任务", requester=people["bureau"])
    for n in range(3):
        JobMessage.objects.create(job=job, task_name="x", args=[n])
    client.force_login(people["bureau"])
    url = reverse("core:job_status", args=[job.pk])
    client.get(url)
    # session, user, the role groups (core.access's declaration), permissions (user and groups, one query), the job,
    # its unsent messages (no session save within a minute of the last)
    with django_assert_num_queries(6):
        assert client.get(url).json()["broker_notice"] == ""
    assert client.get(url, HTTP_ACCEPT="application/json").status_code == 200
    client.force_login(people["director"])
    assert client.get(url).status_code == 404
