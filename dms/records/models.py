"""The electronic repair record (汽车维修电子健康档案) of each settled repair order, and where a store
uploads it.

RepairRecord: one per settled order, built in the settle step's transaction (subscribers.py): the
record as the province's platform takes it (`data`, in the platform's field names: see build.py)
and its upload, an outbox row of its own kind (uploads.py; messaging's outbox runs it): pending
until the worker uploads it (claimed with a lease, retried with backoff), then sent or failed with
the reason; "manual" where the store has no platform set (it uploads by hand, from the export).
UploadAttempt: one row per attempt (when, how it went, the platform's answer), for the
administrator's page.

PlatformSettings: a store's platform: its address, the company code and password the platform
issued (the password sealed with dms/messaging/vault.py, as the SMS providers' secrets), the paths
of its two calls, and the access token it gave last (sealed too), shared by every worker until it
expires.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from dms.core.ids import OpaqueIdModel
from dms.core.models import Store
from dms.core.scoping import StoreScopedQuerySet

# The national platform's published paths (全国汽车维修电子健康档案系统, 数据对接): a province's
# platform may differ, so both are set per store.
TOKEN_PATH = "/restservices/lcipprodatarest/lcipprogetaccesstoken/query"
UPLOAD_PATH = "/restservices/lcipprodatarest/lcipprocarfixrecordadd/query"


class UploadState(models.TextChoices):
    PENDING = "pending", _("Queued for upload")
    SENT = "sent", _("Uploaded to the platform")
    FAILED = "failed", _("Upload failed")
    MANUAL = "manual", _("By hand (no platform set)")


class RepairRecord(OpaqueIdModel):
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    # No reverse accessor on the order: the workshop knows nothing of the records app.
    order = models.OneToOneField(
        "workshop.RepairOrder", on_delete=models.PROTECT, related_name="+", verbose_name=_("repair order")
    )
    vehicle = models.ForeignKey(
        "vehicles.Vehicle", on_delete=models.PROTECT, related_name="+", verbose_name=_("vehicle")
    )
    # Copied from the record for lists and searches (the record itself is `data`).
    vin = models.CharField(_("VIN"), max_length=17, blank=True)
    plate = models.CharField(_("plate"), max_length=8, blank=True)
    settlement_number = models.CharField(_("settlement list number"), max_length=30)
    # 机动车维修竣工出厂合格证, as given at settlement ("" where none was issued).
    certificate_number = models.CharField(_("completion certificate number"), max_length=30, blank=True)
    settled_on = models.DateField(_("settlement date"))
    data = models.JSONField(_("record"), default=dict)

    state = models.CharField(
        _("upload"), max_length=10, choices=UploadState.choices, default=UploadState.PENDING
    )
    reason = models.CharField(_("why"), max_length=300, blank=True)  # why it failed, for the reader
    # Uploading, by the worker (uploads.py): due at next_attempt_at; held by `claimed_by` until
    # `claimed_until` while it is being uploaded (a lease, as messaging's outbox).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    platform_record_id = models.CharField(_("platform's id"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("uploaded at"), null=True, blank=True)
    exported_at = models.DateTimeField(_("last exported"), null=True, blank=True)
    created_at = models.DateTimeField(_("built at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = StoreScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("electronic repair record")
        verbose_name_plural = _("electronic repair records")
        ordering = ["-settled_on", "-created_at"]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="record_due"),
            models.Index(fields=["store", "settled_on"], name="record_by_month"),
            models.Index(fields=["vehicle", "settled_on"], name="record_by_vehicle"),
        ]

    def __str__(self) -> str:
        return f"{self.settlement_number} {self.plate or self.vin}"


class UploadAttempt(models.Model):
    """One try at uploading a record: when, how it went, what the platform answered."""

    class Outcome(models.TextChoices):
        SENT = "sent", _("Upload succeeded")
        DUPLICATE = "duplicate", _("Already on the platform")
        RETRY = "retry", _("Failed, tried again later")
        FAILED = "failed", _("Upload attempt failed")
        RETRIED = "retried", _("Queued again by hand")

    record = models.ForeignKey(RepairRecord, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    message = models.CharField(max_length=300, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        verbose_name = _("upload attempt")
        verbose_name_plural = _("upload attempts")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.record_id} {self.at:%Y-%m-%d %H:%M} {self.outcome}"


class PlatformSettings(models.Model):
    """A store's province platform. Without one (or inactive), its records are kept for upload by
    hand (the export)."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    active = models.BooleanField(_("upload automatically"), default=True)
    base_url = models.URLField(_("platform address"), max_length=300)
    company_code = models.CharField(_("company code"), max_length=50)
    password = models.CharField(_("password"), max_length=600)  # sealed (dms/messaging/vault.py)
    token_path = models.CharField(_("path of the token call"), max_length=200, default=TOKEN_PATH)
    upload_path = models.CharField(_("path of the upload call"), max_length=200, default=UPLOAD_PATH)
    # The platform's access token, shared by every worker until it expires (sealed too).
    access_token = models.CharField(_("platform's access token"), max_length=1000, blank=True)
    access_token_expires_at = models.DateTimeField(_("access token expires"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("updated by"),
    )  # fmt: skip

    class Meta:
        verbose_name = _("repair record platform")
        verbose_name_plural = _("repair record platforms")

    def __str__(self) -> str:
        return f"{self.store_id}: {self.base_url}"

    def save(self, *args, **kwargs):
        from dms.messaging.vault import seal

        self.password = seal(self.password)
        self.access_token = seal(self.access_token)
        super().save(*args, **kwargs)

    @property
    def plain_password(self) -> str:
        from dms.messaging.vault import unseal

        return unseal(self.password) or ""
