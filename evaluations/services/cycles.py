"""The cycle and its rubric: create, edit, open, advance."""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone

from centers.choices import CenterStatus
from centers.models import ServiceCenter
from core.audit import log_action
from core.errors import ApplicationError
from core.jobs import JobContext, job_create, job_enqueue
from core.models import Job
from core.versioning import bump, check_version

from .. import scoring
from ..choices import (
    EDITABLE_FILING_STATES,
    CycleState,
    IndicatorKind,
    IndicatorMethod,
)
from ..default_rubric import DEFAULT_RUBRIC, RUBRIC_TEMPLATES
from ..models import (
    Assignment,
    Cycle,
    Draw,
    Filing,
    Indicator,
    RubricCategory,
)
from ..models.filing import FIGURE_NAMES
from ..workflow import find_move, needs_reason, transition
from ._common import OPEN_KIND, _locked_cycle, _require_cycle_state

logger = logging.getLogger(__name__)

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
    "publicity_days",
    "rectification_days",
    "unsubmitted_rule",
    "not_applicable_rule",
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
    bands_problem = scoring.grade_bands_problem(cycle.grade_bands)
    if bands_problem:
        errors.setdefault("grade_bands", []).append(f"等次划分：{bands_problem}")
    try:
        days = [int(d) for d in cycle.reminder_days]
        if any(d < 0 or d > 60 for d in days):
            raise ValueError
    except (TypeError, ValueError):
        errors.setdefault("reminder_days", []).append("提醒天数应为 0 到 60 之间的整数，如 7,3,1。")
    if errors:
        raise ApplicationError("考评设置有误，请按提示修改。", fields=errors)


@transaction.atomic
def cycle_create(
    *, year: int, actor, with_default_rubric: bool = True, rubric_template: str = "default", **fields
) -> Cycle:
    """A draft cycle with its rules, its rubric copied from ``rubric_template`` (default_rubric.
    RUBRIC_TEMPLATES: the default one, or the portal's template with every item kind)."""
    if Cycle.objects.filter(year=year).exists():
        raise ApplicationError(
            "该年度的考评已存在。", fields={"year": [f"{year} 年度考评已建立，请在原考评中修改。"]}
        )
    values = {**default_deadlines(year), "title": f"{year} 年度街镇社会组织服务中心绩效考评", **fields}
    cycle = Cycle(year=year, created_by=actor, **{k: v for k, v in values.items() if k in CYCLE_FIELDS})
    if rubric_template not in RUBRIC_TEMPLATES:
        raise ApplicationError(
            "评分表模板有误。", fields={"rubric_template": ["请从列表中选择一个评分表模板。"]}
        )
    _validate_cycle(cycle)
    cycle.save()
    if with_default_rubric:
        _rubric_load_default(cycle, RUBRIC_TEMPLATES[rubric_template])
    log_action(
        "evaluations.cycle.created",
        actor=actor,
        obj=cycle,
        data={"year": year, "rubric_template": rubric_template if with_default_rubric else ""},
    )
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


KIND_FIELDS = ("kind", "per_occurrence", "floor", "cap", "may_be_not_applicable")


def _rubric_load_default(cycle: Cycle, rubric=DEFAULT_RUBRIC) -> None:
    """Copy a rubric template (default_rubric) into the cycle. A row's optional ninth element holds
    its kind fields (扣分项, 一票否决项, 加分项, 可认定不适用)."""
    for c_order, (c_code, c_name, indicators) in enumerate(rubric, start=1):
        category = RubricCategory.objects.create(cycle=cycle, code=c_code, name=c_name, sort_order=c_order)
        rows = []
        for i_order, row in enumerate(indicators, start=1):
            code, name, maximum, method, formula, evidence, required, description = row[:8]
            extra = row[8] if len(row) > 8 else {}
            kind_fields = {
                key: Decimal(str(value))
                if isinstance(value, int | float) and key != "may_be_not_applicable"
                else value
                for key, value in extra.items()
                if key in KIND_FIELDS
            }
            rows.append(
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
                    **kind_fields,
                )
            )
        Indicator.objects.bulk_create(rows)


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
            kind=i.kind,
            per_occurrence=i.per_occurrence,
            floor=i.floor,
            cap=i.cap,
            may_be_not_applicable=i.may_be_not_applicable,
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
    from core.vocabulary import FORMULA_HELP

    return {"formula": [FORMULA_HELP]}


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
    from ..tasks import open_cycle_task

    cycle = _locked_cycle(cycle)
    _require_cycle_state(cycle, CycleState.DRAFT, doing="开启考评")
    total = sum(
        (
            i.max_score
            for i in cycle.indicators.all()
            if i.kind not in (IndicatorKind.BONUS, IndicatorKind.VETO)
        ),
        Decimal(0),
    )
    if total != 100:
        raise ApplicationError(
            f"评分表总分应为 100 分，现为 {scoring.num(total)} 分，请调整各指标满分后再开启。",
            fields={"rubric": [f"总分 {scoring.num(total)} ≠ 100"]},
        )
    if not centers_in_scope(cycle).exists():
        raise ApplicationError("参评范围内没有服务中心。", fields={"levels": ["请检查参评层级。"]})
    transition(cycle, CycleState.OPEN, actor)
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
def cycle_advance(*, cycle: Cycle, actor, to_state: str, reason: str = "") -> Cycle:
    """The bureau moves the cycle one step (open → spot check → scoring; published → archived).

    Opening and publishing have their own services (they do more than change the state).
    """
    cycle = _locked_cycle(cycle)
    move = find_move(cycle, to_state, actor)
    if move.service == "cycle_close_filing":
        return cycle_close_filing(cycle=cycle, actor=actor, reason=reason)
    if move.service != "cycle_advance":
        # Opening, closing the filing and publishing have their own services (they do more).
        raise ApplicationError(
            f"“{move.label}”须在其确认页面进行（考评当前为“{cycle.get_state_display()}”）。",
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
    transition(cycle, to_state, actor)
    return cycle


def unsubmitted_filings(cycle: Cycle) -> list[Filing]:
    """The filings not (or no longer) submitted: what closing the filing leaves as 未提交."""
    return list(
        Filing.objects.filter(cycle=cycle, state__in=EDITABLE_FILING_STATES)
        .select_related("center", "center__street_town")
        .order_by("center__street_town__sort_order", "center__name")
    )


@transaction.atomic
def cycle_close_filing(
    *, cycle: Cycle, actor, reason: str = "", source_description: str = "", source_published_on=None
) -> Cycle:
    """End the filing and enter spot check. Before the filing deadline a typed reason is required;
    the centers that have not submitted are named in the record (the confirmation page lists them)
    and count by the cycle's rule for unsubmitted filings (不予评分 / 按零分计), shown as 未提交.

    The draw's seed is committed in the same step: the portal's own (default), or the public source
    named by ``source_description`` and ``source_published_on`` (spot_check.draw_commit)."""
    cycle = _locked_cycle(cycle)
    reason = (reason or "").strip()
    unsubmitted = unsubmitted_filings(cycle)
    names = [f.center.name for f in unsubmitted]
    move = transition(
        cycle,
        CycleState.SPOT_CHECK,
        actor,
        reason=reason,
        unsubmitted=names,
        before_deadline=timezone.localdate() <= cycle.filing_deadline,
    )
    if needs_reason(move, cycle):
        cycle.filing_close_reason = reason
        cycle.save(update_fields=["filing_close_reason", "updated_at"])
    from .spot_check import draw_commit

    # the draw's seed (or its public source), its SHA-256 published from now on
    draw_commit(
        cycle=cycle,
        actor=actor,
        source_description=source_description,
        source_published_on=source_published_on,
    )
    return cycle
