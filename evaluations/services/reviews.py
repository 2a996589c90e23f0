"""The bureau's first review of a filing: review, accept, return, reopen."""

from __future__ import annotations

import logging
from datetime import date

from django.db import transaction
from django.urls import reverse

from core.audit import log_action
from core.errors import ApplicationError

from ..choices import (
    EDITABLE_FILING_STATES,
    CycleState,
    FilingState,
    NotificationKind,
    ReturnStage,
)
from ..models import (
    Filing,
    FilingReturn,
)
from ..workflow import transition
from ._common import _require_cycle_state, _today
from .filings import _locked_filing
from .notifications import _center_people, _notify

logger = logging.getLogger(__name__)


COMMENT_MAX_LENGTH = 500  # the optional comment on 初审通过 / 受理


def clean_comment(comment) -> str:
    """The optional comment of a review or an acceptance, trimmed; refused when too long."""
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX_LENGTH:
        raise ApplicationError(
            "意见过长，请精简后再提交。",
            fields={"comment": [f"意见不超过 {COMMENT_MAX_LENGTH} 字（现为 {len(comment)} 字）。"]},
        )
    return comment


def _tell_center(filing: Filing, *, kind: str, stamp, title: str, body: str, comment: str) -> None:
    """The center's notice of a review or an acceptance (with the comment, when one was written)."""
    _notify(
        recipients=_center_people([filing.center_id]),
        kind=kind,
        key=f"{kind}:{filing.pk}:{stamp.isoformat()}",
        title=title,
        body=body + (f"\n意见：{comment}" if comment else ""),
        url=reverse("evaluations:filing_detail", args=[filing.pk]),
        cycle=filing.cycle,
    )


@transaction.atomic
def filing_review(*, filing: Filing, actor, comment: str = "") -> Filing:
    """The supervising unit's first review passes the filing on to the bureau; the optional
    ``comment`` is recorded with the move and sent to the center with its notice."""
    filing = _locked_filing(filing)
    comment = clean_comment(comment)
    _require_cycle_state(filing.cycle, CycleState.OPEN, CycleState.SPOT_CHECK, doing="初审")
    if filing.state != FilingState.SUBMITTED:
        raise ApplicationError(
            f"填报状态为“{filing.get_state_display()}”，只有已提交的填报可以初审。", code="out_of_order"
        )
    transition(filing, FilingState.REVIEWED, actor, **({"comment": comment} if comment else {}))
    _tell_center(
        filing,
        kind=NotificationKind.FILING_REVIEWED,
        stamp=filing.reviewed_at,
        title=f"{filing.cycle.year} 年度填报已通过初审",
        body=f"{filing.center.name}的 {filing.cycle.year} 年度填报已通过初审，报区民政局受理。",
        comment=comment,
    )
    return filing


@transaction.atomic
def filing_accept(*, filing: Filing, actor, comment: str = "") -> Filing:
    """The bureau accepts a reviewed filing (``comment`` as in ``filing_review``)."""
    filing = _locked_filing(filing)
    comment = clean_comment(comment)
    _require_cycle_state(filing.cycle, CycleState.OPEN, CycleState.SPOT_CHECK, doing="受理填报")
    if filing.state != FilingState.REVIEWED:
        raise ApplicationError(
            f"填报状态为“{filing.get_state_display()}”，须经业务主管单位初审后才能受理。", code="out_of_order"
        )
    transition(filing, FilingState.ACCEPTED, actor, **({"comment": comment} if comment else {}))
    _tell_center(
        filing,
        kind=NotificationKind.FILING_ACCEPTED,
        stamp=filing.accepted_at,
        title=f"{filing.cycle.year} 年度填报已受理",
        body=f"{filing.center.name}的 {filing.cycle.year} 年度填报已由区民政局受理。",
        comment=comment,
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
    transition(filing, FilingState.RETURNED, actor, stage=stage, reason=reason, fields=field_reasons)
    row = FilingReturn.objects.create(
        filing=filing, stage=stage, reason=reason, field_reasons=field_reasons, returned_by=actor
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
