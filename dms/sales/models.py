"""New-car sales (DOMAIN.md's nine steps, seed 002): prospects (leads) and their grades, the
showroom's traffic, needs, test drives, new-car stock by VIN, quotations, sales orders (the
contract), payments, the invoice, allocation of one VIN and the delivery.

Every record belongs to one store (StoreScopedQuerySet). Money is Decimal; every state change goes
through dms.sales.workflow and leaves a SalesHistory row.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dms.core.ids import OpaqueIdModel
from dms.core.models import Brand, Store
from dms.core.scoping import StoreScopedQuerySet
from dms.customers.models import Customer
from dms.vehicles.models import Vehicle

ZERO = Decimal("0.00")


def _money(label, **kw):
    kw.setdefault("default", None if kw.get("null") else ZERO)
    return models.DecimalField(label, max_digits=11, decimal_places=2, **kw)


class SalesSettings(models.Model):
    """A store's rules of the sales desk (seed 002): the follow-up rhythm per grade, the
    consultant's discount authority, the share paid before the invoice, the commission rate."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="sales_settings")
    days_h = models.PositiveSmallIntegerField(_("grade H: buys within (days)"), default=7)
    days_a = models.PositiveSmallIntegerField(_("grade A: buys within (days)"), default=15)
    days_b = models.PositiveSmallIntegerField(_("grade B: buys within (days)"), default=30)
    days_c = models.PositiveSmallIntegerField(_("grade C: buys within (days)"), default=90)
    # How often a prospect of each grade is followed up (days between contacts).
    follow_h = models.PositiveSmallIntegerField(_("grade H: follow up every (days)"), default=1)
    follow_a = models.PositiveSmallIntegerField(_("grade A: follow up every (days)"), default=3)
    follow_b = models.PositiveSmallIntegerField(_("grade B: follow up every (days)"), default=7)
    follow_c = models.PositiveSmallIntegerField(_("grade C: follow up every (days)"), default=15)
    discount_authority = _money(_("consultant's discount authority (CNY)"), default=Decimal("3000.00"))
    invoice_share = models.DecimalField(
        _("share paid before the invoice"), max_digits=4, decimal_places=2, default=Decimal("0.60")
    )
    commission_rate = models.DecimalField(
        _("commission on collected money"), max_digits=5, decimal_places=4, default=Decimal("0.0100")
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )  # the round robin's pointer

    class Meta:
        verbose_name = _("sales settings")
        verbose_name_plural = _("sales settings")

    def __str__(self) -> str:
        return f"sales settings {self.store_id}"

    def follow_days(self, grade: str) -> int:
        return {"H": self.follow_h, "A": self.follow_a, "B": self.follow_b, "C": self.follow_c}.get(grade, 1)

    def buy_days(self, grade: str) -> int:
        return {"H": self.days_h, "A": self.days_a, "B": self.days_b, "C": self.days_c}.get(grade, 0)


class LeadSource(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    PHONE = "phone", _("Phone")
    WEB = "web", _("Web form")
    EVENT = "event", _("Event")
    REFERRAL = "referral", _("Referral")
    SERVICE = "service", _("Service customer")
    OTHER = "other", _("Other")


class Grade(models.TextChoices):
    H = "H", _("H: buys within 7 days")
    A = "A", _("A: within 15 days")
    B = "B", _("B: within 30 days")
    C = "C", _("C: within 90 days")


class Payment(models.TextChoices):
    CASH = "cash", _("Cash (full payment)")
    LOAN = "loan", _("Loan")
    TRADE_IN = "trade_in", _("Trade-in")


class Lead(OpaqueIdModel):
    """A prospect (有望客户): one open lead per mobile number and store."""

    event_name = "lead"

    class State(models.TextChoices):
        NEW = "new", _("New")
        FOLLOWING = "following", _("Following up")
        LOST_PENDING = "lost_pending", _("Lost: awaiting confirmation")
        LOST = "lost", pgettext_lazy("prospect", "Lost")
        WON = "won", _("Won (ordered)")

    OPEN_STATES = (State.NEW, State.FOLLOWING, State.LOST_PENDING)

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=50)
    mobile = models.CharField(_("mobile"), max_length=11)
    source = models.CharField(_("source"), max_length=10, choices=LeadSource.choices)
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.NEW)
    grade = models.CharField(_("grade"), max_length=1, choices=Grade.choices, blank=True)
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    referrer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("referred by"),
    )
    vehicle = models.ForeignKey(Vehicle, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    model_interest = models.CharField(_("model of interest"), max_length=100, blank=True)
    note = models.TextField(_("note"), blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("consultant"),
    )  # fmt: skip
    first_contact_at = models.DateTimeField(null=True, blank=True)
    first_response_seconds = models.PositiveIntegerField(null=True, blank=True)
    last_contact_at = models.DateTimeField(null=True, blank=True)
    next_follow_up_at = models.DateTimeField(_("next follow-up"), null=True, blank=True)
    expected_by = models.DateField(_("expected to buy by"), null=True, blank=True)
    lost_reason = models.CharField(_("lost reason"), max_length=300, blank=True)
    lost_at = models.DateTimeField(null=True, blank=True)
    won_at = models.DateTimeField(null=True, blank=True)
    # Needs analysis (咨询)
    budget = _money(_("budget (CNY)"))
    usage = models.CharField(_("use"), max_length=100, blank=True)
    family = models.CharField(_("family"), max_length=100, blank=True)
    models_of_interest = models.CharField(_("models of interest"), max_length=200, blank=True)
    competing_brands = models.CharField(_("competing brands"), max_length=200, blank=True)
    payment = models.CharField(_("payment"), max_length=10, choices=Payment.choices, blank=True)
    needs_note = models.TextField(_("what the customer said"), blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        ordering = ["-created_at", "id"]
        indexes = [models.Index(fields=["store", "state", "next_follow_up_at"], name="lead_queue")]
        constraints = [
            models.UniqueConstraint(
                fields=["store", "mobile"], condition=Q(state__in=["new", "following", "lost_pending"]),
                name="one_open_lead_per_mobile",
            )
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.name} {self.mobile[-4:]}"


class SalesHistory(models.Model):
    """Each sales record's timeline: who did what, when, from which state to which, and why."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    subject = models.CharField(max_length=20)  # lead, test_drive, quotation, sales_order, stock
    subject_id = models.BigIntegerField()
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("sales history entry")
        verbose_name_plural = _("sales history entries")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["subject", "subject_id", "at"], name="sales_history_of")]

    def __str__(self) -> str:
        return f"{self.subject} {self.subject_id} {self.action}"


class ShowroomVisit(OpaqueIdModel):
    """The door's traffic log (来店登记): one party arriving, whom they saw, when they left."""

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey(Lead, on_delete=models.SET_NULL, null=True, blank=True, related_name="visits")
    arrived_at = models.DateTimeField(_("arrived"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    first_visit = models.BooleanField(_("first visit"), default=True)
    party_size = models.PositiveSmallIntegerField(_("party size"), default=1)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("showroom visit")
        verbose_name_plural = _("showroom visits")
        ordering = ["-arrived_at", "id"]
        indexes = [models.Index(fields=["store", "arrived_at"], name="visit_by_day")]


def _private_path(folder: str, instance, ext: str) -> str:
    # Random names under a store's folder: never guessable, never served by a public URL.
    return f"sales/{folder}/{instance.store_id}/{uuid.uuid4().hex}.{ext}"


def agreement_path(instance, filename: str) -> str:
    return _private_path("test-drive-agreements", instance, "png")


def delivery_photo_path(instance, filename: str) -> str:
    ext = (filename.rsplit(".", 1)[-1] or "jpg").lower()
    return _private_path("delivery-photos", instance, ext if ext in ("jpg", "jpeg", "png") else "jpg")


class TestDrive(OpaqueIdModel):
    """A test drive (试车): the driver's licence checked, the car, the route, the odometer, the
    customer's impressions, the agreement signed on the tablet."""

    event_name = "test_drive"
    __test__ = False  # not a pytest test class

    class State(models.TextChoices):
        DRIVING = "driving", _("On the road")
        FINISHED = "finished", _("Finished")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="test_drives")
    model = models.CharField(_("model"), max_length=100)
    licence_no = models.CharField(_("driving licence number"), max_length=30)
    licence_expires = models.DateField(_("licence expires"))
    route = models.CharField(_("route"), max_length=200, blank=True)
    odometer_start = models.PositiveIntegerField(_("odometer at start (km)"), null=True, blank=True)
    odometer_end = models.PositiveIntegerField(_("odometer at end (km)"), null=True, blank=True)
    impressions = models.TextField(_("the customer's impressions"), blank=True)
    agreement = models.FileField(_("signed agreement"), upload_to=agreement_path, max_length=200, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRIVING)
    started_at = models.DateTimeField(_("started"))
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("test drive")
        verbose_name_plural = _("test drives")
        ordering = ["-started_at", "id"]


class StockVehicle(OpaqueIdModel):
    """A new car of the store's stock, by VIN."""

    event_name = "stock_vehicle"

    class State(models.TextChoices):
        IN_TRANSIT = "in_transit", _("In transit")
        IN_STOCK = "in_stock", _("In stock")
        ALLOCATED = "allocated", _("Allocated")
        DELIVERED = "delivered", _("Delivered")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    vin = models.CharField(_("VIN"), max_length=17)
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+")
    model = models.CharField(_("model"), max_length=50)
    trim = models.CharField(_("trim"), max_length=50, blank=True)
    colour = models.CharField(_("colour"), max_length=30, blank=True)
    list_price = _money(_("list price"))
    cost = _money(_("purchase cost"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.IN_STOCK)
    arrived_on = models.DateField(_("in stock since"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("new car in stock")
        verbose_name_plural = _("new cars in stock")
        ordering = ["arrived_on", "id"]
        constraints = [models.UniqueConstraint(fields=["store", "vin"], name="one_stock_vehicle_per_vin")]


class Quotation(OpaqueIdModel):
    """An offer (报价): the car and its price, accessories, insurance, fees, finance and trade-in,
    the discount (above the consultant's authority only after the showroom manager approves)."""

    event_name = "quotation"

    class State(models.TextChoices):
        APPROVED = "approved", _("Approved")
        PENDING_APPROVAL = "pending_approval", _("Awaiting approval")
        DECLINED = "declined", _("Discount declined")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="quotations")
    model = models.CharField(_("model"), max_length=50)
    trim = models.CharField(_("trim"), max_length=50, blank=True)
    colour = models.CharField(_("colour"), max_length=30, blank=True)
    list_price = _money(_("list price"))
    discount = _money(_("discount"))
    discount_reason = models.CharField(_("why this discount"), max_length=300, blank=True)
    accessories = models.JSONField(_("accessories"), default=list, blank=True)  # [{name, price}]
    accessories_total = _money(_("accessories"))
    insurance = _money(_("insurance"))
    fees = _money(_("registration and fees"))
    down_payment = _money(_("down payment"), null=True, blank=True)
    term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True, blank=True)
    annual_rate = models.DecimalField(
        _("annual rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    monthly_payment = _money(_("monthly payment"), null=True, blank=True)
    trade_in_vin = models.CharField(_("trade-in VIN"), max_length=17, blank=True)
    trade_in_plate = models.CharField(_("trade-in plate"), max_length=8, blank=True)
    trade_in_condition = models.CharField(_("trade-in condition"), max_length=200, blank=True)
    trade_in_value = _money(_("trade-in value"))
    trade_in_vehicle = models.ForeignKey(
        Vehicle, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    total = _money(_("total"))
    state = models.CharField(_("state"), max_length=20, choices=State.choices)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("quotation")
        verbose_name_plural = _("quotations")
        ordering = ["-created_at", "id"]


class SalesOrder(OpaqueIdModel):
    """The sales contract (合同): from an approved quotation; payments, the VIN allocated to it
    (one VIN, one order: a unique constraint), the invoice, the delivery."""

    event_name = "sales_order"

    class State(models.TextChoices):
        OPEN = "open", _("Contract signed")
        DELIVERED = "delivered", _("Delivered")
        CANCELLED = "cancelled", _("Cancelled")

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=40)
    quotation = models.OneToOneField(Quotation, on_delete=models.PROTECT, related_name="order")
    lead = models.ForeignKey(Lead, on_delete=models.PROTECT, related_name="orders")
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    total = _money(_("total"))
    paid = _money(_("paid"))
    cost = _money(_("cost of the car"))
    stock_vehicle = models.OneToOneField(
        StockVehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="order"
    )
    allocated_at = models.DateTimeField(null=True, blank=True)
    invoice_number = models.CharField(_("invoice number"), max_length=40, blank=True)
    invoiced_at = models.DateTimeField(null=True, blank=True)
    delivery_due = models.DateTimeField(_("delivery appointment"), null=True, blank=True)
    checklist = models.JSONField(default=dict, blank=True)
    delivery_photo = models.FileField(upload_to=delivery_photo_path, max_length=200, blank=True)
    service_advisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    plate = models.CharField(_("plate"), max_length=8, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    delivered_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("sales order")
        verbose_name_plural = _("sales orders")
        ordering = ["-created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["store", "number"], name="sales_order_number")]

    @property
    def outstanding(self) -> Decimal:
        return max(self.total - self.paid, ZERO)


class SalesPayment(OpaqueIdModel):
    class Kind(models.TextChoices):
        DEPOSIT = "deposit", _("Deposit")
        BALANCE = "balance", _("Balance")
        LOAN = "loan", _("Loan disbursement")

    class Method(models.TextChoices):
        CASH = "cash", _("Cash")
        CARD = "card", _("Bank card")
        TRANSFER = "transfer", _("Bank transfer")
        WECHAT = "wechat", _("WeChat Pay")
        ALIPAY = "alipay", _("Alipay")

    order = models.ForeignKey(SalesOrder, on_delete=models.PROTECT, related_name="payments")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    method = models.CharField(_("method"), max_length=10, choices=Method.choices)
    amount = _money(_("amount"))
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("payment for a car")
        verbose_name_plural = _("payments for cars")
        ordering = ["at", "id"]
