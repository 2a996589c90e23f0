"""公示 and 复核: the publicity period after publication, review requests, and the move to 定稿.

The cycle's state moves of this workflow are in ``_move_cycle`` (publish → 公示中 in ``cycle_publish``,
公示中 → 定稿 here), so they can join a transition table unchanged.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.roles import Role
from core.audit import log_action
from core.choices import JobStatus
from core.errors import ApplicationError
from core.models import Job
from core.storage import StorageFailure, atomic
from core.uploads import check_upload
from core.versioning import bump, check_version

from ..choices import CORRECTABLE_STATES, CycleState, ReviewDecision, ReviewRequestState
from ..models import AuditScore, Cycle, Indicator, Result, ReviewRequest
from ._common import RESULTS_KIND, STATE_LABELS, _locked_cycle, _require_cycle_state, _today

logger = logging.getLogger(__name__)


# ---- the publicity period --------------------------------------------------------------------------
def holidays() -> set[date]:
    """Public holidays (settings.PUBLIC_HOLIDAYS, ISO dates) that are not working days."""
    return {date.fromisoformat(d) for d in getattr(settings, "PUBLIC_HOLIDAYS", [])}


def is_working_day(day: date, off: set[date] | None = None) -> bool:
    return day.weekday() < 5 and day not in (holidays() if off is None else off)


def working_days_after(start: date, days: int) -> date:
    """The last day of a period of ``days`` working days starting the day after ``start``."""
    off = holidays()
    day = start
    counted = 0
    while counted < days:
        day += timedelta(days=1)
        if is_working_day(day, off):
            counted += 1
    return day


def _move_cycle(cycle: Cycle, to_state: str, *, actor, data: dict | None = None) -> None:
    """This workflow's cycle moves (publish → 公示中, 定稿), through the cycle's transition table
    (evaluations.workflow: duty, stamps, audit entry); the publicity period's last day is set first."""
    from ..workflow import transition

    if to_state == CycleState.PUBLICITY:
        cycle.publicity_ends_on = working_days_after(timezone.localdate(), cycle.publicity_days)
        cycle.save(update_fields=["publicity_ends_on", "updated_at"])
        data = {**(data or {}), "publicity_ends_on": str(cycle.publicity_ends_on)}
    transition(cycle, to_state, actor, **(data or {}))


@transaction.atomic
def cycle_finalize(*, cycle: Cycle, actor, today: date | None = None, queue_reports: bool = True) -> Cycle:
    """At the end of the publicity period the results become final (定稿): frozen (no correction, no
    review request), reports re-rendered without the 公示稿 mark, the contributions counted in the
    performance totals. Refused before the period's last day has passed or while a review is pending."""
    from .results import _queue_cycle_reports

    cycle = _locked_cycle(cycle)
    _require_cycle_state(cycle, CycleState.PUBLICITY, doing="定稿")
    today = _today(today)
    if cycle.publicity_ends_on and today <= cycle.publicity_ends_on:
        raise ApplicationError(
            f"公示期至 {cycle.publicity_ends_on:%Y年%-m月%-d日} 结束，公示期满后才能定稿。",
            code="out_of_order",
        )
    pending = list(
        ReviewRequest.objects.filter(cycle=cycle, state=ReviewRequestState.PENDING)
        .select_related("center")
        .order_by("center__name")
    )
    if pending:
        names = "、".join(r.center.name for r in pending)
        raise ApplicationError(
            f"以下中心的复核申请尚未决定，请先作出决定再定稿：{names}。", code="out_of_order"
        )
    computing = Job.objects.filter(
        kind=RESULTS_KIND, params__cycle=cycle.pk, status__in=[JobStatus.PENDING, JobStatus.RUNNING]
    )
    if computing.exists():
        raise ApplicationError("有结果更正正在计算，请等待完成后再定稿。", code="out_of_order")
    _move_cycle(cycle, CycleState.FINAL, actor=actor)
    if queue_reports:
        _queue_cycle_reports(cycle, actor, "考评结果定稿")
    return cycle


def publicity_close_due(*, today: date | None = None) -> dict:
    """The daily beat task: every cycle whose publicity period has ended becomes final; a cycle with a
    review request still pending waits (logged) until the bureau decides."""
    today = _today(today)
    done, waiting = [], []
    for cycle in Cycle.objects.filter(state=CycleState.PUBLICITY, publicity_ends_on__lt=today):
        try:
            cycle_finalize(cycle=cycle, actor=None, today=today)
            done.append(cycle.year)
        except ApplicationError as exc:
            logger.info("cycle %s not finalized: %s", cycle.year, exc.message)
            waiting.append(cycle.year)
    return {"finalized": done, "waiting": waiting}


# ---- review requests -------------------------------------------------------------------------------
def _store_evidence(row, upload) -> None:
    name, _mime = check_upload(upload, field="evidence")
    try:
        row.evidence.save(name, upload, save=False)
    except StorageFailure as exc:
        raise exc.for_field("evidence") from exc
    row.evidence_name = name


@atomic()
def review_request_file(*, cycle: Cycle, actor, reasons: str, evidence=None, today: date | None = None):
    """The director of a center files a review request of its published result during publicity."""
    cycle = _locked_cycle(cycle)
    if getattr(actor, "role", None) != Role.DIRECTOR or not actor.center_id:
        raise ApplicationError("只有服务中心主任可以为本中心申请复核。", code="forbidden")
    _require_cycle_state(cycle, CycleState.PUBLICITY, doing="申请复核（复核只能在公示期内申请）")
    today = _today(today)
    if cycle.publicity_ends_on and today > cycle.publicity_ends_on:
        raise ApplicationError(
            f"公示期已于 {cycle.publicity_ends_on:%Y年%-m月%-d日} 结束，不能再申请复核。", code="out_of_order"
        )
    reasons = (reasons or "").strip()
    if not reasons:
        raise ApplicationError(
            "请填写复核理由。", fields={"reasons": ["请写明对哪项结果有异议、理由是什么。"]}
        )
    result = (
        Result.objects.filter(
            result_set__cycle=cycle,
            result_set__is_published=True,
            result_set__is_current=True,
            center_id=actor.center_id,
        )
        .select_related("center")
        .first()
    )
    if result is None:
        raise ApplicationError("本中心在该年度没有公布的考评结果，无需申请复核。", code="not_found")
    if ReviewRequest.objects.filter(
        cycle=cycle, center_id=actor.center_id, state=ReviewRequestState.PENDING
    ).exists():
        raise ApplicationError(
            "本中心已有一份待决定的复核申请，请等待区民政局作出决定。", fields={"reasons": ["不能重复申请。"]}
        )
    row = ReviewRequest(
        cycle=cycle, center=result.center, result=result, reasons=reasons[:4000], filed_by=actor
    )
    if evidence:
        _store_evidence(row, evidence)
    row.save()
    log_action(
        "evaluations.review_request.filed",
        actor=actor,
        obj=row,
        data={"cycle": cycle.year, "center": result.center.name, "evidence": row.evidence_name},
    )
    return row


@transaction.atomic
def review_request_decide(
    *,
    review: ReviewRequest,
    actor,
    decision: str,
    reason: str,
    version,
    scores: dict | None = None,
    versions: dict | None = None,
) -> ReviewRequest:
    """The bureau decides: 维持 (the result stands) or 调整 — the corrected spot-check scores
    (``scores``: indicator id → score, ``versions``: indicator id → the version read) and a new
    published result revision with new reports (the previous ones stay, marked superseded)."""
    from .results import result_correction_request
    from .spot_check import audit_score_correct

    if not actor.has_perm("evaluations.change_reviewrequest"):
        raise ApplicationError("只有区民政局可以对复核申请作出决定。", code="forbidden")
    review = ReviewRequest.objects.select_for_update().select_related("cycle", "center").get(pk=review.pk)
    check_version(review, version)
    if review.state != ReviewRequestState.PENDING:
        raise ApplicationError(
            f"该复核申请已决定（{review.get_state_display()}），不能再次决定。", code="out_of_order"
        )
    cycle = review.cycle
    if cycle.state not in CORRECTABLE_STATES:
        raise ApplicationError(
            f"考评已{STATE_LABELS[cycle.state]}，结果已冻结，不能再作复核决定。", code="out_of_order"
        )
    if decision not in ReviewDecision.values:
        raise ApplicationError("请选择复核决定。", fields={"decision": ["请选择“维持”或“调整”。"]})
    reason = (reason or "").strip()
    if not reason:
        raise ApplicationError("请填写决定理由。", fields={"decision_reason": ["维持或调整都必须写明理由。"]})
    changed = []
    if decision == ReviewDecision.ADJUST:
        filing = review.result.filing
        versions = versions or {}
        current = {
            s.indicator_id: s for s in AuditScore.objects.filter(filing=filing).select_related("indicator")
        }
        for indicator_id, raw in (scores or {}).items():
            row = current.get(int(indicator_id))
            if row is None:
                raise ApplicationError(
                    "该指标没有抽检分，不能调整。",
                    fields={f"score_{indicator_id}": ["只能调整已有的抽检分。"]},
                )
            if str(raw).strip() == "" or str(raw).strip() in (str(row.score), f"{row.score:g}"):
                continue
            audit_score_correct(
                filing=filing,
                indicator=Indicator.objects.get(pk=row.indicator_id),
                actor=actor,
                score=raw,
                reason=f"复核调整：{reason}",
                version=versions.get(int(indicator_id), versions.get(str(indicator_id))),
            )
            changed.append(row.indicator.code)
        if not changed:
            raise ApplicationError(
                "调整须改动至少一项抽检分。",
                fields={"decision": ["请在下表中改正有误的抽检分；若结果无误，请选择“维持”。"]},
            )
        job = result_correction_request(
            cycle=cycle, actor=actor, reason=f"复核调整（{review.center.name}）：{reason}"
        )
        review.job = job
        review.revision = job.params["revision"]
        review.state = ReviewRequestState.ADJUSTED
    else:
        review.state = ReviewRequestState.MAINTAINED
    review.decision = decision
    review.decision_reason = reason[:4000]
    review.decided_by = actor
    review.decided_at = timezone.now()
    bump(review)
    review.save()
    log_action(
        "evaluations.review_request.decided",
        actor=actor,
        obj=review,
        data={"decision": decision, "reason": reason, "indicators": changed, "revision": review.revision},
    )
    return review
