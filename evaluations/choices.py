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


# The one order in which a cycle moves; every move is an explicit bureau action (services.cycle_*).
# Publishing (services.cycle_publish) opens the publicity period (公示中); at its end the results are
# final (定稿: services.cycle_finalize, by the bureau or the daily beat task). 已公布 is the state of
# cycles published before the publicity period existed; they move on to 已归档 as before.
CYCLE_NEXT_STATE = {
    CycleState.DRAFT: CycleState.OPEN,
    CycleState.OPEN: CycleState.SPOT_CHECK,
    CycleState.SPOT_CHECK: CycleState.SCORING,
    CycleState.SCORING: CycleState.PUBLICITY,
    CycleState.PUBLICITY: CycleState.FINAL,
    CycleState.FINAL: CycleState.ARCHIVED,
    CycleState.PUBLISHED: CycleState.ARCHIVED,
}

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
