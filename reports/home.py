"""Home-page panels: the bureau's charts, the latest reports the user may download."""

from django.utils import timezone

from accounts.roles import Role

from .selectors import documents_for


def home_panels(request) -> list[dict]:
    panels = []
    if request.user.role == Role.BUREAU:
        from .dashboards import district_dashboard

        year = timezone.localdate().year
        panels.append(
            {
                "title": "全区一览",
                "template": "reports/includes/home_dashboard.html",
                "context": {"dash": district_dashboard(year), "year": year},
            }
        )
    documents = list(documents_for(request.user)[:5])
    if documents:
        panels.append(
            {"title": "考评报告", "template": "reports/home_panel.html", "context": {"documents": documents}}
        )
    return panels
