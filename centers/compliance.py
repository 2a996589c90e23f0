"""Types of the compliance engine, and the interface through which it reads staffing figures.

The engine (``centers.rules``) judges each rule of DOMAIN.md for a center and a year and returns
``RuleResult`` rows. The staffing and pay rules need the staff roster, which the staffing app owns:
the engine calls ``staffing_figures(centers, on)``, which resolves ``settings.STAFFING_FIGURES_PROVIDER``
(``staffing.selectors.staffing_figures``). Until a provider answers for a center, the engine reports
"no data" for those rules — never invented numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _


class RuleStatus(models.TextChoices):
    MET = "met", _("达标")
    NOT_MET = "not_met", _("未达标")
    NOT_APPLICABLE = "not_applicable", _("不适用")
    NO_DATA = "no_data", _("无数据")


@dataclass(frozen=True)
class RuleResult:
    rule: str  # e.g. "R-STAFF-2"
    status: str  # a RuleStatus value
    detail: str  # a Chinese sentence with the numbers behind it, e.g. "辖区社会组织 143 家，应配专职人员 8 名，实有 6 名"
    figures: dict = field(default_factory=dict)  # JSON-serialisable numbers behind the verdict

    def as_dict(self) -> dict:
        return {"rule": self.rule, "status": self.status, "detail": self.detail, "figures": self.figures}


@dataclass(frozen=True)
class StaffingFigures:
    """What the staffing app reports for one center on one date (the roster as it stood that day)."""

    full_time: int
    part_time: int
    labor: int
    rehired: int
    volunteers: int
    # Verdicts the staffing app judges from the roster: R-STAFF-4 and R-PAY-1 … R-PAY-5.
    findings: tuple[RuleResult, ...] = ()
    monthly_pay_total: Decimal | None = None


def staffing_figures(centers: Iterable, on: date) -> dict[int, StaffingFigures]:
    """Staffing figures by center id, for all ``centers`` at once (no query per center)."""
    path = getattr(settings, "STAFFING_FIGURES_PROVIDER", None)
    if not path:
        return {}
    try:
        provider = import_string(path)
    except ImportError:
        return {}
    return provider(list(centers), on)
