import functools
import uuid

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from .choices import JobStatus
from .permissions import RestrictedQuerySet


@functools.cache
def _choice_labels(field, language) -> dict:
    """A field's choices as {value: label}, the labels translated once per language."""
    return {make_hashable(value): str(label) for value, label in field.flatchoices}


class ChoiceLabels:
    """``get_FOO_display()`` as Django answers it, from a table made once per field and language.

    Django's own builds a dict of every choice on each call, translating every lazy label on the
    way (``make_hashable`` hashes each): seven lookups in the catalogs for one cell, about 350 on a
    page of 50 organisations. The portal's choices are fixed enumerations (core.vocabulary)."""

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        label = _choice_labels(field, get_language()).get(make_hashable(value))
        return label if label is not None else force_str(value, strings_only=True)


class TimeStampedModel(ChoiceLabels, models.Model):
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True


class PolicyParameter(models.Model):
    """A number the policy sets (a ratio, 200 m², 3A, two years), kept as data beside its rule ID.

    Code reads these through ``core.selectors.policy_value(key)``; it never repeats the number.
    """

    key = models.SlugField(_("参数键"), max_length=64, unique=True)
    rule_id = models.CharField(_("规则编号"), max_length=32, help_text=_("如 R-STAFF-2，见政策条款表"))
    label = models.CharField(_("名称"), max_length=200)
    value = models.DecimalField(_("数值"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    source = models.CharField(_("依据"), max_length=300)
    effective_from = models.DateField(_("生效日期"))
    note = models.TextField(_("说明"), blank=True)

    class Meta:
        verbose_name = _("政策参数")
        verbose_name_plural = _("政策参数")
        ordering = ["rule_id", "key"]

    def __str__(self):
        return f"{self.rule_id} {self.label} = {self.value.normalize()}{self.unit}"


class Job(ChoiceLabels, models.Model):
    """A background job as a row: what the page polls for status and progress (NetBox's JobResult)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("任务类型"), max_length=64, db_index=True)
    label = models.CharField(_("任务名称"), max_length=200)
    status = models.CharField(_("状态"), max_length=16, choices=JobStatus.choices, default=JobStatus.PENDING)
    progress = models.PositiveSmallIntegerField(_("进度"), default=0)
    log = models.TextField(_("日志"), blank=True)
    params = models.JSONField(_("参数"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    result = models.JSONField(_("结果"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    output_file = models.FileField(_("输出文件"), upload_to="jobs/%Y/%m/", blank=True)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="jobs",
    )
    attempts = models.PositiveSmallIntegerField(_("执行次数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        _("最近活动时间"), null=True, blank=True, help_text=_("任务每推进一步即更新；长时间不变则由巡检处理")
    )
    requeues = models.PositiveSmallIntegerField(_("巡检重新排队次数"), default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.label}（{self.get_status_display()}）"

    @property
    def is_finished(self) -> bool:
        return self.status in {JobStatus.SUCCEEDED, JobStatus.FAILED}


class JobMessage(models.Model):
    """The outbox: a Celery message written in the same transaction as its job and sent after commit
    (core.jobs.outbox_dispatch). Unsent rows are what a broker outage leaves; the dispatcher sends them
    when the broker is back, so the work is delayed, never lost."""

    job = models.ForeignKey(
        Job, verbose_name=_("后台任务"), on_delete=models.CASCADE, related_name="messages"
    )
    task_name = models.CharField(_("任务函数"), max_length=200)
    args = models.JSONField(_("参数"), default=list, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    send_attempts = models.PositiveIntegerField(_("发送尝试次数"), default=0)
    last_error = models.CharField(_("最近一次发送失败"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("待发送任务消息")
        verbose_name_plural = _("待发送任务消息")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["created_at"], condition=models.Q(sent_at__isnull=True), name="jobmessage_unsent"
            )
        ]

    def __str__(self):
        return f"{self.task_name}{self.args}"


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    REFUSED = "refused", _("被拒绝")
    FAILED = "failed", _("失败")


class AuditEntry(ChoiceLabels, models.Model):
    """One recorded action: who, when, from where, what, on what, with what outcome, before and after.

    Entries are never changed or deleted through any page, API or admin. Each sealed entry carries the
    SHA-256 of the one sealed before it (``core.audit.seal_audit_chain``), so a change made directly in
    the database breaks the chain and ``manage.py audit_verify`` names the first broken entry. On
    PostgreSQL a trigger refuses UPDATE and DELETE except sealing and the retention purge.
    """

    action = models.CharField(_("操作"), max_length=100, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="audit_entries",
    )
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=300, blank=True)
    data = models.JSONField(_("内容"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    outcome = models.CharField(
        _("结果"), max_length=10, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS, db_index=True
    )
    request_id = models.CharField(_("请求编号"), max_length=40, blank=True)
    # The hash chain, filled in by the sealer after commit (in sealing order, not id order: a long
    # transaction may commit an entry with a lower id after one with a higher id was sealed).
    seq = models.PositiveBigIntegerField(_("链序号"), null=True, blank=True, unique=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    entry_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        verbose_name = _("操作记录")
        verbose_name_plural = _("操作记录")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor} {self.action} {self.object_repr}"


class WorkerHeartbeat(models.Model):
    """Written by each Celery worker every few seconds (core.worker.HeartbeatStep)."""

    hostname = models.CharField(max_length=200, unique=True)
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("后台进程心跳")
        verbose_name_plural = _("后台进程心跳")

    def __str__(self):
        return f"{self.hostname} @ {self.last_seen:%Y-%m-%d %H:%M:%S}"


class IdempotencyKey(models.Model):
    """One create form's submission: the key its page was rendered with, and the row it made.

    A double click, a re-sent POST or two parallel posts with the same key make one row
    (core.idempotency.create_once); the later ones are answered with the row the first made."""

    key = models.UUIDField(_("提交标识"), primary_key=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("提交人"), on_delete=models.CASCADE)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE)
    object_id = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("提交时间"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("表单提交标识")
        verbose_name_plural = _("表单提交标识")

    def __str__(self):
        return str(self.key)

    def target(self):
        """The row the first submission made (None when it has been deleted since)."""
        if self.content_type_id is None or not self.object_id:
            return None
        model = self.content_type.model_class()
        return model._default_manager.filter(pk=self.object_id).first() if model else None
