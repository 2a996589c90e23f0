from django.db import models
from django.utils.translation import gettext_lazy as _


class StreetTownKind(models.TextChoices):
    STREET = "street", _("街道")
    TOWN = "town", _("镇")


class SupervisingUnitKind(models.TextChoices):
    BUREAU = "bureau", _("区民政局")
    STREET_OFFICE = "street_office", _("街道办事处")
    TOWN_GOVERNMENT = "town_government", _("镇人民政府")
    INDUSTRY_AUTHORITY = "industry_authority", _("行业主管部门")


class CenterLevel(models.TextChoices):
    DISTRICT = "district", _("区级服务中心")
    STREET_TOWN = "street_town", _("街镇服务中心")
    INDUSTRY = "industry", _("行业服务中心")


class CenterStatus(models.TextChoices):
    PREPARING = "preparing", _("筹建")
    OPERATING = "operating", _("运行")
    DEREGISTERED = "deregistered", _("注销")
