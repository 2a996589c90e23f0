from rest_framework import viewsets

from core.access import FILING_READERS, access
from core.api.mixins import RestrictedQuerysetMixin
from reports.models import ReportDocument

from .serializers import ReportDocumentSerializer


@access(read=FILING_READERS)
class ReportDocumentViewSet(RestrictedQuerysetMixin, viewsets.ReadOnlyModelViewSet):
    """Rendered reports the user may read (every revision; ``?current=1`` for current ones only).
    The PDF itself is fetched from ``download_url`` (permission-checked, logged)."""

    serializer_class = ReportDocumentSerializer
    queryset = ReportDocument.objects.select_related("center").order_by("-generated_at", "-revision")

    def get_queryset(self):
        queryset = super().get_queryset()
        params = self.request.query_params
        if params.get("current") in {"1", "true"}:
            queryset = queryset.filter(superseded_at__isnull=True)
        if params.get("kind"):
            queryset = queryset.filter(kind=params["kind"])
        if (params.get("cycle") or "").isdigit():
            queryset = queryset.filter(cycle_id=int(params["cycle"]))
        return queryset
