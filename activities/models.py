"""The registers of the centers' daily work (policy sections 二 and 四).

Every register row inherits ``RegisterRow``: its center, its year (the year of the register's date
field, or given, for 年检), a version (core.versioning) and timestamps. Access is the center's rule
with one difference: the bureau and the supervising unit *read*; only the center's own director
writes (``restrict_queryset``). What each register shows, filters, imports and exports is declared
in ``activities.registers``; these models hold only the data and its constraints.
"""

from __future__ import annotations

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel
from core.versioning import VersionedModel

from .choices import (
    AnnualResult,
    CenterHelp,
    CreditKind,
    IncubationOutcome,
    InspectionConclusion,
    MeetingKind,
    ProjectKind,
    ProjectStage,
    SurveyMethod,
    TeamKind,
    TeamStatus,
    TrainingKind,
    WarningCategory,
)

ORGANIZATION = "centers.SocialOrganization"


class RegisterRow(VersionedModel, TimeStampedModel):
    """Abstract: one row of a center's register."""

    date_field: str | None = None  # the date whose year is the row's year (None: ``year`` is entered)

    center = models.ForeignKey(
        "centers.ServiceCenter", verbose_name=_("服务中心"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"), editable=False, db_index=True)

    history = HistoricalRecords(inherit=True)  # every register's history (django-simple-history)

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.date_field:
            self.year = getattr(self, self.date_field).year
        super().save(*args, **kwargs)

    @classmethod
    def restrict_queryset(cls, queryset, user, action):
        """Read: whoever reads the center (bureau, its director, its supervising unit). Write: the
        center's own director only — not the bureau, not the supervising unit."""
        from accounts.roles import Role
        from centers.models import ServiceCenter
        from core.permissions import restrict

        if action == "view":
            return queryset.filter(
                center__in=restrict(ServiceCenter.objects.all(), user, "view").values("pk")
            )
        if user.role == Role.DIRECTOR and user.center_id:
            return queryset.filter(center_id=user.center_id)
        return queryset.none()


class OrganizationRow(models.Model):
    """Abstract: a row about one organization of the registry (预警, 年检, 信息员, 信用建设)."""

    organization = models.ForeignKey(
        ORGANIZATION, verbose_name=_("社会组织"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        abstract = True


def attachment_upload_to(instance, filename: str) -> str:
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"activities/{uuid.uuid4().hex}{suffix}"


class Attachment(TimeStampedModel):
    """An evidence file of a register row (or of a welfare project's stage), checked by core.uploads,
    stored under an unguessable name and served only through a permission-checked view."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    file = models.FileField(_("文件"), upload_to=attachment_upload_to)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小（字节）"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("佐证材料")
        verbose_name_plural = _("佐证材料")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return self.name


# ---- 1 社区群众活动团队备案 ------------------------------------------------------------------------------
class ActivityTeam(RegisterRow):
    date_field = "filed_on"

    name = models.CharField(_("团队名称"), max_length=200)
    kind = models.CharField(_("团队类型"), max_length=16, choices=TeamKind.choices)
    leader = models.CharField(_("负责人"), max_length=50)
    contact = models.CharField(_("联系电话"), max_length=20, blank=True)
    members = models.PositiveIntegerField(_("成员人数"), validators=[MaxValueValidator(100000)])
    venue = models.CharField(_("常用活动场所"), max_length=200, blank=True)
    filed_on = models.DateField(_("备案日期"))
    status = models.CharField(
        _("状态"), max_length=16, choices=TeamStatus.choices, default=TeamStatus.ON_FILE
    )
    status_on = models.DateField(_("注销日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("社区群众活动团队备案")
        verbose_name_plural = _("社区群众活动团队备案")
        ordering = ["-filed_on", "-pk"]
        indexes = [models.Index(fields=["center", "filed_on"])]

    def __str__(self):
        return self.name


# ---- 2 预警 ---------------------------------------------------------------------------------------------
class EarlyWarning(OrganizationRow, RegisterRow):
    date_field = "found_on"

    category = models.CharField(_("预警类别"), max_length=20, choices=WarningCategory.choices)
    found_on = models.DateField(_("发现日期"))
    source = models.CharField(_("线索来源"), max_length=200)
    steps = models.TextField(
        _("处置措施"), blank=True, help_text=_("每行一条，以日期开头，如“2025-03-02 电话联系负责人”")
    )
    closed_on = models.DateField(_("办结日期"), null=True, blank=True)
    outcome = models.CharField(_("处置结果"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("预警处置")
        verbose_name_plural = _("预警处置")
        ordering = ["-found_on", "-pk"]
        indexes = [models.Index(fields=["center", "closed_on"])]

    def __str__(self):
        return f"{self.get_category_display()}（{self.found_on:%Y-%m-%d}）"


# ---- 3 现场勘察 -------------------------------------------------------------------------------------------
class SiteInspection(RegisterRow):
    date_field = "inspected_on"

    applicant_name = models.CharField(_("申请单位名称"), max_length=200)
    organization = models.ForeignKey(
        ORGANIZATION,
        verbose_name=_("登记后的社会组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    inspected_on = models.DateField(_("勘察日期"))
    inspectors = models.CharField(_("勘察人员"), max_length=200)
    venue_checked = models.CharField(_("勘察场所"), max_length=300)
    conclusion = models.CharField(_("勘察结论"), max_length=20, choices=InspectionConclusion.choices)

    class Meta:
        verbose_name = _("新登记现场勘察")
        verbose_name_plural = _("新登记现场勘察")
        ordering = ["-inspected_on", "-pk"]

    def __str__(self):
        return f"{self.applicant_name}（{self.inspected_on:%Y-%m-%d}）"


# ---- 4 年度检查 -------------------------------------------------------------------------------------------
class AnnualInspection(OrganizationRow, RegisterRow):
    date_field = None

    year = models.PositiveSmallIntegerField(
        _("年检年度"), db_index=True, validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    result = models.CharField(_("年检结果"), max_length=16, choices=AnnualResult.choices)
    inspected_on = models.DateField(_("年检日期"), null=True, blank=True)
    center_help = models.CharField(
        _("中心协助"), max_length=16, choices=CenterHelp.choices, default=CenterHelp.NONE
    )

    class Meta:
        verbose_name = _("年度检查")
        verbose_name_plural = _("年度检查")
        ordering = ["-year", "organization__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"],
                name="annual_inspection_one_per_organization_year",
                violation_error_message=_("该社会组织该年度已有年检记录，请修改原记录。"),
            )
        ]

    def __str__(self):
        return f"{self.year} 年检"


# ---- 5 举办培训 / 信息员 ---------------------------------------------------------------------------------
class TrainingHeld(RegisterRow):
    date_field = "held_on"

    topic = models.CharField(_("培训主题"), max_length=200)
    held_on = models.DateField(_("培训日期"))
    kind = models.CharField(_("培训类型"), max_length=16, choices=TrainingKind.choices)
    trainees = models.PositiveIntegerField(_("培训人次"), validators=[MaxValueValidator(100000)])
    organizations = models.ManyToManyField(
        ORGANIZATION, verbose_name=_("参训社会组织"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("举办培训")
        verbose_name_plural = _("举办培训")
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return self.topic


class InformationOfficer(OrganizationRow, RegisterRow):
    date_field = "appointed_on"

    name = models.CharField(_("信息员姓名"), max_length=50)
    contact = models.CharField(_("联系电话"), max_length=20, blank=True)
    appointed_on = models.DateField(_("登记日期"))
    trained_on = models.DateField(_("培训日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("社会组织信息员")
        verbose_name_plural = _("社会组织信息员")
        ordering = ["organization__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization"],
                name="information_officer_one_per_organization",
                violation_error_message=_("该社会组织已登记信息员，请修改原记录。"),
            )
        ]

    def __str__(self):
        return self.name


# ---- 6 孵化培育 -------------------------------------------------------------------------------------------
class Incubation(RegisterRow):
    date_field = "entered_on"

    name = models.CharField(_("组织或申请单位名称"), max_length=200)
    organization = models.ForeignKey(
        ORGANIZATION,
        verbose_name=_("登记后的社会组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    entered_on = models.DateField(_("入驻日期"))
    left_on = models.DateField(_("出园日期"), null=True, blank=True)
    support = models.CharField(_("提供的支持"), max_length=300, blank=True)
    outcome = models.CharField(
        _("孵化结果"), max_length=16, choices=IncubationOutcome.choices, default=IncubationOutcome.ONGOING
    )

    class Meta:
        verbose_name = _("孵化培育")
        verbose_name_plural = _("孵化培育")
        ordering = ["-entered_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("entered_on")),
                name="incubation_left_after_entered",
                violation_error_message=_("出园日期不能早于入驻日期。"),
            )
        ]

    def __str__(self):
        return self.name


# ---- 7 公益项目 -------------------------------------------------------------------------------------------
class WelfareProject(RegisterRow):
    date_field = "started_on"

    title = models.CharField(_("项目名称"), max_length=200)
    kind = models.CharField(_("项目类型"), max_length=16, choices=ProjectKind.choices)
    funder = models.CharField(_("资金来源单位"), max_length=200)
    amount = models.DecimalField(
        _("项目金额（万元）"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    started_on = models.DateField(_("启动日期"))
    organizations = models.ManyToManyField(
        ORGANIZATION, verbose_name=_("参与社会组织"), blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("公益项目")
        verbose_name_plural = _("公益项目")
        ordering = ["-started_on", "-pk"]

    def __str__(self):
        return self.title


class WelfareProjectStage(TimeStampedModel):
    """One stage of a welfare project, recorded in order (activities.services.stage_record)."""

    permission_parent = "project"

    project = models.ForeignKey(
        WelfareProject, verbose_name=_("公益项目"), on_delete=models.CASCADE, related_name="stages"
    )
    stage = models.CharField(_("环节"), max_length=20, choices=ProjectStage.choices)
    done_on = models.DateField(_("日期"))
    result = models.CharField(_("结果"), max_length=300)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("项目环节")
        verbose_name_plural = _("项目环节")
        ordering = ["project_id", "done_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "stage"],
                name="welfare_stage_once_per_project",
                violation_error_message=_("该环节已登记。"),
            )
        ]

    def __str__(self):
        return f"{self.get_stage_display()}（{self.done_on:%Y-%m-%d}）"


# ---- 8 社区需求调研 ---------------------------------------------------------------------------------------
class NeedsSurvey(RegisterRow):
    date_field = "surveyed_on"

    topic = models.CharField(_("调研主题"), max_length=200)
    surveyed_on = models.DateField(_("调研日期"))
    method = models.CharField(_("调研方式"), max_length=16, choices=SurveyMethod.choices)
    respondents = models.PositiveIntegerField(_("调研对象（人）"), validators=[MaxValueValidator(1000000)])

    class Meta:
        verbose_name = _("社区需求调研")
        verbose_name_plural = _("社区需求调研")
        ordering = ["-surveyed_on", "-pk"]

    def __str__(self):
        return self.topic


# ---- 9 会议 -----------------------------------------------------------------------------------------------
class CommunityMeeting(RegisterRow):
    date_field = "held_on"

    kind = models.CharField(_("会议类型"), max_length=16, choices=MeetingKind.choices)
    held_on = models.DateField(_("会议日期"))
    convened_by = models.CharField(_("召集单位"), max_length=200)
    organizations = models.ManyToManyField(
        ORGANIZATION, verbose_name=_("参会社会组织"), blank=True, related_name="+"
    )
    attendees = models.CharField(_("参会人员"), max_length=500, blank=True)
    topics = models.TextField(_("议题"))

    class Meta:
        verbose_name = _("联席会议与例会")
        verbose_name_plural = _("联席会议与例会")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["center", "kind", "held_on"])]

    def __str__(self):
        return f"{self.get_kind_display()}（{self.held_on:%Y-%m-%d}）"


# ---- 11 行业服务中心与区级服务中心 ------------------------------------------------------------------------
class ResearchProject(RegisterRow):
    date_field = "started_on"

    title = models.CharField(_("课题名称"), max_length=200)
    lead = models.CharField(_("课题负责人"), max_length=100)
    partners = models.CharField(_("合作单位"), max_length=300, blank=True)
    started_on = models.DateField(_("立项日期"))
    finished_on = models.DateField(_("结题日期"), null=True, blank=True)
    outcome = models.CharField(_("成果"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("课题研究")
        verbose_name_plural = _("课题研究")
        ordering = ["-started_on", "-pk"]

    def __str__(self):
        return self.title


class CreditRecord(OrganizationRow, RegisterRow):
    date_field = "recorded_on"

    kind = models.CharField(_("类别"), max_length=16, choices=CreditKind.choices)
    recorded_on = models.DateField(_("日期"))
    result = models.CharField(_("内容与结果"), max_length=300)

    class Meta:
        verbose_name = _("信用建设")
        verbose_name_plural = _("信用建设")
        ordering = ["-recorded_on", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()}（{self.recorded_on:%Y-%m-%d}）"


class GuidanceVisit(RegisterRow):
    date_field = "visited_on"

    visited_center = models.ForeignKey(
        "centers.ServiceCenter", verbose_name=_("指导的服务中心"), on_delete=models.PROTECT, related_name="+"
    )
    visited_on = models.DateField(_("指导日期"))
    topics = models.CharField(_("指导内容"), max_length=300)
    follow_up = models.CharField(_("后续跟进"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("业务指导")
        verbose_name_plural = _("业务指导")
        ordering = ["-visited_on", "-pk"]

    def __str__(self):
        return f"{self.visited_on:%Y-%m-%d} 指导"
