"""Each store's sales rules in the admin, for the group's administrator (docs/sales.md): the grade
windows and follow-up rhythm, the consultant's discount authority, the share paid before the
invoice and the commission rate on collected money."""

from django.contrib import admin

from dms.core.admin import GroupScopedAdmin

from .models import SalesSettings


@admin.register(SalesSettings)
class SalesSettingsAdmin(GroupScopedAdmin):
    group_path = "store__group"
    list_display = (
        "store",
        "discount_authority",
        "invoice_share",
        "commission_rate",
        "days_h",
        "days_a",
        "days_b",
        "days_c",
    )
    fields = (
        "store", "days_h", "days_a", "days_b", "days_c", "follow_h", "follow_a", "follow_b", "follow_c",
        "discount_authority", "invoice_share", "commission_rate",
    )  # fmt: skip
