"""Claims: who pays for a repair besides the customer (DOMAIN.md, "Claims").

- Manufacturer warranty claims (索赔): the warranty lines (payer `warranty`) of settled repair
  orders, collected into a claim: parts at the maker's price (MakerPartPrice), labor at the maker's
  rate (MakerLaborRate, per store and brand) and the labor operation's standard hours, a fault code,
  photos, the old part tagged and kept for the maker. A claim goes draft → submitted → approved /
  partly approved / rejected → paid (workflow.py); a line of an order is claimed once.
- Insurance claims (事故车): one per repair order with lines paid by the insurer: the insurer, the
  policy and report numbers, the assessor's amount (定损) against the repair, the documents the
  insurer asks for, and what the insurer paid. What insurers still owe is the store's receivable.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from dms.core.ids import OpaqueIdModel
from dms.core.models import Brand, DealerGroup, Store
from dms.core.scoping import GroupScopedQuerySet, StoreScopedQuerySet


def _money(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


# --- The maker's prices -------------------------------------------------------------------------------


class MakerLaborRate(models.Model):
    """The maker's labor rate (索赔工时单价) a store is reimbursed at, per brand it services."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+", verbose_name=_("brand"))
    rate = _money(_("maker's labor rate per hour"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("updated by"),
    )

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("maker's labor rate")
        verbose_name_plural = _("maker's labor rates")
        ordering = ["brand__name"]
        constraints = [
            models.UniqueConstraint(fields=["store", "brand"], name="one_maker_rate_per_store_brand"),
            models.CheckConstraint(condition=Q(rate__gte=0), name="maker_rate_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.brand_id} {self.rate}"


class MakerPartPrice(models.Model):
    """The price the maker reimburses a part at (索赔配件价), per brand: the maker's price list, the
    same in every store of the group."""

    group = models.ForeignKey(
        DealerGroup, on_delete=models.CASCADE, related_name="+", verbose_name=_("dealer group")
    )
    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="+", verbose_name=_("brand"))
    part = models.ForeignKey("parts.Part", on_delete=models.CASCADE, related_name="+", verbose_name=_("part"))
    price = _money(_("maker's price"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = GroupScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("maker's part price")
        verbose_name_plural = _("maker's part prices")
        constraints = [
            models.UniqueConstraint(fields=["brand", "part"], name="one_maker_price_per_brand_part"),
            models.CheckConstraint(condition=Q(price__gte=0), name="maker_price_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.part_id} {self.price}"


# --- Manufacturer warranty claims (索赔) -------------------------------------------------------------


class ClaimState(models.TextChoices):
    DRAFT = "draft", _("Draft claim")
    SUBMITTED = "submitted", _("With the maker")
    APPROVED = "approved", _("Approved by the maker")
    PARTLY_APPROVED = "partly_approved", _("Partly approved by the maker")
    REJECTED = "rejected", _("Rejected by the maker")
    PAID = "paid", _("Reimbursed by the maker")
    CANCELLED = "cancelled", _("Cancelled")


OPEN_CLAIM_STATES = (ClaimState.DRAFT, ClaimState.SUBMITTED, ClaimState.APPROVED, ClaimState.PARTLY_APPROVED)


class WarrantyClaim(OpaqueIdModel):
    """A claim to the maker (索赔单): the warranty lines of one settled order, or of several orders
    of one brand sent as one batch."""

    event_name = "warranty_claim"  # warranty_claim.submitted, .approved, … (dms.core.events)

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("claim number"), max_length=30)
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="+", verbose_name=_("brand"))
    state = models.CharField(_("state"), max_length=20, choices=ClaimState.choices, default=ClaimState.DRAFT)
    fault_code = models.CharField(_("fault code"), max_length=20, blank=True)
    fault_description = models.CharField(_("fault"), max_length=300, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    claimed_total = _money(_("claimed"), default=0)
    approved_total = _money(_("approved"), null=True, blank=True)
    paid_total = _money(_("reimbursed"), null=True, blank=True)
    maker_reference = models.CharField(_("maker's reference"), max_length=60, blank=True)
    decision_reason = models.CharField(_("maker's reason"), max_length=300, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    payment_reference = models.CharField(_("payment reference"), max_length=60, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("warranty claim")
        verbose_name_plural = _("warranty claims")
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="warranty_claim_number_per_store"),
            models.CheckConstraint(condition=Q(claimed_total__gte=0), name="claimed_not_negative"),
            models.CheckConstraint(
                condition=Q(approved_total__isnull=True) | Q(approved_total__lte=models.F("claimed_total")),
                name="approved_within_claimed",
            ),
        ]
        indexes = [
            models.Index(fields=["store", "state"], name="claim_store_state"),
            models.Index(fields=["store", "submitted_at"], name="claim_store_submitted"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def unreimbursed(self):
        """Claimed minus what the maker paid (all of it until it pays)."""
        return self.claimed_total - (self.paid_total or 0)


class OldPartStatus(models.TextChoices):
    KEPT = "kept", _("Kept for the maker")
    RETURNED = "returned", _("Returned to the maker")
    SCRAPPED = "scrapped", _("Scrapped with the maker's consent")


class PriceSource(models.TextChoices):
    MAKER = "maker", _("Maker's price")
    STORE = "store", _("Store's price (no maker's price set)")


class ClaimLine(models.Model):
    """One warranty line of a repair order, as claimed: hours × the maker's rate, or quantity × the
    maker's price. A line of an order is in one live claim at most (the constraint on `active`)."""

    claim = models.ForeignKey(WarrantyClaim, on_delete=models.CASCADE, related_name="lines")
    repair_order = models.ForeignKey("workshop.RepairOrder", on_delete=models.PROTECT, related_name="+")
    order_line = models.ForeignKey("workshop.RepairOrderLine", on_delete=models.PROTECT, related_name="+")
    active = models.BooleanField(default=True)  # False once its claim is cancelled: claimable again
    kind = models.CharField(_("kind"), max_length=10)
    code = models.CharField(_("operation code or part number"), max_length=40, blank=True)
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(_("hours or quantity"), max_digits=10, decimal_places=2)
    unit_price = _money(_("maker's rate or price"))
    amount = _money(_("claimed"))
    price_source = models.CharField(max_length=10, choices=PriceSource.choices, default=PriceSource.MAKER)
    fault_code = models.CharField(_("fault code"), max_length=20, blank=True)
    old_part_tag = models.CharField(_("old part's tag number"), max_length=30, blank=True)
    old_part_status = models.CharField(
        _("old part"), max_length=10, choices=OldPartStatus.choices, blank=True, default=""
    )
    approved_amount = _money(_("approved"), null=True, blank=True)

    class Meta:
        verbose_name = _("claim line")
        verbose_name_plural = _("claim lines")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["order_line"], condition=Q(active=True), name="order_line_claimed_once"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="claim_line_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gte=0, approved_amount__lte=models.F("amount")),
                name="claim_line_approved_within_amount",
            ),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"{self.code} {self.description}"

    @property
    def needs_tag(self) -> bool:
        return self.kind == "part"


def claim_photo_path(instance: "ClaimPhoto", filename: str) -> str:
    return f"claims/photos/{instance.claim.store_id}/{uuid.uuid4().hex}.jpg"


class ClaimPhoto(models.Model):
    """A photo the maker asks for (the fault, the old part and its tag, the odometer). Private:
    served only by a view that checks the store."""

    claim = models.ForeignKey(WarrantyClaim, on_delete=models.CASCADE, related_name="photos")
    image = models.FileField(_("photo"), upload_to=claim_photo_path, max_length=200)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("claim photo")
        verbose_name_plural = _("claim photos")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return self.caption or self.image.name


class ClaimEvent(models.Model):
    """The claim's timeline: who did what, when, from which state to which, why."""

    claim = models.ForeignKey(WarrantyClaim, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("warranty claim event")
        verbose_name_plural = _("warranty claim events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.action}"


# --- Insurance claims (事故车) --------------------------------------------------------------------------


class DocumentKind(models.TextChoices):
    ASSESSMENT = "assessment", _("Assessment (定损单)")
    VEHICLE_LICENCE = "vehicle_licence", _("Vehicle licence (行驶证)")
    DRIVER_LICENCE = "driver_licence", _("Driving licence (驾驶证)")
    ACCIDENT_REPORT = "accident_report", _("Accident report (事故认定书)")
    PHOTOS = "photos", _("Damage photos")
    POLICY = "policy", _("Policy (保单)")
    INVOICE = "invoice", _("Repair invoice")
    BANK = "bank", _("Payee's bank details")
    OTHER = "other", _("Other")


DEFAULT_REQUIRED = [
    DocumentKind.ASSESSMENT,
    DocumentKind.VEHICLE_LICENCE,
    DocumentKind.DRIVER_LICENCE,
    DocumentKind.ACCIDENT_REPORT,
    DocumentKind.PHOTOS,
]


def default_required() -> list[str]:
    return [str(k.value) for k in DEFAULT_REQUIRED]


class Insurer(models.Model):
    """An insurer (its local branch) the store bills accident repairs to directly."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    name = models.CharField(_("insurer"), max_length=100)
    contact = models.CharField(_("contact"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    required_documents = models.JSONField(_("documents it asks for"), default=default_required)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("insurer")
        verbose_name_plural = _("insurers")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["store", "name"], name="insurer_name_per_store")]

    def __str__(self) -> str:
        return self.name


class InsuranceState(models.TextChoices):
    OPEN = "open", _("Collecting documents")
    SUBMITTED = "submitted", _("Billed to the insurer")
    PAID = "paid", _("Paid by the insurer")
    CANCELLED = "cancelled", _("Cancelled")


class InsuranceClaim(OpaqueIdModel):
    """An accident repair billed to an insurer (理赔): one per repair order."""

    event_name = "insurance_claim"  # insurance_claim.submitted, .paid, …

    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+")
    number = models.CharField(_("number"), max_length=30)
    repair_order = models.ForeignKey("workshop.RepairOrder", on_delete=models.PROTECT, related_name="+")
    insurer = models.ForeignKey(
        Insurer, on_delete=models.PROTECT, related_name="claims", verbose_name=_("insurer")
    )
    policy_number = models.CharField(_("policy number"), max_length=40)
    claim_number = models.CharField(_("insurer's report number (报案号)"), max_length=40)
    accident_date = models.DateField(_("accident date"), null=True, blank=True)
    assessed_amount = _money(_("assessed amount (定损)"), null=True, blank=True)
    assessor = models.CharField(_("assessor"), max_length=50, blank=True)
    billed_amount = _money(_("billed to the insurer"), default=0)  # fixed at submission
    paid_total = _money(_("paid by the insurer"), default=0)
    note = models.CharField(_("note"), max_length=500, blank=True)
    state = models.CharField(
        _("state"), max_length=12, choices=InsuranceState.choices, default=InsuranceState.OPEN
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("insurance claim")
        verbose_name_plural = _("insurance claims")
        constraints = [
            models.UniqueConstraint(fields=["store", "number"], name="insurance_claim_number_per_store"),
            models.UniqueConstraint(
                fields=["repair_order"], condition=~Q(state="cancelled"), name="one_insurance_claim_per_order"
            ),
            models.CheckConstraint(condition=Q(paid_total__gte=0), name="insurance_paid_not_negative"),
            models.CheckConstraint(
                condition=Q(assessed_amount__isnull=True) | Q(assessed_amount__gte=0),
                name="assessed_not_negative",
            ),
        ]
        indexes = [models.Index(fields=["store", "state"], name="insurance_store_state")]

    def __str__(self) -> str:
        return self.number

    @property
    def outstanding(self):
        return self.billed_amount - self.paid_total


def document_path(instance: "InsuranceDocument", filename: str) -> str:
    return f"claims/documents/{instance.claim.store_id}/{uuid.uuid4().hex}.{instance.extension}"


class InsuranceDocument(models.Model):
    """A document the insurer asks for: a photo (re-encoded, no metadata) or a PDF. Private."""

    claim = models.ForeignKey(InsuranceClaim, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(_("document"), max_length=20, choices=DocumentKind.choices)
    file = models.FileField(_("file"), upload_to=document_path, max_length=200)
    content_type = models.CharField(max_length=30)
    caption = models.CharField(_("caption"), max_length=200, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("insurance document")
        verbose_name_plural = _("insurance documents")
        ordering = ["kind", "at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.file.name}"

    @property
    def extension(self) -> str:
        return "pdf" if self.content_type == "application/pdf" else "jpg"


class InsurancePayment(models.Model):
    """Money received from the insurer for a claim (a transfer, usually weeks after the repair)."""

    claim = models.ForeignKey(InsuranceClaim, on_delete=models.PROTECT, related_name="payments")
    amount = _money(_("amount"))
    received_on = models.DateField(_("received on"))
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("insurer's payment")
        verbose_name_plural = _("insurer's payments")
        ordering = ["received_on", "id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="insurance_payment_positive")]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.amount}"


class InsuranceEvent(models.Model):
    """The insurance claim's timeline."""

    claim = models.ForeignKey(InsuranceClaim, on_delete=models.CASCADE, related_name="history")
    at = models.DateTimeField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    action = models.CharField(max_length=30)
    from_state = models.CharField(max_length=12, blank=True)
    to_state = models.CharField(max_length=12, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("insurance claim event")
        verbose_name_plural = _("insurance claim events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id} {self.action}"
