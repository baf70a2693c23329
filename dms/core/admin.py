"""Django admin, for administrators' reference data only, scoped to the administrator's own group.

Business records (customers, vehicles) have their own pages and are not in the admin. Every admin
page is scoped to the signed-in user's dealer group or not there at all: our own models through
GroupScopedAdmin; of the third-party pages, the audit log (by the group of the person who made the
change) and the sign-in attempts (by the group's usernames) are scoped and read-only, the task
results and Django's permission groups are not in the admin. A group administrator is never a
superuser (a database constraint on User); the installation's operator is a superuser of no group.
"""

from auditlog.admin import LogEntryAdmin as BaseLogEntryAdmin
from auditlog.models import LogEntry
from axes.admin import AccessAttemptAdmin, AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group as PermissionGroup
from django.db.models import Q
from django_tasks_db.models import DBTaskResult

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
        (None, {"fields": ("username", "password", "display_name", "phone", "language")}),
        ("Store", {"fields": ("group", "home_store")}),
        ("Status", {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"fields": ("username", "password1", "password2", "group", "home_store")}),)
    readonly_fields = ("last_login", "date_joined")


admin.site.site_header = "OpenDMS"
admin.site.site_title = "OpenDMS"


# --- Third-party pages: scoped to the group and read-only, or not in the admin ------------------------


def _is_group_administrator(request) -> bool:
    tenant = getattr(request, "tenant", None)
    return bool(tenant and tenant.can(Perm.ADMIN_SITE) and request.user.is_staff)


class GroupScopedReadOnly:
    """A third-party model's admin, read-only and limited to the administrator's group by
    `group_filter` (a Q). Superusers belong to no group and see these pages unscoped."""

    def group_filter(self, request) -> Q:
        return Q(pk__in=[])  # nothing, unless the subclass says which rows are the group's

    def has_module_permission(self, request):
        return request.user.is_superuser or _is_group_administrator(request)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs if request.user.is_superuser else qs.filter(self.group_filter(request))


def _group_usernames(request):
    return User.objects.filter(group_id=request.user.group_id).values("username")


def group_path(model, depth: int = 3) -> str | None:
    """The lookup from `model` to its dealer group through foreign keys ("group", "store__group",
    "order__store__group"), the shortest one; None when it has none within `depth` steps."""
    paths = [("", model)]
    for _ in range(depth):
        following = []
        for prefix, current in paths:
            for field in current._meta.get_fields():
                if not ((field.many_to_one or field.one_to_one) and field.concrete):
                    continue
                lookup = f"{prefix}{field.name}"
                if field.related_model is DealerGroup:
                    return lookup
                following.append((f"{lookup}__", field.related_model))
        paths = following
    return None


class ScopedLogEntryAdmin(GroupScopedReadOnly, BaseLogEntryAdmin):
    """Changes made by people of the administrator's group, and changes made by the system (imports,
    tasks, no person) to records of the group. Records of another group are never changed by the
    group's people (tenancy)."""

    def group_filter(self, request) -> Q:
        from auditlog.registry import auditlog
        from django.contrib.contenttypes.models import ContentType
        from django.db.models import CharField
        from django.db.models.functions import Cast

        group_id = request.user.group_id
        scope = Q(actor__group_id=group_id)
        for model in auditlog.get_models():
            path = group_path(model)
            if path is None:
                continue
            records = model._default_manager.filter(**{path: group_id}).values_list(
                Cast("pk", output_field=CharField()), flat=True
            )
            scope |= Q(actor__isnull=True, content_type=ContentType.objects.get_for_model(model),
                       object_pk__in=records)  # fmt: skip
        return scope


class ScopedAccessAttemptAdmin(GroupScopedReadOnly, AccessAttemptAdmin):
    def group_filter(self, request) -> Q:
        return Q(username__in=_group_usernames(request))

    def has_delete_permission(self, request, obj=None):
        # deleting the attempts is how an administrator unlocks one of the group's users
        return request.user.is_superuser or _is_group_administrator(request)


class ScopedAccessLogAdmin(GroupScopedReadOnly, AccessLogAdmin):
    def group_filter(self, request) -> Q:
        return Q(username__in=_group_usernames(request))


class ScopedAccessFailureLogAdmin(GroupScopedReadOnly, AccessFailureLogAdmin):
    def group_filter(self, request) -> Q:
        return Q(username__in=_group_usernames(request))


for _model, _admin in (
    (LogEntry, ScopedLogEntryAdmin),
    (AccessAttempt, ScopedAccessAttemptAdmin),
    (AccessLog, ScopedAccessLogAdmin),
    (AccessFailureLog, ScopedAccessFailureLogAdmin),
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
    admin.site.register(_model, _admin)


def _hide(model) -> None:
    if admin.site.is_registered(model):
        admin.site.unregister(model)


# Task results carry arguments of every group's work; roles are ours, not Django's permission groups.
_hide(PermissionGroup)
_hide(DBTaskResult)
