"""Notices are written with the action and e-mailed by a job after it commits: a rolled-back action
notifies nobody, nothing is sent inside the transaction, and a failed send (a real SMTP refusal) is
recorded on the notice in Chinese, shown to the bureau, and sent again."""

import socket

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse

from core.jobs import run_job
from core.models import Job, JobMessage
from evaluations import services
from evaluations.choices import NotificationKind
from evaluations.models import Notification
from evaluations.services.notifications import NOTIFY_KIND, NOTIFY_TASK, MailNotSent, notifications_send_work

pytestmark = pytest.mark.django_db


def _notify(people, key="k1"):
    return services._notify(
        recipients=[people["director"]],
        kind=NotificationKind.ASSIGNED,
        key=key,
        title="新的抽检任务：测试",
        body="请按期完成。",
        url="/evaluations/",
    )


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_email_goes_out_after_commit_and_never_for_a_rolled_back_action(
    people, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=False) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        _notify(people)
        raise RuntimeError("the action fails after notifying")
    assert callbacks == [] and not Notification.objects.exists() and not JobMessage.objects.exists()
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            assert _notify(people) == 1
        assert mail.outbox == []  # nothing sent inside the transaction
    assert len(callbacks) == 1  # the outbox's send, after commit
    message = JobMessage.objects.get()
    assert message.task_name == NOTIFY_TASK and message.job.kind == NOTIFY_KIND
    run_job(str(message.job_id), notifications_send_work)  # what the worker does with the message
    run_job(str(message.job_id), notifications_send_work)  # twice: idempotent, still one e-mail
    assert [m.to for m in mail.outbox] == [["d@example.org"]] and "请按期完成" in mail.outbox[0].body
    note = Notification.objects.get()
    assert note.sent_at is not None and note.attempts == 1 and note.last_error == ""


def test_a_refused_smtp_connection_is_recorded_shown_to_the_bureau_and_sent_again(people, settings, client):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _closed_port(), 5
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    _notify(people)
    job = Job.objects.get(kind=NOTIFY_KIND)
    with pytest.raises(MailNotSent):
        run_job(str(job.pk), notifications_send_work)
    note = Notification.objects.get()
    assert note.sent_at is None and note.attempts == 1
    assert note.last_error.startswith("无法连接邮件服务器（连接被拒绝）")
    job.refresh_from_db()
    assert job.status == "failed" and "1 封通知邮件未能发送" in job.log

    url = reverse("evaluations:notifications_undelivered")
    client.force_login(people["director"])
    assert client.get(url).status_code == 404  # the bureau's page only
    client.force_login(people["bureau"])
    page = client.get(url).content.decode()
    assert "d@example.org" in page and "连接被拒绝" in page and "新的抽检任务：测试" in page
    assert "有 1 条通知的邮件未能发出" in client.get(reverse("evaluations:notifications")).content.decode()

    # the mail server fixed: 重新发送 queues a job; it sends and clears the failure
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert client.post(url).status_code == 302
    again = Job.objects.filter(kind=NOTIFY_KIND).exclude(pk=job.pk).get()
    run_job(str(again.pk), notifications_send_work)
    note.refresh_from_db()
    assert note.sent_at is not None and note.attempts == 2 and note.last_error == ""
    assert len(mail.outbox) == 1
    assert "没有未送达的通知邮件" in client.get(url).content.decode()
