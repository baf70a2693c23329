"""The customer file (顾客档案): who the customer is, how to reach them, how to serve them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dms.core.ids import OpaqueIdModel
from dms.core.models import DealerGroup, Store
from dms.core.scoping import GroupScopedQuerySet


class Title(models.TextChoices):
    MR = "mr", _("Mr")
    MS = "ms", _("Ms")
    NONE = "", _("(no title)")


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone call")
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("E-mail")


class PreferredTime(models.TextChoices):
    ANY = "any", _("Any time")
    MORNING = "morning", _("Morning")
    NOON = "noon", _("Midday")
    AFTERNOON = "afternoon", _("Afternoon")
    EVENING = "evening", _("Evening")


class Source(models.TextChoices):
    WALK_IN = "walk_in", _("Walk-in")
    PHONE = "phone", _("Phone")
    WEB = "web", _("Website / online")
    EVENT = "event", _("Event")
    REFERRAL = "referral", _("Referral")
    NEW_CAR_SALE = "sale", _("Bought a car here")
    IMPORT = "import", _("Imported")
    OTHER = "other", _("Other")


class BehaviourType(models.TextChoices):
    UNKNOWN = "", _("Not yet known")
    DOMINANT = "dominant", _("Dominant")
    ANALYTICAL = "analytical", _("Analytical")
    SOCIAL = "social", _("Social")


class ValueTier(models.TextChoices):
    LOYAL = "loyal", _("Loyal")
    OPPORTUNITY = "opportunity", _("Opportunity")
    MARGINAL = "marginal", _("Marginal")
    LOST = "lost", _("Lost")


class Customer(OpaqueIdModel):
    group = models.ForeignKey(
        DealerGroup, on_delete=models.PROTECT, related_name="+", verbose_name=_("dealer group")
    )
    home_store = models.ForeignKey(
        Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("registered at store")
    )
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("title"), max_length=5, choices=Title.choices, blank=True, default="")
    mobile = models.CharField(_("mobile"), max_length=11)
    phone2 = models.CharField(_("other phone"), max_length=30, blank=True)
    wechat = models.CharField(_("WeChat ID"), max_length=50, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    preferred_channel = models.CharField(
        _("preferred channel"), max_length=10, choices=Channel.choices, default=Channel.PHONE
    )
    preferred_time = models.CharField(
        _("preferred time"), max_length=10, choices=PreferredTime.choices, default=PreferredTime.ANY
    )
    marketing_consent = models.BooleanField(_("consents to marketing messages"), default=False)
    consent_changed_at = models.DateTimeField(_("consent last changed"), null=True, blank=True)
    occupation = models.CharField(_("occupation"), max_length=50, blank=True)
    region = models.CharField(_("region"), max_length=50, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.WALK_IN)
    birthday = models.DateField(_("birthday"), null=True, blank=True)
    known_since = models.DateField(
        _("customer since"),
        null=True,
        blank=True,
        help_text=_(
            "When the customer first came to the group, if before this file was opened (e.g. imported)."
        ),
    )
    behaviour_type = models.CharField(
        _("behaviour type"), max_length=10, choices=BehaviourType.choices, blank=True, default=""
    )
    value_tier = models.CharField(
        _("value tier"), max_length=12, choices=ValueTier.choices, default=ValueTier.OPPORTUNITY
    )
    value_tier_reason = models.CharField(_("why this tier"), max_length=200, blank=True)
    customer_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="managed_customers",
        verbose_name=_("customer manager"),
    )
    notes = models.TextField(_("notes"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    # Search keys, kept by the services; see selectors.customer_search.
    name_pinyin = models.CharField(_("name in pinyin"), max_length=120, blank=True, editable=False)
    name_initials = models.CharField(_("initials of the name"), max_length=30, blank=True, editable=False)
    name_tail = models.CharField(_("given name (search key)"), max_length=50, blank=True, editable=False)
    mobile_tail = models.CharField(  # reversed: last digits first
        _("mobile reversed (search key)"), max_length=11, blank=True, editable=False
    )

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        indexes = [
            models.Index(fields=["group", "mobile"], name="cust_mobile"),
            models.Index(fields=["group", "value_tier"], name="cust_tier"),
            models.Index(fields=["group", "customer_manager"], name="cust_cm"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def salutation(self) -> str:
        """How letters and messages address the customer: 张先生, 李女士."""
        return salutation(self.name, self.title)

    @property
    def customer_since(self):
        """The date the customer is known from: `known_since`, else the day the file was opened."""
        from django.utils import timezone

        return self.known_since or timezone.localtime(self.created_at).date()


def salutation(name: str, title: str) -> str:
    from .rules import surname_of

    surname = surname_of(name)
    if title == Title.MR:
        return f"{surname}先生"
    if title == Title.MS:
        return f"{surname}女士"
    return name


class Purpose(models.TextChoices):
    """What personal data is used for, each with its own notice and consent (PIPL art. 14, 17)."""

    SERVICE = "service", _("Service (repairs, appointments, reminders)")
    MARKETING = "marketing", _("Marketing (offers, events, new cars)")


class NoticeText(models.Model):
    """A version of a dealer group's privacy notice for one purpose: what the customer is told and
    agrees to. Versions are never edited once in force; a new version is added (see privacy.py)."""

    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    version = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("notice text"))
    text_hash = models.CharField(max_length=64, editable=False)  # SHA-256 of the text, hex
    effective_from = models.DateTimeField(_("in force from"))
    created_at = models.DateTimeField(auto_now_add=True)

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")
        ordering = ["group", "purpose", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["group", "purpose", "version"], name="notice_version_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} v{self.version}"


class ConsentEvent(OpaqueIdModel):
    """Each grant or withdrawal of consent for a purpose (PIPL), with the notice agreed to, kept
    for proof: who recorded it, when and how."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consent_events")
    purpose = models.CharField(
        _("purpose"), max_length=10, choices=Purpose.choices, default=Purpose.MARKETING
    )
    granted = models.BooleanField()
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    how = models.CharField(_("how it was given"), max_length=100, blank=True)
    notice = models.ForeignKey(
        NoticeText, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("notice agreed to"),
    )  # fmt: skip
    notice_version = models.PositiveIntegerField(_("notice version"), null=True, blank=True)
    notice_hash = models.CharField(_("notice text SHA-256"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.customer_id} {'+' if self.granted else '-'} {self.at:%Y-%m-%d}"


class CustomerContact(OpaqueIdModel):
    """One contact with the customer: a call, a message, a visit. The customer card's history."""

    class Direction(models.TextChoices):
        OUT = "out", _("We contacted them")
        IN = "in", _("They contacted us")

    class Kind(models.TextChoices):
        PHONE = "phone", _("Phone call")
        SMS = "sms", _("SMS")
        WECHAT = "wechat", _("WeChat")
        EMAIL = "email", _("E-mail")
        VISIT = "visit", _("Visit")
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("customer")
    )
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    at = models.DateTimeField(_("when"))
    kind = models.CharField(_("channel"), max_length=10, choices=Kind.choices)
    direction = models.CharField(
        _("direction"), max_length=3, choices=Direction.choices, default=Direction.OUT
    )
    summary = models.TextField(_("what was said"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["-at"]
        indexes = [models.Index(fields=["customer", "-at"], name="contact_by_customer")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.summary[:30]}"


class SegmentationRules(models.Model):
    """A group's value-tier rules (docs/segmentation.md). Defaults follow seed 001."""

    group = models.OneToOneField(
        DealerGroup,
        on_delete=models.CASCADE,
        related_name="segmentation_rules",
        verbose_name=_("dealer group"),
    )
    loyal_min_visits = models.PositiveSmallIntegerField(
        _("loyal: paid visits in the last 12 months, at least"), default=3
    )
    loyal_min_spend = models.DecimalField(
        _("loyal: paid spend in the last 12 months, at least (CNY)"),
        max_digits=10,
        decimal_places=2,
        default=2000,
    )
    opportunity_months = models.PositiveSmallIntegerField(
        _("opportunity: first visit or purchase within months"), default=12
    )
    marginal_gap_months = models.PositiveSmallIntegerField(
        _("marginal: no paid visit for more than months"), default=6
    )
    lost_years = models.PositiveSmallIntegerField(_("lost: no visit for years"), default=3)

    class Meta:
        verbose_name = _("segmentation rules")
        verbose_name_plural = _("segmentation rules")

    def __str__(self) -> str:
        return str(self.group)


def _import_upload_to(instance, filename: str) -> str:
    """Uploaded spreadsheets are stored under a random name: the user's file name is kept on the job."""
    import uuid

    from django.utils import timezone

    return f"imports/{timezone.now():%Y/%m}/{uuid.uuid4().hex}.xlsx"


class ImportJob(OpaqueIdModel):
    """One upload of a customers-and-vehicles spreadsheet and how its import went (see xlsx.py)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Finished")
        FAILED = "failed", _("Failed")

    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    file = models.FileField(_("file"), upload_to=_import_upload_to, blank=True)  # removed once imported
    filename = models.CharField(_("file name"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    message = models.CharField(_("why it failed"), max_length=300, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows processed"), default=0)
    error_rows = models.PositiveIntegerField(_("rows with errors"), default=0)
    created_customers = models.PositiveIntegerField(_("customers created"), default=0)
    reused_customers = models.PositiveIntegerField(_("customers already on file"), default=0)
    created_vehicles = models.PositiveIntegerField(_("vehicles created"), default=0)
    errors = models.JSONField(_("errors"), default=list, blank=True)  # [{row, column, field, message}]
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["group", "-created_at"], name="import_by_group")]

    def __str__(self) -> str:
        return self.filename

    @property
    def is_finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def errors_truncated(self) -> bool:
        """Whether some rows with errors are counted but not listed (see xlsx.MAX_LISTED_ERRORS)."""
        return len({e["row"] for e in self.errors}) < self.error_rows

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return min(100, self.processed_rows * 100 // self.total_rows) if self.total_rows else 0


class ExportRecord(models.Model):
    """Each export of personal data (PIPL): who, when, from which store, what and how many rows."""

    class What(models.TextChoices):
        CUSTOMERS_VEHICLES = "customers_vehicles", _("Customers and vehicles (.xlsx)")
        CUSTOMER_PAGES = "customer_pages", _("Customer list read beyond a page")
        SUBJECT_ACCESS = "subject_access", _("Everything held about one customer, at their request")

    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    username = models.CharField(_("user name"), max_length=150)  # kept if the account is ever removed
    at = models.DateTimeField(_("when"))
    what = models.CharField(_("what"), max_length=30, choices=What.choices)
    row_count = models.PositiveIntegerField(_("rows"))
    customer_count = models.PositiveIntegerField(_("customers"))
    query = models.CharField(_("query"), max_length=300, blank=True)  # what a bulk read asked for

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("export of personal data")
        verbose_name_plural = _("exports of personal data")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["group", "-at"], name="export_by_group")]

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M} {self.row_count}"


class ErasureRecord(models.Model):
    """Each erasure of a customer's personal data at their request (PIPL art. 47): who, when, why,
    and how many records were touched; never the erased data."""

    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    customer = models.OneToOneField(
        Customer, on_delete=models.PROTECT, related_name="erasure", verbose_name=_("customer")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+", verbose_name=_("by")
    )
    username = models.CharField(_("user name"), max_length=150)
    at = models.DateTimeField(_("when"))
    reason = models.CharField(_("reason"), max_length=300)
    counts = models.JSONField(_("records changed"), default=dict)  # {"app.Model": rows}

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("erasure of personal data")
        verbose_name_plural = _("erasures of personal data")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.username} {self.at:%Y-%m-%d %H:%M} {self.customer_id}"
