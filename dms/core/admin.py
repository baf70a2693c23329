"""Django admin, for administrators' reference data only, scoped to the administrator's own group.

Business records (customers, vehicles) have their own pages and are not in the admin. Every admin
class here filters by the signed-in user's dealer group, superusers included.
"""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Brand, DealerGroup, Store, StoreMembership, User
from .roles import Perm


class GroupScopedAdmin(admin.ModelAdmin):
    group_path = "group"

    def has_module_permission(self, request):
        tenant = getattr(request, "tenant", None)
        return bool(tenant and tenant.can(Perm.ADMIN_SITE) and request.user.is_staff)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_change_permission = has_add_permission = has_view_permission

    def has_delete_permission(self, request, obj=None):
        return False  # reference data is retired, not deleted: history points at it

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.filter(**{f"{self.group_path}_id": request.user.group_id})

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related is DealerGroup:
            kwargs["queryset"] = DealerGroup.objects.filter(pk=request.user.group_id)
        elif related in (Store, Brand):
            kwargs["queryset"] = related.objects.filter(group_id=request.user.group_id)
        elif related is User:
            kwargs["queryset"] = User.objects.filter(group_id=request.user.group_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.related_model in (Store, Brand):
            kwargs["queryset"] = db_field.related_model.objects.filter(group_id=request.user.group_id)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Store)
class StoreAdmin(GroupScopedAdmin):
    list_display = ("code", "name", "labor_rate", "time_zone")
    search_fields = ("code", "name")
    filter_horizontal = ("brands",)


@admin.register(Brand)
class BrandAdmin(GroupScopedAdmin):
    list_display = ("name", "warranty_years", "warranty_km")


class MembershipInline(admin.TabularInline):
    model = StoreMembership
    extra = 0

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Store:
            kwargs["queryset"] = Store.objects.filter(group_id=request.user.group_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(User)
class UserAdmin(GroupScopedAdmin, BaseUserAdmin):
    list_display = ("username", "display_name", "home_store", "language", "is_active")
    inlines = [MembershipInline]
    fieldsets = (
        (None, {"fields": ("username", "password", "display_name", "language")}),
        ("Store", {"fields": ("group", "home_store")}),
        ("Status", {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "password1", "password2", "group", "home_store")}),)
    readonly_fields = ("last_login", "date_joined")


admin.site.site_header = "OpenDMS"
admin.site.site_title = "OpenDMS"
