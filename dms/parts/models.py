"""Parts (配件) and their stock: the group's catalogue, stock per store, reservations and moves.

The numbers of a part in a store (docs/parts.md):
- on hand: on the shelf, counted; never below zero (a database constraint says so too);
- reserved: held for appointments and repair orders (the sum of the open reservations);
- available = on hand - reserved: what may still be promised or issued to anyone else; below zero
  when reservations wait for stock to arrive;
- issued: the total issued to repair orders, less what came back.
Every change of these numbers leaves a StockMove row, written by the services in the same transaction.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from dms.core.ids import OpaqueIdModel
from dms.core.models import DealerGroup, Store
from dms.core.scoping import GroupScopedQuerySet, StoreScopedQuerySet

ZERO = Decimal("0.00")


class Unit(models.TextChoices):
    PIECE = "piece", _("piece")
    EACH = "each", _("each")
    SET = "set", _("set")
    PAIR = "pair", _("pair")
    BOTTLE = "bottle", _("bottle")
    BOX = "box", _("box")
    LITRE = "l", _("litre")
    METRE = "m", _("metre")
    KILOGRAM = "kg", _("kilogram")


# Units measured rather than counted: their quantities may have decimals (4.5 litres of oil).
DIVISIBLE_UNITS = frozenset({Unit.LITRE, Unit.METRE, Unit.KILOGRAM})


class Quality(models.TextChoices):
    """How the settlement list (维修结算清单) must mark a part."""

    ORIGINAL = "original", _("Original")
    OEM = "oem", _("OEM-equivalent")
    USED = "used", _("Used")


class ForKind(models.TextChoices):
    """What a reservation or an issue is for. Only a kind and an id: parts imports no other app."""

    APPOINTMENT = "appointment", _("Appointment")
    REPAIR_ORDER = "repair_order", _("Repair order")


def _qty(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class Part(OpaqueIdModel):
    """A part number in the group's catalogue. Stock lives per store, in StockLevel."""

    group = models.ForeignKey(
        DealerGroup, on_delete=models.PROTECT, related_name="+", verbose_name=_("dealer group")
    )
    number = models.CharField(_("part number"), max_length=40)
    name = models.CharField(_("part name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices, default=Unit.PIECE)
    price = models.DecimalField(_("sale price"), max_digits=10, decimal_places=2, default=ZERO)
    quality = models.CharField(_("quality"), max_length=10, choices=Quality.choices, default=Quality.ORIGINAL)
    min_stock = _qty(_("minimum stock"), default=ZERO)
    active = models.BooleanField(_("active"), default=True)
    notes = models.CharField(_("notes"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Search key, kept by the services: the number's letters and digits only ("15400RTA003"), so
    # that "15400 rta", "15400-RTA" and "15400rta" all find it.
    number_key = models.CharField(
        _("part number without separators (search key)"), max_length=40, blank=True, editable=False
    )

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("part")
        verbose_name_plural = _("parts")
        ordering = ["number"]
        indexes = [models.Index(fields=["group", "number_key"], name="part_number_key")]
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="part_number_unique_per_group"),
            models.CheckConstraint(condition=Q(price__gte=0), name="part_price_not_negative"),
            models.CheckConstraint(condition=Q(min_stock__gte=0), name="part_min_stock_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.name}"

    @property
    def divisible(self) -> bool:
        return self.unit in DIVISIBLE_UNITS


class StockLevel(models.Model):
    """The stock of one part in one store. Changed only by the services, with conditional updates."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="stock_levels")
    on_hand = _qty(_("on hand"), default=ZERO)
    reserved = _qty(_("reserved"), default=ZERO)
    issued = _qty(_("issued"), default=ZERO)
    min_qty = _qty(
        _("minimum stock in this store"),
        null=True,
        blank=True,
        help_text=_("Empty: the part's minimum stock."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock level")
        verbose_name_plural = _("stock levels")
        constraints = [
            models.UniqueConstraint(fields=["store", "part"], name="one_stock_level_per_store_part"),
            models.CheckConstraint(condition=Q(on_hand__gte=0), name="stock_on_hand_not_negative"),
            models.CheckConstraint(condition=Q(reserved__gte=0), name="stock_reserved_not_negative"),
            models.CheckConstraint(condition=Q(issued__gte=0), name="stock_issued_not_negative"),
            models.CheckConstraint(
                condition=Q(min_qty__isnull=True) | Q(min_qty__gte=0), name="stock_min_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.part_id}@{self.store_id}: {self.on_hand}"

    @property
    def available(self) -> Decimal:
        return self.on_hand - self.reserved


class Reservation(OpaqueIdModel):
    """Parts held for an appointment or a repair order until they are issued or released."""

    class State(models.TextChoices):
        ACTIVE = "active", _("Active")
        RELEASED = "released", _("Released")
        ISSUED = "issued", _("Issued")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="reservations")
    quantity = _qty(_("quantity"))
    issued_quantity = _qty(_("issued"), default=ZERO)
    for_kind = models.CharField(_("for"), max_length=20, choices=ForKind.choices)
    for_id = models.BigIntegerField(_("record id"))
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.ACTIVE)
    covered = models.BooleanField(
        _("covered by stock when made"), default=True, help_text=_("False: it waits for stock to arrive.")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("when"))
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["store", "part", "state"], name="resv_by_part"),
            models.Index(fields=["store", "for_kind", "for_id"], name="resv_by_order"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="resv_quantity_positive"),
            models.CheckConstraint(
                condition=Q(issued_quantity__gte=0) & Q(issued_quantity__lte=F("quantity")),
                name="resv_issued_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.part_id} for {self.for_kind} {self.for_id}"

    @property
    def open_quantity(self) -> Decimal:
        """What it still holds: nothing once released or fully issued."""
        return self.quantity - self.issued_quantity if self.state == self.State.ACTIVE else ZERO


class StockMove(OpaqueIdModel):
    """One change of a part's stock in a store: the ledger every stock figure can be traced to.

    `quantity` is signed: for receipt, issue, return and adjust it is the change of on hand; for
    reserve and release the change of reserved. `on_hand_after` and `reserved_after` are the
    figures right after the move."""

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")
        ISSUE = "issue", _("Issue")
        RETURN = "return", _("Return")
        ADJUST = "adjust", _("Count correction")
        RESERVE = "reserve", _("Reservation")
        RELEASE = "release", _("Release")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    part = models.ForeignKey(Part, on_delete=models.PROTECT, related_name="moves")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    quantity = _qty(_("quantity"))
    on_hand_after = _qty(_("on hand after"))
    reserved_after = _qty(_("reserved after"))
    for_kind = models.CharField(_("for"), max_length=20, choices=ForKind.choices, blank=True)
    for_id = models.BigIntegerField(_("record id"), null=True, blank=True)
    reservation = models.ForeignKey(
        Reservation, on_delete=models.PROTECT, null=True, blank=True, related_name="moves"
    )
    reference = models.CharField(_("reference"), max_length=40, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("when"))

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock move")
        verbose_name_plural = _("stock moves")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["store", "part", "-at"], name="move_by_part"),
            models.Index(fields=["store", "for_kind", "for_id"], name="move_by_order"),
        ]
        constraints = [models.CheckConstraint(condition=~Q(quantity=0), name="move_quantity_not_zero")]

    def __str__(self) -> str:
        return f"{self.kind} {self.quantity} × {self.part_id}"
