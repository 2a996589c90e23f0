"""Admin: the registers are *read* here (the bureau's staff looking a row up across centers), never
written. Every write goes through activities.services — owner-only, the year lock and its follow-up,
the area check, the audit entry, the version — on the portal's pages and the API; the admin could
do none of that, so it adds, changes and deletes nothing (as staffing keeps its roster out of the
admin). Reads are narrowed by core.permissions.restrict like every other read of the registers."""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied

from core.permissions import restrict

from .models import Attachment, WelfareProjectStage
from .registers import REGISTERS, Register


def _bureau(user) -> bool:
    """The bureau's staff (who read every center's registers) and superusers."""
    return bool(
        user.is_active
        and user.is_staff
        and (user.is_superuser or user.has_perm("centers.view_servicecenter"))
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Every field read-only; no add, change or delete (and a save that slips past is refused).
    Shown to the bureau's staff (the app holds no model-wide grants: accounts.roles.BUREAU_APPS)."""

    def has_module_permission(self, request):
        return _bureau(request.user)

    def has_view_permission(self, request, obj=None):
        return _bureau(request.user)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields] + [f.name for f in self.model._meta.many_to_many]

    def save_model(self, request, obj, form, change):
        raise PermissionDenied

    def delete_model(self, request, obj):
        raise PermissionDenied


def _register_admin(register: Register) -> type[admin.ModelAdmin]:
    related = ["center", *[n for n in register.columns if n in register.foreign_keys]]

    def get_queryset(self, request):
        return restrict(super(cls, self).get_queryset(request).select_related(*related), request.user, "view")

    attrs = {
        "list_display": ["center", "year", *[n for n in register.columns if n in register.fields]],
        "list_filter": ["year", *register.filters, "center"],
        "search_fields": [*register.search, "center__name"],
        "list_select_related": related,
        "get_queryset": get_queryset,
        "__doc__": f"{register.label}（只读；登记、修改和删除请在门户的台账页面进行）",
    }
    for name in register.columns:
        if name in register.m2m:
            attrs["list_display"].remove(name)
    cls = type(f"{register.model.__name__}Admin", (ReadOnlyAdmin,), attrs)
    return cls


for _register in REGISTERS.values():
    admin.site.register(_register.model, _register_admin(_register))


@admin.register(WelfareProjectStage)
class WelfareProjectStageAdmin(ReadOnlyAdmin):
    list_display = ["project", "stage", "done_on", "result"]
    list_filter = ["stage"]
    list_select_related = ["project", "project__center"]

    def get_queryset(self, request):
        from .models import WelfareProject

        projects = restrict(WelfareProject.objects.all(), request.user, "view")
        return super().get_queryset(request).filter(project__in=projects.values("pk"))


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyAdmin):
    """The files' names and sizes only: a file is downloaded through the portal's checked view."""

    list_display = ["name", "size", "content_type", "object_id", "uploaded_by", "created_at"]
    exclude = ["file"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "file"]

    def get_queryset(self, request):
        user = request.user
        if user.is_superuser or user.has_perm("centers.change_servicecenter"):
            return super().get_queryset(request)
        return super().get_queryset(request).none()
