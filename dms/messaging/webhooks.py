"""Webhooks: a dealer group's integrators receive its events, signed, in order, retried.

- A subscription (WebhookSubscription) names a URL, the event types it wants (a type,
  "<record>.*" or "*") and a secret. Made and removed through the API (`webhook_create`,
  `webhook_delete`) by the roles that may read the event log (Perm.EVENTS_READ: administrators
  and service managers): a webhook is the same log, pushed. It covers the whole dealer group.
- Every published event (dms.core.events) reaches `on_event` inside the publishing transaction
  (phase "transaction"): it writes one WebhookDelivery per matching subscription, so a delivery
  exists exactly when the change that caused it commits — the outbox of integrations.
- The worker (outbox.run → `deliver_due`) POSTs `{id, type, at, store, subject_id, payload}` as
  JSON with `X-OpenDMS-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>` and
  `X-OpenDMS-Event-Id` (receivers deduplicate on it: a delivery whose answer was lost is sent
  again, so delivery is at least once). Any 2xx is success; anything else, a redirect included,
  is retried with backoff (outbox.backoff: 1, 2, 4 ... minutes, at most an hour).
- A subscription's deliveries go in event order: a delivery waits while an earlier one of the
  same subscription is not delivered (being retried, or held by a worker).
- After DMS_WEBHOOK_PAUSE_AFTER_FAILURES failures in a row, or failing for
  DMS_WEBHOOK_PAUSE_AFTER_HOURS, the subscription is paused with the reason (the admin shows it);
  its deliveries keep being written, and go, in order, once it is resumed (`webhook_resume`).
"""

import functools
import ipaddress
import json
import logging
import secrets
import socket
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from dms.core import sqltext
from dms.core.errors import DomainError
from dms.core.events import final
from dms.core.models import Event
from dms.core.roles import Perm
from dms.core.tenancy import Tenant, get_scoped

from .models import DeliveryState, WebhookDelivery, WebhookSubscription, events_match
from .signing import webhook_signature

log = logging.getLogger(__name__)


def connect() -> None:
    """Subscribe to every event (called from AppConfig.ready)."""
    from dms.core.events import subscribe

    subscribe("*", on_event, phase="transaction")


def on_event(event) -> None:
    """Inside the event's transaction: one delivery per subscription of the group that wants it
    (paused ones too: they catch up in order when resumed)."""
    wanting = [pk for pk, events in subscriptions_of(event.group_id) if events_match(events, event.type)]
    if not wanting:
        return
    WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(subscription_id=pk, event=event, next_attempt_at=event.at) for pk in wanting]
    )
    from . import tasks

    transaction.on_commit(tasks.wake)


def subscriptions_of(group_id: int) -> list[tuple[int, list]]:
    """The group's subscriptions as (id, event patterns), oldest first. Plain SQL: every event of
    every step reads them, and most groups have none, so the read should cost what the database
    does (tests: dms/messaging/tests/test_webhooks.py)."""
    with connection.cursor() as cursor:
        cursor.execute(_subscriptions_sql(), [group_id])
        rows = cursor.fetchall()
    return [(pk, json.loads(events) if isinstance(events, str | bytes) else events) for pk, events in rows]


@functools.cache
def _subscriptions_sql() -> str:
    c = sqltext.columns(WebhookSubscription, "id", "events", "group", "created_at")
    return (
        f"SELECT {c['id']}, {c['events']} FROM {sqltext.table(WebhookSubscription)} "
        f"WHERE {c['group']} = %s ORDER BY {c['created_at']}, {c['id']}"
    )


# --- Subscriptions --------------------------------------------------------------------------------

_URL = URLValidator(schemes=["http", "https"])


def _check_events(events) -> list[str]:
    from dms.core.events import PATTERN

    if not isinstance(events, list) or not events:
        raise DomainError(
            _("Name at least one event type, e.g. repair_order.delivered or *."), field="events"
        )
    bad = [e for e in events if not isinstance(e, str) or not PATTERN.match(e)]
    if bad:
        raise DomainError(
            _("Not an event type: %(v)s (a type such as repair_order.delivered, repair_order.* or *).")
            % {"v": ", ".join(map(str, bad))},
            field="events",
        )
    return list(dict.fromkeys(events))


# --- Where a webhook may go -------------------------------------------------------------------------
# An integrator's URL is the dealer group's choice, and the worker POSTs to it from inside the data
# centre: a URL naming the DMS's own network (the database, the cloud's metadata service at
# 169.254.169.254, an admin port on localhost) would let a group administrator probe it. Only public
# addresses are delivered to, checked when the subscription is made (a literal address or a local
# name) and again before every delivery (the name may resolve elsewhere by then).
# DMS_WEBHOOK_ALLOW_PRIVATE lets an installation deliver inside its own network on purpose.


def _private(address: str) -> bool:
    try:
        return not ipaddress.ip_address(address.split("%", 1)[0]).is_global
    except ValueError:
        return False


def _local_name(host: str) -> bool:
    host = host.rstrip(".").lower()
    return host == "localhost" or host.endswith((".localhost", ".local", ".internal"))


def unsafe_target(url: str) -> str:
    """Why `url` may not be delivered to now ("" when it may): it resolves to a private, loopback,
    link-local or otherwise non-public address, or not at all."""
    if settings.DMS_WEBHOOK_ALLOW_PRIVATE:
        return ""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if _local_name(host) or _private(host):
        return _("%(host)s is not a public address: webhooks go to the internet only.") % {"host": host}
    try:
        infos = socket.getaddrinfo(
            host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError):
        return _("%(host)s cannot be resolved.") % {"host": host}
    private = sorted({info[4][0] for info in infos if _private(info[4][0])})
    if private:
        return _("%(host)s resolves to a non-public address (%(ip)s): not delivered.") % {
            "host": host, "ip": ", ".join(private),
        }  # fmt: skip
    return ""


def webhook_create(
    *, tenant: Tenant, url: str, events: list, secret: str | None = None
) -> WebhookSubscription:
    """Subscribe `url` to the group's events of `events`. Without `secret`, one is made (the
    answer shows it once). For the roles that may read the event log."""
    tenant.require(Perm.EVENTS_READ)
    url = (url or "").strip()
    try:
        _URL(url)
    except ValidationError:
        raise DomainError(_("Enter an http:// or https:// URL."), field="url") from None
    host = urlsplit(url).hostname or ""
    if not settings.DMS_WEBHOOK_ALLOW_PRIVATE and (_local_name(host) or _private(host)):
        raise DomainError(
            _("%(host)s is not a public address: webhooks go to the internet only.") % {"host": host},
            field="url",
        )
    if len(url) > 500:
        raise DomainError(_("At most %(n)s characters.") % {"n": 500}, field="url")
    events = _check_events(events)
    if secret is not None and not (16 <= len(secret) <= 100):
        raise DomainError(_("A secret has 16 to 100 characters."), field="secret")
    return WebhookSubscription.objects.create(
        group_id=tenant.group_id, url=url, events=events, secret=secret or secrets.token_urlsafe(32),
        created_by=tenant.user,
    )  # fmt: skip


def webhook_delete(*, tenant: Tenant, subscription_id: int) -> None:
    tenant.require(Perm.EVENTS_READ)
    get_scoped(WebhookSubscription.objects, tenant, pk=subscription_id).delete()


def webhook_resume(*, subscription: WebhookSubscription) -> None:
    """Resume a paused subscription: its oldest waiting delivery goes at once, the rest in order."""
    now = timezone.now()
    with transaction.atomic():
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            active=True, paused_reason="", paused_at=None, consecutive_failures=0, failing_since=None
        )
        WebhookDelivery.objects.filter(subscription=subscription, state=DeliveryState.QUEUED).update(
            next_attempt_at=now
        )
        from . import tasks

        transaction.on_commit(tasks.wake)


# --- Delivering -----------------------------------------------------------------------------------


def body_of(delivery: WebhookDelivery) -> bytes:
    event = delivery.event
    return json.dumps(
        {
            "id": event.pk, "type": event.type, "at": event.at.isoformat(),
            "store": event.store.code if event.store_id else None, "subject_id": event.subject_id,
            "payload": event.payload,
        },
        ensure_ascii=False, separators=(",", ":"), default=str,
    ).encode()  # fmt: skip


def due(now, limit: int) -> list[tuple[int, str]]:
    """Deliveries to make now: each subscription's in the log's order (events.final and the
    order (txid, id): a delivery waits while an earlier event of its subscription is queued, or
    while a transaction that could still add an earlier event is running)."""
    from .outbox import free

    earlier = WebhookDelivery.objects.filter(
        subscription=OuterRef("subscription"), state=DeliveryState.QUEUED
    ).filter(
        Q(event__txid__lt=OuterRef("event__txid"))
        | Q(event__txid=OuterRef("event__txid"), event_id__lt=OuterRef("event_id"))
        | Q(event__txid__isnull=True, event_id__lt=OuterRef("event_id"))  # SQLite: ids in commit order
    )
    settled = final(Event.objects.all()).values("id")
    return list(
        WebhookDelivery.objects.filter(
            state=DeliveryState.QUEUED, next_attempt_at__lte=now, subscription__active=True
        )
        .filter(free(now), event_id__in=settled)
        .exclude(Exists(earlier))
        .order_by("next_attempt_at", "event__txid", "event_id")
        .values_list("pk", "claimed_by")[:limit]
    )


def claim(pk: int, previous: str, now) -> str | None:
    from .outbox import free, lease, new_token

    token = new_token()
    taken = (
        WebhookDelivery.objects.filter(
            pk=pk, state=DeliveryState.QUEUED, claimed_by=previous, next_attempt_at__lte=now
        )
        .filter(free(now))
        .update(claimed_until=now + lease(), claimed_by=token, attempts=F("attempts") + 1)
    )
    return token if taken else None


def _pause_reason(subscription: WebhookSubscription, error: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Paused after %(n)s failed deliveries in a row (the last: %(error)s).") % {
            "n": subscription.consecutive_failures,
            "error": error,
        }


def post(delivery: WebhookDelivery) -> tuple[int | None, str]:
    """POST one delivery: (HTTP status or None, error or "")."""
    body = body_of(delivery)
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "OpenDMS-Webhooks/1",
        "X-OpenDMS-Event-Id": str(delivery.event_id),
        "X-OpenDMS-Event-Type": delivery.event.type,
        "X-OpenDMS-Signature": webhook_signature(body, delivery.subscription.secret),
    }
    unsafe = unsafe_target(delivery.subscription.url)
    if unsafe:
        return None, unsafe[:300]
    try:
        with httpx.Client(timeout=settings.DMS_OUTBOX_HTTP_TIMEOUT, follow_redirects=False) as client:
            response = client.post(delivery.subscription.url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300]
    if 200 <= response.status_code < 300:
        return response.status_code, ""
    return response.status_code, f"HTTP {response.status_code}"


def deliver_claimed(pk: int, token: str) -> bool:
    from .outbox import backoff

    delivery = WebhookDelivery.objects.select_related("subscription", "event", "event__store").get(pk=pk)
    status, error = post(delivery)
    now = timezone.now()
    subscription = delivery.subscription
    with transaction.atomic():
        if not error:
            WebhookDelivery.objects.filter(pk=pk, claimed_by=token).update(
                state=DeliveryState.DELIVERED, response_status=status, last_error="", delivered_at=now,
                claimed_until=None, claimed_by="", next_attempt_at=None,
            )  # fmt: skip
            WebhookSubscription.objects.filter(pk=subscription.pk).update(
                consecutive_failures=0, failing_since=None
            )
            return True
        WebhookDelivery.objects.filter(pk=pk, claimed_by=token).update(
            response_status=status, last_error=error, claimed_until=None, claimed_by="",
            next_attempt_at=now + backoff(delivery.attempts),
        )  # fmt: skip
        subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
        subscription.consecutive_failures += 1
        subscription.failing_since = subscription.failing_since or now
        fields = ["consecutive_failures", "failing_since"]
        too_long = now - subscription.failing_since >= timedelta(hours=settings.DMS_WEBHOOK_PAUSE_AFTER_HOURS)
        if subscription.active and (
            subscription.consecutive_failures >= settings.DMS_WEBHOOK_PAUSE_AFTER_FAILURES or too_long
        ):
            subscription.active, subscription.paused_at = False, now
            subscription.paused_reason = _pause_reason(subscription, error)[:300]
            fields += ["active", "paused_at", "paused_reason"]
            log.warning("Webhook subscription %s paused: %s", subscription.pk, subscription.paused_reason)
        subscription.save(update_fields=fields)
    return False


def deliver_due(*, limit: int = 500) -> int:
    """POST the deliveries due now (each subscription's in event order); how many were tried."""
    done = 0
    while done < limit:
        now = timezone.now()
        batch = due(now, min(50, limit - done))
        progressed = False
        for pk, previous in batch:
            token = claim(pk, previous, timezone.now())
            if token is None:
                continue
            progressed = True
            done += 1
            deliver_claimed(pk, token)
        if not progressed:
            break
    return done
