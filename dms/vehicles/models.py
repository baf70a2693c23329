"""The vehicle file (车辆档案): identity, owner over time, mileage over time, service history."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dms.core.ids import OpaqueIdModel
from dms.core.models import Brand, DealerGroup, Store
from dms.core.scoping import GroupScopedQuerySet
from dms.customers.models import Customer


class Usage(models.TextChoices):
    PRIVATE = "private", _("Private car")
    COMPANY = "company", _("Company car")
    COMMERCIAL = "commercial", _("Commercial (taxi, ride-hailing, logistics)")


class Energy(models.TextChoices):
    PETROL = "petrol", _("Petrol")
    DIESEL = "diesel", _("Diesel")
    HYBRID = "hybrid", _("Hybrid")
    PHEV = "phev", _("Plug-in hybrid")
    BEV = "bev", _("Battery electric")


class Category(models.TextChoices):
    """The kind of vehicle, for the repair-quality warranty's periods (机动车维修管理规定 art. 37)."""

    CAR = "car", _("Car (汽车)")
    MOTORCYCLE = "motorcycle", _("Motorcycle (摩托车)")
    OTHER = "other", _("Other motor vehicle (其他机动车)")


class Vehicle(OpaqueIdModel):
    group = models.ForeignKey(
        DealerGroup, on_delete=models.PROTECT, related_name="+", verbose_name=_("dealer group")
    )
    owner = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="vehicles", verbose_name=_("owner")
    )
    # The change history and the admin name the field in full in Chinese (车架号), the forms keep "VIN".
    vin = models.CharField(pgettext_lazy("vehicle field", "VIN"), max_length=17)
    plate = models.CharField(_("plate"), max_length=8, blank=True)
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+", verbose_name=_("brand"))
    model = models.CharField(_("model"), max_length=50)
    trim = models.CharField(_("trim"), max_length=50, blank=True)
    colour = models.CharField(_("colour"), max_length=30, blank=True)
    engine_no = models.CharField(_("engine number"), max_length=30, blank=True)
    energy = models.CharField(_("energy"), max_length=10, choices=Energy.choices, default=Energy.PETROL)
    purchase_date = models.DateField(_("purchase (invoice) date"), null=True, blank=True)
    registration_date = models.DateField(_("registration date"), null=True, blank=True)
    selling_store = models.ForeignKey(
        Store,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("sold by store"),
    )
    usage = models.CharField(_("usage"), max_length=12, choices=Usage.choices, default=Usage.PRIVATE)
    category = models.CharField(
        _("vehicle category"), max_length=12, choices=Category.choices, default=Category.CAR
    )
    mileage_km = models.PositiveIntegerField(_("mileage (km)"), default=0)
    mileage_read_at = models.DateTimeField(_("mileage read at"), null=True, blank=True)
    insurance_company = models.CharField(_("insurer"), max_length=50, blank=True)
    insurance_policy_no = models.CharField(_("insurance policy number"), max_length=50, blank=True)
    insurance_expiry = models.DateField(_("insurance expires"), null=True, blank=True)
    inspection_due = models.DateField(_("annual inspection due"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    vin_tail = models.CharField(  # reversed VIN: "last 6" becomes a prefix
        _("VIN reversed (search key)"), max_length=17, editable=False
    )

    objects = GroupScopedQuerySet.as_manager()

    # What recording a reading and opening a visit read of the file (a narrow row on busy paths).
    MILEAGE_FIELDS = (
        "id",
        "group_id",
        "owner_id",
        "vin",
        "plate",
        "mileage_km",
        "mileage_read_at",
        "updated_at",
    )

    class Meta:
        verbose_name = _("vehicle")
        verbose_name_plural = _("vehicles")
        indexes = [
            models.Index(fields=["group", "vin"], name="veh_vin"),
            models.Index(fields=["group", "plate"], name="veh_plate"),
            models.Index(fields=["group", "vin_tail"], name="veh_vin_tail"),
        ]

    def __str__(self) -> str:
        return self.plate or self.vin


class MileageReading(OpaqueIdModel):
    """An odometer reading. Readings never go backwards unless marked as a correction.

    Readings are only ever added: each row is its own record of who read what and when, and when
    it was entered (not audited a second time by auditlog)."""

    class Source(models.TextChoices):
        REGISTRATION = "registration", _("Vehicle registered")
        RECEPTION = "reception", _("Reception")
        SERVICE = "service", _("Service")
        CUSTOMER = "customer", _("Told by the customer")
        IMPORT = "import", _("Import")
        CORRECTION = "correction", _("Correction")

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="mileage_readings")
    km = models.PositiveIntegerField(_("km"))
    read_at = models.DateTimeField(_("read at"))
    source = models.CharField(_("source"), max_length=12, choices=Source.choices)
    is_correction = models.BooleanField(default=False)
    note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    recorded_at = models.DateTimeField(_("entered"), auto_now_add=True)

    class Meta:
        verbose_name = _("mileage reading")
        verbose_name_plural = _("mileage readings")
        ordering = ["-read_at", "-id"]
        indexes = [models.Index(fields=["vehicle", "-read_at"], name="mileage_by_vehicle")]

    def __str__(self) -> str:
        return f"{self.km:,} km"

    @property
    def entered_later(self) -> bool:
        """Entered well after it was read (a reading from the past, or a correction's)."""
        return self.recorded_at is not None and self.recorded_at - self.read_at > timedelta(hours=1)


class VehicleOwnership(models.Model):
    """Who owned the vehicle when. The open row (ended_on is null) is the current owner."""

    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.CASCADE, related_name="ownerships", verbose_name=_("vehicle")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="ownerships", verbose_name=_("owner")
    )
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("vehicle ownership")
        verbose_name_plural = _("vehicle ownerships")
        ordering = ["-started_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["vehicle"], condition=models.Q(ended_on__isnull=True), name="one_current_owner"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer} {self.started_on}–{self.ended_on or ''}"


class ServiceRecord(OpaqueIdModel):
    """One visit in the vehicle's service history, kept with the customer who owned it then.

    Settled repair orders write one; history brought from an earlier system is imported as such.
    """

    class Kind(models.TextChoices):
        MAINTENANCE = "maintenance", _("Maintenance")
        REPAIR = "repair", _("Repair")
        WARRANTY = "warranty", _("Warranty repair")
        ACCIDENT = "accident", _("Accident / insurance repair")
        CAMPAIGN = "campaign", _("Recall / campaign")
        FREE = "free", _("Free check / wash")

    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.CASCADE, related_name="service_records", verbose_name=_("vehicle")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="service_records", verbose_name=_("customer")
    )
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    date = models.DateField(_("date"))
    mileage_km = models.PositiveIntegerField(_("mileage (km)"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    summary = models.CharField(_("work done"), max_length=300)
    amount_paid = models.DecimalField(_("paid by customer"), max_digits=10, decimal_places=2, default=0)
    amount_covered = models.DecimalField(
        _("paid by warranty or insurer"), max_digits=10, decimal_places=2, default=0
    )
    reference = models.CharField(_("order number"), max_length=30, blank=True)
    # What the 三包 counters count (dms/vehicles/sanbao.py), written by the settled repair order:
    # the day the car came in, the days it was in repair, the faults repaired (the labor
    # operations, "code name") and the major systems replaced (engine, gearbox, ...).
    date_in = models.DateField(_("date in"), null=True, blank=True)
    repair_days = models.PositiveSmallIntegerField(_("repair days"), default=0)
    faults = models.JSONField(_("faults repaired"), default=list, blank=True)
    replaced_systems = models.JSONField(_("major systems replaced"), default=list, blank=True)

    class Meta:
        verbose_name = _("service record")
        verbose_name_plural = _("service records")
        ordering = ["-date", "-id"]
        indexes = [
            models.Index(fields=["customer", "-date"], name="service_by_customer"),
            models.Index(fields=["vehicle", "-date"], name="service_by_vehicle"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.summary[:30]}"

    @property
    def is_paid_visit(self) -> bool:
        return self.amount_paid > 0
