"""The center's filing: figures, work plan, evidence, self-scores, snapshot, submission."""

from __future__ import annotations

import hashlib
import logging
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from core.audit import log_action
from core.errors import ApplicationError
from core.storage import StorageFailure, atomic, delete_on_commit
from core.uploads import check_upload
from core.versioning import StaleVersion, bump, check_version, parse_version

from .. import scoring
from ..choices import (
    EDITABLE_FILING_STATES,
    CycleState,
    FilingState,
    IndicatorKind,
)
from ..models import (
    Evidence,
    Filing,
    FilingReturn,
    Indicator,
    SelfScore,
)
from ..models.filing import FIGURE_NAMES, FILING_FIGURES
from ..workflow import transition
from ._common import _parse_score, _today

logger = logging.getLogger(__name__)


# ---- the filing ------------------------------------------------------------------------------------
def filing_is_closed(filing: Filing, today: date | None = None) -> bool:
    return _today(today) > filing.deadline


def _ensure_editable(filing: Filing, today: date | None) -> None:
    if filing.cycle.state != CycleState.OPEN:
        raise ApplicationError(
            f"考评当前为“{filing.cycle.get_state_display()}”，年度填报不能修改。", code="out_of_order"
        )
    if filing.state not in EDITABLE_FILING_STATES:
        raise ApplicationError(
            f"填报状态为“{filing.get_state_display()}”，不能修改；如需修改，请联系审核单位退回。",
            code="out_of_order",
        )
    if filing_is_closed(filing, today):
        raise ApplicationError(
            f"填报已于 {filing.deadline:%Y-%m-%d} 截止。如确需补报，请联系区民政局为本中心重新开放填报。",
            code="closed",
        )


def _locked_filing(filing: Filing) -> Filing:
    return Filing.objects.select_for_update(of=("self",)).select_related("cycle", "center").get(pk=filing.pk)


@atomic()
def filing_save_figures(
    *,
    filing: Filing,
    actor,
    version,
    values: dict,
    notes: str | None = None,
    work_plan=None,
    today=None,
    figure_notes: dict | None = None,
) -> Filing:
    """Save the typed activity figures (each a whole number ≥ 0, or a decimal for funding and
    coverage) with their notes and, when given, the work plan — together or not at all (one
    transaction; a file written for a save that fails is removed, see core.storage).

    The figures are computed from the registers (evaluations.figures); a typed figure counts only
    with a note saying why the registers cannot give it (``figure_notes``: name → note; a note needs
    a number, and a number typed without a note is refused). ``version`` is the one the editor read; a filing changed since is refused
    (core.versioning).
    """
    filing = _locked_filing(filing)
    _ensure_editable(filing, today)
    check_version(filing, version)
    labels = dict(FILING_FIGURES)
    errors: dict[str, list[str]] = {}
    cleaned = {}
    for name, raw in values.items():
        if name not in labels:
            continue
        if raw in (None, ""):
            cleaned[name] = None
            continue
        try:
            value = Decimal(str(raw).strip())
            if not value.is_finite():
                raise InvalidOperation
        except (InvalidOperation, ValueError):
            errors[name] = [f"{labels[name]}应为数字。"]
            continue
        if value < 0:
            errors[name] = [f"{labels[name]}不能为负数。"]
        elif name == "party_coverage_percent" and value > 100:
            errors[name] = ["覆盖率应在 0 到 100 之间。"]
        elif name not in ("project_funding", "party_coverage_percent") and value != value.to_integral_value():
            errors[name] = [f"{labels[name]}应为整数。"]
        elif value > Decimal("99999999"):
            errors[name] = [f"{labels[name]}数值过大，请核对。"]
        else:
            cleaned[name] = int(value) if name not in ("project_funding", "party_coverage_percent") else value
    cleaned_notes = None
    if figure_notes is not None:
        cleaned_notes = {}
        for name, note in figure_notes.items():
            note = (note or "").strip()
            if name not in labels or not note:
                continue
            if len(note) > 300:
                errors.setdefault(name, []).append(f"{labels[name]}的说明过长（不超过 300 字）。")
                continue
            value = cleaned[name] if name in cleaned else getattr(filing, name)
            if value is None:
                errors.setdefault(name, []).append(
                    f"{labels[name]}：填写了说明时须填写数值（登记册无法提供时手工填写）。"
                )
                continue
            cleaned_notes[name] = note
    # A typed figure counts only with its note (issue 12): a number typed now without one is refused,
    # naming the figure and the fix. (Numbers already on the filing — those written on submission —
    # are not re-checked: without a note they do not count, see evaluations.figures.)
    notes_after = cleaned_notes if cleaned_notes is not None else (filing.figure_notes or {})
    for name, value in cleaned.items():
        if value is not None and not notes_after.get(name) and name not in errors:
            errors[name] = [
                f"{labels[name]}：手工填写了数值 {value}，须写明说明（登记册无法提供的原因和数据来源）；"
                f"如以台账统计为准，请清空该数值。"
            ]
    plan_name = None
    if work_plan is not None:
        try:
            plan_name, _mime = check_upload(work_plan, field="work_plan")
        except ApplicationError as exc:
            errors.update(exc.fields or {"work_plan": [exc.message]})
    if errors:
        raise ApplicationError("填报数据有误，请按提示修改。", fields=errors)
    before = {k: getattr(filing, k) for k in cleaned}
    for key, value in cleaned.items():
        setattr(filing, key, value)
    if notes is not None:
        filing.notes = notes
    if cleaned_notes is not None:
        before["figure_notes"] = filing.figure_notes
        filing.figure_notes = cleaned_notes
    if cleaned or notes is not None or cleaned_notes is not None:
        log_action(
            "evaluations.filing.figures_saved",
            actor=actor,
            obj=filing,
            data={"before": before, "after": {**cleaned, "figure_notes": cleaned_notes}},
        )
    if plan_name is not None:
        old = filing.work_plan.name if filing.work_plan else ""
        try:
            filing.work_plan.save(plan_name, work_plan, save=False)
        except StorageFailure as exc:
            raise exc.for_field("work_plan") from exc
        filing.work_plan_name = plan_name
        if old:
            delete_on_commit(filing.work_plan.storage, old)
        log_action(
            "evaluations.filing.work_plan_uploaded",
            actor=actor,
            obj=filing,
            data={"name": plan_name, "replaced": old},
        )
    bump(filing)
    filing.save()
    return filing


def filing_upload_work_plan(*, filing: Filing, actor, upload, version, today=None) -> Filing:
    """Replace the work plan alone (the figures stay); ``version`` as in filing_save_figures."""
    return filing_save_figures(
        filing=filing, actor=actor, version=version, values={}, work_plan=upload, today=today
    )


@atomic()
def evidence_upload(*, filing: Filing, indicator: Indicator, actor, upload, today=None) -> Evidence:
    filing = _locked_filing(filing)
    _ensure_editable(filing, today)
    if indicator.cycle_id != filing.cycle_id:
        raise ApplicationError(
            "指标不属于本年度评分表。", fields={"indicator": ["请选择本年度评分表中的指标。"]}
        )
    name, mime = check_upload(upload, field="file")
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = Evidence(
        filing=filing,
        indicator=indicator,
        original_name=name,
        content_type=mime,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    try:
        evidence.file.save(name, upload, save=False)
    except StorageFailure as exc:
        raise exc.for_field("file") from exc
    evidence.save()
    log_action(
        "evaluations.evidence.uploaded",
        actor=actor,
        obj=filing,
        data={"indicator": indicator.code, "name": name, "sha256": evidence.sha256, "size": evidence.size},
    )
    return evidence


@transaction.atomic
def evidence_delete(*, evidence: Evidence, actor, today=None) -> None:
    filing = _locked_filing(evidence.filing)
    _ensure_editable(filing, today)
    log_action(
        "evaluations.evidence.deleted",
        actor=actor,
        obj=filing,
        data={
            "indicator": evidence.indicator.code,
            "name": evidence.original_name,
            "sha256": evidence.sha256,
        },
    )
    delete_on_commit(evidence.file.storage, evidence.file.name)
    evidence.delete()


@transaction.atomic
def _check_row_versions(rows: dict, indicators: dict, entries: dict, versions: dict) -> None:
    """Refuse the whole save when any posted row changed since its editor read it.

    ``versions`` maps indicator id → the row version read (0 or missing: there was no score yet)."""
    stale = []
    for indicator_id in entries:
        indicator = indicators.get(int(indicator_id))
        if indicator is None:
            continue
        row = rows.get(indicator.pk)
        current = row.version if row else 0
        raw = versions.get(indicator_id, versions.get(str(indicator_id), 0))
        read = parse_version(0 if raw in (None, "") else raw, field=f"score_{indicator.pk}")
        if read != current:
            stale.append((indicator, read, current))
    if stale:
        _indicator, read, current = stale[0]
        raise StaleVersion(
            read=read,
            current=current,
            fields={
                f"score_{i.pk}": [f"{i.code}：已被他人修改（您打开时为第 {r} 版，现为第 {c} 版）。"]
                for i, r, c in stale
            },
        )


def _save_score_row(model, row, *, filing, indicator, **values):
    """Create the row (version 1) or change it (version + 1)."""
    if row is None:
        return model.objects.create(filing=filing, indicator=indicator, **values)
    for key, value in values.items():
        setattr(row, key, value)
    bump(row)
    row.save()
    return row


NOT_APPLICABLE_INPUT = "不适用"


def parse_entry(indicator: Indicator, raw, *, field: str) -> dict:
    """A typed entry for one item, by its kind: a score (常规项: 0 … max in halves, or 不适用 where
    allowed) or a number of occurrences (扣分项, 一票否决项, 加分项), giving the row's values."""
    raw = "" if raw is None else str(raw).strip()
    if indicator.kind == IndicatorKind.STANDARD:
        if raw == NOT_APPLICABLE_INPUT:
            if not indicator.may_be_not_applicable:
                raise ApplicationError(
                    "该指标不能认定不适用。", fields={field: [f"{indicator.code} 须评分，不能填“不适用”。"]}
                )
            return {"score": Decimal("0.0"), "occurrences": None, "not_applicable": True}
        return {
            "score": _parse_score(raw, field=field, maximum=indicator.max_score),
            "occurrences": None,
            "not_applicable": False,
        }
    try:
        count = int(raw)
        if count < 0 or count > 9999:
            raise ValueError
    except ValueError:
        raise ApplicationError(
            "次数格式不对。",
            fields={field: [f"{indicator.get_kind_display()}请填写发生次数（0 或正整数），如 0、2。"]},
        ) from None
    item = scoring.Item(
        indicator.code,
        "",
        indicator.max_score,
        kind=indicator.kind,
        occurrences=count,
        per_occurrence=indicator.per_occurrence,
        floor=indicator.floor,
        cap=indicator.cap,
    )
    score, _why = scoring.item_score(item)
    return {"score": score, "occurrences": count, "not_applicable": False}


def filing_tally(cycle, indicators, rows: dict) -> scoring.Tally:
    """The total of a set of score rows (indicator id → SelfScore/AuditScore) by the rubric's kinds
    and the cycle's 不适用 rule."""
    items = []
    for indicator in indicators:
        row = rows.get(indicator.pk)
        items.append(
            scoring.Item(
                indicator.code,
                indicator.category.name if indicator.category_id else "",
                indicator.max_score,
                kind=indicator.kind,
                score=row.score if row else None,
                occurrences=row.occurrences if row else None,
                per_occurrence=indicator.per_occurrence,
                floor=indicator.floor,
                cap=indicator.cap,
                applicable=not (row and row.not_applicable),
                name=indicator.name,
            )
        )
    return scoring.tally(items, not_applicable_rule=cycle.not_applicable_rule)


def _ensure_center_own(filing: Filing, actor) -> None:
    """The self-assessment is the center's own: only its director/staff enter and submit it (the
    bureau, its supervising unit and auditors read it; the bureau may return or reopen it)."""
    from accounts.roles import Role

    if actor is None or actor.role != Role.DIRECTOR or actor.center_id != filing.center_id:
        raise ApplicationError(
            "自评和提交只能由本服务中心的人员进行：区民政局、业务主管单位和评估人员只能查看、退回或重新开放。",
            code="forbidden",
        )


@transaction.atomic
def self_scores_save(*, filing: Filing, actor, entries: dict, versions: dict, today=None) -> list[SelfScore]:
    """Save the director's scores: ``entries`` maps indicator id → (score, comment). All or nothing.

    The score of a 扣分项 / 一票否决项 / 加分项 is its number of occurrences; a 常规项 that may be judged
    不适用 takes "不适用". ``versions`` maps indicator id → the version of that score its editor read
    (0: none yet); a score changed since is refused (core.versioning), and with it the whole save."""
    filing = _locked_filing(filing)
    _ensure_center_own(filing, actor)
    _ensure_editable(filing, today)
    indicators = {i.pk: i for i in filing.cycle.indicators.all()}
    existing = {s.indicator_id: s for s in SelfScore.objects.filter(filing=filing)}
    _check_row_versions(existing, indicators, entries, versions)
    errors: dict[str, list[str]] = {}
    cleaned = []
    for indicator_id, (raw_score, comment) in entries.items():
        indicator = indicators.get(int(indicator_id))
        if indicator is None:
            raise ApplicationError("指标不属于本年度评分表。", fields={"indicator": ["请刷新页面后重试。"]})
        field = f"score_{indicator.pk}"
        if indicator.is_computed:
            errors[field] = [f"{indicator.code} 由系统根据提交时的台账计算，无需自评。"]
            continue
        if raw_score in (None, ""):
            continue
        try:
            values = parse_entry(indicator, raw_score, field=field)
        except ApplicationError as exc:
            errors.update({field: [f"{indicator.code}：{m}" for m in exc.fields[field]]})
            continue
        cleaned.append((indicator, values, (comment or "").strip()))
    if errors:
        raise ApplicationError("自评分有误，请按提示修改。", fields=errors)
    saved = []
    changes = []
    for indicator, values, comment in cleaned:
        row = existing.get(indicator.pk)
        if row and row.comment == comment and all(getattr(row, k) == v for k, v in values.items()):
            saved.append(row)
            continue
        changes.append(
            {
                "indicator": indicator.code,
                "before": str(row.score) if row else None,
                "after": str(values["score"]),
            }
        )
        row = _save_score_row(
            SelfScore,
            row,
            filing=filing,
            indicator=indicator,
            comment=comment,
            computed_detail="",
            **values,
        )
        saved.append(row)
    if changes:
        log_action("evaluations.self_score.saved", actor=actor, obj=filing, data={"changes": changes})
    return saved


def filing_figures(filing: Filing, figures: dict | None = None) -> dict:
    """The figures that count (frozen ones once submitted, else typed-with-note or from the
    registers), by name, with ``work_plan`` = 1 when uploaded."""
    from ..figures import effective_figures, frozen_figures

    figures = figures or frozen_figures(filing) or effective_figures(filing)
    values = {name: (figures.get(name) or {}).get("value") for name in FIGURE_NAMES}
    values["work_plan"] = 1 if filing.work_plan else 0
    return values


def snapshot_rules(snapshot: dict) -> dict:
    return {r["rule"]: r for r in snapshot.get("compliance", [])}


def reference_day_for(cycle) -> date:
    """The judgement's one reference day: 31 December of the evaluated year."""
    return date(cycle.year, 12, 31)


def take_snapshot(filing: Filing, today: date | None = None, *, figures: dict | None = None) -> dict:
    """The center's registers as they stand now, for the filing's year (frozen on submission), with
    the activity figures (``figures``: evaluations.figures.effective_figures), which of them were
    typed, and the rows of the registers behind them."""
    center = filing.center
    year = filing.cycle.year
    # One reference day for the whole judgement — the roster, the staffing rules, N, R-EFF-2 — the
    # last day of the evaluated year, whenever the filing is submitted; recorded and printed.
    on = reference_day_for(filing.cycle)
    snapshot: dict = {
        "taken_on": _today(today).isoformat(),
        "year": year,
        "reference_day": on.isoformat(),
        "roster_on": on.isoformat(),
        "center": {
            "id": center.pk,
            "name": center.name,
            "level": center.level,
            "street_town": str(center.street_town or ""),
            "supervising_unit": str(center.supervising_unit),
        },
    }
    try:
        from centers.selectors import center_register_snapshot

        snapshot["registers"] = center_register_snapshot(center, year)
    except ImportError:
        snapshot["registers"] = {}
    try:
        from staffing.selectors import roster_snapshot, trainings_count

        snapshot["roster"] = roster_snapshot(center, on)
        snapshot["trainings_count"] = trainings_count(center, year)
    except ImportError:
        snapshot["roster"] = {}
    try:
        from centers.rules import evaluate_center

        snapshot["compliance"] = [r.as_dict() for r in evaluate_center(center, year, on)]
    except ImportError:
        snapshot["compliance"] = []
    if figures is not None:
        from ..figures import register_rows

        snapshot["figures"] = figures
        snapshot["typed_figures"] = [name for name, f in figures.items() if f["source"] == "typed"]
        snapshot["activity_registers"] = register_rows(figures)
    return snapshot


def computed_scores(filing: Filing, indicators, snapshot: dict) -> dict[int, tuple[Decimal, str]]:
    from ..figures import LABELS, figure_basis

    rules = snapshot_rules(snapshot)
    frozen = snapshot.get("figures")
    figures = filing_figures(filing, frozen)
    basis = {name: figure_basis(f) for name, f in (frozen or {}).items()}
    level = (snapshot.get("center") or {}).get("level") or filing.center.level
    return {
        i.pk: scoring.compute_indicator(
            i.formula, i.max_score, rules=rules, figures=figures, basis=basis, labels=LABELS, level=level
        )
        for i in indicators
        if i.is_computed
    }


def filing_missing_items(
    filing: Filing, *, indicators=None, self_scores=None, evidence=None, figures=None
) -> list[tuple[str, str]]:
    """What still keeps the filing from being submitted: (field, Chinese message), in page order.
    A figure is missing when neither the registers give it nor it is typed with a note."""
    from ..figures import effective_figures
    from ..selectors import indicators_for

    figures = figures if figures is not None else effective_figures(filing)
    indicators = indicators if indicators is not None else indicators_for(filing.cycle)
    scored = {s.indicator_id for s in (self_scores if self_scores is not None else filing.self_scores.all())}
    with_evidence = {e.indicator_id for e in (evidence if evidence is not None else filing.evidence.all())}
    missing = []
    for name, label in FILING_FIGURES:
        if figures[name]["value"] is None:
            missing.append((name, f"未填写：{label}（登记册无法计算，请手工填写并说明）"))
    if not filing.work_plan:
        missing.append(("work_plan", "未上传年度工作计划（R-EFF-1）"))
    for indicator in indicators:
        if not indicator.is_computed and indicator.pk not in scored:
            missing.append((f"indicator:{indicator.code}", f"未自评：{indicator.code} {indicator.name}"))
        if indicator.evidence_required and indicator.pk not in with_evidence:
            missing.append(
                (
                    f"indicator:{indicator.code}",
                    f"缺少佐证材料：{indicator.code} {indicator.name}（应提供：{indicator.expected_evidence}）",
                )
            )
    return missing


@transaction.atomic
def filing_submit(*, filing: Filing, actor, today=None) -> Filing:
    """Submit: refuse with the list of what is missing; freeze the snapshot; compute computed indicators."""
    from ..selectors import indicators_for

    filing = _locked_filing(filing)
    _ensure_center_own(filing, actor)
    _ensure_editable(filing, today)
    from ..figures import effective_figures

    indicators = indicators_for(filing.cycle)
    figures = effective_figures(filing)
    missing = filing_missing_items(filing, indicators=indicators, figures=figures)
    if missing:
        fields: dict[str, list[str]] = {}
        for field, message in missing:
            fields.setdefault(field, []).append(message)
        raise ApplicationError(f"还有 {len(missing)} 项未完成，不能提交：", fields=fields, code="incomplete")
    snapshot = take_snapshot(filing, today, figures=figures)
    # The figures that count are the filing's from now on: registers changed later change nothing.
    for name, figure in figures.items():
        setattr(filing, name, figure["value"])
    computed = computed_scores(filing, indicators, snapshot)
    for indicator_id, (score, detail) in computed.items():
        SelfScore.objects.update_or_create(
            filing=filing,
            indicator_id=indicator_id,
            defaults={"score": score, "computed_detail": detail, "comment": ""},
        )
    rows = {r.indicator_id: r for r in SelfScore.objects.filter(filing=filing)}
    total = filing_tally(filing.cycle, indicators, rows).total
    filing.snapshot = snapshot
    filing.self_total = total
    filing.save(update_fields=["snapshot", "self_total", *figures, "updated_at"])  # the figures that count
    transition(filing, FilingState.SUBMITTED, actor, self_total=str(total))
    FilingReturn.objects.filter(filing=filing, resolved_at__isnull=True).update(resolved_at=timezone.now())
    return filing
