"""Workshop capacity (bays, teams, technicians, opening hours) and appointments (预约).

See docs/scheduling.md: how capacity becomes slots, how a booking locks its day, the states.
"""

from datetime import time
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dms.core.ids import OpaqueIdModel
from dms.core.models import Store
from dms.core.scoping import StoreScopedQuerySet
from dms.customers.models import Customer
from dms.vehicles.models import Vehicle


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Monday")
    TUESDAY = 1, _("Tuesday")
    WEDNESDAY = 2, _("Wednesday")
    THURSDAY = 3, _("Thursday")
    FRIDAY = 4, _("Friday")
    SATURDAY = 5, _("Saturday")
    SUNDAY = 6, _("Sunday")


class Skill(models.TextChoices):
    """The fixed list of technicians' skills; dispatch matches jobs against it."""

    GENERAL = "general", _("General mechanics")
    MAINTENANCE = "maintenance", _("Maintenance")
    ENGINE = "engine", _("Engine")
    ELECTRICAL = "electrical", _("Electrical")
    EV = "ev", _("High-voltage / EV")
    BODY = "body", _("Body repair")
    PAINT = "paint", _("Paint")
    AC = "ac", _("Air conditioning")
    DIAGNOSIS = "diagnosis", _("Diagnosis")
    ALIGNMENT = "alignment", _("Wheel alignment")


class Bay(models.Model):
    """A workplace of the workshop (工位): a lift, the alignment rig, the wash bay."""

    class Kind(models.TextChoices):
        LIFT = "lift", _("Lift")
        ALIGNMENT = "alignment", _("Alignment")
        WASH = "wash", _("Wash")
        EV = "ev", _("EV bay")
        OTHER = "other", _("Other")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    name = models.CharField(_("name"), max_length=50)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.LIFT)
    active = models.BooleanField(_("in use"), default=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("bay")
        verbose_name_plural = _("bays")
        ordering = ["store", "name"]
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="bay_unique_per_store")]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    """A team of technicians (班组) with its leader."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    name = models.CharField(_("name"), max_length=50)
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("team leader"),
    )
    active = models.BooleanField(_("active"), default=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["store", "name"]
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="team_unique_per_store")]

    def __str__(self) -> str:
        return self.name


def _workdays() -> list[int]:
    return [0, 1, 2, 3, 4, 5]


class Technician(models.Model):
    """A user's working profile as a technician of one store: skills, level, working hours."""

    class Level(models.TextChoices):
        APPRENTICE = "apprentice", _("Apprentice")
        JUNIOR = "junior", _("Junior technician")
        INTERMEDIATE = "intermediate", _("Intermediate technician")
        SENIOR = "senior", _("Senior technician")
        MASTER = "master", _("Master technician")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="technicians",
        verbose_name=_("team"),
    )
    skills = models.JSONField(_("skills"), default=list, blank=True)  # codes of Skill
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, default=Level.JUNIOR)
    works_from = models.TimeField(_("works from"), default=time(8, 30))
    works_until = models.TimeField(_("works until"), default=time(17, 30))
    weekdays = models.JSONField(_("working weekdays"), default=_workdays, blank=True)  # 0 = Monday
    active = models.BooleanField(_("active"), default=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")
        constraints = [
            models.UniqueConstraint(fields=["store", "user"], name="technician_once_per_store"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return str(self.user)

    def works_on(self, weekday: int) -> bool:
        return weekday in (self.weekdays or [])


class WorkshopHours(models.Model):
    """A store's opening hours (OpeningHours rows, one per open weekday), slot length and capacity.

    A store without this row, or without any OpeningHours row, opens DEFAULT_OPENING every day.
    """

    DEFAULT_OPENING = (time(8, 30), time(18, 0))

    store = models.OneToOneField(
        Store, on_delete=models.CASCADE, related_name="workshop_hours", verbose_name=_("store")
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("slot length (minutes)"), default=30, help_text=_("Appointments start on this grid from opening.")
    )
    capacity = models.PositiveSmallIntegerField(
        _("appointment jobs at once"),
        null=True,
        blank=True,
        help_text=_(
            "How many appointment jobs the workshop takes at the same time. Leave empty to use the "
            "number of bays in use (or of technicians working that day, if fewer)."
        ),
    )
    web_booking = models.BooleanField(_("customers may book online"), default=True)
    web_days_ahead = models.PositiveSmallIntegerField(_("online booking: days ahead"), default=14)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("workshop hours and capacity")
        verbose_name_plural = _("workshop hours and capacity")

    def __str__(self) -> str:
        return str(self.store)


class OpeningHours(models.Model):
    """When the workshop takes appointments on one weekday. A weekday without a row is closed."""

    workshop = models.ForeignKey(
        WorkshopHours,
        on_delete=models.CASCADE,
        related_name="days",
        verbose_name=_("workshop hours and capacity"),
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    opens = models.TimeField(_("opens"), default=time(8, 30))
    closes = models.TimeField(_("closes"), default=time(18, 0))

    class Meta:
        verbose_name = _("opening hours")
        verbose_name_plural = _("opening hours")
        ordering = ["weekday"]
        constraints = [
            models.UniqueConstraint(fields=["workshop", "weekday"], name="opening_once_per_weekday"),
            models.CheckConstraint(
                condition=models.Q(closes__gt=models.F("opens")), name="opens_before_closes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens:%H:%M}–{self.closes:%H:%M}"


class CapacityDay(models.Model):
    """One store's day of appointments. Bookings lock this row, so the last place goes to one of them.

    `capacity` overrides the usual capacity for that day (half the team at training, a holiday: 0).
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    date = models.DateField(_("date"))
    capacity = models.PositiveSmallIntegerField(
        _("appointment jobs at once"), null=True, blank=True, help_text=_("Empty: the usual capacity.")
    )
    note = models.CharField(_("why"), max_length=100, blank=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("capacity of a day")
        verbose_name_plural = _("capacity of days")
        ordering = ["store", "date"]
        constraints = [models.UniqueConstraint(fields=["store", "date"], name="one_capacity_row_per_day")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.date}"


class Job(models.TextChoices):
    """What the customer books, with its standard hours (工时) by default."""

    MAINTENANCE = "maintenance", _("Routine maintenance")
    REPAIR = "repair", _("Repair")
    DIAGNOSIS = "diagnosis", _("Fault diagnosis")
    TYRES = "tyres", _("Tyres and alignment")
    AC = "ac", _("Air conditioning")
    BODY_PAINT = "body_paint", _("Body and paint")
    CAMPAIGN = "campaign", _("Recall / campaign")
    OTHER = "other", _("Other")


STANDARD_HOURS: dict[str, Decimal] = {
    Job.MAINTENANCE: Decimal("1.0"),
    Job.REPAIR: Decimal("2.0"),
    Job.DIAGNOSIS: Decimal("1.0"),
    Job.TYRES: Decimal("1.0"),
    Job.AC: Decimal("1.5"),
    Job.BODY_PAINT: Decimal("4.0"),
    Job.CAMPAIGN: Decimal("1.5"),
    Job.OTHER: Decimal("1.0"),
}


class Appointment(OpaqueIdModel):
    """A vehicle's booked time in the workshop (预约). States change only through workflow.py."""

    class State(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CONFIRMED = "confirmed", _("Confirmed")
        ARRIVED = "arrived", _("Arrived")
        NO_SHOW = "no_show", _("No-show")
        CANCELLED = "cancelled", _("Cancelled")

    class Channel(models.TextChoices):
        PHONE = "phone", _("By phone")
        DESK = "desk", _("At the desk")
        WEB = "web", _("Online, by the customer")

    class DepositMethod(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD = "card", _("Bank card")
        WECHAT = "wechat", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")
        TRANSFER = "transfer", _("Bank transfer")

    # States whose appointments take a place in the workshop.
    HOLDING = (State.BOOKED, State.CONFIRMED, State.ARRIVED)

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("vehicle")
    )
    customer = models.ForeignKey(
        Customer, on_delete=models.PROTECT, related_name="appointments", verbose_name=_("customer")
    )  # the owner when booked
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    hours = models.DecimalField(_("standard hours"), max_digits=4, decimal_places=2)
    job = models.CharField(_("kind of work"), max_length=12, choices=Job.choices, default=Job.MAINTENANCE)
    items = models.TextField(_("requested work"), blank=True)
    channel = models.CharField(_("booked"), max_length=5, choices=Channel.choices, default=Channel.PHONE)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.BOOKED)
    version = models.PositiveIntegerField(default=1)
    note = models.TextField(_("note"), blank=True)
    deposit_amount = models.DecimalField(_("deposit"), max_digits=10, decimal_places=2, default=Decimal("0"))
    deposit_method = models.CharField(
        _("deposit paid by"), max_length=10, choices=DepositMethod.choices, blank=True
    )
    deposit_at = models.DateTimeField(_("deposit received"), null=True, blank=True)
    call_due_at = models.DateTimeField(_("confirmation call due"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    cancel_reason = models.CharField(_("why cancelled"), max_length=200, blank=True)
    rescheduled_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="rescheduled_to",
        verbose_name=_("rescheduled from"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("appointment")
        verbose_name_plural = _("appointments")
        ordering = ["start", "id"]
        indexes = [
            models.Index(fields=["store", "start"], name="appt_store_start"),
            models.Index(fields=["vehicle", "start"], name="appt_vehicle_start"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="appt_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vehicle} {self.start:%Y-%m-%d %H:%M}"

    @property
    def holds_place(self) -> bool:
        return self.state in self.HOLDING


class AppointmentEvent(models.Model):
    """One step of an appointment: booked, confirmed, cancelled, … with who, when and why."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    action = models.CharField(_("action"), max_length=20)
    from_state = models.CharField(_("from"), max_length=10, blank=True)
    to_state = models.CharField(_("to"), max_length=10)
    reason = models.CharField(_("why"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("appointment event")
        verbose_name_plural = _("appointment events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["appointment", "at"], name="appt_event_by_appt")]

    def __str__(self) -> str:
        return f"{self.action} {self.from_state}→{self.to_state}"
