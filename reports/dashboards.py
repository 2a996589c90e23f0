"""The bureau's dashboards (the home page and the district overview, issue 15 §4): four charts drawn
by ``reports.charts`` — the same module as the PDFs' — each with the figures as a table beside it.

Read in a fixed number of queries, whatever the number of centers: compliance comes from the stored
``centers.CenterCompliance`` rows (never judged again here; a row waiting for its refresh is counted
as stored and the note says so), filings are counted by state in the database, results by grade.
"""

from __future__ import annotations

from collections import Counter

from django.db.models import Count
from django.utils.safestring import mark_safe

from . import charts

WIDTH = 540  # the small charts' natural width: two side by side at 1366 px, drawn at about 1:1

COMPLIANCE_SERIES = [
    ("met", "达标", "#3d7f5a"),
    ("not_met", "未达标", "#b03a2e"),
    ("no_data", "无数据", "#8c8c8c"),
    ("not_applicable", "不适用", "#c9d3dc"),
]


def compliance_by_rule(year: int) -> dict:
    """For each rule, how many of the district's centers meet it in ``year`` (stored verdicts), in the
    rules' order (``centers.rules.RULE_TITLES``)."""
    from centers.models import CenterCompliance
    from centers.rules import RULE_TITLES, rule_title
    from centers.selectors import current_district

    rows = CenterCompliance.objects.filter(center__district_id=current_district().pk, year=year).exclude(
        center__status="deregistered"
    )
    counts, centers, stale, computed_at = _verdicts_by_rule(rows)
    order = {rule: i for i, rule in enumerate(RULE_TITLES)}
    counts = dict(sorted(counts.items(), key=lambda item: (order.get(item[0], len(order)), item[0])))
    table = [
        {
            "rule": rule,
            "title": rule_title(rule),
            "counts": [counter.get(code, 0) for code, _name, _color in COMPLIANCE_SERIES],
        }
        for rule, counter in counts.items()
    ]
    svg = (
        charts.stacked_bars(
            [(r["title"], r["counts"]) for r in table],
            [(name, color) for _code, name, color in COMPLIANCE_SERIES],
            total_label="达标 {0}/{1}",
            width=760,
            label_width=210,
        )
        if table
        else ""
    )
    return {
        "year": year,
        "centers": centers,
        "stale": stale,
        "computed_at": computed_at,
        "series": [name for _code, name, _color in COMPLIANCE_SERIES],
        "rows": table,
        "svg": mark_safe(svg),  # noqa: S308 — drawn by reports.charts, every text escaped there
    }


def _verdicts_by_rule(rows) -> tuple[dict[str, Counter], int, int, object]:
    """The stored rows' verdicts counted by rule and status, how many rows, how many stale, the oldest
    ``computed_at`` — in one query, from each row's ``statuses`` (rule → status; the results, ten
    times larger and compressed out of the row, are not read). PostgreSQL counts inside the JSON
    (``jsonb_each_text``), so nothing is decoded here, however many centers; other databases count in
    Python."""
    from django.db import connection

    counts: dict[str, Counter] = {}
    if connection.vendor != "postgresql":
        stored = list(rows.values_list("statuses", "stale", "computed_at"))
        for statuses, _stale, _at in stored:
            for rule, status in statuses.items():
                counts.setdefault(rule, Counter())[status] += 1
        times = [at for _statuses, _stale, at in stored]
        return counts, len(stored), sum(1 for _r, s, _a in stored if s), min(times) if times else None
    sql, params = rows.values("statuses", "stale", "computed_at").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"""WITH stored AS ({sql})
            SELECT NULL::text, NULL::text, COUNT(*), COUNT(*) FILTER (WHERE stale), MIN(computed_at)
              FROM stored
            UNION ALL
            SELECT verdict.key, verdict.value, COUNT(*), 0, NULL::timestamptz
              FROM stored CROSS JOIN LATERAL jsonb_each_text(stored.statuses) AS verdict
             GROUP BY 1, 2""",  # noqa: S608 — the inner SQL is the ORM's, with its parameters
            params,
        )
        found = cursor.fetchall()
    centers = stale = 0
    computed_at = None
    for rule, status, n, n_stale, oldest in found:
        if rule is None:
            centers, stale, computed_at = n, n_stale, oldest
        else:
            counts.setdefault(rule, Counter())[status] += n
    return counts, centers, stale, computed_at


def _cycles() -> list:
    """Every cycle past its draft, newest first (one a year: a short list, one query)."""
    from evaluations.choices import CycleState
    from evaluations.models import Cycle

    return list(Cycle.objects.exclude(state=CycleState.DRAFT).order_by("-year"))


def filing_progress(cycles: list) -> dict | None:
    """The latest cycle that takes filings: its filings counted by state (the board's counts)."""
    from evaluations.choices import FilingState
    from evaluations.selectors import board_counts

    cycle = cycles[0] if cycles else None
    if cycle is None:
        return None
    counts = board_counts(cycle)
    rows = [(str(label), counts[label]) for _value, label in FilingState.choices]
    return {
        "cycle": cycle,
        "rows": rows,
        "total": counts["total"],
        "svg": mark_safe(charts.count_bars(rows, unit=" 份", width=WIDTH)),  # noqa: S308 — escaped in reports.charts
    }


def grades_and_history(cycles: list) -> tuple[dict | None, dict | None]:
    """The grade distribution of the latest year with published results, and every year's average."""
    from evaluations.choices import RESULTS_OUT_STATES
    from evaluations.models import Result
    from evaluations.selectors import district_score_history

    cycle = next((c for c in cycles if c.state in RESULTS_OUT_STATES), None)
    if cycle is None:
        return None, None
    by_grade = dict(
        Result.objects.filter(
            result_set__cycle=cycle, result_set__is_published=True, result_set__is_current=True
        )
        .order_by()
        .values_list("grade")
        .annotate(n=Count("pk"))
        .values_list("grade", "n")
    )
    order = [band["grade"] for band in cycle.grade_bands]
    order += sorted(g for g in by_grade if g not in order)
    rows = [(grade, by_grade.get(grade, 0)) for grade in order]
    grades = {
        "cycle": cycle,
        "rows": rows,
        "total": sum(n for _grade, n in rows),
        "svg": mark_safe(  # noqa: S308 — escaped in reports.charts
            charts.bar_chart(
                rows, y_label="服务中心数（家）", value_format="{:.0f} 家", height=220, width=WIDTH
            )
        ),
    }
    years = district_score_history(up_to_year=cycle.year)
    history = {
        "rows": years,
        "svg": mark_safe(charts.score_history_chart(years, width=WIDTH)),  # noqa: S308 — escaped in reports.charts
    }
    return grades, history


def district_dashboard(year: int) -> dict:
    """The four charts of the bureau's home and the district overview (five queries)."""
    cycles = _cycles()
    grades, history = grades_and_history(cycles)
    return {
        "compliance": compliance_by_rule(year),
        "filings": filing_progress(cycles),
        "grades": grades,
        "history": history,
    }
