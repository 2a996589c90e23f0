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


class OrganizationKind(models.TextChoices):
    """Social-organization kind; the value is the 2nd character of its unified social credit code."""

    SOCIAL_GROUP = "1", _("社会团体")
    PRIVATE_NON_ENTERPRISE = "2", _("民办非企业单位")
    FOUNDATION = "3", _("基金会")


class OrganizationStatus(models.TextChoices):
    ACTIVE = "active", _("正常")
    DEREGISTERED = "deregistered", _("注销")


class PartyStatus(models.TextChoices):
    """How a social organization's party work is organised (党的组织和工作覆盖, R-PARTY-1)."""

    STANDALONE = "standalone", _("单独组建")
    JOINT = "joint", _("联合组建")
    INSTRUCTOR = "instructor", _("党建指导员覆盖")
    NONE = "none", _("未覆盖")


# The statuses that count as covered; "" (not yet recorded) and NONE do not.
COVERED_PARTY_STATUSES = (PartyStatus.STANDALONE, PartyStatus.JOINT, PartyStatus.INSTRUCTOR)


class RatingGrade(models.IntegerChoices):
    A1 = 1, "1A"
    A2 = 2, "2A"
    A3 = 3, "3A"
    A4 = 4, "4A"
    A5 = 5, "5A"


class IncomeSource(models.TextChoices):
    GOVERNMENT_FUNDING = "government_funding", _("政府资助")
    PURCHASED_SERVICE = "purchased_service", _("政府购买服务")
    AGENCY_REGISTRATION = "agency_registration", _("代理登记")
    AGENCY_BOOKKEEPING = "agency_bookkeeping", _("代理记账")
    CAPACITY_TRAINING = "capacity_training", _("能力培训")
    CONSULTING = "consulting", _("咨询服务")
    DONATION = "donation", _("捐赠")
    OTHER = "other", _("其他")


# R-FUND-2: basic running costs are secured by these sources.
GOVERNMENT_SOURCES = (IncomeSource.GOVERNMENT_FUNDING, IncomeSource.PURCHASED_SERVICE)
# R-FUND-1: services to social organizations.
SERVICE_SOURCES = (
    IncomeSource.AGENCY_REGISTRATION,
    IncomeSource.AGENCY_BOOKKEEPING,
    IncomeSource.CAPACITY_TRAINING,
    IncomeSource.CONSULTING,
)


class BoardRole(models.TextChoices):
    CHAIR = "chair", _("理事长")
    VICE_CHAIR = "vice_chair", _("副理事长")
    MEMBER = "member", _("理事")


class SupervisorRole(models.TextChoices):
    CHIEF = "chief", _("监事长")
    MEMBER = "member", _("监事")


class GovernanceRuleKind(models.TextChoices):
    FINANCE = "finance", _("财务管理制度")
    PERSONNEL = "personnel", _("人事管理制度")
    MEETING = "meeting", _("会议议事规则")
    ARCHIVES = "archives", _("档案管理制度")
    SEAL_CUSTODY = "seal_custody", _("印章保管制度")
    SEAL_USE = "seal_use", _("印章使用制度")


# R-GOV-2 and R-ARCH-1: which written rules each requires.
GOV_RULE_KINDS = (GovernanceRuleKind.FINANCE, GovernanceRuleKind.PERSONNEL, GovernanceRuleKind.MEETING)
ARCH_RULE_KINDS = (
    GovernanceRuleKind.ARCHIVES,
    GovernanceRuleKind.SEAL_CUSTODY,
    GovernanceRuleKind.SEAL_USE,
)


class MeetingBody(models.TextChoices):
    BOARD = "board", _("理事会")
    SUPERVISORS = "supervisors", _("监事会")


class PlanKind(models.TextChoices):
    WORK_PLAN = "work_plan", _("工作规划")
    IMPLEMENTATION_PLAN = "implementation_plan", _("实施计划")
