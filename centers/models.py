from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel
from core.versioning import VersionedModel

from .choices import (
    BoardRole,
    CenterLevel,
    CenterStatus,
    GovernanceRuleKind,
    IncomeSource,
    MeetingBody,
    OrganizationKind,
    OrganizationStatus,
    PartyStatus,
    PlanKind,
    RatingGrade,
    StreetTownKind,
    SupervisingUnitKind,
    SupervisorRole,
)
from .validators import validate_area, validate_not_future, validate_positive_amount


class District(TimeStampedModel):
    """The district (区) the installation serves — reference data, loaded from its district file
    (``DISTRICT_FILE``, Qingpu's ``centers/reference/qingpu.json`` when unset; see
    ``centers.reference``). Everything a person reads that names the district, its bureau, the portal
    or the policy comes from this row: ``centers.selectors.current_district()``."""

    code = models.CharField(
        _("行政区划代码"), max_length=12, unique=True, help_text=_("6 位区划代码，如 310118")
    )
    name = models.CharField(_("名称"), max_length=50)
    bureau_name = models.CharField(_("区民政局全称"), max_length=100, default="")
    registration_authority_name = models.CharField(
        _("登记管理机关名称"), max_length=100, default="", help_text=_("如 某某区民政局（社团局）")
    )
    portal_name = models.CharField(_("门户名称"), max_length=100, default="")
    policy_number = models.CharField(_("政策文号"), max_length=50, default="")
    policy_title = models.CharField(_("政策名称"), max_length=200, default="")
    structure_label = models.CharField(
        _("服务中心体系标签"),
        max_length=20,
        default="1+N+X",
        help_text=_("N 显示为本区街镇数，如 1+N+X 显示为 1+11+X"),
    )

    class Meta:
        verbose_name = _("区")
        verbose_name_plural = _("区")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def structure(self) -> str:
        """The "1+N+X" label with N the number of streets and towns, e.g. 1+11+X."""
        count = getattr(self, "street_town_count", None)
        if count is None:
            count = self.street_towns.count()
        return self.structure_label.replace("N", str(count))

    @property
    def policy_citation(self) -> str:
        """青民〔2016〕45号《关于加强本区社会组织服务中心建设的指导意见》"""
        return f"{self.policy_number}《{self.policy_title}》"


class StreetTown(TimeStampedModel):
    """A street (街道) or town (镇) of a district."""

    district = models.ForeignKey(
        District, verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="street_towns"
    )
    name = models.CharField(_("名称"), max_length=50)
    kind = models.CharField(_("类型"), max_length=10, choices=StreetTownKind.choices)
    code = models.CharField(
        _("区划代码"), max_length=12, blank=True, help_text=_("国家统计用区划代码；未知则留空")
    )
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        verbose_name = _("街镇")
        verbose_name_plural = _("街镇")
        ordering = ["district_id", "sort_order", "name"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="street_town_unique_name")]

    def __str__(self):
        return self.name


class SupervisingUnit(TimeStampedModel):
    """业务主管单位: a street office, a town government, the bureau, or an industry authority."""

    district = models.ForeignKey(
        District, verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="supervising_units"
    )
    name = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=24, choices=SupervisingUnitKind.choices)
    street_town = models.OneToOneField(
        StreetTown,
        verbose_name=_("对应街镇"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervising_unit",
    )

    class Meta:
        verbose_name = _("业务主管单位")
        verbose_name_plural = _("业务主管单位")
        ordering = ["district_id", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="supervising_unit_unique_name")
        ]

    def __str__(self):
        return self.name


class ServiceCenter(VersionedModel, TimeStampedModel):
    """A social-organization service center (社会组织服务中心), a 民办非企业单位 of its own."""

    # Who reaches a center follows from their affiliation at request time (core.permissions).
    access_by_affiliation = True

    district = models.ForeignKey(
        District, verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="centers"
    )
    level = models.CharField(_("层级"), max_length=16, choices=CenterLevel.choices)
    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    street_town = models.ForeignKey(
        StreetTown,
        verbose_name=_("所在街镇"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="centers",
    )
    industry = models.CharField(_("所属行业"), max_length=100, blank=True)
    supervising_unit = models.ForeignKey(
        SupervisingUnit,
        verbose_name=_("业务主管单位"),
        on_delete=models.PROTECT,
        related_name="centers",
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=CenterStatus.choices, default=CenterStatus.OPERATING
    )
    registered_on = models.DateField(_("法人登记日期"), null=True, blank=True)
    established_on = models.DateField(_("成立日期"), null=True, blank=True)
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    director_name = models.CharField(_("主任"), max_length=50, blank=True)
    address = models.CharField(_("地址"), max_length=300, blank=True)
    phone = models.CharField(_("联系电话"), max_length=30, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    party_organization = models.CharField(_("党组织"), max_length=200, blank=True)
    director_under_board = models.BooleanField(
        _("实行理事会领导下的主任负责制"),
        default=False,
        help_text=_("R-GOV-1：主任在理事会领导下负责日常工作"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("服务中心")
        verbose_name_plural = _("服务中心")
        ordering = ["district_id", "level", "street_town__sort_order", "name"]
        permissions = [("review_servicecenter", _("初审服务中心的年度填报"))]
        constraints = [
            models.UniqueConstraint(
                fields=["street_town"],
                condition=Q(level=CenterLevel.STREET_TOWN) & ~Q(status=CenterStatus.DEREGISTERED),
                name="one_street_town_center_per_street_town",
                violation_error_message=_("该街镇已有一个服务中心：每个街镇至多一个街镇服务中心。"),
            ),
        ]

    def __str__(self):
        return self.name


def document_upload_to(instance, filename: str) -> str:
    """Unguessable storage names; files are served only through a permission-checked view."""
    import os
    import uuid

    ext = os.path.splitext(filename)[1].lower()[:10]
    return f"centers/{instance._meta.model_name}/{uuid.uuid4().hex}{ext}"


class CenterRecord(VersionedModel, TimeStampedModel):
    """A register row hanging off one center: narrowed by ``restrict`` through its center."""

    permission_parent = "center"

    center = models.ForeignKey(ServiceCenter, verbose_name=_("服务中心"), on_delete=models.CASCADE)

    class Meta:
        abstract = True


class Venue(CenterRecord):
    """办公场地 for one year (R-VENUE-1/2/3)."""

    center = models.ForeignKey(
        ServiceCenter, verbose_name=_("服务中心"), on_delete=models.CASCADE, related_name="venues"
    )
    year = models.PositiveSmallIntegerField(_("适用年度"))
    address = models.CharField(_("地址"), max_length=300)
    area = models.DecimalField(
        _("面积（平方米）"), max_digits=9, decimal_places=2, validators=[validate_area]
    )
    is_independent = models.BooleanField(_("相对独立"), default=False)
    has_computers = models.BooleanField(_("配备电脑"), default=False)
    has_network = models.BooleanField(_("接入网络"), default=False)
    has_office_equipment = models.BooleanField(_("配备办公设备"), default=False)
    has_incubation_park = models.BooleanField(_("运营社会组织孵化园"), default=False)
    has_practice_park = models.BooleanField(_("运营社会组织实践园"), default=False)
    has_community_life_center = models.BooleanField(_("运营社区生活服务中心"), default=False)
    note = models.CharField(_("备注"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("办公场地")
        verbose_name_plural = _("办公场地")
        ordering = ["center_id", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "year"],
                name="venue_one_per_center_year",
                violation_error_message=_("该中心该年度已登记办公场地，请修改原记录。"),
            )
        ]

    def __str__(self):
        return f"{self.center} {self.year} 年办公场地"


class BankAccount(CenterRecord):
    """The center's bank account and bookkeeping (R-FUND-3)."""

    center = models.ForeignKey(
        ServiceCenter, verbose_name=_("服务中心"), on_delete=models.CASCADE, related_name="bank_accounts"
    )
    bank_name = models.CharField(_("开户银行"), max_length=100)
    account_number = models.CharField(_("账号"), max_length=40)
    is_independent = models.BooleanField(_("独立账户"), default=False)
    npo_accounting = models.BooleanField(_("执行《民间非营利组织会计制度》"), default=False)
    opened_on = models.DateField(_("开户日期"), null=True, blank=True, validators=[validate_not_future])
    closed_on = models.DateField(_("销户日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("银行账户")
        verbose_name_plural = _("银行账户")
        ordering = ["center_id", "-opened_on"]

    def __str__(self):
        return f"{self.bank_name} {self.masked_number}"

    @property
    def masked_number(self) -> str:
        number = self.account_number or ""
        return ("*" * max(len(number) - 4, 0)) + number[-4:]


class PurchaseContract(CenterRecord):
    """A government-purchased service contract (政府购买服务合同)."""

    center = models.ForeignKey(
        ServiceCenter, verbose_name=_("服务中心"), on_delete=models.CASCADE, related_name="contracts"
    )
    purchaser = models.CharField(_("购买方"), max_length=200)
    title = models.CharField(_("项目名称"), max_length=200)
    amount = models.DecimalField(
        _("合同金额（元）"), max_digits=14, decimal_places=2, validators=[validate_positive_amount]
    )
    starts_on = models.DateField(_("起始日期"))
    ends_on = models.DateField(_("截止日期"))
    document = models.FileField(_("合同扫描件"), upload_to=document_upload_to, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("政府购买服务合同")
        verbose_name_plural = _("政府购买服务合同")
        ordering = ["center_id", "-starts_on"]

    def __str__(self):
        return f"{self.title}（{self.purchaser}）"


class IncomeLine(CenterRecord):
    """One income line of a year by source (R-FUND-1/2)."""

    center = models.ForeignKey(
        ServiceCenter, verbose_name=_("服务中心"), on_delete=models.CASCADE, related_name="income_lines"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    source = models.CharField(_("收入来源"), max_length=32, choices=IncomeSource.choices)
    amount = models.DecimalField(
        _("金额（元）"), max_digits=14, decimal_places=2, validators=[validate_positive_amount]
    )
    contract = models.ForeignKey(
        PurchaseContract,
        verbose_name=_("对应购买服务合同"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="income_lines",
    )
    note = models.CharField(_("说明"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("收入明细")
        verbose_name_plural = _("收入明细")
        ordering = ["center_id", "-year", "source"]
        indexes = [models.Index(fields=["center", "year"])]

    def __str__(self):
        return f"{self.year} {self.get_source_display()} {self.amount}"


class GovernanceMember(CenterRecord):
    name = models.CharField(_("姓名"), max_length=50)
    term_start = models.DateField(_("任期起"))
    term_end = models.DateField(_("任期止"), null=True, blank=True)

    class Meta:
        abstract = True

    def serves_on(self, day) -> bool:
        return self.term_start <= day and (self.term_end is None or self.term_end >= day)


class BoardMember(GovernanceMember):
    """理事 (R-GOV-2)."""

    center = models.ForeignKey(
        ServiceCenter, verbose_name=_("服务中心"), on_delete=models.CASCADE, related_name="board_members"
    )
    role = models.CharField(_("职务"), max_length=16, choices=BoardRole.choices, default=BoardRole.MEMBER)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("理事")
        verbose_name_plural = _("理事会成员")
        ordering = ["center_id", "role", "name"]

    def __str__(self):
        return f"{self.name}（{self.get_role_display()}）"


class Supervisor(GovernanceMember):
    """监事 (R-GOV-2)."""

    center = models.ForeignKey(
        ServiceCenter, verbose_name=_("服务中心"), on_delete=models.CASCADE, related_name="supervisors"
    )
    role = models.CharField(
        _("职务"), max_length=16, choices=SupervisorRole.choices, default=SupervisorRole.MEMBER
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("监事")
        verbose_name_plural = _("监事")
        ordering = ["center_id", "role", "name"]

    def __str__(self):
        return f"{self.name}（{self.get_role_display()}）"


class GovernanceRule(CenterRecord):
    """A written rule (制度) with its adoption date and an uploaded copy (R-GOV-2, R-ARCH-1)."""

    center = models.ForeignKey(
        ServiceCenter, verbose_name=_("服务中心"), on_delete=models.CASCADE, related_name="governance_rules"
    )
    kind = models.CharField(_("制度类别"), max_length=16, choices=GovernanceRuleKind.choices)
    title = models.CharField(_("制度名称"), max_length=200)
    adopted_on = models.DateField(_("通过日期"), validators=[validate_not_future])
    document = models.FileField(_("制度文本"), upload_to=document_upload_to, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("内部制度")
        verbose_name_plural = _("内部制度")
        ordering = ["center_id", "kind", "-adopted_on"]

    def __str__(self):
        return self.title


class Meeting(CenterRecord):
    """A board or supervisors' meeting held."""

    center = models.ForeignKey(
        ServiceCenter, verbose_name=_("服务中心"), on_delete=models.CASCADE, related_name="meetings"
    )
    body = models.CharField(_("会议类别"), max_length=16, choices=MeetingBody.choices)
    held_on = models.DateField(_("召开日期"), validators=[validate_not_future])
    topic = models.CharField(_("议题"), max_length=300, blank=True)
    minutes = models.FileField(_("会议纪要"), upload_to=document_upload_to, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("理事会/监事会会议")
        verbose_name_plural = _("理事会/监事会会议")
        ordering = ["center_id", "-held_on"]

    def __str__(self):
        return f"{self.held_on} {self.get_body_display()}"


class SealCustodian(CenterRecord):
    """The one named person who keeps the seals (R-ARCH-2)."""

    center = models.ForeignKey(
        ServiceCenter, verbose_name=_("服务中心"), on_delete=models.CASCADE, related_name="seal_custodians"
    )
    name = models.CharField(_("保管人"), max_length=50)
    since = models.DateField(_("起始日期"), validators=[validate_not_future])
    until = models.DateField(_("截止日期"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("印章保管人")
        verbose_name_plural = _("印章保管人")
        ordering = ["center_id", "-since"]

    def __str__(self):
        return self.name


class HandOver(CenterRecord):
    """One hand-over of archives or seals (移交记录)."""

    center = models.ForeignKey(
        ServiceCenter, verbose_name=_("服务中心"), on_delete=models.CASCADE, related_name="hand_overs"
    )
    handed_on = models.DateField(_("移交日期"), validators=[validate_not_future])
    from_person = models.CharField(_("移交人"), max_length=50)
    to_person = models.CharField(_("接收人"), max_length=50)
    items = models.CharField(_("移交内容"), max_length=300)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("移交记录")
        verbose_name_plural = _("移交记录")
        ordering = ["center_id", "-handed_on"]

    def __str__(self):
        return f"{self.handed_on} {self.from_person}→{self.to_person}"


class ArchiveInventory(CenterRecord):
    """The archive inventory of one year (档案目录)."""

    center = models.ForeignKey(
        ServiceCenter,
        verbose_name=_("服务中心"),
        on_delete=models.CASCADE,
        related_name="archive_inventories",
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    volumes = models.PositiveIntegerField(_("案卷数"), default=0)
    is_complete = models.BooleanField(_("齐全有序"), default=False)
    note = models.CharField(_("说明"), max_length=300, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("档案目录")
        verbose_name_plural = _("档案目录")
        ordering = ["center_id", "-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "year"],
                name="archive_inventory_one_per_year",
                violation_error_message=_("该中心该年度已有档案目录，请修改原记录。"),
            )
        ]

    def __str__(self):
        return f"{self.year} 年档案目录"


class AnnualPlan(CenterRecord):
    """The year's work plan or implementation plan (R-EFF-1)."""

    center = models.ForeignKey(
        ServiceCenter, verbose_name=_("服务中心"), on_delete=models.CASCADE, related_name="annual_plans"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    kind = models.CharField(_("类别"), max_length=24, choices=PlanKind.choices)
    title = models.CharField(_("标题"), max_length=200)
    document = models.FileField(_("文本"), upload_to=document_upload_to, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("工作规划与实施计划")
        verbose_name_plural = _("工作规划与实施计划")
        ordering = ["center_id", "-year", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["center", "year", "kind"],
                name="annual_plan_one_per_kind_year",
                violation_error_message=_("该中心该年度已有同类计划，请修改原记录。"),
            )
        ]

    def __str__(self):
        return self.title


class SocialOrganization(VersionedModel, TimeStampedModel):
    """A registered social organization (registry data kept by the bureau).

    Who sees it: the bureau (model-wide permissions) sees and edits all. A director, supervising
    unit or auditor may *read* the organizations of the area of any center they may view (a
    district center's area is the whole district; a street/town center's its street/town; an
    industry center's its industry). Nobody else sees any: there is no public view of this registry.
    """

    district = models.ForeignKey(
        District, verbose_name=_("所属区"), on_delete=models.PROTECT, related_name="organizations"
    )
    name = models.CharField(_("名称"), max_length=200)
    credit_code = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    kind = models.CharField(_("类型"), max_length=1, choices=OrganizationKind.choices)
    registered_on = models.DateField(_("登记日期"), validators=[validate_not_future])
    street_town = models.ForeignKey(
        StreetTown,
        verbose_name=_("所在街镇"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    industry = models.CharField(_("所属行业"), max_length=100, blank=True)
    status = models.CharField(
        _("状态"), max_length=16, choices=OrganizationStatus.choices, default=OrganizationStatus.ACTIVE
    )
    deregistered_on = models.DateField(_("注销日期"), null=True, blank=True, validators=[validate_not_future])
    # 党组织覆盖 (R-PARTY-1): the status and the day it took effect; covered on a day when a covered
    # status took effect on or before it (centers.rules.party_coverage). History keeps the changes.
    party_status = models.CharField(
        _("党组织覆盖情况"), max_length=16, choices=PartyStatus.choices, blank=True, default=""
    )
    party_status_on = models.DateField(
        _("覆盖情况日期"),
        null=True,
        blank=True,
        validators=[validate_not_future],
        help_text=_("组建党组织或选派党建指导员的日期；未覆盖时可留空"),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("社会组织")
        verbose_name_plural = _("社会组织")
        ordering = ["name", "pk"]
        indexes = [
            # N and party coverage of a street/town (centers.rules._area_counts) read from this index
            # alone, without visiting the rows (an index-only scan: 6.2 ms → 2.0 ms for a street of
            # 6,800 organisations); SQLite keeps the plain index on the two columns
            models.Index(
                fields=["street_town", "registered_on"],
                include=[
                    "id",
                    "district",
                    "industry",
                    "status",
                    "deregistered_on",
                    "party_status",
                    "party_status_on",
                ],
                name="centers_org_area_counts",
            ),  # fmt: skip
            models.Index(fields=["industry"]),
            # The list's order: pages are found by walking this index alone (core.paging). PostgreSQL
            # also has a trigram index for the name search and a prefix index for the credit code
            # (migration 0005).
            models.Index(fields=["name", "id"], name="centers_org_name_id"),
        ]

    def __str__(self):
        return self.name

    @classmethod
    def restrict_queryset(cls, queryset, user, action):
        from core.permissions import restrict

        if user.has_perm(f"centers.{action}_socialorganization"):
            return queryset
        if action != "view":
            return queryset.none()
        centers = restrict(ServiceCenter.objects.all(), user, "view").values_list(
            "level", "district_id", "street_town_id", "industry"
        )
        area = Q(pk__in=[])
        for level, district_id, street_town_id, industry in centers:
            if level == CenterLevel.DISTRICT:
                area |= Q(district_id=district_id)
            elif level == CenterLevel.STREET_TOWN and street_town_id:
                area |= Q(street_town_id=street_town_id)
            elif level == CenterLevel.INDUSTRY and industry:
                area |= Q(industry=industry)
        return queryset.filter(area)


class RatingRecord(VersionedModel, TimeStampedModel):
    """等级评估 result of a center or of a social organization (exactly one of the two)."""

    center = models.ForeignKey(
        ServiceCenter,
        verbose_name=_("服务中心"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ratings",
    )
    organization = models.ForeignKey(
        SocialOrganization,
        verbose_name=_("社会组织"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ratings",
    )
    grade = models.PositiveSmallIntegerField(_("评估等级"), choices=RatingGrade.choices)
    rated_on = models.DateField(_("评估日期"), validators=[validate_not_future])
    valid_until = models.DateField(_("有效期至"), help_text=_("评估日期加有效期年数（政策参数）"))
    certificate = models.FileField(_("证书扫描件"), upload_to=document_upload_to, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("等级评估记录")
        verbose_name_plural = _("等级评估记录")
        ordering = ["-rated_on", "pk"]
        # The ratings list's order, walked for a page's ids (core.paging) without a sort.
        indexes = [models.Index(fields=["-rated_on", "id"], name="centers_rating_list_order")]
        constraints = [
            models.CheckConstraint(
                condition=(Q(center__isnull=False) & Q(organization__isnull=True))
                | (Q(center__isnull=True) & Q(organization__isnull=False)),
                name="rating_of_center_xor_organization",
                violation_error_message=_("评估记录须且只能对应一个服务中心或一个社会组织。"),
            )
        ]

    def __str__(self):
        return f"{self.get_grade_display()}（{self.rated_on}）"

    @classmethod
    def restrict_queryset(cls, queryset, user, action):
        from core.permissions import restrict, sees_every_row

        centers = restrict(ServiceCenter.objects.all(), user, action)
        organizations = restrict(SocialOrganization.objects.all(), user, action)
        if sees_every_row(centers) and sees_every_row(organizations):
            return queryset  # every record rates a center or an organisation (a check constraint)
        return queryset.filter(
            Q(center__in=centers.values("pk")) | Q(organization__in=organizations.values("pk"))
        )


class CenterCompliance(models.Model):
    """A center's compliance for one year as the engine judged it at ``computed_at`` (issue 16 §3).

    Written only by ``centers.compliance_table.compliance_refresh`` (a job after every change of a
    rule's input, and nightly); read by the district overview, the center list, the home page and the
    compliance API in one query. ``stale`` is set in the same transaction as a change of an input, so
    a reader never shows a verdict older than the data: a stale row is judged live until the job has
    refreshed it. The center page and the filing snapshots always judge live."""

    center = models.ForeignKey(
        ServiceCenter, verbose_name=_("服务中心"), on_delete=models.CASCADE, related_name="compliance_rows"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    # The engine's RuleResult rows in its order: [{"rule", "status", "detail", "figures"}, ...].
    results = models.JSONField(_("各项结果"), default=list)
    met = models.PositiveSmallIntegerField(_("达标项数"), default=0)
    not_met = models.PositiveSmallIntegerField(_("未达标项数"), default=0)
    no_data = models.PositiveSmallIntegerField(_("无数据项数"), default=0)
    not_applicable = models.PositiveSmallIntegerField(_("不适用项数"), default=0)
    # Written with ``results``, small enough to stay in the row (``results`` is compressed out of it):
    # every rule's status ({"R-VENUE-1": "met", ...}) for the counts by rule, and the figures of the
    # staffing verdict (R-STAFF-1/2/3: n, required, full_time …; {} when judged without a roster) for
    # the home page's staffing panel and the district staffing table.
    statuses = models.JSONField(_("各项状态"), default=dict)
    staff_figures = models.JSONField(_("人员配备数字"), default=dict)
    computed_at = models.DateTimeField(_("计算时间"))
    stale = models.BooleanField(_("待重新计算"), default=False)

    class Meta:
        verbose_name = _("建设达标计算结果")
        verbose_name_plural = _("建设达标计算结果")
        constraints = [
            models.UniqueConstraint(fields=["center", "year"], name="one_compliance_row_per_center_year"),
        ]

    def __str__(self):
        return f"{self.center_id} {self.year}"
