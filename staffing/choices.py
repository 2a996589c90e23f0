from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffKind(models.TextChoices):
    """R-STAFF-4: the four kinds of people a center's staff is made of (rehired is a flag on labor)."""

    FULL_TIME = "full_time", _("专职")
    PART_TIME = "part_time", _("兼职")
    LABOR = "labor", _("劳务")
    VOLUNTEER = "volunteer", _("志愿者")


class Position(models.TextChoices):
    DIRECTOR = "director", _("主任")
    DEPUTY_DIRECTOR = "deputy_director", _("副主任")
    LEGAL_REPRESENTATIVE = "legal_representative", _("法定代表人")
    FINANCE = "finance", _("财务")
    PROJECT = "project", _("项目")
    ADMINISTRATION = "administration", _("行政")
    OTHER = "other", _("其他")


class Gender(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class SocialWorkerLevel(models.TextChoices):
    NONE = "", _("无")
    ASSISTANT = "assistant", _("助理社会工作师")
    INTERMEDIATE = "intermediate", _("社会工作师")
    SENIOR = "senior", _("高级社会工作师")


class ExpertiseField(models.TextChoices):
    SOCIAL_WORK = "social_work", _("社会工作")
    FINANCE = "finance", _("财务会计")
    LAW = "law", _("法律")
    MANAGEMENT = "management", _("组织管理")
    PARTY_BUILDING = "party_building", _("党建")
    PROJECT = "project", _("项目管理与评估")
    EDUCATION = "education", _("教育培训")
    ELDERLY_CARE = "elderly_care", _("养老服务")
    PSYCHOLOGY = "psychology", _("心理咨询")
    IT = "it", _("信息技术")
    OTHER = "other", _("其他")
