"""Reads of the yearly evaluation, each in a fixed number of queries (no query per row).

The reports app renders its PDFs from ``cycle_results`` (district summary, performance-total table)
and ``filing_detail`` (center report, filing sheet).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from django.db.models import F, Prefetch, QuerySet
from django.utils import timezone

from core.permissions import restrict

from .choices import EDITABLE_FILING_STATES, CycleState, FilingState
from .models import (
    Assignment,
    AuditScore,
    Cycle,
    Evidence,
    Filing,
    FilingReturn,
    Indicator,
    Notification,
    Result,
    ResultSet,
    RubricCategory,
    SelfScore,
)
from .models.filing import FILING_FIGURES


def indicators_for(cycle: Cycle) -> list[Indicator]:
    return list(
        Indicator.objects.filter(cycle=cycle)
        .select_related("category")
        .order_by("category__sort_order", "sort_order", "code")
    )


def rubric_tree(cycle: Cycle) -> list[dict]:
    """[{"category", "indicators": [...], "total"}] in order, and the rubric total via ``sum``."""
    categories = RubricCategory.objects.filter(cycle=cycle).prefetch_related(
        Prefetch("indicators", queryset=Indicator.objects.order_by("sort_order", "code"))
    )
    return [
        {
            "category": c,
            "indicators": list(c.indicators.all()),
            "total": sum(i.max_score for i in c.indicators.all()),
        }
        for c in categories
    ]


def cycles_for(user) -> QuerySet[Cycle]:
    return restrict(Cycle.objects.all(), user)


def current_result_set(cycle: Cycle, *, published_only: bool = False) -> ResultSet | None:
    qs = ResultSet.objects.filter(cycle=cycle, computed_at__isnull=False)
    if published_only:
        qs = qs.filter(is_published=True)
    return qs.order_by("-is_current", "-revision").first()


def cycle_results(cycle: Cycle, result_set: ResultSet | None = None, *, user=None) -> list[dict]:
    """Rows of the results table, by rank: center, street/town, self score, spot score, final, gap,
    finding, grade, rank, contribution (final / 100 × W), explanation. ``user`` narrows to what they may see."""
    result_set = result_set or current_result_set(cycle)
    if result_set is None:
        return []
    qs = Result.objects.filter(result_set=result_set).select_related(
        "center", "center__street_town", "center__supervising_unit", "filing"
    )
    if user is not None:
        qs = restrict(qs, user)
    return [
        {
            "result": r,
            "center": r.center,
            "street_town": r.center.street_town,
            "filing": r.filing,
            "submitted": r.submitted,
            "self_score": r.self_score,
            "sampled": r.sampled,
            "spot_score": r.spot_score,
            "final_score": r.final_score,
            "gap": r.gap,
            "finding": r.finding,
            "grade": r.grade,
            "rank": r.rank,
            "contribution": r.contribution,
            "explanation": r.explanation,
            "veto": r.veto,
        }
        for r in qs.order_by(F("rank").asc(nulls_last=True), "center__name")
    ]


def grade_counts(rows: list[dict]) -> dict[str, int]:
    return dict(Counter(r["grade"] for r in rows))


def filing_detail(filing: Filing) -> dict:
    """The filing with its figures, snapshot, indicator scores (self and spot check), evidence, returns."""
    indicators = indicators_for(filing.cycle)
    self_scores = {s.indicator_id: s for s in SelfScore.objects.filter(filing=filing)}
    audit_scores = {s.indicator_id: s for s in AuditScore.objects.filter(filing=filing)}
    evidence = defaultdict(list)
    for item in Evidence.objects.filter(filing=filing).order_by("created_at"):
        evidence[item.indicator_id].append(item)
    returns = list(
        FilingReturn.objects.filter(filing=filing).select_related("returned_by").order_by("-created_at")
    )
    open_return = next((r for r in returns if r.resolved_at is None), None)
    rows = []
    category = None
    for indicator in indicators:
        rows.append(
            {
                "indicator": indicator,
                "new_category": indicator.category_id != category,
                "self": self_scores.get(indicator.pk),
                "audit": audit_scores.get(indicator.pk),
                "evidence": evidence.get(indicator.pk, []),
                "return_reason": (
                    open_return.field_reasons.get(f"indicator:{indicator.code}") if open_return else None
                ),
            }
        )
        category = indicator.category_id
    figures = [
        {
            "name": name,
            "label": label,
            "value": getattr(filing, name),
            "return_reason": open_return.field_reasons.get(name) if open_return else None,
        }
        for name, label in FILING_FIGURES
    ]
    return {
        "filing": filing,
        "cycle": filing.cycle,
        "center": filing.center,
        "figures": figures,
        "snapshot": filing.snapshot,
        "indicators": rows,
        "self_total": filing.self_total,
        "spot_total": getattr(getattr(filing, "assignment", None), "spot_total", None),
        "returns": returns,
        "open_return": open_return,
    }


def filing_queryset() -> QuerySet[Filing]:
    return Filing.objects.select_related("cycle", "center", "center__street_town", "center__supervising_unit")


def board_rows(cycle: Cycle, *, today: date | None = None, state: str = "", search: str = "") -> list[dict]:
    """The progress board: every filing with its state; late ones (past deadline, not submitted) flagged."""
    today = today or timezone.localdate()
    qs = (
        filing_queryset()
        .filter(cycle=cycle)
        .select_related("assignment__auditor")
        .order_by("center__street_town__sort_order", "center__name")
    )
    if state:
        qs = qs.filter(state=state)
    if search:
        qs = qs.filter(center__name__icontains=search)
    rows = []
    for f in qs:
        late = f.state in EDITABLE_FILING_STATES and today > f.deadline
        rows.append({"filing": f, "late": late, "assignment": getattr(f, "assignment", None)})
    return rows


def board_counts(cycle: Cycle) -> dict:
    counts = dict(Counter(Filing.objects.filter(cycle=cycle).values_list("state", flat=True)))
    return {label: counts.get(value, 0) for value, label in FilingState.choices} | {
        "total": sum(counts.values())
    }


def my_filings(user) -> QuerySet[Filing]:
    return restrict(filing_queryset(), user, "change").order_by("-cycle__year", "center__name")


def review_list(user, *, state: str = "") -> QuerySet[Filing]:
    qs = restrict(filing_queryset(), user, "review").exclude(cycle__state=CycleState.DRAFT)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-cycle__year", "state", "center__name")


def my_assignments(user) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(auditor=user)
        .filter(filing__in=restrict(Filing.objects.all(), user, "audit").values("pk"))
        .select_related("cycle", "filing", "filing__center", "filing__center__street_town")
        .order_by("-cycle__year", "filing__center__name")
    )


def unread_notifications(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).order_by("-created_at")
