from django.db import models
from django.utils.translation import gettext_lazy as _


class CycleState(models.TextChoices):
    DRAFT = "draft", _("草拟")
    OPEN = "open", _("填报中")
    SPOT_CHECK = "spot_check", _("抽检中")
    SCORING = "scoring", _("计分中")
    PUBLISHED = "published", _("已公布")
    PUBLICITY = "publicity", _("公示中")
    FINAL = "final", _("定稿")
    ARCHIVED = "archived", _("已归档")


# The moves between these states, who may make them and what they record: evaluations.workflow.

# States in which a cycle's results are out (published: reports, public pages, corrections' history).
RESULTS_OUT_STATES = (CycleState.PUBLISHED, CycleState.PUBLICITY, CycleState.FINAL, CycleState.ARCHIVED)
# States in which a published result may still change (a correction, a review's adjustment); after
# 定稿 the results are frozen.
CORRECTABLE_STATES = (CycleState.PUBLISHED, CycleState.PUBLICITY)


class CombinationRule(models.TextChoices):
    REPLACE = "replace", _("抽检分替代自评分")
    WEIGHTED = "weighted", _("自评分与抽检分加权")


class IndicatorMethod(models.TextChoices):
    COMPUTED = "computed", _("系统计算")
    SCORED = "scored", _("人工评分")


class FilingState(models.TextChoices):
    DRAFT = "draft", _("填报中")
    SUBMITTED = "submitted", _("已提交，待初审")
    REVIEWED = "reviewed", _("已初审，待受理")
    ACCEPTED = "accepted", _("已受理")
    RETURNED = "returned", _("已退回修改")


EDITABLE_FILING_STATES = (FilingState.DRAFT, FilingState.RETURNED)


class ReturnStage(models.TextChoices):
    REVIEW = "review", _("业务主管单位初审")
    ACCEPTANCE = "acceptance", _("区民政局受理")


class NotificationKind(models.TextChoices):
    FILING_DUE = "filing_due", _("填报截止提醒")
    REVIEW_DUE = "review_due", _("初审截止提醒")
    OVERDUE = "overdue", _("逾期未报清单")
    FILING_RETURNED = "filing_returned", _("填报被退回")
    FILING_REVIEWED = "filing_reviewed", _("填报初审通过")
    FILING_ACCEPTED = "filing_accepted", _("填报已受理")
    FILING_REMINDER = "filing_reminder", _("催报提醒")
    ASSIGNED = "assigned", _("抽检任务分配")


class ReviewRequestState(models.TextChoices):
    PENDING = "pending", _("待区民政局决定")
    MAINTAINED = "maintained", _("维持原结果")
    ADJUSTED = "adjusted", _("已调整结果")


class ReviewDecision(models.TextChoices):
    MAINTAIN = "maintain", _("维持")
    ADJUST = "adjust", _("调整")


class FindingKind(models.TextChoices):
    GAP = "gap", _("自评与抽检分差超出容差")
    NOT_TRUE = "not_true", _("指标经抽检核实不属实")
    VETO = "veto", _("一票否决事项")
    FAILED = "failed", _("考评等次为不合格")
    RULE = "rule", _("合规规则未达标")


class RectificationState(models.TextChoices):
    OPEN = "open", _("待整改")
    SUBMITTED = "submitted", _("已提交整改报告，待业务主管单位审核")
    RETURNED = "returned", _("整改报告被退回")
    APPROVED = "approved", _("审核通过，待区民政局销号")
    CLOSED = "closed", _("已销号")
    WITHDRAWN = "withdrawn", _("已撤销（复核调整后不再存在）")


# Items still the center's to act on (shown on its page, its next filing and its next report).
RECTIFICATION_OPEN_STATES = (
    RectificationState.OPEN,
    RectificationState.SUBMITTED,
    RectificationState.RETURNED,
    RectificationState.APPROVED,
)


class UnsubmittedRule(models.TextChoices):
    """How a filing never submitted counts (a rule of the cycle); either way it is shown as 未提交."""

    NO_SCORE = "no_score", _("不予评分（列为未提交）")
    ZERO = "zero", _("按零分计（列为未提交，等次不合格）")


class NotApplicableRule(models.TextChoices):
    REDISTRIBUTE = "redistribute", _("不适用指标的分值按比例分给同类其余指标")
    RESCALE = "rescale", _("按适用指标满分折算为百分制")


class RubricTemplate(models.TextChoices):
    """The rubric a new cycle starts from (evaluations.default_rubric.RUBRIC_TEMPLATES)."""

    DEFAULT = "default", _("默认考评指标（依据青民〔2016〕45号）")
    SHANGHAI_STYLE = (
        "shanghai_style",
        _(
            "门户模板：参照《上海市社会组织评估指标（2025年版）》结构编写（含扣分项、一票否决项、加分项、可不适用项）"
        ),
    )


class SeedSource(models.TextChoices):
    """Where the draw's seed comes from: made by the portal (its SHA-256 published), or a public
    source named in advance (such as the next day's published lottery number), entered at the draw."""

    PORTAL = "portal", _("门户生成的随机种子")
    PUBLIC = "public", _("事先指定的公开来源")


class IndicatorKind(models.TextChoices):
    STANDARD = "standard", _("常规项")
    DEDUCTION = "deduction", _("扣分项")
    VETO = "veto", _("一票否决项")
    BONUS = "bonus", _("加分项")


UNSUBMITTED_LABEL = "未提交"
