"""The touch plans in the admin, for the group's administrator: the group's rules (store empty)
and each store's own versions of them (same code). docs/relationships.md describes the plan."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dms.core.admin import GroupScopedAdmin

from .models import TouchRule
from .plans import rule_name


@admin.register(TouchRule)
class TouchRuleAdmin(GroupScopedAdmin):
    list_display = (
        "code",
        "shown_name",
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

    @admin.display(description=_("rule"), ordering="name")
    def shown_name(self, rule: TouchRule) -> str:
        """A default rule's name in the reader's language (kept as the catalogue's English msgid)."""
        return rule_name(rule)
