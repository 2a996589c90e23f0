"""``/api/v1/audit-entries/``: the audit trail for the audit administrator only (404 for everyone
else, as the pages). Filters: actor (username), action, object, outcome, address, since, until."""

from __future__ import annotations

from rest_framework import serializers, viewsets
from rest_framework.exceptions import NotFound

from accounts.roles import Role
from core.access import access, roles
from core.api.fields import LabelField
from core.audit_log import AuditEntryFilterSet, action_label, can_read_audit_log
from core.models import AuditEntry


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", default=None, read_only=True)
    action_label = serializers.SerializerMethodField()
    outcome_label = LabelField("outcome")

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "created_at",
            "actor",
            "address",
            "request_id",
            "action",
            "action_label",
            "object_repr",
            "outcome",
            "outcome_label",
            "data",
            "seq",
            "entry_hash",
        ]

    def get_action_label(self, entry) -> str:
        return action_label(entry)


@access(read=roles(Role.AUDIT_ADMIN))
class AuditEntryViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = AuditEntry.objects.none()  # the schema generator reads the model from here
    serializer_class = AuditEntrySerializer
    filterset_class = AuditEntryFilterSet

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return AuditEntry.objects.none()
        if not can_read_audit_log(self.request.user):
            raise NotFound()
        return AuditEntry.objects.select_related("actor", "content_type").order_by("-created_at", "-id")
