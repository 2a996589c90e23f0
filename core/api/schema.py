"""The OpenAPI schema, for signed-in users only (issue 14 §5): an anonymous call is a 401 in the API's
error shape, as every other API call."""

from drf_spectacular.views import SpectacularAPIView
from rest_framework.permissions import IsAuthenticated

from core.access import SIGNED_IN, DeclaredAccess, access


@access(read=SIGNED_IN)
class PortalSchemaView(SpectacularAPIView):
    permission_classes = [IsAuthenticated, DeclaredAccess]
