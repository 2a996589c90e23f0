from django.contrib import admin
from django.urls import include, path
from django.utils.functional import lazy

from accounts.api.views import ObtainTokenView, RevokeTokenView
from centers.api.schema import DistrictSwaggerView, portal_name
from core.access import SIGNED_IN, access
from core.api.audit import AuditEntryViewSet
from core.api.schema import PortalSchemaView
from core.views import healthz, livez, readyz

handler500 = "core.errorpages.server_error"  # a database outage is a 503, a crash the Chinese 500 page

# The district's portal name, read when the page renders (the district is data: centers.selectors).
admin.site.site_header = lazy(lambda: f"{portal_name()} 管理后台", str)()
admin.site.site_title = "门户管理后台"

api_v1 = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("auth/token/revoke/", RevokeTokenView.as_view(), name="api-token-revoke"),
    path("", include("accounts.api.urls")),
    path("", include("centers.api.urls")),
    path("", include("staffing.api.urls")),
    path("", include("evaluations.api.urls")),
    path("", include("reports.api.urls")),
    path("", include("activities.api.urls")),
    path("audit-entries/", AuditEntryViewSet.as_view({"get": "list"}), name="auditentry-list"),
    path("audit-entries/<int:pk>/", AuditEntryViewSet.as_view({"get": "retrieve"}), name="auditentry-detail"),
]

handler400 = "core.views.bad_request"

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("centers/", include("centers.urls")),
    path("staffing/", include("staffing.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("reports/", include("reports.urls")),
    path("activities/", include("activities.urls")),
    path("public/", include("disclosure.urls")),
    path("healthz", healthz, name="healthz"),
    path("livez", livez, name="livez"),
    path("readyz", readyz, name="readyz"),
    path("api/v1/", include(api_v1)),
    # The schema and its docs describe every operation: for signed-in users only (issue 14 §5). The
    # split view serves Swagger UI's start-up script as a file, so the CSP needs no inline script.
    path("api/schema/", access(read=SIGNED_IN)(PortalSchemaView.as_view()), name="api-schema"),
    path(
        "api/docs/",
        access(read=SIGNED_IN)(DistrictSwaggerView.as_view(url_name="api-schema")),
        name="api-docs",
    ),
    path("admin/", admin.site.urls),
]
