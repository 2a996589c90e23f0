"""The API docs carry the district's portal name (the district is data, not a setting)."""

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from drf_spectacular.views import SpectacularSwaggerSplitView

from centers.selectors import current_district

FALLBACK_NAME = "社会组织服务中心门户"


def portal_name() -> str:
    try:
        return current_district().portal_name or FALLBACK_NAME
    except (ImproperlyConfigured, DatabaseError):  # no district yet, or no database (``check --deploy``)
        return FALLBACK_NAME


def district_title_hook(result, generator, request, public):
    """drf-spectacular postprocessing hook: ``info.title`` = the portal's name + " API"."""
    result.setdefault("info", {})["title"] = f"{portal_name()} API"
    return result


class DistrictSwaggerView(SpectacularSwaggerSplitView):
    """Swagger UI whose start-up script is served as a file (no inline script under the CSP)."""

    @property
    def title(self):
        return f"{portal_name()} API"
