"""The repair order (任务委托书) and its lines, events and the labor operations catalogue."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dms.core.ids import OpaqueIdModel
from dms.core.models import DealerGroup, Store
from dms.core.scoping import GroupScopedQuerySet, StoreScopedQuerySet
from dms.customers.models import Customer
from dms.scheduling.models import Skill
from dms.vehicles.models import Category, Vehicle
from dms.vehicles.sanbao import MajorSystem

from .rules import LONGEST, WorkClass, legal_warranty

ZERO = Decimal("0.00")


class FeeCategory(models.TextChoices):
    """What the settlement list (维修结算清单) counts a line's amount as: the fees 机动车维修管理规定
    names (诊断费、检测费、材料费、工时费、加工费、其他费用). A part or material line is a materials
    fee; a labor or fee line is chosen when it is added (by default, its labor operation's)."""

    DIAGNOSIS = "diagnosis", _("Diagnosis fee")
    INSPECTION = "inspection", _("Inspection fee")
    MATERIALS = "materials", _("Materials fee")
    LABOR = "labor", _("Labor fee")
    PROCESSING = "processing", _("Processing fee")
    OTHER = "other", _("Other fees")


# The fees a labor operation, a labor line or a fee line may be counted as (not materials).
WORK_FEES = [c for c in FeeCategory.values if c != FeeCategory.MATERIALS]


class LaborOperation(OpaqueIdModel):
    """A standard labor operation: code, name, standard hours and the skill it needs."""

    group = models.ForeignKey(
        DealerGroup, on_delete=models.PROTECT, related_name="+", verbose_name=_("dealer group")
    )
    code = models.CharField(_("code"), max_length=20)
    name = models.CharField(_("operation name"), max_length=100)
    standard_hours = models.DecimalField(_("standard hours"), max_digits=6, decimal_places=2)
    skill = models.CharField(_("skill"), max_length=20, choices=Skill.choices, default=Skill.GENERAL)
    # A replacement of a major system or its main part, counted by 三包 (dms/vehicles/sanbao.py).
    major_system = models.CharField(
        _("replaces a major system (三包)"), max_length=20, choices=MajorSystem.choices, blank=True
    )
    # What the settlement list counts its lines as, unless the advisor chooses otherwise on the line.
    fee_category = models.CharField(
        _("counted on the settlement list as"),
        max_length=12,
        choices=[(v, label) for v, label in FeeCategory.choices if v in WORK_FEES],
        default=FeeCategory.LABOR,
    )
    active = models.BooleanField(_("active"), default=True)

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("labor operation")
        verbose_name_plural = _("labor operations")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["group", "code"], name="labor_code_per_group")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class State(models.TextChoices):
    DRAFT = "draft", _("Open")
    SIGNED = "signed", _("Signed by customer")
    DISPATCHED = "dispatched", _("Dispatched")
    IN_PROGRESS = "in_progress", _("In repair")
    AWAITING_APPROVAL = "awaiting_approval", _("Awaiting customer approval")
    FINISHED = "finished", _("Finished, awaiting QC")
    READY = "ready", _("QC passed, ready")
    SETTLED = "settled", _("Settled")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_STATES = [s for s in State.values if s not in (State.DELIVERED, State.CANCELLED)]


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    CARD = "card", _("Bank card")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    TRANSFER = "transfer", _("Bank transfer")


class OldParts(models.TextChoices):
    TAKE = "take", _("Customer takes the old parts")
    LEAVE = "leave", _("Store disposes of the old parts")


class ComebackStatus(models.TextChoices):
    NONE = "", _("Not a comeback")
    SUSPECTED = "suspected", _("Possible comeback: the advisor decides")
    CONFIRMED = "confirmed", _("Comeback (返修): repaired free")
    OVERRULED = "overruled", _("Not a comeback (overruled)")


class RepairOrder(OpaqueIdModel):
    event_name = "repair_order"  # its events: repair_order.<what happened> (dms.core.events)

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=30)
    state = models.CharField(_("state"), max_length=20, choices=State.choices, default=State.DRAFT)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="repair_orders")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="repair_orders")
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repair_orders",
    )
    advisor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    technician = models.ForeignKey(
        "scheduling.Technician",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="repair_orders",
    )
    complaint = models.TextField(_("customer's words"))
    mileage_in = models.PositiveIntegerField(_("mileage in (km)"))
    mileage_out = models.PositiveIntegerField(_("mileage out (km)"), null=True, blank=True)
    promised_at = models.DateTimeField(_("promised completion"), null=True, blank=True)
    payment_method = models.CharField(
        _("payment method"), max_length=10, choices=PaymentMethod.choices, default=PaymentMethod.WECHAT
    )
    old_parts = models.CharField(
        _("old parts"), max_length=5, choices=OldParts.choices, default=OldParts.LEAVE
    )
    free_wash = models.BooleanField(_("free wash"), default=True)
    preauth_amount = models.DecimalField(
        _("pre-authorised extra amount"), max_digits=10, decimal_places=2, default=ZERO
    )
    preauth_minutes = models.PositiveIntegerField(_("pre-authorised extra time (minutes)"), default=0)
    work_class = models.CharField(
        _("kind of work (for the repair-quality warranty)"),
        max_length=10,
        choices=WorkClass.choices,
        default=WorkClass.MINOR,
    )
    is_comeback = models.BooleanField(_("comeback (返修)"), default=False)
    comeback_of = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The comeback decision (dms/workshop/comebacks.py): who decided, when, why; a confirmed one is
    # linked to the original order's technician and QC inspector, as they were.
    comeback_status = models.CharField(
        _("comeback"), max_length=10, choices=ComebackStatus.choices, blank=True, default=ComebackStatus.NONE
    )
    comeback_reason = models.CharField(_("comeback decision: why"), max_length=300, blank=True)
    comeback_decided_at = models.DateTimeField(null=True, blank=True)
    comeback_decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comeback_technician = models.ForeignKey(
        "scheduling.Technician", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    comeback_inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The record as it was (维修电子健康档案, the settlement list): copied at opening and again at
    # settlement, so that a later plate change or ownership transfer does not rewrite history.
    vin = models.CharField(_("VIN"), max_length=17, blank=True)
    plate = models.CharField(_("plate"), max_length=8, blank=True)
    customer_name = models.CharField(_("customer's name"), max_length=100, blank=True)
    settlement_number = models.CharField(_("settlement list number"), max_length=30, blank=True)
    # 机动车维修竣工出厂合格证: issued for level-2 maintenance and overhauls (rules.certificate_required),
    # its number given at settlement and printed on the settlement list.
    certificate_number = models.CharField(_("completion certificate number"), max_length=30, blank=True)
    rework_count = models.PositiveSmallIntegerField(_("QC failures"), default=0)
    labor_total = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    parts_total = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    other_total = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    discount_total = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    total = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    customer_total = models.DecimalField(max_digits=12, decimal_places=2, default=ZERO)
    version = models.PositiveIntegerField(default=1)
    # Each "request-approval" starts a new round of the customer's decision on extra work; the
    # customer's approval link is signed for its round, so that a link of an earlier round cannot
    # decide a later one (dms.portal.links).
    approval_round = models.PositiveIntegerField(_("approval round"), default=0)
    # When each step happened, for waiting time, on-time delivery, first-time fix and efficiency.
    opened_at = models.DateTimeField(auto_now_add=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    qc_passed_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("repair order")
        verbose_name_plural = _("repair orders")
        constraints = [models.UniqueConstraint(fields=["store", "number"], name="ro_number_per_store")]
        indexes = [
            models.Index(fields=["store", "state"], name="ro_store_state"),
            models.Index(fields=["vehicle", "-opened_at"], name="ro_by_vehicle"),
        ]

    def __str__(self) -> str:
        return self.number


class StoreQualityWarranty(models.Model):
    """A store's own repair-quality warranty, longer than the law's (never shorter), per vehicle
    category and kind of work."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    category = models.CharField(_("vehicle category"), max_length=12, choices=Category.choices)
    work_class = models.CharField(_("kind of work"), max_length=10, choices=WorkClass.choices)
    km = models.PositiveIntegerField(_("km"))
    days = models.PositiveIntegerField(_("days"))

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("store's repair-quality warranty")
        verbose_name_plural = _("store's repair-quality warranties")
        constraints = [
            models.UniqueConstraint(
                fields=["store", "category", "work_class"], name="one_period_per_store_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.category} {self.work_class} {self.km} km / {self.days} d"

    def clean(self):
        from django.core.exceptions import ValidationError

        legal = legal_warranty(self.work_class, self.category)
        errors = {}
        if self.km is not None and not legal.km <= self.km <= LONGEST.km:
            errors["km"] = _("At least the law's %(min)s km and at most %(max)s km.") % {
                "min": f"{legal.km:,}", "max": f"{LONGEST.km:,}"}  # fmt: skip
        if self.days is not None and not legal.days <= self.days <= LONGEST.days:
            errors["days"] = _("At least the law's %(min)s days and at most %(max)s days.") % {
                "min": legal.days, "max": LONGEST.days}  # fmt: skip
        if errors:
            raise ValidationError(errors)


class LineKind(models.TextChoices):
    LABOR = "labor", _("Labor")
    PART = "part", _("Part")
    MATERIAL = "material", _("Material")
    FEE = "fee", _("Other fee")


class Payer(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    WARRANTY = "warranty", _("Warranty")
    INSURER = "insurer", _("Insurer")
    STORE = "store", _("Store (comeback, 返修)")


class WarrantyDecision(models.TextChoices):
    NOT_COVERED = "no", _("Not covered")
    COVERED = "yes", _("Covered by warranty")
    PENDING = "pending", _("Pending diagnosis / approval")


class LineState(models.TextChoices):
    PROPOSED = "proposed", _("Proposed, awaiting customer")
    APPROVED = "approved", _("Agreed")
    DECLINED = "declined", _("Declined")
    DONE = "done", _("Done")


class RepairOrderLine(models.Model):
    order = models.ForeignKey(
        RepairOrder, on_delete=models.CASCADE, related_name="lines", verbose_name=_("repair order")
    )
    kind = models.CharField(_("kind"), max_length=10, choices=LineKind.choices)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=10, decimal_places=2)
    unit_price = models.DecimalField(_("unit price"), max_digits=10, decimal_places=2)
    discount = models.DecimalField(_("discount"), max_digits=10, decimal_places=2, default=ZERO)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    payer = models.CharField(_("payer"), max_length=10, choices=Payer.choices, default=Payer.CUSTOMER)
    fee_category = models.CharField(
        _("counted on the settlement list as"), max_length=12, choices=FeeCategory.choices,
        default=FeeCategory.LABOR,
    )  # fmt: skip
    warranty = models.CharField(
        _("warranty decision"),
        max_length=10,
        choices=WarrantyDecision.choices,
        default=WarrantyDecision.NOT_COVERED,
    )
    warranty_reason = models.CharField(_("why"), max_length=200, blank=True)
    labor_operation = models.ForeignKey(
        LaborOperation, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("labor operation")
    )
    part = models.ForeignKey(
        "parts.Part", on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("part")
    )
    state = models.CharField(_("state"), max_length=10, choices=LineState.choices, default=LineState.APPROVED)
    is_additional = models.BooleanField(_("found during repair"), default=False)
    note = models.CharField(_("technician's note"), max_length=300, blank=True)
    approved_by_method = models.CharField(_("how the customer agreed"), max_length=20, blank=True)
    approved_at = models.DateTimeField(_("agreed at"), null=True, blank=True)
    issued_quantity = models.DecimalField(_("quantity issued"), max_digits=10, decimal_places=2, default=ZERO)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("repair order line")
        verbose_name_plural = _("repair order lines")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.description}"

    @property
    def counts(self) -> bool:
        """Lines declined by the customer stay on the order as recommendations but cost nothing."""
        return self.state != LineState.DECLINED


class RepairOrderEvent(models.Model):
    """Every transition and notable step: who, when, from, to, why."""

    order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("repair order event")
        verbose_name_plural = _("repair order events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["order", "at"], name="ro_event_by_order")]

    def __str__(self) -> str:
        return f"{self.order_id} {self.action}"


class Payment(models.Model):
    order = models.ForeignKey(RepairOrder, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(_("method"), max_length=10, choices=PaymentMethod.choices)
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("repair order payment")
        verbose_name_plural = _("repair order payments")

    def __str__(self) -> str:
        return f"{self.method} {self.amount}"


# --- The shop floor: clocking, findings' photos, progress reviews --------------------------------------


class PauseReason(models.TextChoices):
    PARTS = "parts", _("Waiting for parts")
    APPROVAL = "approval", _("Waiting for customer approval")
    BREAK = "break", _("Break")
    OTHER = "other", _("Other")


class ClockEnd(models.TextChoices):
    PAUSE = "pause", _("Paused")
    OFF = "off", _("Clocked off")
    FINISH = "finish", _("Work finished")


class JobClock(models.Model):
    """One stretch of a technician's work on an order (打卡): from clock-on or resume until a pause,
    clock-off or the end of the work. Clocked hours per order and technician are the sum of these;
    efficiency is standard hours over clocked hours."""

    order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="clocks")
    technician = models.ForeignKey(
        "scheduling.Technician", on_delete=models.PROTECT, related_name="+", verbose_name=_("technician")
    )
    started_at = models.DateTimeField(_("started"))
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    ended_by = models.CharField(_("how it ended"), max_length=10, choices=ClockEnd.choices, blank=True)
    pause_reason = models.CharField(_("pause reason"), max_length=10, choices=PauseReason.choices, blank=True)
    pause_note = models.CharField(_("note"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )  # who pressed the button: the technician, or the foreman on their behalf

    class Meta:
        verbose_name = _("job clocking")
        verbose_name_plural = _("job clockings")
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["order", "technician"], name="clock_by_order_tech")]
        constraints = [
            # A technician works on one job at a time.
            models.UniqueConstraint(
                fields=["technician"],
                condition=models.Q(ended_at__isnull=True),
                name="one_running_clock_per_tech",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("started_at")),
                name="clock_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.technician_id} {self.started_at:%Y-%m-%d %H:%M}"


def finding_photo_path(instance: "FindingPhoto", filename: str) -> str:
    import uuid

    return f"floor/{instance.order.store_id}/{instance.order_id}/{uuid.uuid4().hex}.{instance.extension}"


class FindingPhoto(models.Model):
    """A photo of what a technician found, taken with the tablet's camera. Private: served only
    through a view that checks the store, never under a public /media/ URL."""

    order = models.ForeignKey(RepairOrder, on_delete=models.CASCADE, related_name="finding_photos")
    line = models.ForeignKey(RepairOrderLine, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=finding_photo_path, max_length=200)
    content_type = models.CharField(max_length=30)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    at = models.DateTimeField()

    class Meta:
        verbose_name = _("finding photo")
        verbose_name_plural = _("finding photos")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.image.name

    @property
    def extension(self) -> str:
        return {"image/png": "png", "image/webp": "webp"}.get(self.content_type, "jpg")


class ReviewSlot(models.TextChoices):
    """The three progress reviews of a day (morning, noon, afternoon)."""

    MORNING = "10:00", _("Morning review 10:00")
    NOON = "14:00", _("Noon review 14:00")
    AFTERNOON = "16:30", _("Afternoon review 16:30")


class ProgressReview(models.Model):
    """The foreman's progress review of the floor (进度检查), three times a day."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("when"))
    slot = models.CharField(_("review"), max_length=5, choices=ReviewSlot.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(_("note"), max_length=500, blank=True)
    open_orders = models.PositiveIntegerField(_("open orders"))
    late_orders = models.PositiveIntegerField(_("late orders"))

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("progress review")
        verbose_name_plural = _("progress reviews")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["store", "at"], name="review_store_at")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.at:%Y-%m-%d %H:%M}"
