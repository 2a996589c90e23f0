"""Admin: the bureau edits the district's reference data (streets/towns, supervising units). Centers
and their registers are edited on the portal's own pages, through the services (validation, audit)."""

from django.contrib import admin

from .models import District, StreetTown, SupervisingUnit


@admin.register(District)
class DistrictAdmin(admin.ModelAdmin):
    """The one district of the installation (centers.checks): edited here or by ``load_district``;
    a second one cannot be added."""

    list_display = ["code", "name", "portal_name", "registration_authority_name", "policy_number"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not District.objects.exists()


@admin.register(StreetTown)
class StreetTownAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "district", "sort_order"]
    list_filter = ["district", "kind"]


@admin.register(SupervisingUnit)
class SupervisingUnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "street_town", "district"]
    list_filter = ["district", "kind"]
    search_fields = ["name"]
