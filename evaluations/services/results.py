"""Results, corrections, publication."""

from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from core.audit import log_action
from core.errors import ApplicationError
from core.jobs import JobContext, job_create, job_enqueue
from core.models import Job

from .. import scoring
from ..choices import (
    CORRECTABLE_STATES,
    UNSUBMITTED_LABEL,
    CycleState,
    FilingState,
    IndicatorKind,
    UnsubmittedRule,
)
from ..models import (
    Assignment,
    AuditScore,
    Cycle,
    Draw,
    Filing,
    Result,
    ResultSet,
    SelfScore,
)
from ._common import RESULTS_KIND, _locked_cycle, _require_cycle_state
from .rectification import rectifications_sync
from .review_requests import _move_cycle

logger = logging.getLogger(__name__)


# ---- results ---------------------------------------------------------------------------------------
def _allocate_revision(cycle: Cycle, *, revision: int | None, reason: str, actor) -> ResultSet:
    """The result set a job will fill, created now (under the unique (cycle, revision) constraint) so
    two requests queued before either job runs get two revisions, never the same one."""
    if revision is None:
        latest = cycle.result_sets.order_by("-revision").values_list("revision", flat=True).first()
        revision = (latest or 0) + 1
    result_set, _ = ResultSet.objects.get_or_create(
        cycle=cycle,
        revision=revision,
        defaults={"reason": reason, "created_by": actor, "is_current": False},
    )
    return result_set


@transaction.atomic
def results_request(*, cycle: Cycle, actor, enqueue: bool = True) -> Job:
    """Queue the scoring job (revision 1) — only while the cycle is in scoring, before publication."""
    from ..tasks import compute_results_task

    cycle = _locked_cycle(cycle)
    _require_cycle_state(cycle, CycleState.SCORING, doing="计算最终结果（请先完成抽样和抽检评分）")
    _allocate_revision(cycle, revision=1, reason="", actor=actor)
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
def result_correction_request(*, cycle: Cycle, actor, reason: str, enqueue: bool = True) -> Job:
    """After publication: a new, published revision with its reason; earlier ones stay visible.

    The revision is allocated here, in the request's transaction with the cycle locked: a second
    correction queued before the first has run gets the next number, and no job ever writes into a
    revision that is already published."""
    from ..tasks import compute_results_task

    cycle = _locked_cycle(cycle)
    _require_cycle_state(cycle, *CORRECTABLE_STATES, doing="更正结果（定稿后结果冻结）")
    if not (reason or "").strip():
        raise ApplicationError("请填写更正原因。", fields={"reason": ["更正已公布的结果必须写明原因。"]})
    result_set = _allocate_revision(cycle, revision=None, reason=reason.strip(), actor=actor)
    revision = result_set.revision
    job = job_create(
        kind=RESULTS_KIND,
        label=f"更正 {cycle.year} 年度考评结果（第 {revision} 版）",
        requester=actor,
        params={"cycle": cycle.pk, "revision": revision, "reason": reason.strip()},
    )
    result_set.job = job
    result_set.save(update_fields=["job", "updated_at"])
    log_action(
        "evaluations.results.correction_requested",
        actor=actor,
        obj=cycle,
        data={"revision": revision, "reason": reason},
    )
    if enqueue:
        job_enqueue(job, compute_results_task)
    return job


def _vetoes(cycle: Cycle) -> tuple[dict[int, list[str]], dict[int, list[str]]]:
    """Veto findings by filing id: (the centers' own, the auditors'), as "code name" (two queries)."""
    own: dict[int, list[str]] = {}
    audited: dict[int, list[str]] = {}
    for model, into in ((SelfScore, own), (AuditScore, audited)):
        rows = model.objects.filter(
            filing__cycle=cycle, indicator__kind=IndicatorKind.VETO, occurrences__gt=0
        ).values_list("filing_id", "indicator__code", "indicator__name")
        for filing_id, code, name in rows.order_by("indicator__sort_order"):
            into.setdefault(filing_id, []).append(f"{code} {name}")
    return own, audited


def compute_rows(cycle: Cycle, ctx: JobContext | None = None) -> list[dict]:
    """Every center's self score, spot score, final, gap, finding, grade, rank, contribution.

    A filing never submitted is listed as 未提交 (``submitted`` False, no self score): under the
    cycle's 不予评分 rule it has no final score, grade 未提交, no rank and no contribution; under 按零分计
    its final score is 0, graded 不合格, ranked and counted. A veto finding (the auditor's when the
    center was spot-checked, else the center's own) makes the grade 不合格 whatever the score."""
    filings = list(Filing.objects.filter(cycle=cycle).select_related("center").order_by("pk"))
    assignments = {a.filing_id: a for a in Assignment.objects.filter(cycle=cycle)}
    draw = Draw.objects.filter(cycle=cycle).first()
    sampled = {c["id"] for c in draw.result} if draw else set()
    own_vetoes, audit_vetoes = _vetoes(cycle)
    counted_states = {FilingState.SUBMITTED, FilingState.REVIEWED, FilingState.ACCEPTED}
    rows = []
    for index, filing in enumerate(filings, start=1):
        submitted = filing.state in counted_states and filing.self_total is not None
        if not submitted:
            rows.append(_unsubmitted_row(cycle, filing, sampled=filing.center_id in sampled))
            continue
        self_score = filing.self_total
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
        grade = scoring.grade_for(combined.final, cycle.grade_bands)
        vetoes = audit_vetoes.get(filing.pk, []) if spot is not None else own_vetoes.get(filing.pk, [])
        veto = f"一票否决：{'、'.join(vetoes)}，等次为不合格" if vetoes else ""
        if veto:
            grade = scoring.FAILING_GRADE
            explanation = f"{explanation}；{veto}"
        rows.append(
            {
                "filing": filing,
                "center": filing.center,
                "submitted": True,
                "self_score": Decimal(self_score).quantize(scoring.TWO_PLACES),
                "sampled": filing.center_id in sampled,
                "spot_score": spot,
                "final_score": combined.final,
                "gap": combined.gap,
                "finding": combined.finding,
                "grade": grade,
                "veto": veto[:300],
                "contribution": scoring.contribution(combined.final, cycle.performance_weight),
                "explanation": explanation[:500],
            }
        )
        if ctx and index % 50 == 0:
            ctx.progress(10 + 70 * index / len(filings), f"已计算 {index} / {len(filings)} 个中心")
    ranked = [r for r in rows if r["final_score"] is not None]
    for row, rank in zip(ranked, scoring.competition_ranks([r["final_score"] for r in ranked]), strict=True):
        row["rank"] = rank
    return rows


def _unsubmitted_row(cycle: Cycle, filing: Filing, *, sampled: bool) -> dict:
    zero = cycle.unsubmitted_rule == UnsubmittedRule.ZERO
    final = Decimal("0.00") if zero else None
    return {
        "filing": filing,
        "center": filing.center,
        "submitted": False,
        "self_score": None,
        "sampled": sampled,
        "spot_score": None,
        "final_score": final,
        "gap": None,
        "finding": "",
        "grade": scoring.FAILING_GRADE if zero else UNSUBMITTED_LABEL,
        "veto": "",
        "rank": None,
        "contribution": scoring.contribution(final, cycle.performance_weight) if zero else None,
        "explanation": (
            "未提交年度填报：按本年度规则按零分计，等次为不合格"
            if zero
            else "未提交年度填报：按本年度规则不予评分，不排名，不计入绩效考核"
        ),
    }


def results_work(job: Job, ctx: JobContext) -> dict:
    """The scoring job: compute in memory, then replace this revision's rows in one transaction
    (running it twice gives the same rows, never duplicates)."""
    cycle = Cycle.objects.get(pk=job.params["cycle"])
    revision = int(job.params.get("revision", 1))
    reason = job.params.get("reason", "")
    done = ResultSet.objects.filter(cycle=cycle, revision=revision, is_published=True).first()
    if done is not None:
        # A published revision never changes (delivered again, or another job's): it stands as it is.
        ctx.log("该版本结果已公布，不再改动")
        return {"centers": done.results.count(), "revision": revision}
    ctx.progress(5, "读取填报、抽样与抽检评分")
    rows = compute_rows(cycle, ctx)
    ctx.progress(85, "写入结果")
    with transaction.atomic():
        cycle = _locked_cycle(cycle)
        correction = revision > 1
        if not correction and cycle.state != CycleState.SCORING:
            raise ApplicationError("考评已不在计分阶段，结果未改动。", code="out_of_order")
        result_set, _ = ResultSet.objects.select_for_update().get_or_create(
            cycle=cycle,
            revision=revision,
            defaults={"reason": reason, "created_by": job.requester, "is_current": False},
        )
        if result_set.is_published:
            raise ApplicationError("该版本结果已公布，不能覆盖；请走更正流程。", code="published")
        if correction and cycle.state not in CORRECTABLE_STATES:
            raise ApplicationError("考评结果已定稿冻结，更正未执行。", code="out_of_order")
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
            "unsubmitted_rule": cycle.unsubmitted_rule,
            "not_applicable_rule": cycle.not_applicable_rule,
        }
        # The highest computed revision is the current one, whichever job finishes last.
        later = ResultSet.objects.filter(cycle=cycle, revision__gt=revision, computed_at__isnull=False)
        if not later.exists():
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
            rectifications_sync(cycle=cycle, actor=job.requester)
    findings = sum(1 for r in rows if r["finding"])
    ctx.log(f"共 {len(rows)} 个中心，发现问题 {findings} 项")
    return {"centers": len(rows), "findings": findings, "revision": revision}


@transaction.atomic
def cycle_publish(*, cycle: Cycle, actor, queue_reports: bool = True) -> Cycle:
    """Publish: freeze the computed results, open the publicity period (公示中, ``publicity_days``
    working days), open the rectification items of the findings, queue the reports
    (reports.services.cycle_reports_request).

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
    _move_cycle(cycle, CycleState.PUBLICITY, actor=actor, data={"revision": result_set.revision})
    rectifications_sync(cycle=cycle, actor=actor)
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
