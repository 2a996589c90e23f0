"""Home-page panels of the staffing app: the director's roster at a glance, the bureau's shortfalls."""

from __future__ import annotations

from django.utils import timezone

from . import selectors


def home_panels(request) -> list[dict]:
    user = request.user
    today = timezone.localdate()
    if user.has_perm("staffing.view_staffmember"):
        rows = selectors.district_staffing_rows(user, today)
        short = [r for r in rows if r["short"]]
        no_roster = [r for r in rows if r["figures"] is None]
        pay = [r for r in rows if any(f.status == "not_met" for f in r["pay_findings"])]
        return [
            {
                "title": "人员配备",
                "template": "staffing/home_bureau.html",
                "context": {"short": short, "no_roster": no_roster, "pay": pay, "total": len(rows)},
            }
        ]
    if user.center_id and selectors.can_change_center(user, user.center):
        return [
            {
                "title": "人员名册",
                "template": "staffing/home_director.html",
                "context": {
                    "center": user.center,
                    "summary": selectors.center_staffing_summary(user.center, today),
                },
            }
        ]
    return []
