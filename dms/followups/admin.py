"""The touch plans in the admin, for the group's administrator: the group's rules (store empty)
and each store's own versions of them (same code). docs/relationships.md describes the plan."""

from django.contrib import admin

from dms.core.admin import GroupScopedAdmin

from .models import TouchRule


@admin.register(TouchRule)
class TouchRuleAdmin(GroupScopedAdmin):
    list_display = (
        "code",
        "name",
        "store",
        "trigger",
        "offset_days",
        "offset_hours",
        "channel",
        "assignee",
        "active",
    )
    list_filter = ("trigger", "channel", "active", "store")
    search_fields = ("code", "name")
    fields = (
        "group", "store", "code", "name", "trigger", "kind", "offset_days", "offset_hours", "every_months",
        "every_km", "behaviour_type", "channel", "marketing", "assignee", "script_zh", "script_en", "active",
    )  # fmt: skip
