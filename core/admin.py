from django.contrib import admin

from .models import AuditEntry, Job, PolicyParameter, WorkerHeartbeat


@admin.register(PolicyParameter)
class PolicyParameterAdmin(admin.ModelAdmin):
    """The bureau edits the policy's numbers here (a later policy may change them)."""

    list_display = ("rule_id", "label", "value", "unit", "effective_from", "source")
    list_filter = ("rule_id",)
    search_fields = ("key", "label", "rule_id")
    readonly_fields = ("key",)

    def has_add_permission(self, request):
        return False  # every key is read by code; new ones come with the code that reads them

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ("label", "kind", "status", "progress", "requester", "created_at", "finished_at")
    list_filter = ("status", "kind")
    search_fields = ("label", "kind")
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "actor", "action", "object_repr")
    list_filter = ("action",)
    search_fields = ("action", "object_repr", "actor__username")
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ("hostname", "last_seen")
