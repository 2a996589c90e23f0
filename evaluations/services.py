"""Writes of the yearly evaluation. Every function is keyword-only, runs in one transaction, raises
``ApplicationError`` with a Chinese message naming the field and the fix (changing nothing), and
records what it did with ``core.audit.log_action``.

Views decide *who* may call a service (``core.permissions.restrict`` → 404); services decide *whether*
the action fits the cycle's and the filing's state.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm, remove_perm

from centers.choices import CenterStatus
from centers.models import ServiceCenter
from core.audit import log_action
from core.errors import ApplicationError
from core.jobs import JobContext, job_create, job_enqueue
from core.models import Job
from core.storage import StorageFailure, atomic, delete_on_commit
from core.uploads import check_upload
from core.versioning import StaleVersion, bump, check_version, parse_version

from . import draw as draw_algorithm
from . import scoring
from .choices import (
    CYCLE_NEXT_STATE,
    EDITABLE_FILING_STATES,
    CycleState,
    FilingState,
    IndicatorMethod,
    NotificationKind,
    ReturnStage,
)
from .default_rubric import DEFAULT_RUBRIC
from .models import (
    Assignment,
    AuditScore,
    Cycle,
    Draw,
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
from .models.filing import FIGURE_NAMES, FILING_FIGURES

logger = logging.getLogger(__name__)

OPEN_KIND = "evaluations.cycle_open"
RESULTS_KIND = "evaluations.results"
STATE_LABELS = dict(CycleState.choices)


def _today(today: date | None) -> date:
    return today or timezone.localdate()


def _parse_score(raw, *, field: str, maximum: Decimal) -> Decimal:
    try:
        value = Decimal(str(raw).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError("分数格式不对。", fields={field: ["请填写数字，如 3 或 3.5。"]}) from None
    if not value.is_finite():
        raise ApplicationError("分数格式不对。", fields={field: ["请填写数字，如 3 或 3.5。"]})
    if value < 0 or value > maximum:
        raise ApplicationError("分数超出范围。", fields={field: [f"分数应在 0 到 {maximum} 之间。"]})
    if not scoring.is_half_step(value):
        raise ApplicationError("分数格式不对。", fields={field: ["分数只能是整数或 0.5 分，如 3 或 3.5。"]})
    return value.quantize(Decimal("0.1"))


def _require_cycle_state(cycle: Cycle, *states: str, doing: str) -> None:
    if cycle.state not in states:
        allowed = "、".join(f"“{STATE_LABELS[s]}”" for s in states)
        raise ApplicationError(
            f"当前考评状态为“{cycle.get_state_display()}”，不能{doing}：该操作只能在 {allowed} 阶段进行。",
            code="out_of_order",
        )


def _locked_cycle(cycle: Cycle) -> Cycle:
    return Cycle.objects.select_for_update().get(pk=cycle.pk)


# ---- cycle and rubric ------------------------------------------------------------------------------
CYCLE_FIELDS = (
    "title",
    "levels",
    "filing_deadline",
    "review_deadline",
    "acceptance_deadline",
    "spot_check_deadline",
    "sample_numerator",
    "sample_denominator",
    "combination_rule",
    "self_weight",
    "grade_bands",
    "gap_tolerance",
    "performance_weight",
    "reminder_days",
)


def default_deadlines(year: int) -> dict:
    return {
        "filing_deadline": date(year, 12, 31),
        "review_deadline": date(year + 1, 1, 15),
        "acceptance_deadline": date(year + 1, 1, 31),
        "spot_check_deadline": date(year + 1, 2, 28),
    }


def _validate_cycle(cycle: Cycle) -> None:
    from django.core.exceptions import ValidationError

    try:
        cycle.full_clean()
    except ValidationError as exc:
        raise ApplicationError.from_validation_error(exc) from None
    errors: dict[str, list[str]] = {}
    order = ["filing_deadline", "review_deadline", "acceptance_deadline", "spot_check_deadline"]
    for earlier, later in zip(order, order[1:], strict=False):
        if getattr(cycle, later) < getattr(cycle, earlier):
            errors.setdefault(later, []).append(
                f"{Cycle._meta.get_field(later).verbose_name}不能早于{Cycle._meta.get_field(earlier).verbose_name}。"
            )
    if cycle.sample_numerator > cycle.sample_denominator or cycle.sample_numerator == 0:
        errors.setdefault("sample_numerator", []).append("抽检比例应大于 0 且不超过 1，如 1/3。")
    valid_levels = {"district", "street_town", "industry"}
    if not cycle.levels or not set(cycle.levels) <= valid_levels:
        errors.setdefault("levels", []).append("请至少选择一个参评层级（区级、街镇或行业服务中心）。")
    try:
        bands = [(str(b["grade"]), Decimal(str(b["min"]))) for b in cycle.grade_bands]
        if not bands or any(m < 0 or m > 100 for _g, m in bands):
            raise ValueError
    except (KeyError, TypeError, ValueError, InvalidOperation):
        errors.setdefault("grade_bands", []).append("等次划分格式应为“等次 ≥ 分数”，分数在 0 到 100 之间。")
    try:
        days = [int(d) for d in cycle.reminder_days]
        if any(d < 0 or d > 60 for d in days):
            raise ValueError
    except (TypeError, ValueError):
        errors.setdefault("reminder_days", []).append("提醒天数应为 0 到 60 之间的整数，如 7,3,1。")
    if errors:
        raise ApplicationError("考评设置有误，请按提示修改。", fields=errors)


@transaction.atomic
def cycle_create(*, year: int, actor, with_default_rubric: bool = True, **fields) -> Cycle:
    if Cycle.objects.filter(year=year).exists():
        raise ApplicationError(
            "该年度的考评已存在。", fields={"year": [f"{year} 年度考评已建立，请在原考评中修改。"]}
        )
    values = {**default_deadlines(year), "title": f"{year} 年度街镇社会组织服务中心绩效考评", **fields}
    cycle = Cycle(year=year, created_by=actor, **{k: v for k, v in values.items() if k in CYCLE_FIELDS})
    _validate_cycle(cycle)
    cycle.save()
    if with_default_rubric:
        _rubric_load_default(cycle)
    log_action("evaluations.cycle.created", actor=actor, obj=cycle, data={"year": year})
    return cycle


@transaction.atomic
def cycle_update(*, cycle: Cycle, actor, version, **fields) -> Cycle:
    """Change a draft cycle's settings; ``version`` is the one its editor read (stale → refused)."""
    cycle = _locked_cycle(cycle)
    _require_cycle_state(cycle, CycleState.DRAFT, doing="修改考评设置")
    check_version(cycle, version)
    before = {k: getattr(cycle, k) for k in fields if k in CYCLE_FIELDS}
    for key, value in fields.items():
        if key in CYCLE_FIELDS:
            setattr(cycle, key, value)
    _validate_cycle(cycle)
    bump(cycle)
    cycle.save()
    log_action("evaluations.cycle.updated", actor=actor, obj=cycle, data={"before": before, "after": fields})
    return cycle


def _rubric_load_default(cycle: Cycle) -> None:
    for c_order, (c_code, c_name, indicators) in enumerate(DEFAULT_RUBRIC, start=1):
        category = RubricCategory.objects.create(cycle=cycle, code=c_code, name=c_name, sort_order=c_order)
        Indicator.objects.bulk_create(
            Indicator(
                cycle=cycle,
                category=category,
                code=code,
                name=name,
                max_score=Decimal(str(maximum)),
                method=method,
                formula=formula,
                expected_evidence=evidence,
                evidence_required=required,
                description=description,
                sort_order=i_order,
            )
            for i_order, (code, name, maximum, method, formula, evidence, required, description) in enumerate(
                indicators, start=1
            )
        )


@transaction.atomic
def rubric_copy(*, cycle: Cycle, source: Cycle, actor) -> Cycle:
    """Replace a draft cycle's rubric with a copy of ``source``'s (e.g. last year's, as edited)."""
    cycle = _locked_cycle(cycle)
    _require_cycle_state(cycle, CycleState.DRAFT, doing="复制评分表")
    if source.pk == cycle.pk:
        raise ApplicationError("不能从本年度复制评分表。", fields={"source": ["请选择另一个年度。"]})
    Indicator.objects.filter(cycle=cycle).delete()
    RubricCategory.objects.filter(cycle=cycle).delete()
    categories = {}
    for category in source.categories.all():
        categories[category.pk] = RubricCategory.objects.create(
            cycle=cycle, code=category.code, name=category.name, sort_order=category.sort_order
        )
    Indicator.objects.bulk_create(
        Indicator(
            cycle=cycle,
            category=categories[i.category_id],
            code=i.code,
            name=i.name,
            description=i.description,
            max_score=i.max_score,
            expected_evidence=i.expected_evidence,
            evidence_required=i.evidence_required,
            method=i.method,
            formula=i.formula,
            sort_order=i.sort_order,
        )
        for i in source.indicators.all()
    )
    log_action("evaluations.rubric.copied", actor=actor, obj=cycle, data={"from_year": source.year})
    return cycle


def _validate_formula(method: str, formula: dict) -> dict[str, list[str]]:
    if method == IndicatorMethod.SCORED:
        return {}
    kind = (formula or {}).get("kind")
    if kind == "rule" and str(formula.get("rule", "")).startswith("R-"):
        return {}
    if kind == "figure" and formula.get("figure") in [*FIGURE_NAMES, "work_plan"]:
        try:
            if Decimal(str(formula.get("full_at", 1))) > 0:
                return {}
        except InvalidOperation:
            pass
    return {
        "formula": [
            '计算公式应为 {"kind": "rule", "rule": "R-STAFF-2"} 或 '
            '{"kind": "figure", "figure": "trainings_held", "full_at": 4}（figure 为填报数据项名称）。'
        ]
    }


@transaction.atomic
def indicator_save(
    *, cycle: Cycle, actor, indicator: Indicator | None = None, version=None, **fields
) -> Indicator:
    """Create or edit an indicator of a draft cycle's rubric; an edit names the ``version`` read."""
    from django.core.exceptions import ValidationError

    cycle = _locked_cycle(cycle)
    _require_cycle_state(cycle, CycleState.DRAFT, doing="修改评分表（考评开启后评分表即冻结）")
    if indicator is not None and indicator.pk:
        indicator = Indicator.objects.select_for_update().select_related("category").get(pk=indicator.pk)
        check_version(indicator, version)
        bump(indicator)
    indicator = indicator or Indicator(cycle=cycle)
    before = {k: str(getattr(indicator, k, "")) for k in fields} if indicator.pk else {}
    for key, value in fields.items():
        setattr(indicator, key, value)
    if indicator.category_id and indicator.category.cycle_id != cycle.pk:
        raise ApplicationError("类别不属于本年度。", fields={"category": ["请选择本年度评分表中的类别。"]})
    errors = _validate_formula(indicator.method, indicator.formula)
    if errors:
        raise ApplicationError("计算公式有误。", fields=errors)
    try:
        indicator.full_clean()
    except ValidationError as exc:
        raise ApplicationError.from_validation_error(exc) from None
    indicator.save()
    log_action(
        "evaluations.rubric.indicator_saved",
        actor=actor,
        obj=cycle,
        data={"indicator": indicator.code, "before": before, "after": {k: str(v) for k, v in fields.items()}},
    )
    return indicator


@transaction.atomic
def indicator_delete(*, indicator: Indicator, actor) -> None:
    cycle = _locked_cycle(indicator.cycle)
    _require_cycle_state(cycle, CycleState.DRAFT, doing="删除指标（考评开启后评分表即冻结）")
    log_action(
        "evaluations.rubric.indicator_deleted", actor=actor, obj=cycle, data={"indicator": indicator.code}
    )
    indicator.delete()


def centers_in_scope(cycle: Cycle):
    return ServiceCenter.objects.filter(level__in=cycle.levels).exclude(status=CenterStatus.DEREGISTERED)


@transaction.atomic
def cycle_open(*, cycle: Cycle, actor, enqueue: bool = True) -> Job:
    """Open the cycle (rubric frozen from now on) and queue the job that creates one filing per center."""
    from .tasks import open_cycle_task

    cycle = _locked_cycle(cycle)
    _require_cycle_state(cycle, CycleState.DRAFT, doing="开启考评")
    total = sum((i.max_score for i in cycle.indicators.all()), Decimal(0))
    if total != 100:
        raise ApplicationError(
            f"评分表总分应为 100 分，现为 {scoring.num(total)} 分，请调整各指标满分后再开启。",
            fields={"rubric": [f"总分 {scoring.num(total)} ≠ 100"]},
        )
    if not centers_in_scope(cycle).exists():
        raise ApplicationError("参评范围内没有服务中心。", fields={"levels": ["请检查参评层级。"]})
    cycle.state = CycleState.OPEN
    cycle.opened_at = timezone.now()
    cycle.save(update_fields=["state", "opened_at", "updated_at"])
    log_action("evaluations.cycle.opened", actor=actor, obj=cycle, data={"before": "draft", "after": "open"})
    job = job_create(
        kind=OPEN_KIND,
        label=f"开启 {cycle.year} 年度考评：生成各中心年度填报",
        requester=actor,
        params={"cycle": cycle.pk},
    )
    if enqueue:
        job_enqueue(job, open_cycle_task)
    return job


def cycle_open_work(job: Job, ctx: JobContext) -> dict:
    """Create the missing filings (idempotent: the unique (cycle, center) constraint; no duplicates)."""
    cycle = Cycle.objects.get(pk=job.params["cycle"])
    centers = list(centers_in_scope(cycle).order_by("pk").values_list("pk", flat=True))
    ctx.progress(5, f"参评服务中心 {len(centers)} 个")
    existing = set(Filing.objects.filter(cycle=cycle).values_list("center_id", flat=True))
    todo = [c for c in centers if c not in existing]
    chunk = 100
    for start in range(0, len(todo), chunk):
        part = todo[start : start + chunk]
        Filing.objects.bulk_create([Filing(cycle=cycle, center_id=c) for c in part], ignore_conflicts=True)
        ctx.progress(5 + 90 * (start + len(part)) / max(len(todo), 1), f"已生成 {start + len(part)} 份填报")
    count = Filing.objects.filter(cycle=cycle).count()
    ctx.log(f"本年度共有年度填报 {count} 份")
    return {"filings": count, "created": count - len(existing)}


@transaction.atomic
def cycle_advance(*, cycle: Cycle, actor, to_state: str) -> Cycle:
    """The bureau moves the cycle one step (open → spot check → scoring; published → archived).

    Opening and publishing have their own services (they do more than change the state).
    """
    cycle = _locked_cycle(cycle)
    expected = CYCLE_NEXT_STATE.get(cycle.state)
    if to_state != expected or to_state in (CycleState.OPEN, CycleState.PUBLISHED):
        raise ApplicationError(
            f"考评当前为“{cycle.get_state_display()}”，不能直接转为“{STATE_LABELS.get(to_state, to_state)}”。",
            code="out_of_order",
        )
    if to_state == CycleState.SCORING:
        draw = Draw.objects.filter(cycle=cycle).first()
        if draw is None:
            raise ApplicationError(
                "尚未抽样，不能进入计分：请先完成抽检抽样并分配评估人员。", code="out_of_order"
            )
        sampled = {c["id"] for c in draw.result}
        assignments = Assignment.objects.filter(cycle=cycle).select_related("filing__center")
        assigned = {a.filing.center_id for a in assignments}
        missing = sampled - assigned
        pending = [a.filing.center.name for a in assignments if a.submitted_at is None]
        if missing:
            raise ApplicationError(f"还有 {len(missing)} 个抽中中心未分配评估人员。", code="out_of_order")
        if pending:
            raise ApplicationError(f"以下中心的抽检评分尚未提交：{'、'.join(pending)}。", code="out_of_order")
    before = cycle.state
    cycle.state = to_state
    cycle.save(update_fields=["state", "updated_at"])
    log_action(
        "evaluations.cycle.state_changed", actor=actor, obj=cycle, data={"before": before, "after": to_state}
    )
    return cycle


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
    *, filing: Filing, actor, version, values: dict, notes: str | None = None, work_plan=None, today=None
) -> Filing:
    """Save the activity figures (each a whole number ≥ 0, or a decimal for funding and coverage) and,
    when given, the work plan — together or not at all (one transaction; a file written for a save
    that fails is removed, see core.storage).

    ``version`` is the one the editor read; a filing changed since is refused (core.versioning).
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
    if cleaned or notes is not None:
        log_action(
            "evaluations.filing.figures_saved",
            actor=actor,
            obj=filing,
            data={"before": before, "after": cleaned},
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


@transaction.atomic
def self_scores_save(*, filing: Filing, actor, entries: dict, versions: dict, today=None) -> list[SelfScore]:
    """Save the director's scores: ``entries`` maps indicator id → (score, comment). All or nothing.

    ``versions`` maps indicator id → the version of that score its editor read (0: none yet); a score
    changed since is refused (core.versioning), and with it the whole save."""
    filing = _locked_filing(filing)
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
            value = _parse_score(raw_score, field=field, maximum=indicator.max_score)
        except ApplicationError as exc:
            errors.update({field: [f"{indicator.code}：{m}" for m in exc.fields[field]]})
            continue
        cleaned.append((indicator, value, (comment or "").strip()))
    if errors:
        raise ApplicationError("自评分有误，请按提示修改。", fields=errors)
    saved = []
    changes = []
    for indicator, value, comment in cleaned:
        row = existing.get(indicator.pk)
        if row and row.score == value and row.comment == comment:
            saved.append(row)
            continue
        changes.append(
            {"indicator": indicator.code, "before": str(row.score) if row else None, "after": str(value)}
        )
        row = _save_score_row(
            SelfScore,
            row,
            filing=filing,
            indicator=indicator,
            score=value,
            comment=comment,
            computed_detail="",
        )
        saved.append(row)
    if changes:
        log_action("evaluations.self_score.saved", actor=actor, obj=filing, data={"changes": changes})
    return saved


def filing_figures(filing: Filing) -> dict:
    values = {name: getattr(filing, name) for name in FIGURE_NAMES}
    values["work_plan"] = 1 if filing.work_plan else 0
    return values


def snapshot_rules(snapshot: dict) -> dict:
    return {r["rule"]: r for r in snapshot.get("compliance", [])}


def take_snapshot(filing: Filing, today: date | None = None) -> dict:
    """The center's registers as they stand now, for the filing's year (frozen on submission)."""
    center = filing.center
    year = filing.cycle.year
    on = min(_today(today), date(year, 12, 31))
    snapshot: dict = {
        "taken_on": _today(today).isoformat(),
        "year": year,
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

        snapshot["compliance"] = [r.as_dict() for r in evaluate_center(center, year)]
    except ImportError:
        snapshot["compliance"] = []
    return snapshot


def computed_scores(filing: Filing, indicators, snapshot: dict) -> dict[int, tuple[Decimal, str]]:
    rules = snapshot_rules(snapshot)
    figures = filing_figures(filing)
    return {
        i.pk: scoring.compute_indicator(i.formula, i.max_score, rules=rules, figures=figures)
        for i in indicators
        if i.is_computed
    }


def filing_missing_items(
    filing: Filing, *, indicators=None, self_scores=None, evidence=None
) -> list[tuple[str, str]]:
    """What still keeps the filing from being submitted: (field, Chinese message), in page order."""
    from .selectors import indicators_for

    indicators = indicators if indicators is not None else indicators_for(filing.cycle)
    scored = {s.indicator_id for s in (self_scores if self_scores is not None else filing.self_scores.all())}
    with_evidence = {e.indicator_id for e in (evidence if evidence is not None else filing.evidence.all())}
    missing = []
    for name, label in FILING_FIGURES:
        if getattr(filing, name) is None:
            missing.append((name, f"未填写：{label}"))
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
    from .selectors import indicators_for

    filing = _locked_filing(filing)
    _ensure_editable(filing, today)
    indicators = indicators_for(filing.cycle)
    missing = filing_missing_items(filing, indicators=indicators)
    if missing:
        fields: dict[str, list[str]] = {}
        for field, message in missing:
            fields.setdefault(field, []).append(message)
        raise ApplicationError(f"还有 {len(missing)} 项未完成，不能提交：", fields=fields, code="incomplete")
    snapshot = take_snapshot(filing, today)
    computed = computed_scores(filing, indicators, snapshot)
    for indicator_id, (score, detail) in computed.items():
        SelfScore.objects.update_or_create(
            filing=filing,
            indicator_id=indicator_id,
            defaults={"score": score, "computed_detail": detail, "comment": ""},
        )
    total = sum(SelfScore.objects.filter(filing=filing).values_list("score", flat=True), Decimal(0))
    before = filing.state
    filing.snapshot = snapshot
    filing.snapshot_taken_at = timezone.now()
    filing.submitted_at = timezone.now()
    filing.self_total = total
    filing.state = FilingState.SUBMITTED
    filing.save()
    FilingReturn.objects.filter(filing=filing, resolved_at__isnull=True).update(resolved_at=timezone.now())
    log_action(
        "evaluations.filing.submitted",
        actor=actor,
        obj=filing,
        data={"before": before, "after": filing.state, "self_total": str(total)},
    )
    return filing


def _notify(
    *, recipients, kind: str, key: str, title: str, body: str, url: str = "", cycle=None, email=True
) -> int:
    """Create a notification per recipient unless one with the same key exists; e-mail the new ones."""
    sent = 0
    for user in recipients:
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    recipient=user,
                    kind=kind,
                    key=key[:200],
                    title=title[:200],
                    body=body,
                    url=url,
                    cycle=cycle,
                )
        except IntegrityError:
            continue  # already sent to this recipient for this deadline
        if email and user.email:
            link = f"{settings.PORTAL_BASE_URL}{url}" if url else ""
            from centers.selectors import sender_address

            send_mail(title, f"{body}\n\n{link}".strip(), sender_address(), [user.email], fail_silently=True)
            Notification.objects.filter(pk=note.pk).update(emailed=True)
        sent += 1
    return sent


def _center_people(center_ids, *, directors=True, supervisors=False):
    from accounts.models import User
    from accounts.roles import Role

    qs = User.objects.filter(is_active=True)
    if directors:
        return qs.filter(center_id__in=center_ids, groups__name=Role.DIRECTOR).distinct()
    return qs.filter(supervising_unit__centers__in=center_ids, groups__name=Role.SUPERVISOR).distinct()


@transaction.atomic
def filing_review(*, filing: Filing, actor) -> Filing:
    """The supervising unit's first review passes the filing on to the bureau."""
    filing = _locked_filing(filing)
    _require_cycle_state(filing.cycle, CycleState.OPEN, CycleState.SPOT_CHECK, doing="初审")
    if filing.state != FilingState.SUBMITTED:
        raise ApplicationError(
            f"填报状态为“{filing.get_state_display()}”，只有已提交的填报可以初审。", code="out_of_order"
        )
    filing.state = FilingState.REVIEWED
    filing.reviewed_at = timezone.now()
    filing.save(update_fields=["state", "reviewed_at", "updated_at"])
    log_action(
        "evaluations.filing.reviewed",
        actor=actor,
        obj=filing,
        data={"before": "submitted", "after": "reviewed"},
    )
    return filing


@transaction.atomic
def filing_accept(*, filing: Filing, actor) -> Filing:
    filing = _locked_filing(filing)
    _require_cycle_state(filing.cycle, CycleState.OPEN, CycleState.SPOT_CHECK, doing="受理填报")
    if filing.state != FilingState.REVIEWED:
        raise ApplicationError(
            f"填报状态为“{filing.get_state_display()}”，须经业务主管单位初审后才能受理。", code="out_of_order"
        )
    filing.state = FilingState.ACCEPTED
    filing.accepted_at = timezone.now()
    filing.save(update_fields=["state", "accepted_at", "updated_at"])
    log_action(
        "evaluations.filing.accepted",
        actor=actor,
        obj=filing,
        data={"before": "reviewed", "after": "accepted"},
    )
    return filing


@transaction.atomic
def filing_return(
    *, filing: Filing, actor, stage: str, reason: str, field_reasons: dict | None = None
) -> FilingReturn:
    """Return the filing with reasons (overall and per field); the director fixes and resubmits."""
    filing = _locked_filing(filing)
    _require_cycle_state(filing.cycle, CycleState.OPEN, CycleState.SPOT_CHECK, doing="退回填报")
    allowed = {
        ReturnStage.REVIEW: (FilingState.SUBMITTED,),
        ReturnStage.ACCEPTANCE: (FilingState.SUBMITTED, FilingState.REVIEWED),
    }
    if stage not in allowed:
        raise ApplicationError("退回环节不正确。", fields={"stage": ["请选择初审或受理环节。"]})
    if filing.state not in allowed[stage]:
        raise ApplicationError(
            f"填报状态为“{filing.get_state_display()}”，当前不能退回。", code="out_of_order"
        )
    reason = (reason or "").strip()
    field_reasons = {k: v.strip() for k, v in (field_reasons or {}).items() if v and v.strip()}
    if not reason:
        raise ApplicationError(
            "请填写退回原因。", fields={"reason": ["退回时必须写明原因，便于服务中心修改。"]}
        )
    row = FilingReturn.objects.create(
        filing=filing, stage=stage, reason=reason, field_reasons=field_reasons, returned_by=actor
    )
    before = filing.state
    filing.state = FilingState.RETURNED
    filing.save(update_fields=["state", "updated_at"])
    log_action(
        "evaluations.filing.returned",
        actor=actor,
        obj=filing,
        data={
            "before": before,
            "after": "returned",
            "stage": stage,
            "reason": reason,
            "fields": field_reasons,
        },
    )
    url = reverse("evaluations:filing_detail", args=[filing.pk])
    _notify(
        recipients=_center_people([filing.center_id]),
        kind=NotificationKind.FILING_RETURNED,
        key=f"returned:{row.pk}",
        title=f"{filing.cycle.year} 年度填报被退回修改",
        body=f"退回原因：{reason}",
        url=url,
        cycle=filing.cycle,
    )
    return row


@transaction.atomic
def filing_reopen(*, filing: Filing, actor, until: date, reason: str, today=None) -> Filing:
    """The bureau reopens a closed filing for this one center until ``until`` (recorded)."""
    filing = _locked_filing(filing)
    _require_cycle_state(filing.cycle, CycleState.OPEN, doing="重新开放填报")
    if filing.state not in EDITABLE_FILING_STATES:
        raise ApplicationError("该填报已提交，无需重新开放。", code="out_of_order")
    if until is None or until < _today(today):
        raise ApplicationError("延期日期不正确。", fields={"until": ["延期截止日期不能早于今天。"]})
    if not (reason or "").strip():
        raise ApplicationError("请填写重新开放的原因。", fields={"reason": ["请写明原因，以备查。"]})
    before = filing.reopened_until
    filing.reopened_until = until
    filing.save(update_fields=["reopened_until", "updated_at"])
    log_action(
        "evaluations.filing.reopened",
        actor=actor,
        obj=filing,
        data={"before": before, "after": until, "reason": reason.strip()},
    )
    return filing


# ---- reminders -------------------------------------------------------------------------------------
def reminders_send(*, today: date | None = None) -> dict:
    """Reminders for every open cycle: directors (filing not submitted), supervising units (reviews
    pending), the bureau (overdue list). Each reminder is unique per recipient and deadline."""
    from accounts.models import User
    from accounts.roles import Role

    today = _today(today)
    counts = {"directors": 0, "supervisors": 0, "bureau": 0}
    for cycle in Cycle.objects.filter(state__in=[CycleState.OPEN, CycleState.SPOT_CHECK]):
        days = sorted({int(d) for d in cycle.reminder_days}, reverse=True)
        filings = Filing.objects.filter(cycle=cycle)
        left = (cycle.filing_deadline - today).days
        if cycle.state == CycleState.OPEN and left in days:
            pending = filings.filter(state__in=EDITABLE_FILING_STATES, reopened_until__isnull=True)
            for filing in pending.select_related("center"):
                counts["directors"] += _notify(
                    recipients=_center_people([filing.center_id]),
                    kind=NotificationKind.FILING_DUE,
                    key=f"filing_due:{cycle.pk}:{cycle.filing_deadline}:{left}",
                    title=f"{cycle.year} 年度填报将于 {left} 天后截止",
                    body=f"{filing.center.name}的年度填报尚未提交，截止日期 {cycle.filing_deadline:%Y-%m-%d}。",
                    url=reverse("evaluations:filing_detail", args=[filing.pk]),
                    cycle=cycle,
                )
        left = (cycle.review_deadline - today).days
        if left in days:
            waiting = filings.filter(state=FilingState.SUBMITTED).values_list("center_id", flat=True)
            for user in _center_people(list(waiting), directors=False, supervisors=True):
                n = filings.filter(
                    state=FilingState.SUBMITTED, center__supervising_unit_id=user.supervising_unit_id
                ).count()
                counts["supervisors"] += _notify(
                    recipients=[user],
                    kind=NotificationKind.REVIEW_DUE,
                    key=f"review_due:{cycle.pk}:{cycle.review_deadline}:{left}",
                    title=f"有 {n} 份年度填报待初审，{left} 天后截止",
                    body=f"初审截止日期 {cycle.review_deadline:%Y-%m-%d}。",
                    url=reverse("evaluations:review_list"),
                    cycle=cycle,
                )
        if cycle.state == CycleState.OPEN and today > cycle.filing_deadline:
            overdue = [
                f.center.name
                for f in filings.filter(state__in=EDITABLE_FILING_STATES).select_related("center", "cycle")
                if today > f.deadline
            ]
            if overdue:
                bureau = User.objects.filter(is_active=True, groups__name=Role.BUREAU).distinct()
                counts["bureau"] += _notify(
                    recipients=bureau,
                    kind=NotificationKind.OVERDUE,
                    key=f"overdue:{cycle.pk}:{cycle.filing_deadline}",
                    title=f"{cycle.year} 年度填报逾期未报 {len(overdue)} 个中心",
                    body="逾期未报：" + "、".join(overdue),
                    url=reverse("evaluations:cycle_board", args=[cycle.pk]),
                    cycle=cycle,
                )
    return counts


# ---- the draw and assignments ----------------------------------------------------------------------
def draw_population(cycle: Cycle) -> list[dict]:
    """The centers in scope, sorted by the stable key (street/town order, name, id)."""
    rows = Filing.objects.filter(cycle=cycle).values_list(
        "center_id", "center__name", "center__street_town__sort_order"
    )
    rows = sorted(rows, key=lambda r: (r[2] if r[2] is not None else 9999, r[1], r[0]))
    return [{"id": r[0], "name": r[1]} for r in rows]


@transaction.atomic
def draw_create(*, cycle: Cycle, actor, seed: int, must_include=(), excluded: dict | None = None) -> Draw:
    """Draw the spot-check sample once per cycle, storing seed, inputs and result."""
    cycle = _locked_cycle(cycle)
    _require_cycle_state(cycle, CycleState.SPOT_CHECK, doing="抽样（请先将考评推进到“抽检中”）")
    if Draw.objects.filter(cycle=cycle).exists():
        raise ApplicationError(
            "本年度已经抽样，不能再次抽样；可在抽样页面复核抽样结果。", code="already_drawn"
        )
    try:
        seed = int(seed)
        if seed < 0 or seed > 2**62:
            raise ValueError
    except (TypeError, ValueError):
        raise ApplicationError(
            "随机种子不正确。", fields={"seed": ["请填写 0 到 4611686018427387904 之间的整数。"]}
        ) from None
    population = draw_population(cycle)
    ids = [c["id"] for c in population]
    names = {c["id"]: c["name"] for c in population}
    must = [int(c) for c in must_include]
    excluded = {int(k): (v or "").strip() for k, v in (excluded or {}).items()}
    errors: dict[str, list[str]] = {}
    if any(c not in names for c in must):
        errors["must_include"] = ["必检中心须在本年度参评范围内。"]
    if any(c not in names for c in excluded):
        errors["excluded"] = ["排除的中心须在本年度参评范围内。"]
    both = set(must) & set(excluded)
    if both:
        errors["excluded"] = [f"{'、'.join(names.get(c, str(c)) for c in both)} 不能同时必检和排除。"]
    no_reason = [names.get(c, str(c)) for c, why in excluded.items() if not why]
    if no_reason:
        errors.setdefault("excluded", []).append(f"请写明排除原因：{'、'.join(no_reason)}。")
    k = draw_algorithm.sample_size(cycle.sample_numerator, cycle.sample_denominator, len(ids))
    if len(must) > k:
        errors["must_include"] = [f"必检中心 {len(must)} 个，超过抽检数量 {k} 个。"]
    if errors:
        raise ApplicationError("抽样条件有误，请按提示修改。", fields=errors)
    result = draw_algorithm.draw_sample(
        population=ids,
        seed=seed,
        numerator=cycle.sample_numerator,
        denominator=cycle.sample_denominator,
        must_include=must,
        excluded=list(excluded),
    )
    draw = Draw.objects.create(
        cycle=cycle,
        algorithm=draw_algorithm.ALGORITHM,
        seed=seed,
        share_numerator=cycle.sample_numerator,
        share_denominator=cycle.sample_denominator,
        sample_size=k,
        population=population,
        must_include=[{"id": c, "name": names[c]} for c in must],
        excluded=[{"id": c, "name": names[c], "reason": why} for c, why in excluded.items()],
        result=[{"id": c, "name": names[c]} for c in result],
        drawn_by=actor,
    )
    log_action(
        "evaluations.draw.created",
        actor=actor,
        obj=cycle,
        data={"seed": seed, "sample_size": k, "result": [names[c] for c in result]},
    )
    return draw


def draw_verify(draw: Draw) -> tuple[list[int], bool]:
    """Re-run the draw from its stored inputs; returns (ids drawn now, whether they match)."""
    rerun = draw_algorithm.draw_sample(
        population=[c["id"] for c in draw.population],
        seed=draw.seed,
        numerator=draw.share_numerator,
        denominator=draw.share_denominator,
        must_include=[c["id"] for c in draw.must_include],
        excluded=[c["id"] for c in draw.excluded],
    )
    return rerun, rerun == [c["id"] for c in draw.result]


AUDITOR_FILING_PERMS = ("evaluations.view_filing", "evaluations.audit_filing")


@transaction.atomic
def assignment_set(*, cycle: Cycle, center_id: int, auditor, actor, version=0) -> Assignment:
    """Assign a sampled center's filing to an auditor: grants on that filing only, for this cycle.

    ``version`` is the assignment's version its assigner saw (0: none yet). Changing the auditor
    discards the scores entered so far, so a page opened before someone else's change is refused."""
    from accounts.roles import Role

    cycle = _locked_cycle(cycle)
    _require_cycle_state(cycle, CycleState.SPOT_CHECK, doing="分配评估人员")
    draw = Draw.objects.filter(cycle=cycle).first()
    if draw is None:
        raise ApplicationError("尚未抽样，不能分配评估人员。", code="out_of_order")
    if int(center_id) not in {c["id"] for c in draw.result}:
        raise ApplicationError("该中心未被抽中。", fields={"center": ["只能为抽中的中心分配评估人员。"]})
    if auditor is None or auditor.role != Role.AUDITOR:
        raise ApplicationError("请选择抽检评估人员。", fields={"auditor": ["所选用户不是抽检评估人员。"]})
    filing = Filing.objects.get(cycle=cycle, center_id=center_id)
    assignment = Assignment.objects.select_for_update(of=("self",)).filter(filing=filing).first()
    read = parse_version(0 if version in (None, "") else version)
    if read != (assignment.version if assignment else 0):
        raise StaleVersion(read=read, current=assignment.version if assignment else 0)
    before = None
    if assignment:
        if assignment.submitted_at:
            raise ApplicationError("该中心的抽检评分已提交，不能更换评估人员。", code="out_of_order")
        if assignment.auditor_id == auditor.pk:
            return assignment
        before = assignment.auditor.username
        for perm in AUDITOR_FILING_PERMS:
            remove_perm(perm, assignment.auditor, filing)
        AuditScore.objects.filter(filing=filing).delete()
        assignment.auditor = auditor
        assignment.assigned_by = actor
        bump(assignment)
        assignment.save()
    else:
        assignment = Assignment.objects.create(cycle=cycle, filing=filing, auditor=auditor, assigned_by=actor)
    for perm in AUDITOR_FILING_PERMS:
        assign_perm(perm, auditor, filing)
    log_action(
        "evaluations.assignment.set",
        actor=actor,
        obj=filing,
        data={"before": before, "after": auditor.username},
    )
    _notify(
        recipients=[auditor],
        kind=NotificationKind.ASSIGNED,
        key=f"assigned:{assignment.pk}:{auditor.pk}",
        title=f"新的抽检任务：{filing.center.name}",
        body=f"{cycle.year} 年度抽检，截止 {cycle.spot_check_deadline:%Y-%m-%d}。",
        url=reverse("evaluations:audit_score", args=[filing.pk]),
        cycle=cycle,
    )
    return assignment


def _locked_assignment(filing: Filing, actor) -> Assignment:
    """The filing's assignment, locked — for its assigned auditor only. Spot-check scores are the
    auditor's own work: nobody else (bureau staff included) enters or submits them; the bureau changes
    a published score only through ``audit_score_correct``, which records the reason."""
    try:
        assignment = (
            Assignment.objects.select_for_update(of=("self",))
            .select_related("filing__cycle")
            .get(filing=filing)
        )
    except Assignment.DoesNotExist:
        raise ApplicationError("该中心未被分配抽检。", code="out_of_order") from None
    if actor is None or assignment.auditor_id != actor.pk:
        raise ApplicationError(
            "抽检评分只能由分配给该中心的评估人员录入和提交。"
            "区民政局如需更改已公布的抽检分，请在填报页使用“更正抽检分”并写明原因。",
            code="forbidden",
        )
    return assignment


@transaction.atomic
def audit_scores_save(*, filing: Filing, actor, entries: dict, versions: dict) -> list[AuditScore]:
    """Save the auditor's scores. ``entries``: indicator id → {"score", "comment", "confirmed"};
    ``versions``: indicator id → the version of that score its editor read (0: none yet; a score
    changed since refuses the whole save, core.versioning).

    Scored indicators take a score (0 … max, halves); computed ones are re-checked: confirmed keeps
    the computed score, not confirmed gives 0 and needs a comment. All or nothing.
    """
    from .selectors import indicators_for

    assignment = _locked_assignment(filing, actor)
    filing = assignment.filing
    _require_cycle_state(filing.cycle, CycleState.SPOT_CHECK, doing="抽检评分")
    if assignment.submitted_at:
        raise ApplicationError("抽检评分已提交并锁定，不能修改。", code="locked")
    indicators = {i.pk: i for i in indicators_for(filing.cycle)}
    existing = {s.indicator_id: s for s in AuditScore.objects.filter(filing=filing)}
    _check_row_versions(existing, indicators, entries, versions)
    computed = computed_scores(filing, indicators.values(), filing.snapshot or {})
    errors: dict[str, list[str]] = {}
    cleaned = []
    for indicator_id, entry in entries.items():
        indicator = indicators.get(int(indicator_id))
        if indicator is None:
            raise ApplicationError("指标不属于本年度评分表。", fields={"indicator": ["请刷新页面后重试。"]})
        field = f"score_{indicator.pk}"
        comment = (entry.get("comment") or "").strip()
        if indicator.is_computed:
            confirmed = entry.get("confirmed")
            if confirmed in (None, ""):
                continue
            confirmed = confirmed in (True, "true", "1", "yes", "on")
            score, detail = computed[indicator.pk]
            if not confirmed:
                if not comment:
                    errors[field] = [f"{indicator.code}：认定不属实时请写明意见。"]
                    continue
                score = Decimal("0.0")
            cleaned.append((indicator, score, comment, confirmed, detail))
        else:
            raw = entry.get("score")
            if raw in (None, ""):
                continue
            try:
                value = _parse_score(raw, field=field, maximum=indicator.max_score)
            except ApplicationError as exc:
                errors[field] = [f"{indicator.code}：{m}" for m in exc.fields[field]]
                continue
            cleaned.append((indicator, value, comment, None, ""))
    if errors:
        raise ApplicationError("抽检评分有误，请按提示修改。", fields=errors)
    rows = []
    changes = []
    for indicator, score, comment, confirmed, detail in cleaned:
        old = existing.get(indicator.pk)
        changes.append(
            {"indicator": indicator.code, "before": str(old.score) if old else None, "after": str(score)}
        )
        row = _save_score_row(
            AuditScore,
            old,
            filing=filing,
            indicator=indicator,
            score=score,
            comment=comment,
            confirmed=confirmed,
            computed_detail=detail,
        )
        rows.append(row)
    if changes:
        log_action("evaluations.audit_score.saved", actor=actor, obj=filing, data={"changes": changes})
    return rows


@transaction.atomic
def assignment_submit(*, filing: Filing, actor) -> Assignment:
    """Submit the spot-check scores: every indicator scored; locks them."""
    from .selectors import indicators_for

    assignment = _locked_assignment(filing, actor)
    _require_cycle_state(assignment.filing.cycle, CycleState.SPOT_CHECK, doing="提交抽检评分")
    if assignment.submitted_at:
        raise ApplicationError("抽检评分已提交。", code="locked")
    scores = {s.indicator_id: s.score for s in AuditScore.objects.filter(filing=assignment.filing)}
    missing = [i for i in indicators_for(assignment.filing.cycle) if i.pk not in scores]
    if missing:
        raise ApplicationError(
            f"还有 {len(missing)} 项指标未评分，不能提交。",
            fields={f"score_{i.pk}": [f"未评分：{i.code} {i.name}"] for i in missing},
            code="incomplete",
        )
    assignment.spot_total = sum(scores.values(), Decimal(0))
    assignment.submitted_at = timezone.now()
    assignment.save(update_fields=["spot_total", "submitted_at", "updated_at"])
    log_action(
        "evaluations.assignment.submitted",
        actor=actor,
        obj=assignment.filing,
        data={"spot_total": str(assignment.spot_total)},
    )
    return assignment


@transaction.atomic
def audit_score_correct(
    *, filing: Filing, indicator: Indicator, actor, score, reason: str, version
) -> AuditScore:
    """After publication, the bureau corrects one spot-check score (recorded); a new result revision follows.

    ``version`` is the one of the score the corrector saw; a score corrected since is refused."""
    _require_cycle_state(filing.cycle, CycleState.PUBLISHED, doing="更正抽检分")
    if not (reason or "").strip():
        raise ApplicationError("请填写更正原因。", fields={"reason": ["更正已公布的结果必须写明原因。"]})
    row = AuditScore.objects.select_for_update().filter(filing=filing, indicator=indicator).order_by().first()
    if row is None:
        raise ApplicationError("该指标没有抽检分。", fields={"indicator": ["只能更正已有的抽检分。"]})
    check_version(row, version)
    value = _parse_score(score, field="score", maximum=indicator.max_score)
    before = row.score
    row.score = value
    row.comment = (row.comment + f"\n〔更正〕{reason.strip()}").strip()
    bump(row)
    row.save()
    assignment = Assignment.objects.get(filing=filing)
    assignment.spot_total = sum(
        AuditScore.objects.filter(filing=filing).values_list("score", flat=True), Decimal(0)
    )
    assignment.save(update_fields=["spot_total", "updated_at"])
    log_action(
        "evaluations.audit_score.corrected",
        actor=actor,
        obj=filing,
        data={
            "indicator": indicator.code,
            "before": str(before),
            "after": str(value),
            "reason": reason.strip(),
        },
    )
    return row


# ---- results ---------------------------------------------------------------------------------------
@transaction.atomic
def results_request(*, cycle: Cycle, actor, enqueue: bool = True) -> Job:
    """Queue the scoring job (revision 1) — only while the cycle is in scoring, before publication."""
    from .tasks import compute_results_task

    cycle = _locked_cycle(cycle)
    _require_cycle_state(cycle, CycleState.SCORING, doing="计算最终结果（请先完成抽样和抽检评分）")
    job = job_create(
        kind=RESULTS_KIND,
        label=f"计算 {cycle.year} 年度考评结果",
        requester=actor,
        params={"cycle": cycle.pk, "revision": 1, "reason": ""},
    )
    log_action("evaluations.results.requested", actor=actor, obj=cycle, data={"job": str(job.pk)})
    if enqueue:
        job_enqueue(job, compute_results_task)
    return job


@transaction.atomic
def result_correction_request(*, cycle: Cycle, actor, reason: str) -> Job:
    """After publication: a new, published revision with its reason; earlier ones stay visible."""
    from .tasks import compute_results_task

    cycle = _locked_cycle(cycle)
    _require_cycle_state(cycle, CycleState.PUBLISHED, doing="更正结果")
    if not (reason or "").strip():
        raise ApplicationError("请填写更正原因。", fields={"reason": ["更正已公布的结果必须写明原因。"]})
    latest = cycle.result_sets.order_by("-revision").first()
    revision = (latest.revision if latest else 0) + 1
    job = job_create(
        kind=RESULTS_KIND,
        label=f"更正 {cycle.year} 年度考评结果（第 {revision} 版）",
        requester=actor,
        params={"cycle": cycle.pk, "revision": revision, "reason": reason.strip()},
    )
    log_action(
        "evaluations.results.correction_requested",
        actor=actor,
        obj=cycle,
        data={"revision": revision, "reason": reason},
    )
    job_enqueue(job, compute_results_task)
    return job


def compute_rows(cycle: Cycle, ctx: JobContext | None = None) -> list[dict]:
    """Every center's self score, spot score, final, gap, finding, grade, rank, contribution."""
    filings = list(Filing.objects.filter(cycle=cycle).select_related("center").order_by("pk"))
    assignments = {a.filing_id: a for a in Assignment.objects.filter(cycle=cycle)}
    draw = Draw.objects.filter(cycle=cycle).first()
    sampled = {c["id"] for c in draw.result} if draw else set()
    counted_states = {FilingState.SUBMITTED, FilingState.REVIEWED, FilingState.ACCEPTED}
    rows = []
    for index, filing in enumerate(filings, start=1):
        self_score = (
            filing.self_total
            if (filing.state in counted_states and filing.self_total is not None)
            else Decimal(0)
        )
        assignment = assignments.get(filing.pk)
        spot = (
            assignment.spot_total
            if (filing.center_id in sampled and assignment and assignment.submitted_at)
            else None
        )
        combined = scoring.combine(
            self_score=self_score,
            spot_score=spot,
            rule=cycle.combination_rule,
            self_weight=cycle.self_weight,
            tolerance=cycle.gap_tolerance,
        )
        explanation = combined.explanation
        if filing.state not in counted_states:
            explanation = f"未提交年度填报，自评分按 0 计；{explanation}"
        rows.append(
            {
                "filing": filing,
                "center": filing.center,
                "self_score": Decimal(self_score).quantize(scoring.TWO_PLACES),
                "sampled": filing.center_id in sampled,
                "spot_score": spot,
                "final_score": combined.final,
                "gap": combined.gap,
                "finding": combined.finding,
                "grade": scoring.grade_for(combined.final, cycle.grade_bands),
                "contribution": scoring.contribution(combined.final, cycle.performance_weight),
                "explanation": explanation[:500],
            }
        )
        if ctx and index % 50 == 0:
            ctx.progress(10 + 70 * index / len(filings), f"已计算 {index} / {len(filings)} 个中心")
    for row, rank in zip(rows, scoring.competition_ranks([r["final_score"] for r in rows]), strict=True):
        row["rank"] = rank
    return rows


def results_work(job: Job, ctx: JobContext) -> dict:
    """The scoring job: compute in memory, then replace this revision's rows in one transaction
    (running it twice gives the same rows, never duplicates)."""
    cycle = Cycle.objects.get(pk=job.params["cycle"])
    revision = int(job.params.get("revision", 1))
    reason = job.params.get("reason", "")
    done = ResultSet.objects.filter(cycle=cycle, revision=revision, job=job, is_published=True).first()
    if done is not None:
        # Delivered again after its results were published: they stand as they are.
        ctx.log("该任务的结果已公布，无需重新计算")
        return {"centers": done.results.count(), "revision": revision}
    ctx.progress(5, "读取填报、抽样与抽检评分")
    rows = compute_rows(cycle, ctx)
    ctx.progress(85, "写入结果")
    with transaction.atomic():
        cycle = _locked_cycle(cycle)
        correction = revision > 1
        if not correction and cycle.state != CycleState.SCORING:
            raise ApplicationError("考评已不在计分阶段，结果未改动。", code="out_of_order")
        result_set, _ = ResultSet.objects.get_or_create(
            cycle=cycle,
            revision=revision,
            defaults={"reason": reason, "created_by": job.requester, "is_current": False},
        )
        if result_set.is_published and not correction:
            raise ApplicationError("该版本结果已公布，不能覆盖；请走更正流程。", code="published")
        Result.objects.filter(result_set=result_set).delete()
        Result.objects.bulk_create(Result(result_set=result_set, **row) for row in rows)
        result_set.job = job
        result_set.computed_at = timezone.now()
        result_set.rules = {
            "combination_rule": cycle.combination_rule,
            "self_weight": str(cycle.self_weight),
            "gap_tolerance": str(cycle.gap_tolerance),
            "performance_weight": str(cycle.performance_weight),
            "grade_bands": cycle.grade_bands,
        }
        ResultSet.objects.filter(cycle=cycle).exclude(pk=result_set.pk).update(is_current=False)
        result_set.is_current = True
        if correction and not result_set.is_published:
            result_set.is_published = True
            result_set.published_at = timezone.now()
        result_set.save()
        if correction:
            log_action(
                "evaluations.results.corrected",
                actor=job.requester,
                obj=cycle,
                data={"revision": revision, "reason": reason},
            )
            _queue_cycle_reports(cycle, job.requester, f"结果更正（第 {revision} 版）：{reason}")
    findings = sum(1 for r in rows if r["finding"])
    ctx.log(f"共 {len(rows)} 个中心，发现问题 {findings} 项")
    return {"centers": len(rows), "findings": findings, "revision": revision}


@transaction.atomic
def cycle_publish(*, cycle: Cycle, actor, queue_reports: bool = True) -> Cycle:
    """Publish: freeze the computed results; queue the reports (reports.services.cycle_reports_request).

    ``queue_reports=False`` is for the demo data, which renders them in-process (reports.demo)."""
    cycle = _locked_cycle(cycle)
    _require_cycle_state(cycle, CycleState.SCORING, doing="公布结果")
    result_set = cycle.result_sets.filter(revision=1, computed_at__isnull=False).first()
    if result_set is None:
        raise ApplicationError("尚未计算结果：请先运行计分任务并等待完成，再公布。", code="out_of_order")
    now = timezone.now()
    result_set.is_published = True
    result_set.published_at = now
    result_set.is_current = True
    result_set.save(update_fields=["is_published", "published_at", "is_current", "updated_at"])
    cycle.state = CycleState.PUBLISHED
    cycle.published_at = now
    cycle.save(update_fields=["state", "published_at", "updated_at"])
    log_action(
        "evaluations.cycle.published",
        actor=actor,
        obj=cycle,
        data={"before": "scoring", "after": "published"},
    )
    if queue_reports:
        _queue_cycle_reports(cycle, actor, "考评结果公布")
    return cycle


def _queue_cycle_reports(cycle: Cycle, actor, reason: str) -> None:
    """Queue the rendering of the cycle's reports in the publication's (or correction's) own
    transaction: the job and its messages go through the outbox, so they commit with the publication
    and are sent after it — a broker outage delays them, never loses them. New revisions where the
    data changed; the reports app keeps the old ones downloadable, marked superseded."""
    from reports.services import cycle_reports_request

    cycle_reports_request(cycle=cycle, requester=actor, reason=reason)


@transaction.atomic
def notification_mark_read(*, user, ids=None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids:
        qs = qs.filter(pk__in=ids)
    return qs.update(read_at=timezone.now())


def days_left(deadline: date, today: date | None = None) -> int:
    return (deadline - _today(today)).days
