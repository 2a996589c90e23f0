from django.db import models
from django.utils.translation import gettext_lazy as _


class CycleState(models.TextChoices):
    DRAFT = "draft", _("草拟")
    OPEN = "open", _("填报中")
    SPOT_CHECK = "spot_check", _("抽检中")
    SCORING = "scoring", _("计分中")
    PUBLISHED = "published", _("已公布")
    ARCHIVED = "archived", _("已归档")


# The one order in which a cycle moves; every move is an explicit bureau action (services.cycle_*).
CYCLE_NEXT_STATE = {
    CycleState.DRAFT: CycleState.OPEN,
    CycleState.OPEN: CycleState.SPOT_CHECK,
    CycleState.SPOT_CHECK: CycleState.SCORING,
    CycleState.SCORING: CycleState.PUBLISHED,
    CycleState.PUBLISHED: CycleState.ARCHIVED,
}


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
