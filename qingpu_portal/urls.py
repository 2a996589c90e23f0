from django.contrib import admin
from django.urls import include, path
from django.utils.functional import lazy
from drf_spectacular.views import SpectacularAPIView

from accounts.api.views import ObtainTokenView
from centers.api.schema import DistrictSwaggerView, portal_name
from core.views import healthz

# The district's portal name, read when the page renders (the district is data: centers.selectors).
admin.site.site_header = lazy(lambda: f"{portal_name()} 管理后台", str)()
admin.site.site_title = "门户管理后台"

api_v1 = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    path("", include("centers.api.urls")),
    path("", include("staffing.api.urls")),
    path("", include("evaluations.api.urls")),
    path("", include("reports.api.urls")),
]

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("accounts.urls")),
    path("centers/", include("centers.urls")),
    path("staffing/", include("staffing.urls")),
    path("evaluations/", include("evaluations.urls")),
    path("reports/", include("reports.urls")),
    path("public/", include("disclosure.urls")),
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", DistrictSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
