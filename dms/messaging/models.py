"""The outbox: every message to a customer, and how each store reaches its customers.

Message: one row per message (SMS, WeChat, e-mail), written in the transaction of whatever caused
it (services.message_queue) and sent later by the worker (outbox.py). It keeps what the customer
was told (the rendered body, for the timeline), why it was held back (suppressed, scheduled) and
how sending went (attempts, the provider's id, the last error).

ChannelConfig: which provider a store uses for a channel, with its settings (keys, sign name,
template codes per message kind, endpoint). Secrets are kept in this table for now (readable by
whoever reads the database and by the group's administrator in the admin); a secrets store is
future work. No config: the recording channel (nothing is sent, and the pages say so).

MessagingSettings: a store's quiet hours. Recipient: what messaging knows of a customer that the
customer file does not (the WeChat openid of the linked Official Account, an opt-out of every
message).
"""

from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from dms.core.ids import OpaqueIdModel
from dms.core.models import DealerGroup, Store
from dms.core.scoping import GroupScopedQuerySet
from dms.customers.models import Customer


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    WECHAT = "wechat", _("WeChat")
    EMAIL = "email", _("E-mail")


class Purpose(models.TextChoices):
    SERVICE = "service", _("Service notice")
    MARKETING = "marketing", _("Marketing")


class State(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("message state", "Queued")
    SCHEDULED = "scheduled", pgettext_lazy("message state", "Scheduled")
    SENT = "sent", pgettext_lazy("message state", "Sent")
    DELIVERED = "delivered", pgettext_lazy("message state", "Delivered")
    FAILED = "failed", pgettext_lazy("message state", "Failed")
    SUPPRESSED = "suppressed", pgettext_lazy("message state", "Withheld")


PENDING_STATES = (State.QUEUED, State.SCHEDULED)


class Provider(models.TextChoices):
    RECORDING = "recording", _("Recording only (nothing is sent)")
    SMTP = "smtp", _("E-mail over SMTP")
    ALIYUN = "aliyun", _("Alibaba Cloud SMS")
    TENCENT = "tencent", _("Tencent Cloud SMS")
    WECHAT = "wechat", _("WeChat Official Account")


# Which providers can carry which channel.
CHANNEL_PROVIDERS: dict[str, tuple[str, ...]] = {
    Channel.SMS: (Provider.ALIYUN, Provider.TENCENT, Provider.RECORDING),
    Channel.EMAIL: (Provider.SMTP, Provider.RECORDING),
    Channel.WECHAT: (Provider.WECHAT, Provider.RECORDING),
}


class MessageQuerySet(GroupScopedQuerySet):
    """Messages are seen group-wide, like the customer they were sent to."""


class Message(OpaqueIdModel):
    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+")
    store = models.ForeignKey(Store, on_delete=models.PROTECT, related_name="+", verbose_name=_("store"))
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="+", verbose_name=_("customer")
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    kind = models.CharField(_("kind"), max_length=40)  # kinds.KINDS: the template of the text
    params = models.JSONField(default=dict, blank=True)  # the template's parameters
    body = models.TextField(_("text"))  # as rendered when queued: what the timeline shows
    address = models.CharField(_("to"), max_length=254, blank=True)  # mobile, e-mail or openid
    # What the message is about (e.g. "repair_order", 123): no foreign key to apps above.
    subject_type = models.CharField(max_length=40, blank=True)
    subject_id = models.BigIntegerField(null=True, blank=True)
    idempotency_key = models.CharField(max_length=100, null=True, blank=True)

    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    reason = models.CharField(_("why"), max_length=200, blank=True)
    send_after = models.DateTimeField(_("not before"), null=True, blank=True)
    # Sending, by the worker (outbox.py): due at next_attempt_at; held by `claimed_by` until
    # `claimed_until` while it is being sent (a lease: another worker takes over once it lapses).
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    provider = models.CharField(_("provider"), max_length=12, choices=Provider.choices, blank=True)
    provider_message_id = models.CharField(_("provider's id"), max_length=100, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    objects = MessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message to a customer")
        verbose_name_plural = _("messages to customers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["group", "idempotency_key"], name="message_key_once_per_group")
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="message_due"),
            models.Index(fields=["customer", "-created_at"], name="message_by_customer"),
            models.Index(fields=["subject_type", "subject_id"], name="message_by_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} {self.kind} → {self.customer_id}"

    @property
    def outbox_key(self) -> str:
        """The idempotency key the providers see (and dedup on, where they can): one per message,
        the same on every attempt."""
        return f"odms-{self.pk}"

    @property
    def recorded_only(self) -> bool:
        return self.provider == Provider.RECORDING


class ChannelConfig(models.Model):
    """How a store sends on one channel. `settings` by provider (see channels/*.py):

    - aliyun: access_key_id, access_key_secret, sign_name, endpoint?, region?,
      templates {kind: {"code": "SMS_123", "params": [names] or {template variable: name}}}
    - tencent: secret_id, secret_key, sdk_app_id, sign_name, endpoint?, region?,
      templates {kind: {"id": "1234567", "params": [names, in the template's order]}}
    - wechat: app_id, app_secret, endpoint?, templates {kind: {"id": "...", "fields":
      {template field: name}, "url": name of the link parameter?}}
    - smtp: from?, host?, port? (default EMAIL_HOST / EMAIL_PORT), timeout?
    """

    store = models.ForeignKey(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    provider = models.CharField(_("provider"), max_length=12, choices=Provider.choices)
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    active = models.BooleanField(_("active"), default=True)
    # Part of the URL the provider calls with the customers' replies (退订); see views.inbound_sms.
    inbound_token = models.CharField(max_length=64, blank=True)
    # WeChat's access_token, shared by every worker until it expires.
    access_token = models.CharField(max_length=600, blank=True)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("channel configuration")
        verbose_name_plural = _("channel configurations")
        constraints = [models.UniqueConstraint(fields=["store", "channel"], name="one_config_per_channel")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.channel}: {self.provider}"

    def save(self, *args, **kwargs):
        from .vault import sealed

        self.settings = sealed(self.settings) if isinstance(self.settings, dict) else self.settings
        super().save(*args, **kwargs)

    @property
    def plain_settings(self) -> dict:
        """The settings with their secrets opened (dms/messaging/vault.py): for the providers only."""
        from .vault import opened

        return opened(self.settings) if isinstance(self.settings, dict) else {}

    def clean(self):
        if self.provider not in CHANNEL_PROVIDERS.get(self.channel, ()):
            raise ValidationError({"provider": _("This provider cannot send on this channel.")})
        if not isinstance(self.settings, dict):
            raise ValidationError({"settings": _("Settings are a JSON object.")})


DEFAULT_QUIET_START = time(21, 0)
DEFAULT_QUIET_END = time(8, 30)


class MessagingSettings(models.Model):
    """A store's quiet hours (in the store's time zone): SMS and WeChat messages queued then wait
    for the morning."""

    store = models.OneToOneField(Store, on_delete=models.CASCADE, related_name="+", verbose_name=_("store"))
    quiet_start = models.TimeField(_("quiet hours from"), default=DEFAULT_QUIET_START)
    quiet_end = models.TimeField(_("quiet hours until"), default=DEFAULT_QUIET_END)

    class Meta:
        verbose_name = _("messaging settings")
        verbose_name_plural = _("messaging settings")

    def __str__(self) -> str:
        return f"{self.store_id} {self.quiet_start:%H:%M}–{self.quiet_end:%H:%M}"


class Recipient(models.Model):
    """What messaging knows of a customer beyond the customer file."""

    customer = models.OneToOneField(Customer, on_delete=models.CASCADE, primary_key=True, related_name="+")
    wechat_openid = models.CharField(_("WeChat openid"), max_length=64, blank=True)
    # Opted out of every message, service notices included (marketing consent is on the customer).
    opted_out = models.BooleanField(_("opted out of all messages"), default=False)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    opted_out_how = models.CharField(max_length=100, blank=True)

    class Meta:
        verbose_name = _("message recipient")
        verbose_name_plural = _("message recipients")

    def __str__(self) -> str:
        return str(self.customer_id)


# --- Webhooks -------------------------------------------------------------------------------------


class WebhookSubscriptionQuerySet(GroupScopedQuerySet):
    pass


class WebhookSubscription(OpaqueIdModel):
    """A dealer group's integrator: a URL that receives the group's events of the chosen types,
    signed with the secret (webhooks.py). Paused, with the reason, when it keeps failing; the
    administrator resumes it in the admin."""

    group = models.ForeignKey(DealerGroup, on_delete=models.PROTECT, related_name="+")
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("event types"), default=list)  # types, "<record>.*" or "*"
    secret = models.CharField(_("secret"), max_length=100)
    active = models.BooleanField(_("active"), default=True)
    paused_reason = models.CharField(_("why it was paused"), max_length=300, blank=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(_("failures in a row"), default=0)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = WebhookSubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["group"], name="webhook_by_group")]

    def __str__(self) -> str:
        return self.url

    def matches(self, type: str) -> bool:
        return events_match(self.events, type)


def events_match(patterns, type: str) -> bool:
    """Whether a subscription to `patterns` (types, "<record>.*" or "*") wants an event of `type`."""
    for pattern in patterns or []:
        if pattern == "*" or pattern == type or (pattern.endswith(".*") and type.startswith(pattern[:-1])):
            return True
    return False


class DeliveryState(models.TextChoices):
    QUEUED = "queued", pgettext_lazy("message state", "Queued")
    DELIVERED = "delivered", pgettext_lazy("message state", "Delivered")


class WebhookDelivery(models.Model):
    """One event to one subscription: written in the event's transaction, POSTed by the worker,
    retried with backoff; a subscription's deliveries go in event order."""

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event = models.ForeignKey("core.Event", on_delete=models.CASCADE, related_name="+")
    state = models.CharField(
        _("state"), max_length=10, choices=DeliveryState.choices, default=DeliveryState.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    claimed_by = models.CharField(max_length=64, blank=True)
    response_status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["event_id"]
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="one_delivery_per_event")
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="delivery_due"),
            models.Index(fields=["subscription", "state", "event"], name="delivery_order"),
        ]

    def __str__(self) -> str:
        return f"{self.subscription_id} ← {self.event_id}"
