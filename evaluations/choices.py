from django.db import models
from django.utils.translation import gettext_lazy as _


class CycleState(models.TextChoices):
    DRAFT = "draft", _("草拟")
    OPEN = "open", _("填报中")
    SPOT_CHECK = "spot_check", _("抽检中")
    SCORING = "scoring", _("计分中")
    PUBLISHED = "published", _("已公布")
    ARCHIVED = "archived", _("已归档")


# The moves between these states, who may make them and what they record: evaluations.workflow.


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
    ASSIGNED = "assigned", _("抽检任务分配")


class UnsubmittedRule(models.TextChoices):
    """How a filing never submitted counts (a rule of the cycle); either way it is shown as 未提交."""

    NO_SCORE = "no_score", _("不予评分（列为未提交）")
    ZERO = "zero", _("按零分计（列为未提交，等次不合格）")


class NotApplicableRule(models.TextChoices):
    REDISTRIBUTE = "redistribute", _("不适用指标的分值按比例分给同类其余指标")
    RESCALE = "rescale", _("按适用指标满分折算为百分制")


class IndicatorKind(models.TextChoices):
    STANDARD = "standard", _("常规项")
    DEDUCTION = "deduction", _("扣分项")
    VETO = "veto", _("一票否决项")
    BONUS = "bonus", _("加分项")


UNSUBMITTED_LABEL = "未提交"
