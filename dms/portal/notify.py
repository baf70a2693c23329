"""The service loop's texts to the customer, on messaging's outbox.

Each function queues one SMS (dms.messaging.services.message_queue: channel sms, purpose service)
in the caller's transaction, so the text exists exactly when the change that caused it commits;
the outbox worker sends it through the store's SMS provider (the recording channel when the store
has none: nothing is sent, and the pages say so). The words are messaging's kinds (kinds.py:
status_link, approval_link, delay, promise_at_risk), in the installation's language (Chinese).

- `notify_status_link`: when the order is opened or signed; once per order (idempotency key
  "status-link:<order>"), unless `again` (the SA's "send again", a new key each time);
- `notify_approval_requested`: the approval link, while extra work awaits the decision;
- `notify_delay`: a new promised time, before the old one passes (once per PromiseChange);
- `notify_promise_at_risk`: the sweep found the promise at risk; once per promise.

Each returns the Message (suppressed, with the reason, when the customer opted out), or None when
the customer has no valid mobile number (nothing is queued) or was told already.
"""

import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from dms.core.errors import Conflict
from dms.messaging.models import Channel, Message, Purpose
from dms.messaging.services import MOBILE, message_queue

from . import links

SUBJECT = "repair_order"


def local_time(store, value: datetime) -> str:
    return timezone.localtime(value, ZoneInfo(store.time_zone or settings.TIME_ZONE)).strftime(
        "%Y-%m-%d %H:%M"
    )


def _facts(order) -> dict:
    return {"plate": order.vehicle.plate or order.vehicle.model, "number": order.number}


def _queue(
    order, kind: str, params: dict, *, by=None, key: str | None = None, key_is_new: bool = False
) -> Message | None:
    if not MOBILE.match((order.customer.mobile or "").strip()):
        return None
    try:
        message = message_queue(
            store=order.store, customer=order.customer, channel=Channel.SMS, purpose=Purpose.SERVICE, kind=kind,
            params={**_facts(order), **params}, subject=(SUBJECT, order.pk), idempotency_key=key,
            key_is_new=key_is_new, by=by,
        )  # fmt: skip
    except Conflict as exc:
        if key and any(e.get("field") == "idempotency_key" for e in exc.errors):
            return None  # told already, when the order had another customer
        raise
    return None if message.replayed else message  # told already


def status_link_key(order) -> str:
    return f"status-link:{order.pk}"


def notify_status_link(order, *, by=None, again: bool = False, opened: bool = False) -> Message | None:
    """The progress link, when the order is opened or signed. Queued once per order unless `again`
    (the SA's "send again" button): the workflow may call it at both steps. `opened`: the order was
    made in this transaction, so no text holds its key yet (nor a random one: `again`)."""
    key = f"{status_link_key(order)}:again:{uuid.uuid4().hex[:16]}" if again else status_link_key(order)
    return _queue(
        order, "status_link", {"url": links.status_url(order)}, by=by, key=key, key_is_new=again or opened
    )


def notify_approval_requested(order, *, by=None) -> Message | None:
    """The approval link, when extra work awaits the customer's decision."""
    return _queue(order, "approval_link", {"url": links.approval_url(order)}, by=by)


def notify_delay(
    order, new_time: datetime, *, reason: str = "", by=None, key: str | None = None
) -> Message | None:
    """The customer hears of a delay before the promised time, with the new time."""
    params = {"time": local_time(order.store, new_time), "url": links.status_url(order), "reason": reason}
    return _queue(order, "delay", params, by=by, key=key)


def promise_key(order, promised: datetime) -> str:
    return f"promise-at-risk:{order.pk}:{int(promised.timestamp())}"


def notify_promise_at_risk(order, promised: datetime) -> Message | None:
    """The customer hears, before the promised time passes, that the car may be late (the sweep
    found the promise at risk); the advisor follows up with the new time. Once per promise."""
    params = {"time": local_time(order.store, promised), "url": links.status_url(order)}
    return _queue(order, "promise_at_risk", params, key=promise_key(order, promised))
