from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import ChoiceLabels

from ..choices import NotificationKind


class Notification(ChoiceLabels, models.Model):
    """An in-app notification (站内通知). ``key`` makes a reminder unique per recipient and deadline, so
    a reminder job run twice sends nothing twice."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("接收人"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("类型"), max_length=24, choices=NotificationKind.choices)
    key = models.CharField(_("去重键"), max_length=200)
    cycle = models.ForeignKey(
        "evaluations.Cycle", verbose_name=_("考评年度"), null=True, blank=True, on_delete=models.CASCADE
    )
    title = models.CharField(_("标题"), max_length=200)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=300, blank=True)
    # The e-mail (core.jobs outbox: sent by evaluations.tasks.send_notifications_task after commit).
    email_to = models.CharField(_("邮件地址"), max_length=254, blank=True)
    sent_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("发送尝试次数"), default=0)
    last_error = models.CharField(_("最近一次发送失败原因"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_key")]

    def __str__(self):
        return self.title

    @classmethod
    def restrict_queryset(cls, queryset, user, action):
        """Each user reads their own notices; ``monitor`` (the delivery list) is the bureau's: every
        notice, for whoever holds the model-wide view permission."""
        if action == "monitor":
            return queryset if user.has_perm("evaluations.view_notification") else queryset.none()
        return queryset.filter(recipient=user)
