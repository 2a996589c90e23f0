"""What goes into each report: the data of one subject, read in a fixed number of queries.

A builder returns a ``ReportSpec`` whose ``context`` holds only data (numbers, names, dates) — it is
both what the template prints and what ``document_render`` fingerprints, so the same data never
produces a second revision. Charts are drawn by the template layer from that data, not stored in it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import F
from django.urls import reverse

from centers.selectors import current_district
from core.errors import ApplicationError

from .choices import ReportKind
from .services import ReportSpec

TWO = Decimal("0.01")


def _d(value) -> Decimal | None:
    return None if value is None else Decimal(value).quantize(TWO, rounding=ROUND_HALF_UP)


# ---- subjects of a cycle ----------------------------------------------------------------------------
def cycle_report_subjects(cycle) -> list[tuple[str, dict, str]]:
    """(kind, params, label) of every report of ``cycle``: the summary, each center report, each sheet."""
    from evaluations.models import Filing

    filings = list(Filing.objects.filter(cycle=cycle).select_related("center").order_by("center__name", "pk"))
    subjects: list[tuple[str, dict, str]] = [
        (ReportKind.DISTRICT_SUMMARY, {"cycle_id": cycle.pk}, f"{cycle.year} 年度考评汇总报告")
    ]
    results = _current_results(cycle)
    for filing in filings:
        if filing.center_id in results:
            subjects.append(
                (
                    ReportKind.CENTER_REPORT,
                    {"cycle_id": cycle.pk, "center_id": filing.center_id},
                    f"{filing.center.name} 绩效考评报告",
                )
            )
    for filing in filings:
        if filing.submitted_at is not None:
            subjects.append(
                (ReportKind.FILING_SHEET, {"filing_id": filing.pk}, f"{filing.center.name} 年度报告书")
            )
    return subjects


def document_number(kind: str, params: dict) -> str:
    """The report's 文号 from ``REPORT_NUMBER_PATTERN``: its place among its cycle's reports."""
    from evaluations.models import Cycle, Filing

    if "cycle_id" in params:
        cycle = Cycle.objects.get(pk=params["cycle_id"])
    else:
        cycle = Filing.objects.select_related("cycle").get(pk=params["filing_id"]).cycle
    subjects = [(k, p) for k, p, _label in cycle_report_subjects(cycle)]
    # The draw record (抽检记录) is the cycle's second paper, after the summary: its number is fixed
    # from the day of the draw, before any result exists.
    subjects.insert(1, (DRAW_RECORD, {"cycle_id": cycle.pk}))
    number = subjects.index((kind, params)) + 1 if (kind, params) in subjects else len(subjects) + 1
    return settings.REPORT_NUMBER_PATTERN.format(year=cycle.year, number=number)


def build_spec(kind: str, params: dict) -> ReportSpec:
    builder = {
        ReportKind.CENTER_REPORT: center_report_spec,
        ReportKind.DISTRICT_SUMMARY: district_summary_spec,
        ReportKind.FILING_SHEET: filing_sheet_spec,
    }.get(kind)
    if builder is None:
        raise ApplicationError(f"未知的报告类型“{kind}”。")
    spec = builder(**params)
    spec.context["document_number"] = document_number(kind, params)
    spec.context["letterhead"] = settings.REPORT_LETTERHEAD
    # Issuer, seal block, portal name and "1+N+X" come from the district's data (and are fingerprinted:
    # a renamed bureau makes a new revision).
    spec.context["district"] = district_particulars()
    return spec


def district_particulars() -> dict:
    """What a PDF prints about the district: its name, bureau, registration authority, portal, policy."""
    district = current_district()
    return {
        "name": district.name,
        "code": district.code,
        "bureau_name": district.bureau_name,
        "registration_authority": district.registration_authority_name,
        "seal_label": f"{district.registration_authority_name}（盖章）",
        "portal_name": district.portal_name,
        "policy_number": district.policy_number,
        "policy_title": district.policy_title,
        "structure": district.structure,
    }


# ---- shared pieces ----------------------------------------------------------------------------------
def _cycle(cycle_id):
    from evaluations.models import Cycle

    cycle = Cycle.objects.filter(pk=cycle_id).first()
    if cycle is None:
        raise ApplicationError(f"考评年度（编号 {cycle_id}）不存在，无法生成报告。")
    return cycle


def _current_result_set(cycle):
    from evaluations.models import ResultSet

    # The published, current revision of the results (a correction is a newer published revision).
    return (
        ResultSet.objects.filter(cycle=cycle, is_published=True, is_current=True)
        .order_by("-revision")
        .first()
        or ResultSet.objects.filter(cycle=cycle, is_published=True).order_by("-revision").first()
    )


def _current_results(cycle) -> dict:
    from evaluations.models import Result

    result_set = _current_result_set(cycle)
    if result_set is None:
        return {}
    return {r.center_id: r for r in Result.objects.filter(result_set=result_set)}


def cycle_rules(cycle) -> dict:
    return {
        "year": cycle.year,
        "title": str(cycle),
        "state": cycle.get_state_display(),
        "combination": cycle.get_combination_rule_display(),
        "combination_rule": cycle.combination_rule,
        "self_weight": _d(cycle.self_weight),
        "sample_share": cycle.sample_share_label,
        "gap_tolerance": _d(cycle.gap_tolerance),
        "performance_weight": _d(cycle.performance_weight),
        "not_applicable": cycle.get_not_applicable_rule_display(),
        "grade_bands": [{"grade": b["grade"], "min": b["min"]} for b in cycle.grade_bands],
        "filing_deadline": cycle.filing_deadline,
        "spot_check_deadline": cycle.spot_check_deadline,
        "published_at": cycle.published_at.date() if cycle.published_at else None,
        # During the publicity period every report is a draft for publicity (公示稿); at 定稿 it is
        # rendered again without the mark.
        "draft_mark": "公示稿" if cycle.state == "publicity" else "",
        "publicity_ends_on": cycle.publicity_ends_on if cycle.state == "publicity" else None,
    }


def _last_year(result, last: dict | None) -> dict | None:
    """Last year's score, grade and rank beside this year's, and the change in score."""
    if last is None:
        return None
    return {
        "final_score": _d(last["final_score"]),
        "grade": last["grade"],
        "rank": last["rank"],
        "change": _d(result.final_score - last["final_score"]),
    }


def center_particulars(center) -> dict:
    return {
        "name": center.name,
        "level": center.get_level_display(),
        "street_town": center.street_town.name if center.street_town_id else "",
        "industry": center.industry,
        "supervising_unit": center.supervising_unit.name,
        "credit_code": center.credit_code,
        "legal_representative": center.legal_representative,
        "director": center.director_name,
        "address": center.address,
        "phone": center.phone,
        "established_on": center.established_on,
        "registered_on": center.registered_on,
    }


def _compliance(centers, year) -> dict[int, list[dict]]:
    """The compliance engine's verdicts by center id (``centers.rules.evaluate_centers``)."""
    try:
        from centers.rules import evaluate_centers
    except ImportError:
        return {}
    verdicts = evaluate_centers(list(centers), year)
    out = {}
    for center_id, results in verdicts.items():
        key = center_id if isinstance(center_id, int) else center_id.pk
        out[key] = [r.as_dict() if hasattr(r, "as_dict") else dict(r) for r in results]
    return out


STATUS_LABELS = {"met": "达标", "not_met": "未达标", "not_applicable": "不适用", "no_data": "无数据"}


def _compliance_rows(results: list[dict]) -> list[dict]:
    return [
        {
            "rule": r["rule"],
            "status": r["status"],
            "status_label": STATUS_LABELS.get(r["status"], r["status"]),
            "detail": r.get("detail", ""),
        }
        for r in results
    ]


def _indicator_rows(cycle, filing, result) -> tuple[list[dict], list[dict]]:
    """Indicator table rows (grouped by category) and the category subtotals, for one filing."""
    from evaluations.models import AuditScore, Indicator, SelfScore

    indicators = list(Indicator.objects.filter(cycle=cycle).select_related("category"))
    self_scores = {s.indicator_id: s for s in SelfScore.objects.filter(filing=filing)}
    audit_scores = {s.indicator_id: s for s in AuditScore.objects.filter(filing=filing)}
    sampled = bool(result.sampled) if result is not None else bool(audit_scores)
    unsubmitted = result is not None and not result.submitted
    weight = Decimal(cycle.self_weight)
    # How each item's points were reached (scoring.tally's lines: the arithmetic of 扣分项 / 加分项 /
    # 一票否决项 and the 不适用 share-out or rescaling), from the scores the final score came from.
    working = {}
    if not unsubmitted:
        from evaluations.services import filing_tally

        source = audit_scores if sampled and audit_scores else self_scores
        working = {line.code: line.explanation for line in filing_tally(cycle, indicators, source).lines}
    rows, categories = [], {}
    for ind in indicators:
        own = self_scores.get(ind.pk)
        audit = audit_scores.get(ind.pk) if sampled else None
        # A filing never submitted has no scores to print (a draft's are not the center's word).
        self_value = own.score if own and not unsubmitted else None
        spot_value = audit.score if audit and not unsubmitted else None
        if spot_value is None:
            final = self_value
        elif cycle.combination_rule == "weighted" and self_value is not None:
            final = self_value * weight + spot_value * (1 - weight)
        else:
            final = spot_value
        comments = [c for c in ((own.comment if own else ""), (audit.comment if audit else "")) if c]
        detail = (audit.computed_detail if audit and audit.computed_detail else "") or (
            own.computed_detail if own else ""
        )
        rows.append(
            {
                "category": f"{ind.category.code} {ind.category.name}",
                "category_code": ind.category.code,
                "code": ind.code,
                "name": ind.name,
                "method": ind.get_method_display(),
                "computed": ind.is_computed,
                "max": _d(ind.max_score),
                "self": _d(self_value),
                "spot": _d(spot_value),
                "final": _d(final),
                "comment": "；".join(comments),
                "detail": detail,
                "kind": ind.kind,
                "kind_explanation": ind.kind_explanation
                if ind.kind != "standard" or ind.may_be_not_applicable
                else "",
                "not_applicable": bool((audit or own) and (audit or own).not_applicable),
                "working": working.get(ind.code, "")
                if ind.kind != "standard" or "不适用" in working.get(ind.code, "")
                else "",
                "occurrences": (audit or own).occurrences if (audit or own) else None,
            }
        )
        cat = categories.setdefault(
            ind.category.code,
            {
                "code": ind.category.code,
                "name": ind.category.name,
                "max": Decimal(0),
                "self": Decimal(0),
                "spot": Decimal(0),
                "final": Decimal(0),
            },
        )
        cat["max"] += ind.max_score
        cat["self"] += self_value or 0
        cat["spot"] += spot_value or 0
        cat["final"] += final or 0
    subtotals = [
        {
            **c,
            "max": _d(c["max"]),
            "self": None if unsubmitted else _d(c["self"]),
            "spot": _d(c["spot"]) if sampled and not unsubmitted else None,
            "final": None if unsubmitted else _d(c["final"]),
            "rate": (
                (c["final"] * 100 / c["max"]).quantize(Decimal(1), ROUND_HALF_UP)
                if c["max"] and not unsubmitted
                else None
            ),
        }
        for c in categories.values()
    ]
    return rows, subtotals


def _result_dict(result, total_centers: int) -> dict | None:
    if result is None:
        return None
    return {
        "submitted": result.submitted,
        "veto": result.veto,
        "self_score": _d(result.self_score),
        "sampled": result.sampled,
        "spot_score": _d(result.spot_score),
        "final_score": _d(result.final_score),
        "gap": _d(result.gap),
        "finding": result.finding,
        "grade": result.grade,
        "rank": result.rank,
        "of": total_centers,
        "contribution": _d(result.contribution),
        "explanation": result.explanation,
    }


# A rule-based computed indicator's detail, as evaluations.scoring writes it: "R-STAFF-1 达标（…numbers…） → 10.0/10.0".
_RULE_DETAIL = re.compile(r"^(?P<head>R-[A-Z]+-\d+ [^（]+)（.*）(?P<tail> → \S+)$", re.S)


def _without_rule_numbers(detail: str, printed_rules: set[str]) -> str:
    """The detail without the rule's own numbers when section 五 prints that rule with them (from the
    same snapshot): "R-STAFF-1 达标 → 10.0/10.0（数字见第五部分）". Anything else is kept as it is."""
    match = _RULE_DETAIL.match(detail or "")
    if match is None or match["head"].split(" ", 1)[0] not in printed_rules:
        return detail
    return f"{match['head']}{match['tail']}（数字见第五部分）"


# ---- the center evaluation report (绩效考评报告) --------------------------------------------------
def center_report_spec(*, cycle_id, center_id) -> ReportSpec:
    from evaluations.models import Filing, Result
    from evaluations.selectors import open_rectifications, previous_results

    cycle = _cycle(cycle_id)
    filing = (
        Filing.objects.select_related("center__street_town", "center__supervising_unit")
        .filter(cycle=cycle, center_id=center_id)
        .first()
    )
    if filing is None:
        raise ApplicationError(
            f"服务中心（编号 {center_id}）在 {cycle.year} 年度没有填报，无法生成绩效考评报告。"
        )
    center = filing.center
    result_set = _current_result_set(cycle)
    # This center's result and the number ranked (not every center's row: one query each).
    cycle_results = Result.objects.filter(result_set=result_set) if result_set else Result.objects.none()
    result = cycle_results.filter(center=center).order_by().first()
    ranked = cycle_results.count()
    if result is None:
        raise ApplicationError(f"{center.name} 在 {cycle.year} 年度尚无考评结果，请先完成计分。")
    rows, subtotals = _indicator_rows(cycle, filing, result)
    last = previous_results(cycle).get(center.pk)
    # Compliance as it stood when the filing was submitted (the snapshot the computed indicators were
    # scored from), so the two never disagree; a filing never submitted has no snapshot: evaluated now.
    if "compliance" in filing.snapshot:
        compliance = filing.snapshot["compliance"]
        compliance_as_of = filing.snapshot_taken_at or filing.submitted_at
        # Section 五 prints these verdicts with their numbers: the computed rows need not repeat them.
        printed_rules = {r["rule"] for r in compliance}
        for row in rows:
            row["detail"] = _without_rule_numbers(row["detail"], printed_rules)
    else:
        compliance = _compliance([center], cycle.year).get(center.pk, [])
        compliance_as_of = None
    context = {
        "report_kind": ReportKind.CENTER_REPORT,
        "cycle": cycle_rules(cycle),
        "result_set": {"revision": result_set.revision, "reason": result_set.reason},
        "center": center_particulars(center),
        "filing": {"state": filing.get_state_display(), "submitted_at": filing.submitted_at},
        "indicator_groups": [
            {**c, "rows": [r for r in rows if r["category_code"] == c["code"]]} for c in subtotals
        ],
        "max_total": _d(sum((c["max"] for c in subtotals), Decimal(0))),
        "compliance": _compliance_rows(compliance),
        "compliance_as_of": compliance_as_of,
        "reference_day": filing.snapshot.get("reference_day") if filing.snapshot else None,
        "submitted": filing.submitted_at is not None,
        "result": _result_dict(result, ranked),
        "last_year": _last_year(result, last),
        "last_year_categories": _last_year_categories(cycle, center, last),
        "rectifications": [
            {
                "year": r.cycle.year,
                "finding": r.finding,
                "deadline": r.deadline,
                "state": r.get_state_display(),
            }
            for r in open_rectifications(center.pk, before_year=cycle.year)
        ],
    }
    return ReportSpec(
        kind=ReportKind.CENTER_REPORT,
        subject_key=f"center_report/cycle-{cycle.pk}/center-{center.pk}",
        title=f"{center.name} {cycle.year} 年度绩效考评报告",
        template="reports/pdf/center_report.html",
        context=context,
        center=center,
        links={"cycle": cycle, "filing": filing},
        extra={"charts": center_charts(context)},
    )


def _last_year_categories(cycle, center, last: dict | None) -> dict[str, Decimal]:
    """Last year's final score of each category (by category code) of ``center``; {} without one."""
    from evaluations.models import Filing, Result

    if last is None:
        return {}
    filing = Filing.objects.filter(cycle__year=cycle.year - 1, center=center).select_related("cycle").first()
    result = (
        Result.objects.filter(result_set__cycle__year=cycle.year - 1, center=center)
        .filter(result_set__is_published=True, result_set__is_current=True)
        .first()
    )
    if filing is None or result is None or not result.submitted:
        return {}
    _rows, subtotals = _indicator_rows(filing.cycle, filing, result)
    return {c["code"]: c["final"] for c in subtotals if c["final"] is not None}


CENTER_CHART_SERIES = [("本年自评", "#7aa6c2"), ("本年抽检", "#2f5d8a"), ("上年最终", "#c9a227")]


def center_charts(context: dict) -> dict:
    """The center report's one chart: each category's self score, spot-check score (a sampled center)
    and last year's final score (where there is one), as shares of the category's full marks."""
    from .charts import data_uri, grouped_bars

    groups = context["indicator_groups"]
    last = context.get("last_year_categories") or {}
    sampled = bool(context["result"] and context["result"]["sampled"])
    series = [CENTER_CHART_SERIES[0]] + ([CENTER_CHART_SERIES[1]] if sampled else [])
    series += [CENTER_CHART_SERIES[2]] if last else []
    if not groups or not context["submitted"]:
        return {}
    data = []
    for g in groups:
        values = [g["self"]] + ([g["spot"]] if sampled else []) + ([last.get(g["code"])] if last else [])
        data.append((g["name"], g["max"], values))
    return {"categories": data_uri(grouped_bars(data, series)), "series": [name for name, _color in series]}


# ---- the district summary (年度考评汇总报告) ----------------------------------------------------------
def _summary_title(cycle) -> str:
    """The bureau's summary of the centers in the cycle's scope: “青浦区民政局 2025 年度街镇社会组织服务中心
    考评汇总报告” (street/town centers only, the default scope), else of every level in the scope."""
    from centers.choices import CenterLevel

    district = current_district()
    issuer = district.bureau_name or f"{district.name}民政局"
    levels = list(cycle.levels or [])
    whom = "街镇社会组织服务中心" if levels == [CenterLevel.STREET_TOWN] else "社会组织服务中心"
    return f"{issuer} {cycle.year} 年度{whom}考评汇总报告"


DISTRIBUTION_BINS = [
    (0, 60, "60 分以下"),
    (60, 70, "60–69"),
    (70, 80, "70–79"),
    (80, 90, "80–89"),
    (90, 101, "90 分以上"),
]


def district_summary_spec(*, cycle_id) -> ReportSpec:
    from django.conf import settings

    from centers.models import ServiceCenter
    from evaluations.draw import ALGORITHM_LABELS
    from evaluations.models import AuditScore, Draw, Indicator, Result, SelfScore
    from evaluations.selectors import district_score_history, previous_results

    cycle = _cycle(cycle_id)
    result_set = _current_result_set(cycle)
    if result_set is None:
        raise ApplicationError(f"{cycle.year} 年度尚无考评结果，请先完成计分。")
    results = list(
        Result.objects.filter(result_set=result_set)
        .select_related("center__street_town", "center__supervising_unit")
        .order_by(F("rank").asc(nulls_last=True), "center__name")
    )
    last = previous_results(cycle)
    ranking = [
        {
            "rank": r.rank,
            "center": r.center.name,
            "street_town": r.center.street_town.name if r.center.street_town_id else "",
            "submitted": r.submitted,
            "self_score": _d(r.self_score),
            "sampled": r.sampled,
            "spot_score": _d(r.spot_score),
            "final_score": _d(r.final_score),
            "gap": _d(r.gap),
            "grade": r.grade,
            "contribution": _d(r.contribution),
            "last_year": _last_year(r, last.get(r.center_id)),
        }
        for r in results
    ]
    distribution = []
    for low, high, label in DISTRIBUTION_BINS:
        distribution.append(
            {
                "label": label,
                "count": sum(1 for r in results if r.submitted and low <= r.final_score < high),
            }
        )
    grades = defaultdict(int)
    for r in results:
        grades[r.grade] += 1

    # Each category's average final score over the centers (per-indicator finals, as in center reports).
    indicators = list(Indicator.objects.filter(cycle=cycle).select_related("category"))
    filing_ids = [r.filing_id for r in results]
    sampled_filings = {r.filing_id for r in results if r.sampled}
    self_by = {
        (s.filing_id, s.indicator_id): s.score for s in SelfScore.objects.filter(filing_id__in=filing_ids)
    }
    audit_by = {
        (s.filing_id, s.indicator_id): s.score
        for s in AuditScore.objects.filter(filing_id__in=filing_ids)
        if s.filing_id in sampled_filings
    }
    weight = Decimal(cycle.self_weight)
    categories: dict[str, dict] = {}
    for ind in indicators:
        cat = categories.setdefault(
            ind.category.code, {"label": ind.category.name, "max": Decimal(0), "sum": Decimal(0)}
        )
        cat["max"] += ind.max_score
        for fid in filing_ids:
            own, spot = self_by.get((fid, ind.pk)), audit_by.get((fid, ind.pk))
            if spot is None:
                value = own or 0
            elif cycle.combination_rule == "weighted" and own is not None:
                value = own * weight + spot * (1 - weight)
            else:
                value = spot
            cat["sum"] += value
    n = len(filing_ids) or 1
    category_averages = [
        {"label": c["label"], "max": _d(c["max"]), "average": _d(c["sum"] / n)} for c in categories.values()
    ]

    centers = list(
        ServiceCenter.objects.filter(district_id__in={r.center.district_id for r in results} or [0])
        .exclude(status="deregistered")
        .select_related("street_town")
        .order_by("level", "street_town__sort_order", "name")
    )
    verdicts = _compliance(centers, cycle.year)
    compliance_overview = []
    for center in centers:
        rows = verdicts.get(center.pk, [])
        compliance_overview.append(
            {
                "center": center.name,
                "level": center.get_level_display(),
                "met": sum(1 for r in rows if r["status"] == "met"),
                "not_met": sum(1 for r in rows if r["status"] == "not_met"),
                "no_data": sum(1 for r in rows if r["status"] == "no_data"),
                "not_met_rules": "、".join(r["rule"] for r in rows if r["status"] == "not_met"),
            }
        )

    draw = Draw.objects.filter(cycle=cycle).first()
    names = {c.pk: c.name for c in ServiceCenter.objects.filter(pk__in=[r.center_id for r in results])}
    sample = None
    if draw is not None:
        sample = {
            "seed": draw.seed,
            "algorithm": ALGORITHM_LABELS.get(draw.algorithm, ""),
            "commitment": draw.seed_commitment.digest if draw.seed_commitment_id else "",
            "record_url": f"{settings.PORTAL_BASE_URL}/public/draws/{cycle.year}/",
            "share": f"{draw.share_numerator}/{draw.share_denominator}",
            "population": len(draw.population or []),
            "size": draw.sample_size,
            "centers": [_center_label(item, names) for item in draw.result or []],
            "must_include": [_center_label(item, names) for item in draw.must_include or []],
            "excluded": [_center_label(item, names) for item in draw.excluded or []],
        }
    performance = [
        {
            "street_town": r["street_town"] or "—",
            "center": r["center"],
            "submitted": r["submitted"],
            "final_score": r["final_score"],
            "contribution": r["contribution"],
        }
        for r in sorted(ranking, key=lambda r: (r["street_town"], r["center"]))
    ]
    findings = [
        {"center": r.center.name, "gap": _d(r.gap), "finding": r.finding} for r in results if r.finding
    ]
    finals = [r.final_score for r in results if r.submitted]
    context = {
        "report_kind": ReportKind.DISTRICT_SUMMARY,
        "cycle": cycle_rules(cycle),
        "result_set": {"revision": result_set.revision, "reason": result_set.reason},
        "ranking": ranking,
        "stats": {
            "count": len(results),
            "sampled": sum(1 for r in results if r.sampled),
            "average": _d(sum(finals) / len(finals)) if finals else None,
            "highest": _d(max(finals)) if finals else None,
            "lowest": _d(min(finals)) if finals else None,
            "grades": [{"grade": b["grade"], "count": grades.get(b["grade"], 0)} for b in cycle.grade_bands],
        },
        "distribution": distribution,
        "category_averages": category_averages,
        "compliance_overview": compliance_overview,
        "sample": sample,
        "performance": performance,
        "performance_total": _d(
            sum((r.contribution for r in results if r.contribution is not None), Decimal(0))
        ),
        "findings": findings,
        "has_last_year": bool(last),
        "history": [
            {
                "year": h["year"],
                "count": h["count"],
                "average": _d(h["average"]),
                "highest": _d(h["highest"]),
                "lowest": _d(h["lowest"]),
            }
            for h in district_score_history(up_to_year=cycle.year)
        ],
    }
    return ReportSpec(
        kind=ReportKind.DISTRICT_SUMMARY,
        subject_key=f"district_summary/cycle-{cycle.pk}",
        title=_summary_title(cycle),
        template="reports/pdf/district_summary.html",
        context=context,
        links={"cycle": cycle},
        extra={"charts": summary_charts(context)},
    )


def summary_charts(context: dict) -> dict:
    from .charts import bar_chart, data_uri, horizontal_bars, score_history_chart

    distribution = bar_chart(
        [(d["label"], d["count"]) for d in context["distribution"]],
        y_label="服务中心数（家）",
        value_format="{:.0f} 家",
    )
    categories = horizontal_bars([(c["label"], c["average"], c["max"]) for c in context["category_averages"]])
    charts = {"distribution": data_uri(distribution), "categories": data_uri(categories)}
    history = context.get("history") or []
    if len(history) > 1:
        charts["history"] = data_uri(score_history_chart(history))
    return charts


def _center_label(item, names: dict) -> str:
    """A draw entry (a center id, or a dict with id/name/reason) as printable text."""
    if isinstance(item, dict):
        name = item.get("name") or names.get(item.get("id") or item.get("center_id"), "")
        reason = item.get("reason", "")
        return f"{name}（{reason}）" if reason else str(name)
    return names.get(item, str(item))


# ---- the printable draw record (抽检记录) -------------------------------------------------------------
DRAW_RECORD = "draw_record"


def draw_record_context(cycle) -> dict:
    """What the printed draw record holds: the population, the centers named or excluded (with the
    reasons), the seed and its commitment, the sample, the auditors assigned, and the 文号."""
    from evaluations.draw import ALGORITHM_LABELS
    from evaluations.models import Assignment, Draw, SeedCommitment

    draw = Draw.objects.filter(cycle=cycle).select_related("drawn_by").first()
    if draw is None:
        raise ApplicationError(f"{cycle.year} 年度尚未抽样，没有抽检记录。")
    commitment = SeedCommitment.objects.filter(cycle=cycle).first()
    auditors: dict[int, list[str]] = {}
    for a in Assignment.objects.filter(cycle=cycle).select_related("auditor", "filing"):
        auditors.setdefault(a.filing.center_id, []).append(a.auditor.display_name)
    population = draw.population or []
    names = {c["id"]: c["name"] for c in population}
    codes = {c["id"]: c.get("credit_code", "") for c in population}

    def entry(item) -> dict:
        center_id = item["id"] if isinstance(item, dict) else item
        return {
            "name": (item.get("name") if isinstance(item, dict) else "") or names.get(center_id, ""),
            "credit_code": codes.get(center_id, ""),
            "reason": item.get("reason", "") if isinstance(item, dict) else "",
            "auditors": "、".join(auditors.get(center_id, [])),
        }

    # The record of the draw, not of the results: never marked 公示稿.
    return {
        "cycle": {**cycle_rules(cycle), "draft_mark": "", "publicity_ends_on": None},
        "document_number": document_number(DRAW_RECORD, {"cycle_id": cycle.pk}),
        "letterhead": settings.REPORT_LETTERHEAD,
        "district": district_particulars(),
        "draw": {
            "algorithm": ALGORITHM_LABELS.get(draw.algorithm, ""),
            "seed": draw.seed,
            "commitment": commitment.digest if commitment else "",
            "committed_at": commitment.committed_at if commitment else None,
            "share": f"{draw.share_numerator}/{draw.share_denominator}",
            "size": draw.sample_size,
            "drawn_at": draw.created_at,
            "drawn_by": draw.drawn_by.display_name if draw.drawn_by_id else "",
            "record_url": settings.PORTAL_BASE_URL + reverse("disclosure:draw_record", args=[cycle.year]),
        },
        "population": [entry(c) for c in population],
        "must_include": [entry(c) for c in draw.must_include or []],
        "excluded": [entry(c) for c in draw.excluded or []],
        "sample": [entry(c) for c in draw.result or []],
    }


def draw_record_pdf(cycle) -> bytes:
    """The draw record as a PDF, through the reports' renderer (its stylesheet and cut font)."""
    from django.utils import timezone

    from .pdf import render_pdf

    context = draw_record_context(cycle)
    title = f"{context['district']['name']}社会组织服务中心 {cycle.year} 年度抽检记录"
    return render_pdf(
        "reports/pdf/draw_record.html", {**context, "title": title, "generated_at": timezone.now()}
    )


# ---- the annual filing sheet (年度报告书) ------------------------------------------------------------
def filing_sheet_spec(*, filing_id) -> ReportSpec:
    from evaluations.models import FILING_FIGURES, Filing, SelfScore

    filing = (
        Filing.objects.select_related("cycle", "center__street_town", "center__supervising_unit")
        .filter(pk=filing_id)
        .first()
    )
    if filing is None:
        raise ApplicationError(f"年度填报（编号 {filing_id}）不存在，无法生成年度报告书。")
    from evaluations.figures import figure_basis

    cycle, center = filing.cycle, filing.center
    snapshot = filing.snapshot or {}
    frozen = snapshot.get("figures") or {}
    figures = [
        {
            "label": str(label),
            "value": frozen[name]["value"] if name in frozen else getattr(filing, name),
            "basis": figure_basis(frozen[name]) if name in frozen else "",
        }
        for name, label in FILING_FIGURES
    ]
    # The registers: a summary in the sheet (counts and the ten most recent rows), in full in the annex.
    activity = [
        {**register, "recent": register["rows"][:SUMMARY_ROWS]}
        for register in snapshot.get("activity_registers", [])
    ]
    annex = snapshot_sections({k: v for k, v in snapshot.items() if k not in FIGURE_SNAPSHOT_KEYS})
    summaries = [
        {
            "title": section["title"],
            "count": len(section["rows"]),
            "columns": section["columns"],
            "recent": section["rows"][:SUMMARY_ROWS],
        }
        for section in annex
        if section.get("rows")
    ]
    self_scores = [
        {
            "code": s.indicator.code,
            "name": s.indicator.name,
            "max": _d(s.indicator.max_score),
            "score": _d(s.score),
            "comment": s.comment or s.computed_detail,
        }
        for s in SelfScore.objects.filter(filing=filing).select_related("indicator__category")
    ]
    context = {
        "report_kind": ReportKind.FILING_SHEET,
        "cycle": cycle_rules(cycle),
        "center": center_particulars(center),
        "filing": {
            "state": filing.get_state_display(),
            "submitted_at": filing.submitted_at,
            "reviewed_at": filing.reviewed_at,
            "accepted_at": filing.accepted_at,
            "snapshot_taken_at": filing.snapshot_taken_at,
            "notes": filing.notes,
            "work_plan": filing.work_plan_name or ("已上传" if filing.work_plan else ""),
            "self_total": _d(filing.self_total),
        },
        "figures": figures,
        "typed": [str(dict(FILING_FIGURES)[n]) for n in snapshot.get("typed_figures", [])],
        "activity_registers": activity,
        "register_summaries": summaries,
        "snapshot": annex,
        "self_scores": self_scores,
    }
    return ReportSpec(
        kind=ReportKind.FILING_SHEET,
        subject_key=f"filing_sheet/filing-{filing.pk}",
        title=f"{center.name} {cycle.year} 年度报告书",
        template="reports/pdf/filing_sheet.html",
        context=context,
        center=center,
        links={"cycle": cycle, "filing": filing},
    )


SUMMARY_ROWS = 10
# Parts of the snapshot printed on their own (the figures table, the registers' summary and annex).
FIGURE_SNAPSHOT_KEYS = ("figures", "typed_figures", "activity_registers")

SNAPSHOT_LABELS = {
    # sections
    "center": "服务中心",
    "registers": "服务中心台账",
    "profile": "基本信息",
    "venue": "办公场地",
    "funding": "运作经费",
    "bank_accounts": "银行账户",
    "income_lines": "收入明细",
    "contracts": "政府购买服务合同",
    "governance": "法人治理",
    "board_members": "理事会成员",
    "supervisors": "监事",
    "rules": "规章制度",
    "meetings": "会议",
    "archives": "档案与印章",
    "seal_custodians": "印章保管人",
    "hand_overs": "交接记录",
    "inventory": "档案目录",
    "plans": "年度计划",
    "ratings": "等级评估",
    "roster": "人员名册",
    "counts": "人员数量",
    "people": "人员",
    "trainings": "培训",
    "findings": "人员与薪酬判定",
    "compliance": "政策达标情况",
    "minimum_wage": "本市最低工资标准",
    # fields
    "year": "年度",
    "taken_on": "快照日期",
    "reference_day": "评判基准日",
    "roster_on": "名册截止日期",
    "on": "截止日期",
    "name": "名称",
    "level": "层级",
    "level_label": "层级",
    "status": "状态",
    "status_label": "状态",
    "street_town": "所在街镇",
    "supervising_unit": "业务主管单位",
    "credit_code": "统一社会信用代码",
    "registered_on": "法人登记日期",
    "established_on": "成立日期",
    "legal_representative": "法定代表人",
    "director_name": "主任",
    "director_under_board": "理事会领导下的主任负责制",
    "industry": "所属行业",
    "address": "地址",
    "phone": "联系电话",
    "email": "电子邮箱",
    "party_organization": "党组织",
    "social_organization_count": "辖区社会组织数 N",
    "area": "面积（㎡）",
    "is_independent": "独立",
    "has_computers": "电脑",
    "has_network": "网络",
    "has_office_equipment": "办公设备",
    "has_incubation_park": "孵化园",
    "has_practice_park": "实践园",
    "has_community_life_center": "社区生活服务中心",
    "note": "备注",
    "bank_name": "开户行",
    "account_number_masked": "账号",
    "npo_accounting": "执行民间非营利组织会计制度",
    "opened_on": "开户日期",
    "closed_on": "销户日期",
    "source": "来源",
    "source_label": "来源",
    "amount": "金额（元）",
    "contract": "合同",
    "purchaser": "购买方",
    "title": "名称",
    "starts_on": "起始日期",
    "ends_on": "终止日期",
    "document": "文件",
    "role": "职务",
    "term_start": "任期起",
    "term_end": "任期止",
    "kind": "类别",
    "kind_label": "类别",
    "adopted_on": "通过日期",
    "body": "会议类型",
    "body_label": "会议类型",
    "held_on": "日期",
    "topic": "议题",
    "since": "起",
    "until": "止",
    "handed_on": "交接日期",
    "from_person": "移交人",
    "to_person": "接收人",
    "items": "交接物品",
    "volumes": "卷数",
    "is_complete": "齐全",
    "grade": "等级",
    "rated_on": "评定日期",
    "valid_until": "有效期至",
    "full_time": "专职",
    "part_time": "兼职",
    "labor": "劳务",
    "rehired": "返聘",
    "volunteers": "志愿者",
    "total": "合计",
    "monthly_pay_total": "月薪合计（元）",
    "effective_from": "生效日期",
    "gender": "性别",
    "gender_label": "性别",
    "is_rehired": "返聘",
    "position": "岗位",
    "position_label": "岗位",
    "is_legal_representative": "法定代表人",
    "start_date": "入职日期",
    "end_date": "离职日期",
    "post_grade": "岗位等级",
    "monthly_pay": "月薪（元）",
    "transport_subsidy": "交通补贴",
    "meal_subsidy": "餐费补贴",
    "social_worker_level": "社工等级",
    "social_worker_level_label": "社工等级",
    "other_certificates": "其他证书",
    "mobile_phone": "手机",
    "has_contract": "已签合同",
    "organizer": "主办方",
    "hours": "学时",
    "training_hours": "培训学时",
    "trainings_count": "全年培训（人次）",
    "rule": "规则",
    "detail": "说明",
    "figures": "数据",
    # party coverage (R-PARTY-1)
    "n": "社会组织（家）",
    "covered": "已覆盖（家）",
    "recorded": "已登记覆盖情况（家）",
    "percent": "覆盖率（%）",
    "by_status": "覆盖方式",
    "standalone": "单独组建",
    "joint": "联合组建",
    "instructor": "党建指导员覆盖",
    "none": "未覆盖",
}
# Codes shown next to their Chinese label are dropped: the label says it. A verdict's figures are the
# engine's working numbers (keys, not words); its detail says them in Chinese.
_HIDDEN = {"id", "figures"}


def _label(key) -> str:
    from core.vocabulary import field_label

    return SNAPSHOT_LABELS.get(str(key)) or field_label(key)


def _visible_keys(record: dict) -> list:
    return [k for k in record if k not in _HIDDEN and f"{k}_label" not in record]


VALUE_LABELS = {"street_town": "街镇服务中心", "district": "区级服务中心", "industry": "行业服务中心"}


def _scalar(value) -> str:
    if value is None or value == "":
        return "—"
    if value is True:
        return "是"
    if value is False:
        return "否"
    if isinstance(value, list | tuple):
        return "、".join(_scalar(v) for v in value) or "—"
    if isinstance(value, dict):
        return "；".join(f"{_label(k)}：{_scalar(value[k])}" for k in _visible_keys(value)) or "—"
    if isinstance(value, str):
        from core.vocabulary import name_rules

        return STATUS_LABELS.get(value) or VALUE_LABELS.get(value) or name_rules(value)
    return str(value)


def _is_table(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _sections(title: str, value, out: list[dict], depth: int = 0) -> None:
    if isinstance(value, dict):
        pairs, nested = [], []
        for key in _visible_keys(value):
            if depth > 0 and key == "center":
                continue  # the center is named once, at the top
            item = value[key]
            if isinstance(item, dict) or _is_table(item):
                nested.append((key, item))
            else:
                pairs.append({"label": _label(key), "value": _scalar(item)})
        if pairs:
            out.append({"title": title, "pairs": pairs})
        for key, item in nested:
            _sections(f"{title} · {_label(key)}" if depth else _label(key), item, out, depth + 1)
    elif _is_table(value):
        columns: list = []
        for row in value:
            for key in _visible_keys(row):
                if key not in columns and not _is_table(row[key]):
                    columns.append(key)
        out.append(
            {
                "title": title,
                "columns": [_label(c) for c in columns],
                "rows": [[_scalar(row.get(c)) for c in columns] for row in value],
            }
        )


def snapshot_sections(snapshot: dict) -> list[dict]:
    """The frozen snapshot as printable sections: label/value pairs, or tables for lists of records."""
    out: list[dict] = []
    _sections("概况", snapshot, out)
    return out
