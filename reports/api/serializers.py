from django.urls import reverse
from rest_framework import serializers

from core.api.fields import LabelField
from reports.models import ReportDocument


class ReportDocumentSerializer(serializers.ModelSerializer):
    kind_label = LabelField("kind")
    center_name = serializers.CharField(source="center.name", read_only=True, default=None)
    is_current = serializers.BooleanField(read_only=True)
    verification_code = serializers.CharField(source="display_code", read_only=True)
    verification_url = serializers.CharField(read_only=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ReportDocument
        fields = [
            "id", "kind", "kind_label", "title", "cycle", "center", "center_name", "filing", "revision",
            "is_current", "superseded_by", "generated_at", "reason", "page_count", "size", "sha256",
            "verification_code", "verification_url", "download_url",
        ]  # fmt: skip
        read_only_fields = fields

    def get_download_url(self, obj) -> str:
        return reverse("reports:document_download", args=[obj.pk])
