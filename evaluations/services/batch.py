"""Batch actions on filings (issue 15 §5): 初审通过所选, 受理所选, 提醒未提交的中心.

A batch applies only where every selected filing allows it: each filing goes through the very service
its own button calls (``filing_review`` / ``filing_accept``: the duty, the cycle's and the filing's
state, the audit entry, the center's notice through the outbox), all inside one transaction. If any
filing refuses, the whole transaction is rolled back — nothing is changed, nobody is notified — and
``BatchRefused`` names each filing that refused and why. ``dry_run`` runs the same and always rolls
back: what the confirmation page shows is what the services would say.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django.urls import reverse

from core.audit import log_action
from core.errors import ApplicationError

from ..choices import EDITABLE_FILING_STATES, CycleState, NotificationKind
from ..models import Cycle, Filing
from ._common import _require_cycle_state, _today
from .notifications import _center_people, _notify
from .reviews import clean_comment, filing_accept, filing_review

BATCH_MAX = 500  # filings in one batch: more than a district holds


@dataclass(frozen=True)
class Refusal:
    filing: Filing
    reason: str


class BatchRefused(ApplicationError):
    """Some of the selected filings do not allow the action: nothing was done."""

    def __init__(self, what: str, total: int, refusals: list[Refusal]):
        super().__init__(
            f"所选 {total} 份填报中有 {len(refusals)} 份不能{what}，因此全部未处理。"
            "请取消勾选下列填报（或先处理它们）后重试：",
            fields={f"filing:{r.filing.pk}": [f"{r.filing.center.name}：{r.reason}"] for r in refusals},
            code="batch_refused",
        )
        self.refusals = refusals


class _DryRun(Exception):
    """Raised to roll a dry run back."""


def _ordered(filings) -> list[Filing]:
    rows = sorted(filings, key=lambda f: (f.cycle.year, f.center.name, f.pk))
    if not rows:
        raise ApplicationError("请先勾选要处理的填报。", fields={"filings": ["至少勾选一份填报。"]})
    if len(rows) > BATCH_MAX:
        raise ApplicationError(
            f"一次最多处理 {BATCH_MAX} 份填报。", fields={"filings": [f"请分批处理（已选 {len(rows)} 份）。"]}
        )
    return rows


def _apply(what: str, filings, call, *, dry_run: bool) -> list[Filing]:
    rows = _ordered(filings)
    try:
        with transaction.atomic():
            refusals = []
            for filing in rows:
                try:
                    with transaction.atomic():
                        call(filing)
                except ApplicationError as exc:
                    refusals.append(Refusal(filing, exc.message))
            if refusals:
                raise BatchRefused(what, len(rows), refusals)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    return rows


def filings_review_batch(*, filings, actor, comment: str = "", dry_run: bool = False) -> list[Filing]:
    """初审通过所选: every filing passes the supervising unit's first review, or none does."""
    comment = clean_comment(comment)
    return _apply(
        "初审通过",
        filings,
        lambda f: filing_review(filing=f, actor=actor, comment=comment),
        dry_run=dry_run,
    )


def filings_accept_batch(*, filings, actor, comment: str = "", dry_run: bool = False) -> list[Filing]:
    """受理所选: every filing is accepted by the bureau, or none is."""
    comment = clean_comment(comment)
    return _apply(
        "受理",
        filings,
        lambda f: filing_accept(filing=f, actor=actor, comment=comment),
        dry_run=dry_run,
    )


def unsubmitted_for_reminder(cycle: Cycle) -> list[Filing]:
    """The filings a reminder goes to: not submitted (填报中 / 已退回修改), in center order."""
    return list(
        Filing.objects.filter(cycle=cycle, state__in=EDITABLE_FILING_STATES)
        .select_related("center", "cycle")
        .order_by("center__street_town__sort_order", "center__name")
    )


@transaction.atomic
def filings_remind(*, cycle: Cycle, actor, today=None) -> dict:
    """提醒未提交的中心: the bureau sends each center that has not submitted one notice (its directors;
        the e-mail through the outbox) and one audit entry per filing. A center reminded today is not
        reminded again today (the notice's key). Returns the filings, the notices sent, and the filings
    whose center has no active account to tell (``unreachable``) or was reminded today (``already``)."""
    if actor is None or not actor.has_perm("evaluations.change_cycle"):
        raise ApplicationError("只有区民政局可以发送催报提醒。", code="forbidden")
    cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
    _require_cycle_state(cycle, CycleState.OPEN, doing="提醒未提交的中心")
    today = _today(today)
    filings = unsubmitted_for_reminder(cycle)
    if not filings:
        raise ApplicationError("所有服务中心均已提交，无需提醒。", code="nothing_to_do")
    left = (cycle.filing_deadline - today).days
    when = f"还有 {left} 天截止" if left > 0 else ("今天截止" if left == 0 else f"已截止 {-left} 天")
    notices, unreachable, already = 0, [], []
    for filing in filings:
        recipients = list(_center_people([filing.center_id]))
        sent = _notify(
            recipients=recipients,
            kind=NotificationKind.FILING_REMINDER,
            key=f"{NotificationKind.FILING_REMINDER}:{filing.pk}:{today.isoformat()}",
            title=f"请尽快提交 {cycle.year} 年度填报（{when}）",
            body=(
                f"{filing.center.name}的 {cycle.year} 年度填报尚未提交（{filing.get_state_display()}），"
                f"截止日期 {filing.deadline:%Y-%m-%d}。区民政局提醒您尽快完成并提交。"
            ),
            url=reverse("evaluations:filing_detail", args=[filing.pk]),
            cycle=cycle,
        )
        if not recipients:
            unreachable.append(filing)
        elif not sent:
            already.append(filing)
        notices += sent
        log_action(
            "evaluations.filing.reminded",
            actor=actor,
            obj=filing,
            data={"notices": sent, "deadline": filing.deadline.isoformat()},
        )
    return {"filings": filings, "notices": notices, "unreachable": unreachable, "already": already}
