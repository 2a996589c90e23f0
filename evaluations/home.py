"""Home-page panels of the evaluation, per role."""

from __future__ import annotations

from . import selectors
from .choices import CycleState


def home_panels(request) -> list[dict]:
    user = request.user
    panels = []
    notes = list(selectors.unread_notifications(user)[:5])
    if notes:
        panels.append(
            {
                "title": "站内通知",
                "template": "evaluations/home_notifications.html",
                "context": {"items": notes},
            }
        )
    aids = selectors.working_aids(user)
    if aids:
        panels.append(
            {
                "title": f"{aids['cycle'].year} 年度填报进度",
                "template": "evaluations/home_working_aids.html",
                "context": aids,
            }
        )
    if user.has_perm("evaluations.change_cycle"):
        cycle = selectors.cycles_for(user).exclude(state=CycleState.ARCHIVED).first()
        if cycle:
            panels.append(
                {
                    "title": f"{cycle.year} 年度考评",
                    "template": "evaluations/home_cycle.html",
                    "context": {"cycle": cycle, "counts": selectors.board_counts(cycle)},
                }
            )
    else:
        filings = list(selectors.my_filings(user)[:3])
        if filings:
            panels.append(
                {
                    "title": "年度填报",
                    "template": "evaluations/home_filings.html",
                    "context": {"filings": filings},
                }
            )
        assignments = list(selectors.my_assignments(user).filter(submitted_at__isnull=True)[:5])
        if assignments:
            panels.append(
                {
                    "title": "待完成的抽检",
                    "template": "evaluations/home_assignments.html",
                    "context": {"items": assignments},
                }
            )
    return panels
