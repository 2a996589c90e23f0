"""Reminders before the filing deadline."""

from __future__ import annotations

import logging
from datetime import date

from django.urls import reverse

from ..choices import (
    EDITABLE_FILING_STATES,
    CycleState,
    FilingState,
    NotificationKind,
)
from ..models import (
    Cycle,
    Filing,
)
from ._common import _today
from .notifications import _center_people, _notify

logger = logging.getLogger(__name__)


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
