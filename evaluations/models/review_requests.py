from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.versioning import VersionedModel

from ..choices import ReviewDecision, ReviewRequestState
from ._access import global_perm
from .cycle import Cycle
from .filing import _unguessable
from .results import Result


def review_evidence_upload_to(instance, filename: str) -> str:
    return _unguessable("review_requests", filename)


class ReviewRequest(VersionedModel, TimeStampedModel):
    """A center's request for review (复核申请) of its published result, filed during the publicity
    period by its director; the bureau decides 维持 (the result stands) or 调整 (a new result revision)."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("考评年度"), on_delete=models.PROTECT, related_name="review_requests"
    )
    center = models.ForeignKey(
        "centers.ServiceCenter", verbose_name=_("服务中心"), on_delete=models.PROTECT, related_name="+"
    )
    result = models.ForeignKey(
        Result, verbose_name=_("申请复核的结果"), on_delete=models.PROTECT, related_name="review_requests"
    )
    reasons = models.TextField(_("复核理由"))
    evidence = models.FileField(_("佐证材料"), upload_to=review_evidence_upload_to, blank=True)
    evidence_name = models.CharField(_("佐证材料文件名"), max_length=200, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("申请人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=ReviewRequestState.choices, default=ReviewRequestState.PENDING
    )
    decision = models.CharField(_("复核决定"), max_length=16, choices=ReviewDecision.choices, blank=True)
    decision_reason = models.TextField(_("决定理由"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("决定人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    revision = models.PositiveSmallIntegerField(_("调整后的结果版本"), null=True, blank=True)
    job = models.ForeignKey(
        "core.Job",
        verbose_name=_("重新计分任务"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("复核申请")
        verbose_name_plural = _("复核申请")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["cycle", "center"],
                condition=Q(state="pending"),
                name="review_request_one_pending_per_center",
            )
        ]

    def __str__(self):
        return f"{self.center} {self.cycle.year} 年度复核申请"

    @classmethod
    def restrict_queryset(cls, queryset, user, action):
        """The bureau: all; a center's director: its own center's; anyone else: none (404)."""
        from centers.models import ServiceCenter
        from core.permissions import restrict

        if global_perm(user, cls, "view" if action == "view" else "change"):
            return queryset
        centers = restrict(ServiceCenter.objects.all(), user, "change")
        return queryset.filter(center__in=centers.values("pk"))
