from rest_framework.routers import SimpleRouter

from . import users

router = SimpleRouter(trailing_slash=True)
router.register("users", users.UserViewSet, basename="user")

urlpatterns = router.urls
