"""Parts in the admin: for looking up, read-only. The catalogue and stock change only through the
parts pages and API (services), so that every change is validated and every stock change leaves a
move."""

from django.contrib import admin

from dms.core.admin import GroupScopedAdmin

from .models import Part


@admin.register(Part)
class PartAdmin(GroupScopedAdmin):
    list_display = ("number", "name", "unit", "price", "quality", "min_stock", "active")
    list_filter = ("quality", "active")
    search_fields = ("number", "name")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
