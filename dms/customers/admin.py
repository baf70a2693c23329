from django.contrib import admin

from dms.core.admin import GroupScopedAdmin

from .models import SegmentationRules


@admin.register(SegmentationRules)
class SegmentationRulesAdmin(GroupScopedAdmin):
    list_display = ("group", "loyal_min_visits", "loyal_min_spend", "marginal_gap_months", "lost_years")
