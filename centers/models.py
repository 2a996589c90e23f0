from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel

from .choices import CenterLevel, CenterStatus, StreetTownKind, SupervisingUnitKind


class District(TimeStampedModel):
    """A district (区) — reference data, loaded from centers/reference/<district>.json."""

    code = models.CharField(_("行政区划代码"), max_length=12, unique=True)
    name = models.CharField(_("名称"), max_length=50)

    class Meta:
        verbose_name = _("区")
        verbose_name_plural = _("区")
        ordering = ["code"]

    def __str__(self):
        return self.name


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
        ordering = ["district", "sort_order", "name"]
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
        ordering = ["district", "kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="supervising_unit_unique_name")
        ]

    def __str__(self):
        return self.name


class ServiceCenter(TimeStampedModel):
    """A social-organization service center (社会组织服务中心), a 民办非企业单位 of its own."""

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

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("服务中心")
        verbose_name_plural = _("服务中心")
        ordering = ["district", "level", "street_town__sort_order", "name"]
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
