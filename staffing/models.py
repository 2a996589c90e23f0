import uuid
from pathlib import PurePath

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel
from core.versioning import VersionedModel

from .choices import ExpertiseField, Gender, Position, SocialWorkerLevel, StaffKind


class MinimumWage(TimeStampedModel):
    """Shanghai monthly minimum wage (上海市月最低工资标准), for R-PAY-3. Reference data, editable."""

    effective_from = models.DateField(_("施行日期"), unique=True)
    monthly_amount = models.DecimalField(_("月最低工资（元）"), max_digits=8, decimal_places=2)
    source = models.CharField(_("来源"), max_length=300)
    to_confirm = models.BooleanField(_("待核实"), default=False, help_text=_("施行日期等尚待核实"))
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("上海市月最低工资标准")
        verbose_name_plural = _("上海市月最低工资标准")
        ordering = ["-effective_from"]

    def __str__(self):
        return f"{self.effective_from:%Y-%m-%d} 起 {self.monthly_amount.normalize()} 元/月"


def contract_upload_to(instance, filename: str) -> str:
    """Unguessable names; files are served only through staffing:contract_download."""
    suffix = PurePath(filename).suffix.lower()[:10]
    return f"staffing/contracts/{uuid.uuid4().hex}{suffix}"


class StaffMember(VersionedModel, TimeStampedModel):
    """One person's employment at a center (人员名册的一行), from start_date to end_date.

    The roster on a date is every row with start_date ≤ date and (end_date empty or ≥ date); changes to
    a row are kept by django-simple-history. No national ID number is stored (personal data kept to the
    minimum the policy needs). ``version`` guards against lost updates: a save must name the version it
    was read at (see services.staff_member_update).
    """

    permission_parent = "center"

    center = models.ForeignKey(
        "centers.ServiceCenter", verbose_name=_("服务中心"), on_delete=models.PROTECT, related_name="staff"
    )
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices, blank=True)
    kind = models.CharField(_("人员类别"), max_length=16, choices=StaffKind.choices)
    is_rehired = models.BooleanField(
        _("返聘人员"), default=False, help_text=_("退休返聘、依协议给付报酬的人员")
    )
    position = models.CharField(_("岗位"), max_length=24, choices=Position.choices, default=Position.OTHER)
    is_legal_representative = models.BooleanField(_("担任法定代表人"), default=False)
    start_date = models.DateField(_("入职日期"))
    end_date = models.DateField(_("离职日期"), null=True, blank=True)
    contract = models.FileField(
        _("劳动合同/协议"),
        upload_to=contract_upload_to,
        blank=True,
        help_text=_("PDF 或图片（JPG、PNG）；仅本中心和区民政局可下载"),
    )
    contract_filename = models.CharField(_("合同原文件名"), max_length=200, blank=True)
    post_grade = models.CharField(
        _("社区工作者岗位等级"),
        max_length=30,
        blank=True,
        help_text=_("专职人员填写，如“二岗5级”（参照社区工作者岗位等级序列）"),
    )
    monthly_pay = models.DecimalField(
        _("月薪酬（元）"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("专职、劳务人员的月薪酬；返聘人员填协议约定的月报酬；兼职、志愿者不支薪"),
    )
    transport_subsidy = models.DecimalField(
        _("车费补贴（元/月）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    meal_subsidy = models.DecimalField(
        _("餐费补贴（元/月）"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    social_worker_level = models.CharField(
        _("社会工作者职业资格"), max_length=16, choices=SocialWorkerLevel.choices, blank=True
    )
    other_certificates = models.CharField(_("其他证书"), max_length=300, blank=True)
    mobile_phone = models.CharField(_("联系电话"), max_length=20, blank=True, help_text=_("手机或固定电话"))
    note = models.CharField(_("备注"), max_length=300, blank=True)

    history = HistoricalRecords(excluded_fields=["contract"])

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        ordering = ["center_id", "kind", "start_date", "name"]
        indexes = [
            models.Index(fields=["center", "start_date", "end_date"]),
            # The staff API's order (center, kind, start date), walked for a page's ids without a sort.
            models.Index(fields=["center", "kind", "start_date", "id"], name="staffing_staff_list_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="staff_member_end_after_start",
                violation_error_message=_("离职日期不能早于入职日期。"),
            ),
            models.CheckConstraint(
                condition=Q(monthly_pay__isnull=True) | Q(monthly_pay__gte=0),
                name="staff_member_pay_not_negative",
                violation_error_message=_("月薪酬不能为负数。"),
            ),
        ]

    def __str__(self):
        return f"{self.name}（{self.get_kind_display()}）"

    def employed_on(self, on) -> bool:
        return self.start_date <= on and (self.end_date is None or self.end_date >= on)


class Training(VersionedModel, TimeStampedModel):
    """A training the center's staff attended (title, organizer, date, hours), counted by the evaluation."""

    permission_parent = "center"

    center = models.ForeignKey(
        "centers.ServiceCenter",
        verbose_name=_("服务中心"),
        on_delete=models.PROTECT,
        related_name="trainings",
    )
    title = models.CharField(_("培训名称"), max_length=200)
    organizer = models.CharField(_("主办单位"), max_length=200)
    held_on = models.DateField(_("培训日期"))
    hours = models.DecimalField(_("学时"), max_digits=5, decimal_places=1)
    attendees = models.ManyToManyField(
        StaffMember, verbose_name=_("参训人员"), blank=True, related_name="trainings"
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("参加培训")
        verbose_name_plural = _("参加培训")
        ordering = ["center_id", "-held_on", "title"]
        indexes = [models.Index(fields=["center", "held_on"])]

    def __str__(self):
        return f"{self.held_on:%Y-%m-%d} {self.title}"


class TalentProfile(VersionedModel, TimeStampedModel):
    """A professional in the district's talent pool (专业人才档案库), kept by the district center.

    Read by the bureau and by the people of every service center and supervising unit (to find lecturers
    and consultants); changed by the bureau and the keeping center. Phones are masked except for the
    keeping center and the bureau (staffing.selectors.phone_visible_center_ids).
    """

    center = models.ForeignKey(
        "centers.ServiceCenter",
        verbose_name=_("建档服务中心"),
        on_delete=models.PROTECT,
        related_name="talent_profiles",
    )
    name = models.CharField(_("姓名"), max_length=50)
    gender = models.CharField(_("性别"), max_length=8, choices=Gender.choices, blank=True)
    organization_name = models.CharField(_("所在社会组织"), max_length=200)
    expertise = models.CharField(_("专业领域"), max_length=24, choices=ExpertiseField.choices)
    expertise_detail = models.CharField(_("专长说明"), max_length=300, blank=True)
    certificates = models.CharField(_("资格证书"), max_length=300, blank=True)
    years_of_experience = models.PositiveSmallIntegerField(_("从业年限"), default=0)
    willing_to_lecture = models.BooleanField(_("愿意授课"), default=False)
    willing_to_consult = models.BooleanField(_("愿意提供咨询"), default=False)
    mobile_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    # 行业服务中心的职能（青民〔2016〕45号 二）：培育领军人才和党员骨干。
    is_leading_talent = models.BooleanField(_("领军人才"), default=False)
    is_party_backbone = models.BooleanField(_("党员骨干"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("专业人才")
        verbose_name_plural = _("专业人才档案库")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "name", "organization_name"],
                name="talent_profile_unique_person",
                violation_error_message=_("人才库中已有同一社会组织的同名人员。"),
            )
        ]

    def __str__(self):
        return f"{self.name}（{self.organization_name}）"

    @classmethod
    def readable_by(cls, user) -> bool:
        """The bureau and the people of centers and supervising units read the whole pool."""
        from accounts.roles import Role

        if user is None or not user.is_authenticated or not user.is_active:
            return False
        return (
            user.is_superuser
            or user.has_perm("staffing.view_talentprofile")
            or user.role in (Role.DIRECTOR, Role.SUPERVISOR)
        )

    @classmethod
    def restrict_queryset(cls, queryset, user, action):
        from centers.models import ServiceCenter
        from core.permissions import restrict

        if action == "view":
            return queryset if cls.readable_by(user) else queryset.none()
        keepers = restrict(ServiceCenter.objects.all(), user, "change")
        return queryset.filter(center__in=keepers.values("pk"))
