from rest_framework.routers import SimpleRouter

from .views import VIEWSETS

router = SimpleRouter(trailing_slash=True)
for slug, viewset in VIEWSETS.items():
    router.register(slug, viewset, basename=slug.rstrip("s") if slug.endswith("s") else slug)

urlpatterns = router.urls
