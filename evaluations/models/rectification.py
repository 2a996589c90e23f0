from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.versioning import VersionedModel

from ..choices import FindingKind, RectificationState
from ._access import global_perm
from .cycle import Cycle
from .filing import Filing, _unguessable


def rectification_evidence_upload_to(instance, filename: str) -> str:
    return _unguessable("rectifications", filename)


class Rectification(VersionedModel, TimeStampedModel):
    """A rectification item (整改事项): one finding of a published result that the center must put right.

    Opened when the results are published (one per finding, ``key`` keeps it idempotent); the center's
    director files the rectification report, its supervising unit reviews it (通过 / 退回), the bureau
    closes it (销号)."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("考评年度"), on_delete=models.PROTECT, related_name="rectifications"
    )
    center = models.ForeignKey(
        "centers.ServiceCenter",
        verbose_name=_("服务中心"),
        on_delete=models.PROTECT,
        related_name="rectifications",
    )
    filing = models.ForeignKey(Filing, verbose_name=_("年度填报"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("问题类型"), max_length=16, choices=FindingKind.choices)
    key = models.CharField(_("问题标识"), max_length=60)
    finding = models.CharField(_("发现的问题"), max_length=500)
    deadline = models.DateField(_("整改期限"))
    state = models.CharField(
        _("状态"), max_length=16, choices=RectificationState.choices, default=RectificationState.OPEN
    )
    report = models.TextField(_("整改报告"), blank=True)
    evidence = models.FileField(_("整改佐证材料"), upload_to=rectification_evidence_upload_to, blank=True)
    evidence_name = models.CharField(_("佐证材料文件名"), max_length=200, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("提交人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    review_comment = models.TextField(_("审核意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    close_comment = models.TextField(_("销号意见"), blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("销号人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("销号时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("整改事项")
        verbose_name_plural = _("整改事项")
        ordering = ["-cycle__year", "center__name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "center", "key"], name="rectification_one_per_finding")
        ]

    def __str__(self):
        return f"{self.center} {self.cycle.year} 年度整改事项：{self.finding[:40]}"

    @classmethod
    def restrict_queryset(cls, queryset, user, action):
        """The bureau: all; the center's director (view, change) and its supervising unit (view,
        review): the center's items; anyone else: none (404)."""
        from centers.models import ServiceCenter
        from core.permissions import restrict

        if action in ("view", "change") and global_perm(user, cls, action):
            return queryset
        center_actions = {"view": ("change", "review"), "change": ("change",), "review": ("review",)}.get(
            action, ()
        )
        condition = Q(pk__in=[])
        for center_action in center_actions:
            condition |= Q(center__in=restrict(ServiceCenter.objects.all(), user, center_action).values("pk"))
        return queryset.filter(condition)
