"""The filing's activity figures, built from the registers (issue 12, "the filing is built from the
registers").

Every figure of ``FILING_FIGURES`` is computed for the filing's center and year: the twelve activity
figures by ``activities.figures.register_figures(center, year)`` (the registers' side: value, the
register's Chinese name, the list of exactly the rows counted, their ids), the party-building
coverage by ``centers.rules.party_coverage`` (covered ÷ active organizations of the center's area on
31 December of the year, from the social-organization registry).

A figure the registers cannot give is *typed*: the director enters the number together with a note
saying why (``Filing.figure_notes``: figure name → note). A number typed without a note is refused
by ``filing_save_figures`` (naming the figure and the fix); one already on the filing without a note
(written there on submission) is not used — the register's count stands. ``effective_figures`` says, for each figure, the value
that counts and where it comes from; ``filing_submit`` freezes it into the snapshot
(``snapshot["figures"]``, ``snapshot["typed_figures"]``) together with the printable rows behind
each register (``snapshot["activity_registers"]``), so a row added after submission changes nothing.

Queries: ``computed_figures`` is 9 (registers) + 2 (coverage, covered ids), whatever the number of rows;
``register_rows`` one per register of the figures.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.db import models
from django.urls import reverse

from .models.filing import FIGURE_NAMES, FILING_FIGURES

PARTY_FIGURE = "party_coverage_percent"
PARTY_REGISTER = "社会组织名录（党组织覆盖情况）"
# Whole numbers but for these (decimals).
DECIMAL_FIGURES = ("project_funding", PARTY_FIGURE)
LABELS = {name: str(label) for name, label in FILING_FIGURES}
# How each figure is counted, for the explanations ("举办培训 3 条").
UNITS = {PARTY_FIGURE: "家"}


def _register_figures(center, year: int) -> dict[str, dict]:
    """The registers' side (activities.figures.register_figures), imported when needed."""
    from activities.figures import register_figures

    return register_figures(center, year)


def _party_figure(center, year: int) -> dict:
    from centers.choices import COVERED_PARTY_STATUSES, CenterLevel
    from centers.models import SocialOrganization
    from centers.rules import active_organizations_q, party_coverage, year_end

    end = year_end(year)
    coverage = party_coverage([center], end)[center.pk]
    area = {}
    if center.level == CenterLevel.STREET_TOWN:
        area = {"street_town_id": center.street_town_id}
    elif center.level == CenterLevel.INDUSTRY:
        area = {"industry": center.industry}
    covered_ids = []
    if coverage.covered:
        covered_ids = list(
            SocialOrganization.objects.filter(
                active_organizations_q(end), district_id=center.district_id, **area
            )
            .filter(party_status__in=COVERED_PARTY_STATUSES, party_status_on__lte=end)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
    query = {"street_town_id": "street_town", "industry": "industry"}
    url = reverse("centers:organization_list")
    params = {query[k]: v for k, v in area.items() if v}
    return {
        "value": coverage.percent,
        "register": PARTY_REGISTER,
        "url": f"{url}?{urlencode(params)}" if params else url,
        "row_ids": covered_ids,
        "n": coverage.n,
        "covered": coverage.covered,
    }


def computed_figures(center, year: int) -> dict[str, dict]:
    """Every figure as the registers give it: {"value", "register", "url", "row_ids"} by name."""
    figures = dict(_register_figures(center, year))
    figures[PARTY_FIGURE] = _party_figure(center, year)
    return {name: figures[name] for name in FIGURE_NAMES if name in figures}


def _number(value):
    if value is None:
        return None
    value = Decimal(str(value))
    return value if value != value.to_integral_value() else int(value)


def effective_figures(filing, computed: dict[str, dict] | None = None) -> dict[str, dict]:
    """For each figure: the value that counts, typed (with its note) or from the registers.

    {"label", "value", "source": "register" | "typed", "register", "url", "row_ids", "count",
    "note", "computed"}; ``computed`` may be passed when already read."""
    if computed is None:
        computed = computed_figures(filing.center, filing.cycle.year)
    notes = filing.figure_notes or {}
    out = {}
    for name in FIGURE_NAMES:
        register = computed.get(name) or {}
        typed_value = getattr(filing, name)
        note = (notes.get(name) or "").strip()
        typed = bool(note) and typed_value is not None
        out[name] = {
            "label": LABELS[name],
            "value": _number(typed_value if typed else register.get("value")),
            "source": "typed" if typed else "register",
            "register": register.get("register", ""),
            "url": register.get("url", ""),
            "row_ids": list(register.get("row_ids") or []),
            "count": len(register.get("row_ids") or []),
            "note": note if typed else "",
            "computed": _number(register.get("value")),
        }
        if name == PARTY_FIGURE and register:
            out[name]["n"] = register.get("n", 0)
            out[name]["covered"] = register.get("covered", 0)
    return out


def frozen_figures(filing) -> dict[str, dict] | None:
    """The figures frozen on submission (None while the filing has not been submitted)."""
    snapshot = filing.snapshot or {}
    return snapshot.get("figures") or None


def figure_basis(figure: dict) -> str:
    """Where a figure comes from, in Chinese: “举办培训登记 3 条” or “手工填写：<note>”."""
    if figure.get("source") == "typed":
        return f"手工填写：{figure.get('note', '')}"
    if figure.get("register") == PARTY_REGISTER:
        return f"{PARTY_REGISTER}：辖区 {figure.get('n', 0)} 家，已覆盖 {figure.get('covered', 0)} 家"
    return f"据{figure.get('register', '')}登记 {figure.get('count', 0)} 条"


# ---- the rows behind the figures, printable (Chinese column heads) ----------------------------------

_SKIPPED = {"id", "center", "year", "version", "created_at", "updated_at"}


def _columns(model) -> list[models.Field]:
    return [
        f
        for f in model._meta.fields
        if f.name not in _SKIPPED and not isinstance(f, models.FileField) and f.editable
    ]


def _cell(row, field) -> str:
    value = getattr(row, field.name)
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(getattr(row, f"get_{field.name}_display")())
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    if field.name in ("contact", "phone", "mobile_phone") and len(str(value)) >= 7:
        text = str(value)
        return f"{text[:3]}****{text[-4:]}"
    return str(value)


def register_rows(figures: dict[str, dict]) -> list[dict]:
    """The rows behind the register figures, one entry per register (most recent first):
    {"register", "count", "columns", "rows"}; one query per register."""
    from activities.figures import FIGURE_REGISTERS

    ids_by_model: dict = {}
    names: dict = {}
    for name, (_slug, model) in FIGURE_REGISTERS.items():
        figure = figures.get(name) or {}
        ids_by_model.setdefault(model, set()).update(figure.get("row_ids") or [])
        names.setdefault(model, str(model._meta.verbose_name))
    out = []
    for model, ids in ids_by_model.items():
        columns = _columns(model)
        related = [f.name for f in columns if f.is_relation]
        rows = []
        if ids:
            date_field = getattr(model, "date_field", None) or "pk"
            queryset = model.objects.filter(pk__in=ids).select_related(*related)
            rows = [[_cell(row, f) for f in columns] for row in queryset.order_by(f"-{date_field}", "-pk")]
        out.append(
            {
                "register": names[model],
                "count": len(rows),
                "columns": [str(f.verbose_name) for f in columns],
                "rows": rows,
            }
        )
    return out
