"""The relationship engine's records.

A touch (FollowUp) is one task with the customer: an owner, a due time, a channel and an outcome.
The after-service call (回访) was the first kind; touch plans (TouchRule) add the others: new-car
touches, maintenance, insurance renewal (续保), annual inspection, birthday, dormant customers,
complaints closed, referrals. Each touch made by a rule keeps the rule and a `key` that names its
rule, subject and period, unique: generating twice creates nothing twice (generation.py)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dms.core.models import DealerGroup, Store
from dms.core.scoping import StoreScopedQuerySet
from dms.customers.models import Customer
from dms.vehicles.models import Vehicle


class TouchChannel(models.TextChoices):
    CALL = "call", _("Phone call")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("E-mail")
    VISIT = "visit", _("Visit")
    CARD = "card", _("Card")
    GIFT = "gift", _("Gift")


SENDING_CHANNELS = (TouchChannel.SMS, TouchChannel.WECHAT, TouchChannel.EMAIL)


class Trigger(models.TextChoices):
    SERVICE_DELIVERED = "service_delivered", _("Service delivered")
    NEW_CAR_DELIVERED = "new_car_delivered", _("New car delivered")
    MAINTENANCE_DUE = "maintenance_due", _("Maintenance due")
    INSURANCE_EXPIRY = "insurance_expiry", _("Insurance expires")
    INSPECTION_DUE = "inspection_due", _("Annual inspection due")
    BIRTHDAY = "birthday", _("Birthday")
    DORMANT = "dormant", _("Customer dormant")
    KEEP_IN_TOUCH = "keep_in_touch", _("Keep in touch")
    COMPLAINT_CLOSED = "complaint_closed", _("Complaint closed")
    REFERRAL_MADE = "referral_made", _("Referral made")


EVENT_TRIGGERS = (
    Trigger.SERVICE_DELIVERED, Trigger.NEW_CAR_DELIVERED, Trigger.COMPLAINT_CLOSED, Trigger.REFERRAL_MADE,
)  # fmt: skip
MANAGER = "manager"  # a rule's assignee: the customer's own customer manager


class TouchRule(models.Model):
    """One step of a touch plan: when (trigger + offset), how (channel, script), by whom.

    A group's rules (store empty) are the plan of every store; a store's rule with the same code
    replaces the group's there (a store may change the offset, channel, script or switch it off)."""

    group = models.ForeignKey(
        DealerGroup, on_delete=models.CASCADE, related_name="+", verbose_name=_("dealer group")
    )
    store = models.ForeignKey(
        Store, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name=_("store")
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    trigger = models.CharField(_("trigger"), max_length=20, choices=Trigger.choices)
    kind = models.CharField(_("kind of touch"), max_length=20)
    offset_days = models.IntegerField(_("offset (days)"), default=0, help_text=_("Negative: before."))
    offset_hours = models.IntegerField(_("offset (hours)"), default=0)
    every_months = models.PositiveSmallIntegerField(
        _("every (months)"), default=0, help_text=_("Maintenance interval, dormancy or touch rhythm.")
    )
    every_km = models.PositiveIntegerField(_("every (km)"), default=0)
    behaviour_type = models.CharField(
        _("only for behaviour type"), max_length=10, blank=True,
        help_text=_("Empty: every customer; 'unknown': those whose type is not yet known."),
    )  # fmt: skip
    channel = models.CharField(_("channel"), max_length=10, choices=TouchChannel.choices)
    marketing = models.BooleanField(
        _("marketing"), default=False, help_text=_("Sent only to customers who consented to marketing.")
    )
    assignee = models.CharField(
        _("who does it"), max_length=20, help_text=_("A role, or 'manager': the customer's own manager.")
    )
    script_zh = models.TextField(_("script (Chinese)"), blank=True)
    script_en = models.TextField(_("script (English)"), blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("touch rule")
        verbose_name_plural = _("touch rules")
        ordering = ["trigger", "offset_days", "offset_hours", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "code"], condition=models.Q(store__isnull=True), name="touchrule_group_code"
            ),
            models.UniqueConstraint(fields=["store", "code"], name="touchrule_store_code"),
        ]

    def __str__(self) -> str:
        return self.name


class FollowUp(models.Model):
    class Kind(models.TextChoices):
        AFTER_SERVICE = "after_service", _("Call after service")
        NEW_CAR = "new_car", _("New car")
        MAINTENANCE = "maintenance", _("Maintenance reminder")
        INSURANCE = "insurance", _("Insurance renewal")
        INSPECTION = "inspection", _("Annual inspection")
        BIRTHDAY = "birthday", _("Birthday")
        DORMANT = "dormant", _("Dormant customer")
        COMPLAINT = "complaint", _("After a complaint")
        REFERRAL = "referral", _("Referral thanks")
        SURVEY = "survey", _("Survey")
        KEEP_IN_TOUCH = "keep_in_touch", _("Keep in touch")

    class State(models.TextChoices):
        OPEN = "open", _("To do")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached")
        NOT_REACHED = "not_reached", _("Not reached")
        CALL_BACK = "call_back", _("Call back at")
        WRONG_NUMBER = "wrong_number", _("Wrong number")
        DECLINED = "declined", _("Declined")
        DO_NOT_CONTACT = "do_not_contact", _("Do not contact")
        SENT = "sent", _("Sent")
        WITHHELD = "withheld", _("Not sent")

    # store, customer and assigned_to are the first column of an index below: no index of their own
    # (fewer indexes to write: a day's plan inserts tens of thousands of touches).
    store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("store")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    customer = models.ForeignKey(
        Customer,
        on_delete=models.PROTECT,
        related_name="followups",
        db_index=False,
        verbose_name=_("customer"),
    )
    vehicle = models.ForeignKey(
        Vehicle, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("vehicle")
    )
    repair_order = models.ForeignKey(
        "workshop.RepairOrder", on_delete=models.PROTECT, null=True, blank=True, related_name="followups",
        verbose_name=_("repair order"),
    )  # fmt: skip
    rule = models.ForeignKey(
        TouchRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("rule")
    )
    key = models.CharField(  # rule:subject:period
        _("key against duplicates"), max_length=120, null=True, blank=True, editable=False
    )
    subject_date = models.DateField(_("due item date"), null=True, blank=True)  # expiry, birthday, …
    priority = models.PositiveSmallIntegerField(_("priority"), default=1)  # 0 loyal first … 3 lost
    due_at = models.DateTimeField(_("due"))
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("assigned to"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=TouchChannel.choices, blank=True)
    preferred_time = models.CharField(_("preferred time"), max_length=10, blank=True)
    consent = models.BooleanField(_("customer agreed to be contacted"), default=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices, blank=True)
    reached = models.BooleanField(_("reached the customer"), null=True, blank=True)
    satisfaction = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    complaint = models.BooleanField(_("complaint"), default=False)
    complaint_case_id = models.BigIntegerField(  # dms.satisfaction's Complaint
        _("complaint case"), null=True, blank=True
    )
    note = models.TextField(_("what the customer said"), blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    message_id = models.BigIntegerField(  # the outbox message a sending touch made
        _("message to a customer"), null=True, blank=True
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["store", "state", "due_at"], name="followup_queue"),
            models.Index(fields=["assigned_to", "state", "due_at"], name="followup_mine"),
            models.Index(fields=["customer", "-due_at"], name="followup_by_customer"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="satisfaction_1_to_5",
            ),
            models.UniqueConstraint(fields=["key"], name="followup_one_per_key"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.customer_id}"

    @property
    def sends(self) -> bool:
        return self.channel in SENDING_CHANNELS


class TouchPlanRun(models.Model):
    """One day's generation for a dealer group: the worker runs it once a day (tasks.py)."""

    group = models.ForeignKey(DealerGroup, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    created = models.PositiveIntegerField(default=0)
    seconds = models.FloatField(default=0)
    finished_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("day's touch plan")
        verbose_name_plural = _("days' touch plans")
        constraints = [models.UniqueConstraint(fields=["group", "day"], name="touchplanrun_once_a_day")]

    def __str__(self) -> str:
        return f"{self.group_id} {self.day}: {self.created}"


class PortfolioReview(models.Model):
    """A customer manager's monthly information update (seed 003): every customer's file checked
    and brought up to date, handed in by the 15th to the showroom manager."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    manager = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    month = models.DateField(_("month"))  # its first day
    customers = models.PositiveIntegerField(_("customers in the portfolio"), default=0)
    updated = models.PositiveIntegerField(_("files updated this month"), default=0)
    note = models.TextField(_("note"), blank=True)
    completed_at = models.DateTimeField(_("handed in"))

    class Meta:
        verbose_name = _("monthly information update")
        verbose_name_plural = _("monthly information updates")
        constraints = [
            models.UniqueConstraint(fields=["store", "manager", "month"], name="portfolioreview_once_a_month")
        ]

    def __str__(self) -> str:
        return f"{self.manager_id} {self.month:%Y-%m}"


class ToolkitEntry(models.Model):
    """One use of the customer manager's toolkit with a customer (一照二卡三邀请四礼五电六拜访):
    the delivery photo, a card, an invitation, a gift, a call, a visit. Touches done count too
    (portfolios.toolkit_counts); this records the ones done outside a touch."""

    class Tool(models.TextChoices):
        PHOTO = "photo", _("Delivery photo")
        CARD = "card", _("Card")
        INVITATION = "invitation", _("Invitation")
        GIFT = "gift", _("Gift")
        CALL = "call", _("Phone call")
        VISIT = "visit", _("Visit")

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    tool = models.CharField(_("tool"), max_length=12, choices=Tool.choices)
    note = models.CharField(_("note"), max_length=200, blank=True)
    at = models.DateTimeField(_("when"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("toolkit entry")
        verbose_name_plural = _("toolkit entries")
        indexes = [models.Index(fields=["customer", "tool"], name="toolkit_by_customer")]

    def __str__(self) -> str:
        return f"{self.get_tool_display()} {self.customer_id}"


class ReplacementSignal(models.Model):
    """A service customer's car is old or worn: handed to sales as `vehicle.replacement_due`
    (seed 001's vehicle-age tiers, seed 004's replacement and trade-in opportunities), once a year."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+")
    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="+")
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    reason = models.CharField(_("why"), max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("replacement opportunity")
        verbose_name_plural = _("replacement opportunities")
        constraints = [models.UniqueConstraint(fields=["vehicle", "year"], name="replacement_once_a_year")]

    def __str__(self) -> str:
        return f"{self.vehicle_id} {self.year}"
