"""Home-page panels of the staffing app: the director's roster at a glance, the bureau's shortfalls."""

from __future__ import annotations

from django.utils import timezone

from . import selectors


def home_panels(request) -> list[dict]:
    user = request.user
    today = timezone.localdate()
    if user.has_perm("staffing.view_staffmember"):
        return [
            {
                "title": "人员配备",
                "template": "staffing/home_bureau.html",
                "context": selectors.district_staffing_panel(user, today.year),
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
