"""The organisation: dealer groups, their stores and brands, users, roles and API tokens."""

import hashlib
import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .ids import OpaqueIdModel
from .roles import Role, permissions_for
from .scoping import GroupScopedQuerySet


class DealerGroup(models.Model):
    """A dealer group (集团): the tenant. Nobody outside it sees any of its data."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("group name"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("dealer group")
        verbose_name_plural = _("dealer groups")

    def __str__(self) -> str:
        return self.name


class Brand(models.Model):
    """A car brand the group sells or services, with its manufacturer warranty policy."""

    group = models.ForeignKey(DealerGroup, on_delete=models.CASCADE, related_name="brands")
    name = models.CharField(_("brand"), max_length=50)
    warranty_years = models.PositiveSmallIntegerField(_("warranty years"), default=3)
    warranty_km = models.PositiveIntegerField(_("warranty km"), default=100_000)

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["group", "name"], name="brand_unique_per_group")]

    def __str__(self) -> str:
        return self.name


class Store(models.Model):
    """A 4S store of a group: where appointments, repair orders and stock live."""

    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="stores")
    code = models.CharField(_("store code"), max_length=20, unique=True)
    name = models.CharField(_("store name"), max_length=100)
    brands = models.ManyToManyField(Brand, blank=True, related_name="stores", verbose_name=_("brands"))
    address = models.CharField(_("address"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    licence_no = models.CharField(_("repair licence number"), max_length=50, blank=True)
    time_zone = models.CharField(_("time zone"), max_length=50, default="Asia/Shanghai")
    labor_rate = models.DecimalField(
        _("labor rate per hour"), max_digits=8, decimal_places=2, default=Decimal("300.00")
    )

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("store")
        verbose_name_plural = _("stores")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class User(AbstractUser):
    """A person who works in one or more stores of one dealer group."""

    class Language(models.TextChoices):
        ZH_HANS = "zh-hans", "简体中文"
        EN = "en", "English"

    group = models.ForeignKey(
        DealerGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="users"
    )
    home_store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    display_name = models.CharField(_("display name"), max_length=50, blank=True)
    phone = models.CharField(
        _("work phone"),
        max_length=30,
        blank=True,
        help_text=_("Given to customers in call scripts and messages (a customer manager's own mobile); "
                    "the store's phone when empty."),
    )  # fmt: skip
    language = models.CharField(
        _("language"), max_length=10, choices=Language.choices, default=Language.ZH_HANS
    )

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A group's administrator is never a superuser: a superuser passes every permission check
            # and would read every group's data. The installation's operator is a superuser of no group.
            models.CheckConstraint(
                condition=models.Q(is_superuser=False) | models.Q(group__isnull=True),
                name="superuser_belongs_to_no_group",
                violation_error_message=_("A user of a dealer group cannot be a superuser."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def membership_in(self, store: Store) -> "StoreMembership | None":
        return next((m for m in self.memberships.all() if m.store_id == store.id), None)


class StoreMembership(models.Model):
    """The role a user holds in a store."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        verbose_name = _("store membership")
        verbose_name_plural = _("store memberships")
        constraints = [models.UniqueConstraint(fields=["user", "store"], name="one_role_per_store")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.store.code}: {self.get_role_display()}"

    @property
    def permissions(self) -> frozenset[str]:
        return permissions_for(self.role)


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def live(self):
        """Tokens that open the API: not expired, not revoked."""
        return self.filter(expires_at__gt=timezone.now(), revoked_at__isnull=True)

    def find(self, raw: str) -> "ApiToken | None":
        return (
            self.live()
            .select_related("user", "user__group", "user__home_store")
            .filter(key_hash=_hash_token(raw), user__is_active=True)
            .first()
        )


class ApiToken(OpaqueIdModel):
    """A bearer token for the REST API (and only the API: pages and the admin ignore it). Only its
    hash is stored. A revoked token (signed out, its user's password changed, its user deactivated:
    dms/core/services.py) keeps its row, with the moment it stopped working."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    @classmethod
    def issue(cls, user: User) -> tuple["ApiToken", str]:
        raw = secrets.token_urlsafe(32)
        token = cls.objects.create(
            user=user,
            key_hash=_hash_token(raw),
            expires_at=timezone.now() + timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS),
        )
        return token, raw


class DocumentSequence(models.Model):
    """The last number used per store, kind of document and year: numbers are gap-free."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("document number sequence")
        verbose_name_plural = _("document number sequences")
        constraints = [
            models.UniqueConstraint(fields=["store", "kind", "year"], name="one_sequence_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.store_id} {self.kind} {self.year}: {self.last}"


class CurrentTransactionId(models.Func):
    """The id of the transaction writing the row, as Event.txid's database default.

    PostgreSQL: pg_current_xact_id(), the top-level transaction's id (the same inside a savepoint),
    taken when the row is inserted. Ids of transactions only grow, and every transaction below a
    snapshot's xmin has finished, so a reader can tell which events can no longer be joined by
    another below them (dms/core/api_events.py).

    SQLite: NULL. A write transaction holds the database's one write lock from its first write to
    its commit (settings open them with BEGIN IMMEDIATE, "transaction_mode": "IMMEDIATE", which
    takes the lock at BEGIN; a deferred BEGIN would take it at the first write and hold it to the
    commit all the same), so no other transaction inserts an event between an insert and its
    commit: ids are already in commit order there."""

    template = "NULL"
    output_field = models.BigIntegerField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler, connection, template="pg_current_xact_id()::text::bigint", **extra_context
        )


class EventQuerySet(models.QuerySet):
    def for_tenant(self, tenant):
        """The events of the tenant's current store (integrators page through these)."""
        return self.filter(store_id=tenant.store.id)


class Event(models.Model):
    """A published fact: something that happened to a record, written in the same transaction as
    the change (dms.core.events.publish). Apps and integrations react to these instead of being
    called by the app where it happened. Readers page in (txid, id) order with ?after=<id>: `id`
    comes from a sequence when the row is inserted, not when it commits, so on PostgreSQL a later
    id may commit first; `txid` (the writing transaction, set by the database) tells which events
    are final (dms/core/api_events.py)."""

    id = models.BigAutoField(primary_key=True)
    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    type = models.CharField(
        _("type"), max_length=60
    )  # "<record>.<what happened>", e.g. repair_order.delivered
    subject_type = models.CharField(max_length=40, blank=True)  # e.g. "repair_order"
    subject_id = models.BigIntegerField(null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField()
    payload = models.JSONField(default=dict, blank=True)
    # The writing transaction's id on PostgreSQL, NULL on SQLite (see CurrentTransactionId).
    txid = models.BigIntegerField(null=True, blank=True, editable=False, db_default=CurrentTransactionId())

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["store", "txid", "id"], name="event_in_store_order"),
            models.Index(fields=["group", "type", "id"], name="event_by_group_type"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.type} {self.subject_type}:{self.subject_id}"
