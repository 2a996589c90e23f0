from django.db import models
from django.utils.translation import gettext_lazy as _


class ReportKind(models.TextChoices):
    CENTER_REPORT = "center_report", _("绩效考评报告")
    DISTRICT_SUMMARY = "district_summary", _("年度考评汇总报告")
    FILING_SHEET = "filing_sheet", _("年度报告书")
