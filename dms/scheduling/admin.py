"""Capacity in the Django admin: bays, teams, technicians, opening hours and day overrides.

For the foreman, the service manager and the administrator (capacity.manage, and staff status), and
only for the stores of their own dealer group.
"""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from dms.core.admin import GroupScopedAdmin

from .models import Bay, CapacityDay, OpeningHours, Skill, Team, Technician, Weekday, WorkshopHours
from .permissions import CAPACITY_MANAGE


class CapacityAdmin(GroupScopedAdmin):
    group_path = "store__group"

    def has_module_permission(self, request):
        tenant = getattr(request, "tenant", None)
        return bool(tenant and tenant.can(CAPACITY_MANAGE) and request.user.is_staff)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    has_change_permission = has_add_permission = has_view_permission

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.related_model is Team:
            kwargs["queryset"] = Team.objects.filter(store__group_id=request.user.group_id)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Bay)
class BayAdmin(CapacityAdmin):
    list_display = ("name", "store", "kind", "active")
    list_filter = ("store", "kind", "active")


@admin.register(Team)
class TeamAdmin(CapacityAdmin):
    list_display = ("name", "store", "leader", "active")
    list_filter = ("store", "active")


class TechnicianForm(forms.ModelForm):
    skills = forms.MultipleChoiceField(
        label=_("skills"), choices=Skill.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("working weekdays"),
        choices=Weekday.choices,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Technician
        fields = [
            "store",
            "user",
            "team",
            "level",
            "skills",
            "works_from",
            "works_until",
            "weekdays",
            "active",
        ]

    def clean(self):
        data = super().clean()
        store, team, user = data.get("store"), data.get("team"), data.get("user")
        if team and store and team.store_id != store.pk:
            self.add_error("team", _("Choose a team of the same store."))
        if user and store and user.group_id != store.group_id:
            self.add_error("user", _("Choose a colleague of the store's group."))
        if data.get("works_from") and data.get("works_until") and data["works_until"] <= data["works_from"]:
            self.add_error("works_until", _("The working day ends after it starts."))
        return data


@admin.register(Technician)
class TechnicianAdmin(CapacityAdmin):
    form = TechnicianForm
    list_display = ("name", "store", "team", "level", "works_from", "works_until", "active")
    list_filter = ("store", "team", "level", "active")
    list_select_related = ("user", "store", "team")


class OpeningHoursInline(admin.TabularInline):
    model = OpeningHours
    extra = 0
    max_num = 7


@admin.register(WorkshopHours)
class WorkshopHoursAdmin(CapacityAdmin):
    list_display = ("store", "slot_minutes", "capacity", "web_booking")
    inlines = [OpeningHoursInline]


@admin.register(CapacityDay)
class CapacityDayAdmin(CapacityAdmin):
    list_display = ("date", "store", "capacity", "note")
    list_filter = ("store",)
    date_hierarchy = "date"
    fields = ("store", "date", "capacity", "note")
