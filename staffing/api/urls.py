from rest_framework.routers import SimpleRouter

from .views import StaffMemberViewSet, TalentProfileViewSet, TrainingViewSet

router = SimpleRouter(trailing_slash=True)
router.register("staff-members", StaffMemberViewSet, basename="staff-member")
router.register("trainings", TrainingViewSet, basename="training")
router.register("talent-profiles", TalentProfileViewSet, basename="talent-profile")

urlpatterns = router.urls
