"""In-portal notices and e-mails of the evaluation.

A notice is written in the user's transaction (a ``Notification`` row: what the recipient sees in the
portal once it commits) and its e-mail goes through the jobs outbox (``core.jobs``): ``_notify`` writes a
job and its message in the same transaction; after commit the worker's ``send_notifications_task``
sends the e-mails. A rolled-back action therefore notifies nobody, no SMTP connection is ever made
while rows are locked, and a failed send is recorded on the notice (``attempts``, ``last_error`` in
Chinese), retried (the task's ``error_retries``, ``JOBS_ERROR_RETRY_SECONDS`` apart) and listed for the
bureau (``undelivered_notifications``, page 未送达的通知邮件).
"""

from __future__ import annotations

import logging
import smtplib
import socket

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.errors import ApplicationError
from core.jobs import JobContext, job_create, job_enqueue
from core.models import Job
from core.permissions import restrict

from ..models import (
    Notification,
)

logger = logging.getLogger(__name__)

NOTIFY_KIND = "evaluations.notifications"
NOTIFY_TASK = "evaluations.tasks.send_notifications_task"


def _notify(
    *, recipients, kind: str, key: str, title: str, body: str, url: str = "", cycle=None, email=True
) -> int:
    """Create a notification per recipient unless one with the same key exists; queue the e-mails of the
    new ones (sent after commit by the worker). Returns how many notices were created."""
    created = []
    for user in recipients:
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    recipient=user,
                    kind=kind,
                    key=key[:200],
                    title=title[:200],
                    body=body,
                    url=url,
                    cycle=cycle,
                    email_to=user.email if email and user.email else "",
                )
        except IntegrityError:
            continue  # already sent to this recipient for this deadline
        created.append(note)
    to_mail = [n.pk for n in created if n.email_to]
    if to_mail:
        job = job_create(
            kind=NOTIFY_KIND, label=f"发送通知邮件：{title}"[:200], params={"notifications": to_mail}
        )
        job_enqueue(job, NOTIFY_TASK)
    return len(created)


class MailNotSent(ApplicationError):
    """Some of a job's e-mails could not be sent (each failure is recorded on its notice)."""


def mail_failure_reason(exc: BaseException) -> str:
    """Why an e-mail was not sent, in Chinese (the exception itself goes to the log)."""
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return "邮件服务器拒绝登录：请检查邮件账号和密码设置"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return "邮件服务器拒收该收件地址：请核对接收人的邮箱"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return "邮件服务器拒绝发件地址：请检查发件人设置"
    if isinstance(exc, smtplib.SMTPException):
        return "邮件服务器返回错误，未能发送"
    if isinstance(exc, ConnectionRefusedError):
        return "无法连接邮件服务器（连接被拒绝）：请检查邮件服务器地址和端口，或服务器是否运行"
    if isinstance(exc, socket.timeout | TimeoutError):
        return "连接邮件服务器超时"
    if isinstance(exc, socket.gaierror):
        return "找不到邮件服务器：请检查邮件服务器地址"
    if isinstance(exc, OSError):
        return "无法连接邮件服务器（网络错误）"
    return "邮件未能发送（详情已记入系统日志）"


def _mail_text(note: Notification) -> str:
    link = f"{settings.PORTAL_BASE_URL}{note.url}" if note.url else ""
    return f"{note.body}\n\n{link}".strip()


def notifications_send_work(job: Job, ctx: JobContext) -> dict:
    """Send the job's e-mails not sent yet (idempotent: a sent one is skipped). Each attempt is counted
    on its notice; a failure is recorded there in Chinese and the job raises so the task retries."""
    from centers.selectors import sender_address

    ids = job.params.get("notifications", [])
    pending = list(
        Notification.objects.filter(pk__in=ids, sent_at__isnull=True).exclude(email_to="").order_by("pk")
    )
    sent, failed, reason = 0, 0, ""
    for note in pending:
        try:
            send_mail(note.title, _mail_text(note), sender_address(), [note.email_to], fail_silently=False)
        except Exception as exc:
            logger.warning("notification %s: e-mail not sent (%s: %s)", note.pk, type(exc).__name__, exc)
            reason = mail_failure_reason(exc)
            Notification.objects.filter(pk=note.pk).update(
                attempts=F("attempts") + 1, last_error=reason[:300]
            )
            failed += 1
        else:
            Notification.objects.filter(pk=note.pk).update(
                attempts=F("attempts") + 1, sent_at=timezone.now(), last_error=""
            )
            sent += 1
    ctx.log(f"已发送 {sent} 封，未发送 {failed} 封")
    if failed:
        raise MailNotSent(f"{failed} 封通知邮件未能发送：{reason}")
    return {"sent": sent}


def undelivered_notifications(user):
    """The notices whose e-mail has not gone out after an attempt (newest first), for the bureau."""
    return (
        restrict(Notification.objects.all(), user, "monitor")
        .filter(sent_at__isnull=True, attempts__gt=0)
        .exclude(email_to="")
        .select_related("recipient", "cycle")
        .order_by("-created_at", "-pk")
    )


@transaction.atomic
def notifications_resend(*, actor) -> Job | None:
    """The bureau sends the undelivered e-mails again (one job; after commit). None: nothing to send."""
    from core.audit import log_action

    ids = list(undelivered_notifications(actor).values_list("pk", flat=True)[:500])
    if not ids:
        return None
    job = job_create(
        kind=NOTIFY_KIND,
        label=f"重新发送未送达的通知邮件（{len(ids)} 封）",
        requester=actor,
        params={"notifications": ids},
    )
    job_enqueue(job, NOTIFY_TASK)
    log_action("evaluations.notifications.resent", actor=actor, data={"count": len(ids)})
    return job


def _center_people(center_ids, *, directors=True, supervisors=False):
    from accounts.models import User
    from accounts.roles import Role

    qs = User.objects.filter(is_active=True)
    if directors:
        return qs.filter(center_id__in=center_ids, groups__name=Role.DIRECTOR).distinct()
    return qs.filter(supervising_unit__centers__in=center_ids, groups__name=Role.SUPERVISOR).distinct()


@transaction.atomic
def notification_mark_read(*, user, ids=None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())
