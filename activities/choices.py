from django.db import models
from django.utils.translation import gettext_lazy as _


class TeamKind(models.TextChoices):
    CULTURE = "culture", _("文体")
    VOLUNTEER = "volunteer", _("志愿服务")
    NEIGHBOUR = "neighbour", _("邻里互助")
    OTHER = "other", _("其他")


class TeamStatus(models.TextChoices):
    ON_FILE = "on_file", _("在册")
    CANCELLED = "cancelled", _("已注销")


class WarningCategory(models.TextChoices):
    NO_INSPECTION = "no_inspection", _("未按期年检")
    LEADER_MISSING = "leader_missing", _("负责人失联")
    FINANCE = "finance", _("财务异常")
    OUT_OF_SCOPE = "out_of_scope", _("超范围活动")
    COMPLAINT = "complaint", _("投诉举报")
    OTHER = "other", _("其他")


class InspectionConclusion(models.TextChoices):
    PASS = "pass", _("符合")
    FAIL = "fail", _("不符合")
    PASS_AFTER_FIX = "pass_after_fix", _("整改后符合")


class AnnualResult(models.TextChoices):
    PASS = "pass", _("合格")
    BASIC = "basic", _("基本合格")
    FAIL = "fail", _("不合格")
    ABSENT = "absent", _("未参检")


class InspectionGap(models.TextChoices):
    """The registry's 年检 filter: organizations missing the year's 年检, or two years in a row."""

    MISSING = "missing", _("该年度未年检")
    TWO_YEARS = "two_years", _("连续两年未年检")


class CenterHelp(models.TextChoices):
    REMINDER = "reminder", _("提醒")
    CONSULTING = "consulting", _("咨询")
    COACHING = "coaching", _("材料辅导")
    NONE = "none", _("无")


class TrainingKind(models.TextChoices):
    OFFICER = "officer", _("信息员培训")
    LEADER = "leader", _("负责人培训")
    FINANCE = "finance", _("财务培训")
    POLICY = "policy", _("政策咨询会")
    OTHER = "other", _("其他")


class IncubationOutcome(models.TextChoices):
    REGISTERED = "registered", _("已登记")
    ONGOING = "ongoing", _("孵化中")
    ENDED = "ended", _("终止")


class ProjectKind(models.TextChoices):
    TENDER = "tender", _("公益招投标")
    VENTURE = "venture", _("公益创投")
    COMMISSIONED = "commissioned", _("政府委托项目")


class ProjectStage(models.TextChoices):
    """In the order they happen: a stage is recorded only after the one before it."""

    MATERIALS = "materials", _("材料收集")
    PREQUALIFICATION = "prequalification", _("资格预审")
    APPROVAL = "approval", _("立项")
    SUPERVISION = "supervision", _("项目监管")
    EVALUATION = "evaluation", _("绩效评估")
    CLOSING = "closing", _("结项")


STAGE_ORDER = [value for value, _label in ProjectStage.choices]


class SurveyMethod(models.TextChoices):
    QUESTIONNAIRE = "questionnaire", _("问卷")
    INTERVIEW = "interview", _("访谈")
    FORUM = "forum", _("座谈")
    OTHER = "other", _("其他")


class MeetingKind(models.TextChoices):
    JOINT = "joint", _("联席会议")
    REGULAR = "regular", _("例会")
    GOVERNANCE = "governance", _("列席街镇社区治理会议")


class CreditKind(models.TextChoices):
    COMMITMENT = "commitment", _("信用承诺")
    EVALUATION = "evaluation", _("信用评价")
    RESULT = "result", _("评价结果运用")
