"""Maintenance packages and canned jobs are reference data: administrators keep them in the admin,
each group its own, with the labor operations and parts of its own catalogue."""

from django.contrib import admin

from dms.core.admin import GroupScopedAdmin
from dms.core.roles import Perm
from dms.parts.models import Part
from dms.workshop.models import LaborOperation

from .models import CannedJob, CannedJobItem, MaintenancePackage, PackageItem


class ItemInline(admin.TabularInline):
    extra = 3
    fields = ("position", "labor_operation", "part", "quantity")
    autocomplete_fields = ()

    def _allowed(self, request) -> bool:
        tenant = getattr(request, "tenant", None)
        return bool(tenant and tenant.can(Perm.ADMIN_SITE) and request.user.is_staff)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request)

    def has_add_permission(self, request, obj=None):
        return self._allowed(request)

    def has_change_permission(self, request, obj=None):
        return self._allowed(request)

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request)  # an item is part of the recipe: taking it out is an edit

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model in (LaborOperation, Part):
            kwargs["queryset"] = db_field.related_model.objects.filter(
                group_id=request.user.group_id, active=True
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class PackageItemInline(ItemInline):
    model = PackageItem


class CannedJobItemInline(ItemInline):
    model = CannedJobItem


class OwnGroupAdmin(GroupScopedAdmin):
    """The group is the administrator's own, set on saving."""

    exclude = ("group",)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.group_id = request.user.group_id
        super().save_model(request, obj, form, change)


@admin.register(MaintenancePackage)
class MaintenancePackageAdmin(OwnGroupAdmin):
    list_display = (
        "name",
        "brand",
        "model",
        "powertrain",
        "interval_km",
        "interval_months",
        "first_only",
        "active",
    )
    list_filter = ("brand", "powertrain", "first_only", "active")
    search_fields = ("name", "model")
    inlines = [PackageItemInline]


@admin.register(CannedJob)
class CannedJobAdmin(OwnGroupAdmin):
    list_display = ("code", "name", "brand", "active")
    list_filter = ("brand", "active")
    search_fields = ("code", "name")
    inlines = [CannedJobItemInline]
