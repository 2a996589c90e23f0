from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    """For the ``createsuperuser`` superuser only: no role group holds a permission on accounts, so
    bureau staff (the only other admin users) cannot open these pages. Account administrators use
    the 账号管理 pages, where the service checks every write."""

    list_display = (
        "username",
        "full_name",
        "role_label",
        "center",
        "supervising_unit",
        "is_active",
        "last_login",
    )
    list_filter = ("groups", "is_active", "is_staff")
    search_fields = ("username", "full_name", "organization_name")
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("所属单位"),
            {"fields": ("full_name", "mobile", "center", "supervising_unit", "organization_name")},
        ),
    )

    @admin.display(description=_("角色"))
    def role_label(self, obj):
        return obj.role_label
