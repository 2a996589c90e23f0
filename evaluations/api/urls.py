from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter(trailing_slash=True)
router.register("evaluation-cycles", views.CycleViewSet, basename="evaluation-cycle")
router.register("evaluation-indicators", views.IndicatorViewSet, basename="evaluation-indicator")
router.register("filings", views.FilingViewSet, basename="filing")
router.register("evidence", views.EvidenceViewSet, basename="evidence")
router.register("self-scores", views.SelfScoreViewSet, basename="self-score")
router.register("audit-scores", views.AuditScoreViewSet, basename="audit-score")
router.register("samples", views.DrawViewSet, basename="sample")
router.register("evaluation-assignments", views.AssignmentViewSet, basename="evaluation-assignment")
router.register("review-requests", views.ReviewRequestViewSet, basename="review-request")
router.register("rectifications", views.RectificationViewSet, basename="rectification")
router.register("evaluation-results", views.ResultViewSet, basename="evaluation-result")

urlpatterns = router.urls
