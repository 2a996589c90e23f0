"""Rendered PDF documents: one row per revision of a report, never mutated once stored.

A report's *subject* (``subject_key``, e.g. ``center_report/cycle-3/center-7``) has revisions 1, 2, …;
the newest is current, earlier ones are superseded (已被替代) and stay downloadable. A re-run whose
inputs (``inputs_sha256``) did not change creates nothing. The file is stored under an unguessable name
and served only through the permission-checked download view; ``sha256`` lets the public verification
page tell a genuine file from a changed one.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.models import ChoiceLabels, TimeStampedModel

from .choices import ReportKind

# Crockford's base32 without the letters that read like digits (I, L, O, U).
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 12


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def normalize_code(raw: str) -> str:
    """What a person typed (lower case, dashes, spaces, O for 0) → the stored form."""
    cleaned = "".join(ch for ch in (raw or "").upper() if ch.isalnum())
    return cleaned.replace("O", "0").replace("I", "1").replace("L", "1")


def report_upload_to(instance, filename: str) -> str:
    return f"reports/{secrets.token_hex(20)}.pdf"


class ReportDocument(TimeStampedModel):
    kind = models.CharField(_("报告类型"), max_length=32, choices=ReportKind.choices, db_index=True)
    subject_key = models.CharField(
        _("报告对象"), max_length=120, db_index=True, help_text=_("同一对象的各修订版共用此键")
    )
    revision = models.PositiveIntegerField(_("修订版"))
    title = models.CharField(_("标题"), max_length=200)
    center = models.ForeignKey(
        "centers.ServiceCenter",
        verbose_name=_("服务中心"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report_documents",
    )
    cycle = models.ForeignKey(
        "evaluations.Cycle",
        verbose_name=_("考评年度"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report_documents",
    )
    filing = models.ForeignKey(
        "evaluations.Filing",
        verbose_name=_("年度填报"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="report_documents",
        help_text=_("绩效考评报告与年度报告书所属的填报；查看权限随该填报"),
    )
    file = models.FileField(_("文件"), upload_to=report_upload_to)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveIntegerField(_("文件大小（字节）"))
    page_count = models.PositiveIntegerField(_("页数"))
    inputs_sha256 = models.CharField(
        _("输入摘要"), max_length=64, help_text=_("报告所依据数据的摘要；数据不变则不重新生成")
    )
    verification_code = models.CharField(_("验证码"), max_length=16, unique=True)
    generated_at = models.DateTimeField(_("生成时间"))
    reason = models.CharField(_("生成原因"), max_length=300, blank=True)
    superseded_at = models.DateTimeField(_("被替代时间"), null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self",
        verbose_name=_("替代版本"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="supersedes",
    )
    job = models.ForeignKey(
        "core.Job",
        verbose_name=_("生成任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="report_documents",
    )

    class Meta:
        verbose_name = _("报告文件")
        verbose_name_plural = _("报告文件")
        ordering = ["kind", "subject_key", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_key", "revision"], name="report_subject_revision_unique"
            ),
            models.UniqueConstraint(
                fields=["subject_key"],
                condition=Q(superseded_at__isnull=True),
                name="report_one_current_revision",
            ),
        ]

    def __str__(self):
        return f"{self.title}（第 {self.revision} 版）"

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None

    @property
    def display_code(self) -> str:
        return format_code(self.verification_code)

    @property
    def verification_url(self) -> str:
        path = reverse("reports:verify_code", args=[self.display_code])
        return f"{settings.PORTAL_BASE_URL}{path}"

    def get_absolute_url(self):
        return reverse("reports:document_detail", args=[self.pk])

    @property
    def download_filename(self) -> str:
        from core.uploads import safe_filename

        return safe_filename(f"{self.title}-第{self.revision}版.pdf")

    @classmethod
    def restrict_queryset(cls, queryset, user, action):
        from .permissions import restrict_documents

        return restrict_documents(queryset, user, action)


class RenderStatus(models.TextChoices):
    PENDING = "pending", _("排队中")
    DONE = "done", _("已生成")
    UNCHANGED = "unchanged", _("数据未变，沿用现有版本")
    FAILED = "failed", _("失败")


class ReportRender(ChoiceLabels, models.Model):
    """One report of a fan-out job (a cycle's summary, center reports and filing sheets)."""

    job = models.ForeignKey("core.Job", on_delete=models.CASCADE, related_name="report_renders")
    kind = models.CharField(_("报告类型"), max_length=32, choices=ReportKind.choices)
    params = models.JSONField(_("参数"), default=dict)
    label = models.CharField(_("报告"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=16, choices=RenderStatus.choices, default=RenderStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    error = models.TextField(_("失败原因"), blank=True)
    document = models.ForeignKey(
        ReportDocument, null=True, blank=True, on_delete=models.SET_NULL, related_name="renders"
    )
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("报告生成项")
        verbose_name_plural = _("报告生成项")
        ordering = ["job_id", "pk"]

    def __str__(self):
        return f"{self.label}：{self.get_status_display()}"
