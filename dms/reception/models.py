"""Reception (接待): the check-in at the tablet: walk-around inspection, signature, comeback check.

A check-in is the check-in sheet (接车登记表) of one visit: the three covers fitted (三件套), the
walk-around (damage marked on the car's outline, photos, fuel, mileage, warning lamps,
valuables), the repair order opened from it, and the customer's signature. It is kept as a draft
until signed, so that an interrupted check-in is resumed where it stopped.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dms.core.ids import OpaqueIdModel
from dms.core.models import Store
from dms.core.scoping import StoreScopedQuerySet
from dms.customers.models import Customer
from dms.vehicles.models import Vehicle


class Step(models.TextChoices):
    """The wizard's steps after the vehicle is chosen, in order."""

    PROTECT = "protect", _("Covers")
    WALKAROUND = "walkaround", _("Walk-around")
    CHECKS = "checks", _("Comeback and warranty")
    ORDER = "order", _("Customer's words")
    SIGN = "sign", _("Signature")
    DONE = "done", _("Signed")


STEP_ORDER = [s.value for s in Step]


class DamageKind(models.TextChoices):
    SCRATCH = "scratch", _("Scratch")
    DENT = "dent", _("Dent")
    CRACK = "crack", _("Crack")
    CHIP = "chip", _("Paint chip")
    OTHER = "other", _("Other")


class WarningLamp(models.TextChoices):
    ENGINE = "engine", _("Engine")
    ABS = "abs", _("ABS")
    AIRBAG = "airbag", _("Airbag")
    OIL = "oil", _("Oil pressure")
    BATTERY = "battery", _("Battery / charging")
    TYRE = "tyre", _("Tyre pressure")
    COOLANT = "coolant", _("Coolant temperature")
    BRAKE = "brake", _("Brake system")
    EPS = "eps", _("Power steering (EPS)")
    ESP = "esp", _("Stability control (ESP)")
    SERVICE = "service", _("Service due")
    HV = "hv", _("High-voltage system")


FUEL_EIGHTHS = 8


def _private_path(folder: str, instance, ext: str) -> str:
    # Random names under a store's folder: never guessable, never served by a public URL.
    return f"reception/{folder}/{instance.store_id}/{uuid.uuid4().hex}.{ext}"


def signature_path(instance: "CheckIn", filename: str) -> str:
    return _private_path("signatures", instance, "png")


class CheckIn(OpaqueIdModel):
    event_name = "check_in"  # its events: check_in.<what happened> (dms.core.events)

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="checkins", verbose_name=_("vehicle")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="checkins", verbose_name=_("customer")
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="checkins",
        verbose_name=_("appointment"),
    )
    repair_order = models.OneToOneField(
        "workshop.RepairOrder",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="checkin",
        verbose_name=_("repair order"),
    )
    # The comeback check (the workshop's rule) made at the walk-around's mileage, kept: the earlier
    # repair this visit comes back within the warranty of, and the mileage it was checked at (a
    # changed mileage is checked again). The repair order opened from the check-in takes it over.
    comeback_of = models.ForeignKey(
        "workshop.RepairOrder",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("comes back after"),
    )
    comeback_km = models.PositiveIntegerField(null=True, blank=True, editable=False)
    step = models.CharField(_("step reached"), max_length=12, choices=Step.choices, default=Step.PROTECT)
    # 三件套: the car is protected before anyone sits in it.
    cover_seat = models.BooleanField(_("seat cover"), default=False)
    cover_wheel = models.BooleanField(_("steering-wheel cover"), default=False)
    cover_floor = models.BooleanField(_("floor mat"), default=False)
    fuel_level = models.PositiveSmallIntegerField(
        _("fuel level (eighths)"), null=True, blank=True, help_text=_("0 = empty, 8 = full.")
    )
    mileage_km = models.PositiveIntegerField(_("mileage (km)"), null=True, blank=True)
    warning_lamps = models.JSONField(_("warning lamps on"), default=list, blank=True)
    valuables = models.TextField(_("valuables in the car"), blank=True)
    valuables_taken = models.BooleanField(_("customer took the valuables"), default=False)
    damage_marks = models.JSONField(_("damage marks"), default=list, blank=True)  # [{x, y, kind, note}]
    exterior_notes = models.TextField(_("notes on the exterior"), blank=True)
    # How many walk-around photos it has (kept with each photo added or removed, under the
    # check-in's lock): none is the usual case, known without asking.
    photo_count = models.PositiveSmallIntegerField(default=0, editable=False)
    signature = models.FileField(_("signature"), upload_to=signature_path, max_length=200, blank=True)
    signed_at = models.DateTimeField(_("signed at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("advisor")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("check-in")
        verbose_name_plural = _("check-ins")
        indexes = [
            models.Index(fields=["store", "signed_at"], name="checkin_store_signed"),
            models.Index(fields=["vehicle", "-created_at"], name="checkin_by_vehicle"),
        ]
        constraints = [
            # One check-in in progress per vehicle and store: a second tablet resumes it.
            models.UniqueConstraint(
                fields=["store", "vehicle"],
                condition=models.Q(signed_at__isnull=True),
                name="one_open_checkin_per_vehicle",
            ),
            models.CheckConstraint(
                condition=models.Q(fuel_level__isnull=True) | models.Q(fuel_level__lte=FUEL_EIGHTHS),
                name="checkin_fuel_in_eighths",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vehicle} {self.created_at:%Y-%m-%d}" if self.created_at else str(self.vehicle)

    @property
    def covers_fitted(self) -> bool:
        return self.cover_seat and self.cover_wheel and self.cover_floor

    @property
    def is_draft(self) -> bool:
        return self.signed_at is None

    def reached(self, step: str) -> bool:
        return STEP_ORDER.index(step) <= STEP_ORDER.index(self.step)

    @property
    def lamp_labels(self) -> list[str]:
        labels = dict(WarningLamp.choices)
        return [str(labels.get(code, code)) for code in self.warning_lamps or []]

    @property
    def fuel_label(self) -> str:
        return "" if self.fuel_level is None else fuel_label(self.fuel_level)

    @property
    def marks(self) -> list[dict]:
        """The damage marks, numbered, with their kind's label, for pages and the printout."""
        return numbered_marks(self.damage_marks)


def numbered_marks(marks) -> list[dict]:
    """Marks as drawn on the outline (a 200 x 400 box): number, label and position. Marks that
    cannot be drawn (bad input being corrected) are left out."""
    labels = dict(DamageKind.choices)
    out = []
    for m in marks if isinstance(marks, list) else []:
        try:
            px, py = float(m["x"]) * 200, float(m["y"]) * 400
        except (TypeError, KeyError, ValueError):
            continue
        kind = m.get("kind") if m.get("kind") in DamageKind.values else DamageKind.OTHER
        out.append({**m, "kind": kind, "n": len(out) + 1, "label": str(labels[kind]), "px": px, "py": py})
    return out


def fuel_label(eighths: int) -> str:
    return {0: str(_("Empty")), 8: str(_("Full")), 2: "1/4", 4: "1/2", 6: "3/4"}.get(eighths, f"{eighths}/8")


def photo_path(instance: "CheckInPhoto", filename: str) -> str:
    return f"reception/photos/{instance.checkin.store_id}/{uuid.uuid4().hex}.jpg"


class CheckInPhoto(models.Model):
    """A photo of the walk-around. Private: served only by a view that checks the store."""

    checkin = models.ForeignKey(CheckIn, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=photo_path, max_length=200)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    at = models.DateTimeField(_("taken at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("check-in photo")
        verbose_name_plural = _("check-in photos")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.caption or self.image.name
