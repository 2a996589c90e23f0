"""Home-page panels of the centers app."""

from django.utils import timezone

from accounts.roles import Role

from .compliance_table import compliance_for, computed_note
from .rules import evaluate_district
from .selectors import current_district


def home_panels(request) -> list[dict]:
    user = request.user
    year = timezone.localdate().year
    if user.role == Role.BUREAU:
        district = current_district()
        return [
            {
                "title": f"{year} 年建设达标",
                "template": "centers/includes/home_bureau.html",
                "context": {"cover": evaluate_district(district, year), "year": year},
            }
        ]
    if user.role == Role.DIRECTOR and user.center_id:
        from .selectors import centers_for

        center = centers_for(user).filter(pk=user.center_id).first()
        if center is None:
            return []
        verdicts = compliance_for([center], year)[center.pk]
        return [
            {
                "title": f"本中心 {year} 年建设达标情况",
                "template": "centers/includes/home_director.html",
                "context": {
                    "center": center,
                    "year": year,
                    "counts": verdicts.counts,
                    "computed_note": computed_note([verdicts]),
                },
            }
        ]
    return []
