from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel
from core.versioning import VersionedModel

from ..choices import (
    CombinationRule,
    CycleState,
    IndicatorKind,
    IndicatorMethod,
    NotApplicableRule,
    UnsubmittedRule,
)
from ._access import global_perm


def default_levels() -> list[str]:
    return ["street_town"]


def default_grade_bands() -> list[dict]:
    """Of 100 points: 优秀 ≥ 90, 良好 ≥ 80, 合格 ≥ 60, else 不合格 (highest first)."""
    return [
        {"grade": "优秀", "min": 90},
        {"grade": "良好", "min": 80},
        {"grade": "合格", "min": 60},
        {"grade": "不合格", "min": 0},
    ]


def default_reminder_days() -> list[int]:
    return [7, 3, 1]


class Cycle(VersionedModel, TimeStampedModel):
    """One year's performance evaluation (绩效考评) and its rules."""

    year = models.PositiveSmallIntegerField(_("考评年度"), unique=True)
    title = models.CharField(_("名称"), max_length=200)
    state = models.CharField(_("状态"), max_length=16, choices=CycleState.choices, default=CycleState.DRAFT)
    levels = models.JSONField(
        _("参评层级"), default=default_levels, help_text=_("参评服务中心层级，默认仅街镇服务中心")
    )
    filing_deadline = models.DateField(_("填报截止日期"))
    review_deadline = models.DateField(_("初审截止日期"))
    acceptance_deadline = models.DateField(_("受理截止日期"))
    spot_check_deadline = models.DateField(_("抽检截止日期"))
    sample_numerator = models.PositiveSmallIntegerField(_("抽检比例（分子）"), default=1)
    sample_denominator = models.PositiveSmallIntegerField(
        _("抽检比例（分母）"), default=3, validators=[MinValueValidator(1)]
    )
    combination_rule = models.CharField(
        _("计分规则"), max_length=16, choices=CombinationRule.choices, default=CombinationRule.REPLACE
    )
    self_weight = models.DecimalField(
        _("自评分权重"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("0.30"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("仅“加权”规则使用：最终得分 = 自评分 × 权重 + 抽检分 × (1 − 权重)"),
    )
    grade_bands = models.JSONField(_("等次划分"), default=default_grade_bands)
    gap_tolerance = models.DecimalField(
        _("自评与抽检分差容差"), max_digits=5, decimal_places=1, default=Decimal("10")
    )
    performance_weight = models.DecimalField(
        _("计入街镇民政绩效考核的分值 W"),
        max_digits=6,
        decimal_places=2,
        default=Decimal("10"),
        help_text=_("贡献分 = 最终得分 / 100 × W"),
    )
    reminder_days = models.JSONField(
        _("提醒天数"), default=default_reminder_days, help_text=_("截止日前若干天发送提醒，如 [7, 3, 1]")
    )
    unsubmitted_rule = models.CharField(
        _("未提交填报的计分"),
        max_length=16,
        choices=UnsubmittedRule.choices,
        default=UnsubmittedRule.NO_SCORE,
        help_text=_("未提交年度填报的中心：不予评分，或按零分计；两种情况均显示为“未提交”"),
    )
    not_applicable_rule = models.CharField(
        _("不适用指标的处理"),
        max_length=16,
        choices=NotApplicableRule.choices,
        default=NotApplicableRule.REDISTRIBUTE,
    )
    filing_closed_at = models.DateTimeField(_("结束填报时间"), null=True, blank=True)
    filing_close_reason = models.TextField(_("提前结束填报的原因"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.SET_NULL
    )
    opened_at = models.DateTimeField(_("开启时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("公布时间"), null=True, blank=True)
    publicity_days = models.PositiveSmallIntegerField(
        _("公示期（工作日）"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("公布后公示的工作日数（不含周末和节假日），公示期内服务中心可申请复核"),
    )
    publicity_ends_on = models.DateField(_("公示截止日期"), null=True, blank=True)
    finalized_at = models.DateTimeField(_("定稿时间"), null=True, blank=True)
    rectification_days = models.PositiveSmallIntegerField(
        _("整改期限（天）"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_("结果公布后，发现问题的整改期限（自然日）"),
    )

    class Meta:
        verbose_name = _("考评年度")
        verbose_name_plural = _("考评年度")
        ordering = ["-year"]

    def __str__(self):
        return self.title or f"{self.year} 年度绩效考评"

    @property
    def sample_share_label(self) -> str:
        return f"{self.sample_numerator}/{self.sample_denominator}"

    @property
    def in_publicity(self) -> bool:
        return self.state == CycleState.PUBLICITY

    @property
    def rubric_frozen(self) -> bool:
        return self.state != CycleState.DRAFT

    @classmethod
    def restrict_queryset(cls, queryset, user, action):
        # The cycle, its rules and rubric are the same for everyone taking part; only the bureau changes.
        if action == "view" or global_perm(user, cls, action):
            return queryset
        return queryset.none()


class RubricCategory(TimeStampedModel):
    """A first-level part of the rubric (人员配备, 薪酬待遇, …)."""

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("考评年度"), on_delete=models.CASCADE, related_name="categories"
    )
    code = models.CharField(_("编号"), max_length=10)
    name = models.CharField(_("名称"), max_length=100)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    permission_parent = "cycle"

    class Meta:
        verbose_name = _("指标类别")
        verbose_name_plural = _("指标类别")
        ordering = ["cycle_id", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["cycle", "code"], name="rubric_category_unique_code")]

    def __str__(self):
        return f"{self.code} {self.name}"


class Indicator(VersionedModel, TimeStampedModel):
    """An indicator of the rubric, scored by a person or computed by a formula kept as data.

    ``formula`` (computed indicators) is one of:
    - ``{"kind": "rule", "rule": "R-STAFF-2"}`` — the rule met (or not applicable) → full marks, else 0;
    - ``{"kind": "figure", "figure": "trainings_held", "full_at": 4}`` — min(value / full_at, 1) × max,
      rounded down to half points; ``figure`` names a filing figure (``work_plan`` = 1 when uploaded).
    """

    cycle = models.ForeignKey(
        Cycle, verbose_name=_("考评年度"), on_delete=models.CASCADE, related_name="indicators"
    )
    category = models.ForeignKey(
        RubricCategory, verbose_name=_("类别"), on_delete=models.CASCADE, related_name="indicators"
    )
    code = models.CharField(_("编号"), max_length=10)
    name = models.CharField(_("名称"), max_length=200)
    description = models.TextField(_("评分标准"), blank=True)
    max_score = models.DecimalField(
        _("满分"),
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("一票否决项与加分项为 0（加分项的上限见“加分上限”）"),
    )
    kind = models.CharField(
        _("指标类型"), max_length=16, choices=IndicatorKind.choices, default=IndicatorKind.STANDARD
    )
    per_occurrence = models.DecimalField(
        _("每次扣分/加分"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    floor = models.DecimalField(
        _("扣完为止的最低分"),
        max_digits=5,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    cap = models.DecimalField(
        _("加分上限"), max_digits=5, decimal_places=1, default=Decimal("0"), validators=[MinValueValidator(0)]
    )
    may_be_not_applicable = models.BooleanField(_("可认定不适用"), default=False)
    expected_evidence = models.CharField(_("应提供的佐证材料"), max_length=300, blank=True)
    evidence_required = models.BooleanField(_("必须上传佐证"), default=False)
    method = models.CharField(_("计分方式"), max_length=16, choices=IndicatorMethod.choices)
    formula = models.JSONField(_("计算公式"), default=dict, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    permission_parent = "cycle"

    class Meta:
        verbose_name = _("考评指标")
        verbose_name_plural = _("考评指标")
        ordering = ["cycle_id", "category__sort_order", "sort_order", "code"]
        constraints = [models.UniqueConstraint(fields=["cycle", "code"], name="indicator_unique_code")]

    def __str__(self):
        return f"{self.code} {self.name}"

    @property
    def is_computed(self) -> bool:
        return self.method == IndicatorMethod.COMPUTED

    @property
    def counts_occurrences(self) -> bool:
        return self.kind in (IndicatorKind.DEDUCTION, IndicatorKind.VETO, IndicatorKind.BONUS)

    @property
    def kind_explanation(self) -> str:
        """How the item is scored, in Chinese (printed on the rubric, the forms and the reports)."""
        from ..scoring import num

        if self.kind == IndicatorKind.DEDUCTION:
            return (
                f"扣分项：满分 {num(self.max_score)} 分，每发生一次扣 {num(self.per_occurrence)} 分，"
                f"扣完为止（最低 {num(self.floor)} 分）"
            )
        if self.kind == IndicatorKind.VETO:
            return "一票否决项：发生即评为不合格，不论得分多少"
        if self.kind == IndicatorKind.BONUS:
            return f"加分项：每次加 {num(self.per_occurrence)} 分，最多加 {num(self.cap)} 分（不计入 100 分）"
        if self.may_be_not_applicable:
            return f"常规项：0 至 {num(self.max_score)} 分，可为 0.5 分；可认定不适用"
        return f"常规项：0 至 {num(self.max_score)} 分，可为 0.5 分"
