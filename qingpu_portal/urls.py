from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from accounts.api.views import ObtainTokenView
from core.views import healthz

handler500 = "core.errorpages.server_error"  # a database outage is a 503, a crash the Chinese 500 page

admin.site.site_header = "青浦区社会组织服务中心门户 管理后台"
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
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("admin/", admin.site.urls),
]
