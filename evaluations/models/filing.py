import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.versioning import VersionedModel

from ..choices import FilingState, ReturnStage
from ._access import global_perm
from .cycle import Cycle, Indicator

# The year's activity figures the policy's functions call for (policy section 二), in form order.
FILING_FIGURES = [
    ("trainings_held", _("举办培训（场次）")),
    ("trainees", _("培训人次")),
    ("information_officers_trained", _("培训信息员（人）")),
    ("early_warnings_handled", _("协助处置预警（件）")),
    ("activity_teams_on_file", _("社区群众活动团队备案（支）")),
    ("onsite_inspections", _("新登记现场勘察（次）")),
    ("organizations_incubated", _("孵化培育社会组织（家）")),
    ("projects_undertaken", _("承接政府项目（个）")),
    ("project_funding", _("项目资金（万元）")),
    ("needs_surveys", _("社区需求调研（次）")),
    ("joint_meetings", _("联席会议（次）")),
    ("regular_meetings", _("例会（次）")),
    ("party_coverage_percent", _("党建工作覆盖率（%）")),
]
FIGURE_NAMES = [name for name, _label in FILING_FIGURES]


def _unguessable(prefix: str, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()
    return f"evaluations/{prefix}/{uuid.uuid4().hex}{suffix}"


def work_plan_upload_to(instance, filename: str) -> str:
    return _unguessable("work_plans", filename)


def evidence_upload_to(instance, filename: str) -> str:
    return _unguessable("evidence", filename)


def _count(label):
    return models.PositiveIntegerField(label, null=True, blank=True)


class Filing(VersionedModel, TimeStampedModel):
    """A center's annual filing (年度填报) for one cycle: figures, work plan, evidence, self-assessment.

    Access: the bureau sees all; the center's director and its supervising unit through their grants on
    the center; an auditor only through object grants on this filing, given when assigned in this
    cycle — never through a grant on the center (other cycles' filings stay hidden).
    """

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("考评年度"), on_delete=models.PROTECT, related_name="filings"
    )
    center = models.ForeignKey(
        "centers.ServiceCenter", verbose_name=_("服务中心"), on_delete=models.PROTECT, related_name="filings"
    )
    state = models.CharField(_("状态"), max_length=16, choices=FilingState.choices, default=FilingState.DRAFT)

    trainings_held = _count(_("举办培训（场次）"))
    trainees = _count(_("培训人次"))
    information_officers_trained = _count(_("培训信息员（人）"))
    early_warnings_handled = _count(_("协助处置预警（件）"))
    activity_teams_on_file = _count(_("社区群众活动团队备案（支）"))
    onsite_inspections = _count(_("新登记现场勘察（次）"))
    organizations_incubated = _count(_("孵化培育社会组织（家）"))
    projects_undertaken = _count(_("承接政府项目（个）"))
    project_funding = models.DecimalField(
        _("项目资金（万元）"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    needs_surveys = _count(_("社区需求调研（次）"))
    joint_meetings = _count(_("联席会议（次）"))
    regular_meetings = _count(_("例会（次）"))
    party_coverage_percent = models.DecimalField(
        _("党建工作覆盖率（%）"),
        max_digits=5,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    notes = models.TextField(_("填报说明"), blank=True)
    figure_notes = models.JSONField(
        _("手工填写的数据及说明"),
        default=dict,
        blank=True,
        help_text=_("登记册无法提供而手工填写的数据：数据项 → 说明（evaluations.figures）"),
    )
    work_plan = models.FileField(_("年度工作计划"), upload_to=work_plan_upload_to, blank=True)
    work_plan_name = models.CharField(_("工作计划原文件名"), max_length=200, blank=True)

    snapshot = models.JSONField(_("提交时的台账快照"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    snapshot_taken_at = models.DateTimeField(_("快照时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("初审时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    reopened_until = models.DateField(
        _("延期至"), null=True, blank=True, help_text=_("区民政局为该中心重新开放填报的截止日期")
    )
    self_total = models.DecimalField(_("自评总分"), max_digits=6, decimal_places=2, null=True, blank=True)

    class Meta:
        verbose_name = _("年度填报")
        verbose_name_plural = _("年度填报")
        ordering = ["cycle", "center__street_town__sort_order", "center__name"]
        permissions = [
            ("review_filing", _("初审年度填报")),
            ("audit_filing", _("抽检评分")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["cycle", "center"], name="filing_one_per_center_and_cycle")
        ]

    def __str__(self):
        return f"{self.center} · {self.cycle.year} 年度填报"

    @property
    def deadline(self):
        return self.reopened_until or self.cycle.filing_deadline

    @classmethod
    def restrict_queryset(cls, queryset, user, action):
        from guardian.shortcuts import get_objects_for_user

        from centers.models import ServiceCenter
        from core.permissions import restrict

        if global_perm(user, cls, action):
            return queryset
        # Center people act through their grant on the center: a director (change), a supervising
        # unit (review). A bare "view" grant on a center (as auditors may hold) does not open filings.
        center_actions = {"view": ("change", "review"), "change": ("change",), "review": ("review",)}.get(
            action, ()
        )
        condition = Q(pk__in=[])
        for center_action in center_actions:
            centers = restrict(ServiceCenter.objects.all(), user, center_action)
            condition |= Q(center__in=centers.values("pk"))
        if action in ("view", "audit"):
            granted = get_objects_for_user(
                user, f"evaluations.{action}_filing", klass=cls, accept_global_perms=False
            )
            condition |= Q(pk__in=granted.values("pk"))
        return queryset.filter(condition)


class Evidence(TimeStampedModel):
    """A file proving an indicator (佐证材料), content-checked, stored under an unguessable name."""

    filing = models.ForeignKey(
        Filing, verbose_name=_("年度填报"), on_delete=models.CASCADE, related_name="evidence"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="evidence"
    )
    file = models.FileField(_("文件"), upload_to=evidence_upload_to)
    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=100)
    size = models.PositiveIntegerField(_("大小（字节）"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL
    )

    permission_parent = "filing"

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["filing_id", "indicator__sort_order", "created_at"]

    def __str__(self):
        return self.original_name


class FilingReturn(TimeStampedModel):
    """A return (退回) with its reasons, kept as the filing's history; reasons are keyed by field."""

    filing = models.ForeignKey(
        Filing, verbose_name=_("年度填报"), on_delete=models.CASCADE, related_name="returns"
    )
    stage = models.CharField(_("环节"), max_length=16, choices=ReturnStage.choices)
    reason = models.TextField(_("退回原因"))
    field_reasons = models.JSONField(
        _("逐项原因"), default=dict, blank=True, help_text=_("字段名或 indicator:<编号> → 原因")
    )
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("退回人"), null=True, on_delete=models.SET_NULL
    )
    resolved_at = models.DateTimeField(_("重新提交时间"), null=True, blank=True)

    permission_parent = "filing"

    class Meta:
        verbose_name = _("退回记录")
        verbose_name_plural = _("退回记录")
        ordering = ["filing_id", "-created_at"]

    def __str__(self):
        return f"{self.filing} 退回（{self.get_stage_display()}）"


class SelfScore(VersionedModel, TimeStampedModel):
    """The director's score for one indicator; computed indicators carry how they were computed."""

    filing = models.ForeignKey(
        Filing, verbose_name=_("年度填报"), on_delete=models.CASCADE, related_name="self_scores"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="+"
    )
    score = models.DecimalField(_("自评分"), max_digits=5, decimal_places=1)
    occurrences = models.PositiveIntegerField(
        _("发生次数"), null=True, blank=True, help_text=_("扣分项、一票否决项、加分项：发生的次数")
    )
    not_applicable = models.BooleanField(_("不适用"), default=False)
    comment = models.TextField(_("自评说明"), blank=True)
    computed_detail = models.CharField(_("计算过程"), max_length=500, blank=True)

    permission_parent = "filing"

    class Meta:
        verbose_name = _("自评分")
        verbose_name_plural = _("自评分")
        ordering = ["filing_id", "indicator__category__sort_order", "indicator__sort_order"]
        constraints = [models.UniqueConstraint(fields=["filing", "indicator"], name="self_score_unique")]

    def __str__(self):
        return f"{self.indicator.code} = {self.score}"
