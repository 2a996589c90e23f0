from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=True)
router.register("reports", views.ReportDocumentViewSet, basename="report-document")

urlpatterns = router.urls
