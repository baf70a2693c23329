"""Complaint SLAs and questionnaires in the admin, for the group's administrator: the group's SLA
per severity (store empty) and a store's own (docs/satisfaction.md). Questions are edited by the
managers on the questionnaire page, where neutral wording is enforced."""

from django.contrib import admin

from dms.core.admin import GroupScopedAdmin

from .models import ComplaintSla, Survey


@admin.register(ComplaintSla)
class ComplaintSlaAdmin(GroupScopedAdmin):
    list_display = ("severity", "store", "acknowledge_hours", "resolve_hours")
    list_filter = ("severity", "store")
    fields = ("group", "store", "severity", "acknowledge_hours", "resolve_hours")


@admin.register(Survey)
class SurveyAdmin(GroupScopedAdmin):
    list_display = ("name", "active", "created_at")
    fields = ("group", "name", "active")
