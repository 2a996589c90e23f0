"""Reads of the yearly evaluation, each in a fixed number of queries (no query per row).

The reports app renders its PDFs from ``cycle_results`` (district summary, performance-total table)
and ``filing_detail`` (center report, filing sheet).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Prefetch, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.permissions import restrict

from .choices import (
    EDITABLE_FILING_STATES,
    RECTIFICATION_OPEN_STATES,
    RESULTS_OUT_STATES,
    CycleState,
    FilingState,
)
from .models import (
    Assignment,
    AuditScore,
    Cycle,
    Evidence,
    Filing,
    FilingReturn,
    Indicator,
    Notification,
    Rectification,
    Result,
    ResultSet,
    ReviewRequest,
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


def results_queryset(result_set: ResultSet, *, user=None) -> QuerySet[Result]:
    """The results of ``result_set`` in the table's order (rank, then name); ``user`` narrows."""
    qs = (
        Result.objects.filter(result_set=result_set)
        .select_related("center", "center__street_town", "center__supervising_unit", "filing")
        .defer(*(f"filing__{name}" for name in LIST_DEFERRED))
    )
    if user is not None:
        qs = restrict(qs, user)
    return qs.order_by(F("rank").asc(nulls_last=True), "center__name", "pk")


def cycle_results(
    cycle: Cycle, result_set: ResultSet | None = None, *, user=None, results=None
) -> list[dict]:
    """Rows of the results table, by rank: center, street/town, self score, spot score, final, gap,
    finding, grade, rank, contribution (final / 100 × W), explanation. ``user`` narrows to what they may
    see; ``results``: only these (a page of ``results_queryset``)."""
    result_set = result_set or current_result_set(cycle)
    if result_set is None:
        return []
    if results is None:
        results = results_queryset(result_set, user=user)
    results = list(results)
    last = previous_results(cycle, centers=[r.center_id for r in results])
    return [
        {
            "last": last.get(r.center_id),
            "change": _change(r.final_score, last.get(r.center_id)),
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
        for r in results
    ]


def grade_counts(rows: list[dict]) -> dict[str, int]:
    return dict(Counter(r["grade"] for r in rows))


def results_summary(cycle: Cycle, results: QuerySet[Result]) -> dict:
    """What the results page says of every row of ``results`` (``results_queryset``), counted by the
    database: the grades, the findings, whether last year has results for these centers."""
    return {
        "grades": result_grade_counts(results),
        "findings": [{"center": r.center, "finding": r.finding} for r in results.exclude(finding="")],
        "has_last_year": Result.objects.filter(
            previous_results_q(cycle), center_id__in=results.values("center_id")
        ).exists(),
    }


def result_grade_counts(results: QuerySet[Result]) -> dict[str, int]:
    """``grade_counts`` of every row of ``results``, counted by the database, in the same order (the
    grades as the ranking meets them: best first, the unranked last)."""
    from django.db.models import Min

    rows = (
        results.order_by()
        .values("grade")
        .annotate(n=Count("pk"), first=Min("rank"))
        .order_by(F("first").asc(nulls_last=True), "grade")
    )
    return {row["grade"]: row["n"] for row in rows}


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
    from .figures import effective_figures, figure_basis, frozen_figures

    frozen = frozen_figures(filing)
    effective = frozen or effective_figures(filing)
    figures = [
        {
            **effective.get(name, {}),
            "name": name,
            "label": label,
            "value": (effective.get(name) or {}).get("value"),
            "basis": figure_basis(effective[name]) if name in effective else "",
            "frozen": frozen is not None,
            "return_reason": open_return.field_reasons.get(name) if open_return else None,
        }
        for name, label in FILING_FIGURES
    ]
    return {
        "filing": filing,
        "cycle": filing.cycle,
        "center": filing.center,
        "figures": figures,
        "effective_figures": effective,
        "snapshot": filing.snapshot,
        "snapshot_sections": _snapshot_sections(filing.snapshot),
        "indicators": rows,
        "self_total": filing.self_total,
        "spot_total": getattr(getattr(filing, "assignment", None), "spot_total", None),
        "returns": returns,
        "open_return": open_return,
    }


# A filing's frozen snapshot (~40 KB of JSON) is read by its detail page, its API detail and the reports
# only: lists never load (and decode) it.
LIST_DEFERRED = ("snapshot",)


def filing_queryset() -> QuerySet[Filing]:
    return Filing.objects.select_related("cycle", "center", "center__street_town", "center__supervising_unit")


def filing_list_queryset() -> QuerySet[Filing]:
    """``filing_queryset`` without the snapshot: for every list of filings."""
    return filing_queryset().defer(*LIST_DEFERRED)


def board_filings(
    cycle: Cycle, *, state: str = "", search: str = "", today: date | None = None
) -> QuerySet[Filing]:
    """The progress board's filings (state, center name filters), in the board's order, each with
    ``late``: past its deadline and not submitted (``late_filings_q``)."""
    today = today or timezone.localdate()
    qs = (
        filing_list_queryset()
        .filter(cycle=cycle)
        .select_related("assignment__auditor")
        # NULL (no reopening, deadline not past) counts as not late
        .annotate(
            late=Coalesce(ExpressionWrapper(late_filings_q(today), output_field=BooleanField()), Value(False))
        )
        .order_by("center__street_town__sort_order", "center__name", "pk")
    )
    if state:
        qs = qs.filter(state=state)
    if search:
        qs = qs.filter(center__name__icontains=search)
    return qs


def late_filings_q(today: date) -> Q:
    """Filings past their deadline (``Filing.deadline``: the reopening's, else the cycle's) and not
    submitted — the database's side of ``today > filing.deadline`` for an editable filing."""
    return Q(state__in=EDITABLE_FILING_STATES) & (
        Q(reopened_until__lt=today) | Q(reopened_until__isnull=True, cycle__filing_deadline__lt=today)
    )


def board_rows(filings) -> list[dict]:
    """The progress board's rows of ``filings`` (a page of ``board_filings``), late ones flagged."""
    return [{"filing": f, "late": f.late, "assignment": getattr(f, "assignment", None)} for f in filings]


def board_counts(cycle: Cycle) -> dict:
    counts = dict(
        Filing.objects.filter(cycle=cycle)
        .order_by()
        .values_list("state")
        .annotate(n=Count("pk"))
        .values_list("state", "n")
    )  # counted by the database: one row a state, not one a filing
    return {label: counts.get(value, 0) for value, label in FilingState.choices} | {
        "total": sum(counts.values())
    }


def my_filings(user) -> QuerySet[Filing]:
    return restrict(filing_list_queryset(), user, "change").order_by("-cycle__year", "center__name")


def review_list(user, *, state: str = "") -> QuerySet[Filing]:
    qs = restrict(filing_list_queryset(), user, "review").exclude(cycle__state=CycleState.DRAFT)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-cycle__year", "state", "center__name")


def my_assignments(user) -> QuerySet[Assignment]:
    return (
        Assignment.objects.filter(auditor=user)
        .filter(filing__in=restrict(Filing.objects.all(), user, "audit").values("pk"))
        .select_related("cycle", "filing", "filing__center", "filing__center__street_town")
        .defer(*(f"filing__{name}" for name in LIST_DEFERRED))
        .order_by("-cycle__year", "filing__center__name")
    )


def unread_notifications(user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).order_by("-created_at")


def _snapshot_sections(snapshot) -> list[dict]:
    """The frozen registers as labelled sections (the filing sheet's own renderer), never a dict."""
    registers = (snapshot or {}).get("registers")
    if not registers:
        return []
    from reports.builders import snapshot_sections

    return snapshot_sections(registers)


def working_aids(user, *, today: date | None = None) -> dict | None:
    """The home page's working aids for the bureau and a supervising unit (issue 15 §5): days to the
    open cycle's filing deadline, the centers (in the user's scope) that have not submitted, and what
    waits for the user — filings to review (a unit) or to accept (the bureau)."""
    from accounts.roles import Role

    if user.role not in (Role.BUREAU, Role.SUPERVISOR):
        return None
    cycle = cycles_for(user).filter(state=CycleState.OPEN).order_by("-year").first()
    if cycle is None:
        return None
    today = today or timezone.localdate()
    filings = restrict(filing_queryset(), user, "view").filter(cycle=cycle)
    waiting_state = FilingState.REVIEWED if user.role == Role.BUREAU else FilingState.SUBMITTED
    ordered = filings.order_by("center__street_town__sort_order", "center__name")
    missing = [f for f in ordered if f.state in EDITABLE_FILING_STATES]
    return {
        "cycle": cycle,
        "deadline": cycle.filing_deadline,
        "days_left": (cycle.filing_deadline - today).days,
        "days_over": (today - cycle.filing_deadline).days,
        "not_submitted": [{"filing": f, "late": today > f.deadline} for f in missing],
        "waiting": filings.filter(state=waiting_state).count(),
        "waiting_label": "待受理" if user.role == Role.BUREAU else "待初审",
        "total": filings.count(),
    }


# ---- year over year ---------------------------------------------------------------------------------
def previous_cycle(cycle: Cycle) -> Cycle | None:
    """Last year's cycle, when its results are out."""
    return Cycle.objects.filter(year=cycle.year - 1, state__in=RESULTS_OUT_STATES).first()


def previous_results_q(cycle: Cycle) -> Q:
    """Last year's published current results."""
    return Q(
        result_set__cycle__year=cycle.year - 1,
        result_set__cycle__state__in=RESULTS_OUT_STATES,
        result_set__is_published=True,
        result_set__is_current=True,
    )


def previous_results(cycle: Cycle, centers: list[int] | None = None) -> dict[int, dict]:
    """center id → last year's published current score, grade and rank (one query; {} without one);
    ``centers``: only these centers'."""
    rows = Result.objects.filter(previous_results_q(cycle))
    if centers is not None:
        rows = rows.filter(center_id__in=centers)
    rows = rows.values("center_id", "final_score", "grade", "rank")
    return {
        r["center_id"]: {"final_score": r["final_score"], "grade": r["grade"], "rank": r["rank"]}
        for r in rows
    }


def _change(score, last: dict | None):
    if last is None or score is None or last["final_score"] is None:  # 未提交 this year or last
        return None
    return score - last["final_score"]


def district_score_history(*, up_to_year: int) -> list[dict]:
    """Each cycle with published results up to ``up_to_year``: its year, centers, average, highest and
    lowest final score (the current published revision), oldest first."""
    from django.db.models import Avg, Count, Max, Min

    rows = (
        Result.objects.filter(
            result_set__is_published=True,
            result_set__is_current=True,
            result_set__cycle__state__in=RESULTS_OUT_STATES,
            result_set__cycle__year__lte=up_to_year,
        )
        .values("result_set__cycle__year")
        .annotate(
            count=Count("pk"),
            average=Avg("final_score"),
            highest=Max("final_score"),
            lowest=Min("final_score"),
        )
        .order_by("result_set__cycle__year")
    )
    return [
        {
            "year": r["result_set__cycle__year"],
            "count": r["count"],
            "average": r["average"],
            "highest": r["highest"],
            "lowest": r["lowest"],
        }
        for r in rows
    ]


# ---- 复核 and 整改 ------------------------------------------------------------------------------------
def review_requests_for(user, *, cycle: Cycle | None = None) -> QuerySet[ReviewRequest]:
    qs = restrict(ReviewRequest.objects.all(), user).select_related("cycle", "center", "result", "filed_by")
    if cycle is not None:
        qs = qs.filter(cycle=cycle)
    return qs.order_by("-cycle__year", "-created_at")


def rectifications_for(user, *, state: str = "", cycle: Cycle | None = None) -> QuerySet[Rectification]:
    qs = restrict(Rectification.objects.all(), user).select_related("cycle", "center")
    if state == "open":
        qs = qs.filter(state__in=RECTIFICATION_OPEN_STATES)
    elif state:
        qs = qs.filter(state=state)
    if cycle is not None:
        qs = qs.filter(cycle=cycle)
    return qs.order_by("-cycle__year", "center__name", "deadline", "pk")


def open_rectifications(center_id, *, before_year: int | None = None) -> list[Rectification]:
    """The center's items still to be acted on (its page, its next filing, its next report)."""
    qs = Rectification.objects.filter(center_id=center_id, state__in=RECTIFICATION_OPEN_STATES)
    if before_year is not None:
        qs = qs.filter(cycle__year__lt=before_year)
    return list(qs.select_related("cycle").order_by("cycle__year", "deadline", "pk"))
