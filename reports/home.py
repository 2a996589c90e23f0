"""Home-page panel: the latest reports the user may download."""

from .selectors import documents_for


def home_panels(request) -> list[dict]:
    documents = list(documents_for(request.user)[:5])
    if not documents:
        return []
    return [{"title": "考评报告", "template": "reports/home_panel.html", "context": {"documents": documents}}]
