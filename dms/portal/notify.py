"""Telling the customer by SMS: one small interface, two adapters.

`send_sms(*, store, mobile, text, order=None, kind)` hands the text to the adapter named by the
setting DMS_SMS_BACKEND and keeps an OutboundMessage either way, so that staff see exactly what
the customer was told:

- "record" (the default): no SMS provider is connected; the message is recorded as if sent
  (state "recorded"). The provider is a third party this installation cannot reach.
- "provider": the adapter for a Chinese SMS gateway (Aliyun / Tencent Cloud style: access key,
  secret, signature). It is a placeholder: selected without credentials it refuses to start
  (SmsNotConfigured); with them, it records the message as not sent, saying why.
- a dotted path to a class with `deliver(message) -> (state, error)`, for another adapter.

The workflow calls `notify_status_link`, `notify_approval_requested` and `notify_delay` (after
its transaction commits), the promise sweep `notify_promise_at_risk`; they compose the text in the
store's default language (Chinese) and return the message, or None when the customer has no mobile
number.
"""

import logging
import re
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone, translation
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from dms.core.errors import DomainError

from . import links
from .models import OutboundMessage

log = logging.getLogger(__name__)
MOBILE = re.compile(r"^1[3-9]\d{9}$")
Kind = OutboundMessage.Kind
MsgState = OutboundMessage.State


class SmsNotConfigured(ImproperlyConfigured):
    pass


class RecordingBackend:
    """No provider: the message is kept, marked as recorded (not really sent)."""

    def deliver(self, message: OutboundMessage) -> tuple[str, str]:
        return MsgState.RECORDED, ""


class ProviderBackend:
    """Placeholder for a real SMS gateway. It would POST {mobile, sign name, template, text} to the
    provider with the access key; no such provider is reachable from this installation."""

    SETTINGS = ("DMS_SMS_ACCESS_KEY", "DMS_SMS_ACCESS_SECRET", "DMS_SMS_SIGN_NAME")

    def __init__(self):
        missing = [name for name in self.SETTINGS if not getattr(settings, name, "")]
        if missing:
            raise SmsNotConfigured(
                "DMS_SMS_BACKEND='provider' needs the SMS provider's credentials: set "
                + ", ".join(missing)
                + " (or use DMS_SMS_BACKEND='record' to only record messages)."
            )

    def deliver(self, message: OutboundMessage) -> tuple[str, str]:
        log.warning("SMS provider adapter is a placeholder: message to %s not sent", message.mobile)
        return MsgState.FAILED, "The SMS provider adapter is a placeholder: no provider is connected."


BACKENDS = {"record": RecordingBackend, "provider": ProviderBackend}


def backend():
    name = getattr(settings, "DMS_SMS_BACKEND", "record") or "record"
    cls = BACKENDS.get(name)
    if cls is None:
        try:
            cls = import_string(name)
        except ImportError as exc:
            raise SmsNotConfigured(
                f"DMS_SMS_BACKEND={name!r} is neither 'record', 'provider' nor an importable class."
            ) from exc
    return cls()


def send_sms(*, store, mobile: str, text: str, order=None, kind: str, by=None) -> OutboundMessage:
    """Send (or record) one SMS and keep it. A mobile that is not a mainland mobile number is
    refused (DomainError on `mobile`)."""
    mobile = (mobile or "").strip()
    if not MOBILE.match(mobile):
        raise DomainError(_("The customer has no valid mobile number to text."), field="mobile")
    if kind not in Kind.values:
        raise DomainError(_("Choose one of: %(v)s.") % {"v": ", ".join(Kind.values)}, field="kind")
    adapter = backend()
    message = OutboundMessage(
        store=store, order=order, mobile=mobile, kind=kind, text=text, at=timezone.now(), by=by
    )
    message.state, message.error = adapter.deliver(message)
    message.error = (message.error or "")[:300]
    message.save()
    return message


# --- The messages of the service loop -------------------------------------------------------------


def local_time(store, value: datetime) -> str:
    return timezone.localtime(value, ZoneInfo(store.time_zone or settings.TIME_ZONE)).strftime(
        "%Y-%m-%d %H:%M"
    )


def _facts(order) -> dict:
    return {
        "store": order.store.name,
        "name": order.customer.salutation,
        "plate": order.vehicle.plate or order.vehicle.model,
        "number": order.number,
        "phone": order.store.phone or order.store.name,
    }


def _send(order, kind: str, text: str, by=None) -> OutboundMessage | None:
    if not MOBILE.match(order.customer.mobile or ""):
        return None
    return send_sms(store=order.store, mobile=order.customer.mobile, text=text, order=order, kind=kind, by=by)


def status_link_text(order) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "[%(store)s] %(name)s, your car %(plate)s is with us (repair order %(number)s). "
            "Follow its progress here: %(url)s"
        ) % {**_facts(order), "url": links.status_url(order)}


def approval_text(order) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "[%(store)s] %(name)s, while repairing %(plate)s we found extra work that needs your "
            "decision. Please look at it and decide here: %(url)s (valid for 24 hours). Questions: %(phone)s"
        ) % {**_facts(order), "url": links.approval_url(order)}


def delay_text(order, new_time: datetime, reason: str = "") -> str:
    with translation.override(settings.LANGUAGE_CODE):
        facts = {**_facts(order), "time": local_time(order.store, new_time), "url": links.status_url(order)}
        if reason:
            return _(
                "[%(store)s] %(name)s, we are sorry: %(plate)s will be ready at %(time)s, later than "
                "we promised (%(reason)s). Progress: %(url)s"
            ) % {**facts, "reason": reason}
        return (
            _(
                "[%(store)s] %(name)s, we are sorry: %(plate)s will be ready at %(time)s, later than "
                "we promised. Progress: %(url)s"
            )
            % facts
        )


def promise_at_risk_text(order, promised: datetime) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _(
            "[%(store)s] %(name)s, we are sorry: %(plate)s may not be ready by %(time)s as we "
            "promised. Your service advisor will tell you the new time shortly. Progress: %(url)s "
            "Questions: %(phone)s"
        ) % {**_facts(order), "time": local_time(order.store, promised), "url": links.status_url(order)}


def notify_status_link(order, *, by=None, again: bool = False) -> OutboundMessage | None:
    """The progress link, when the order is opened or signed. Sent once per order unless `again`
    (the SA's "send again" button): the workflow may call it at both steps."""
    if not again and OutboundMessage.objects.filter(order=order, kind=Kind.STATUS_LINK).exists():
        return None
    return _send(order, Kind.STATUS_LINK, status_link_text(order), by)


def notify_approval_requested(order, *, by=None) -> OutboundMessage | None:
    """The approval link, when extra work awaits the customer's decision."""
    return _send(order, Kind.APPROVAL_LINK, approval_text(order), by)


def notify_delay(order, new_time: datetime, *, reason: str = "", by=None) -> OutboundMessage | None:
    """The customer hears of a delay before the promised time, with the new time."""
    return _send(order, Kind.DELAY, delay_text(order, new_time, reason), by)


def notify_promise_at_risk(order, promised: datetime) -> OutboundMessage | None:
    """The customer hears, before the promised time passes, that the car may be late (the sweep
    found the promise at risk); the advisor follows up with the new time. Like the delay notice:
    texted to the customer's mobile, None when there is no valid one."""
    return _send(order, Kind.PROMISE_AT_RISK, promise_at_risk_text(order, promised))
