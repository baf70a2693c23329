"""/api/v1/customer-links, /api/v1/outbound-messages and /api/v1/order-promises: the customer's
links of a repair order, the text messages sent to customers, and promised times (at risk,
moved)."""

from datetime import datetime
from typing import Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from dms.core.roles import Perm
from dms.core.validation import PAGE_OFFSET_MAX, ApiDateTime, aware, choices_of
from dms.customers.rules import mask_mobile
from dms.messaging.kinds import FREE_TEXT, KINDS, shown_body
from dms.messaging.models import State as MessageState
from dms.workshop import selectors as workshop_selectors
from dms.workshop.models import State

from . import links, selectors, services

links_router = Router(tags=["customer links"])
messages_router = Router(tags=["outbound messages"])
promises_router = Router(tags=["order promises"])


class LinksOut(Schema):
    order_id: int
    number: str
    state: choices_of(State)
    status_url: str = Field(description="The customer's progress page (valid 30 days).")
    awaiting_approval: bool = Field(description="Extra work awaits the customer's decision.")
    approval_url: str | None = Field(
        description="The page to decide on extra work (valid 24 hours, for the current approval round only); "
        "only while it awaits the customer, and only for roles that may edit the order."
    )
    status_expires_at: datetime
    approval_expires_at: datetime | None


class CustomerTextOut(Schema):
    id: int
    order_id: int | None
    mobile: str = Field(description="Masked unless your role may see contact details.")
    kind: choices_of([*KINDS, FREE_TEXT]) = Field(
        description="status_link, approval_link, delay or promise_at_risk (the text's template)"
    )
    text: str
    at: datetime = Field(description="When it was queued.")
    state: choices_of(MessageState) = Field(
        description="scheduled: quiet hours; suppressed: with the reason; "
        "the same message as in /api/v1/messages"
    )
    recorded_only: bool = Field(
        description="Sent through the recording channel: nothing reached the customer."
    )
    error: str = Field(description="Why it failed or was withheld, or when it goes (scheduled).")
    by: str | None


class CustomerTextPage(Schema):
    count: int
    items: list[CustomerTextOut]


class SendIn(Schema):
    kind: Literal["status", "approval"] = Field(
        description="status: the progress link; approval: the approval link"
    )


def message_out(m, tenant) -> dict:
    return {
        "id": m.pk, "order_id": m.subject_id, "kind": m.kind, "text": shown_body(m, tenant), "at": m.created_at,
        "state": m.state, "recorded_only": m.recorded_only, "error": m.reason or m.last_error,
        "by": str(m.by) if m.by_id else None,
        "mobile": m.address if tenant.can(Perm.CUSTOMER_SEE_CONTACT) else mask_mobile(m.address),
    }  # fmt: skip


@links_router.get("/{order_id}", response=LinksOut)
def links_get(request, order_id: int):
    """The links to give the customer now, to copy or print as a QR code."""
    t = request.auth
    t.require(Perm.RO_VIEW)
    order = workshop_selectors.order_get(t, order_id)
    now = timezone.now()
    awaiting = order.state == State.AWAITING_APPROVAL
    shown = awaiting and links.may_see_approval_link(t)  # the link decides for the customer
    return {
        "order_id": order.pk, "number": order.number, "state": order.state, "awaiting_approval": awaiting,
        "status_url": links.status_url(order, request), "status_expires_at": now + links.MAX_AGE[links.STATUS],
        "approval_url": links.approval_url(order, request) if shown else None,
        "approval_expires_at": now + links.MAX_AGE[links.APPROVAL] if shown else None,
    }  # fmt: skip


@links_router.post("/{order_id}/send", response={201: CustomerTextOut})
def links_send(request, order_id: int, payload: SendIn):
    """Text the customer a link: the progress page, or the approval page while extra work awaits
    their decision (else 409). The text is queued on the outbox and sent by the worker (through
    the recording channel, when the store has no SMS provider: nothing is sent)."""
    t = request.auth
    message = services.link_send(tenant=t, order_id=order_id, kind=payload.kind)
    return Status(201, message_out(message, t))


class MessageParams(Schema):
    order_id: int | None = Field(None, description="Only the messages of this repair order.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


@messages_router.get("", response=CustomerTextPage)
def messages_list(request, params: Query[MessageParams]):
    """Text messages about repair orders from this store, newest first (messaging's outbox: see
    also /api/v1/messages)."""
    t = request.auth
    t.require(Perm.RO_VIEW)
    count, items = selectors.messages_for(
        t, order_id=params.order_id, limit=params.limit, offset=params.offset
    )
    return {"count": count, "items": [message_out(m, t) for m in items]}


class PromiseChangeOut(Schema):
    previous_at: datetime | None
    promised_at: datetime
    reason: str
    at: datetime
    by: str | None


class PromiseOut(Schema):
    order_id: int
    number: str
    state: choices_of(State)
    promised_at: datetime | None = Field(description="The promise that holds now (the latest change).")
    first_promised_at: datetime | None
    changes: list[PromiseChangeOut]


class AtRiskOut(Schema):
    order_id: int
    number: str
    state: choices_of(State)
    plate: str
    promised_at: datetime
    minutes_left: int = Field(description="Negative: minutes late.")
    warned_at: datetime | None = Field(
        description="When the background sweep warned the advisor of this promise (null: not yet)."
    )
    customer_texted: bool = Field(
        description="Whether the sweep's text is on the outbox (queued, scheduled) or sent."
    )


class AtRiskPage(Schema):
    count: int
    items: list[AtRiskOut]


class DelayIn(Schema):
    promised_at: ApiDateTime = Field(
        description="The new promised completion (ISO 8601; no offset: the store's time)."
    )
    reason: str = Field(max_length=200, description="Told to the customer.")


def promise_out(order, changes) -> dict:
    return {
        "order_id": order.pk, "number": order.number, "state": order.state, "promised_at": order.promise,
        "first_promised_at": order.promised_at,
        "changes": [{"previous_at": c.previous_at, "promised_at": c.promised_at, "reason": c.reason, "at": c.at,
                     "by": str(c.by) if c.by_id else None} for c in changes],
    }  # fmt: skip


TEXTED = (MessageState.QUEUED, MessageState.SCHEDULED, MessageState.SENT, MessageState.DELIVERED)


@promises_router.get("/at-risk", response=AtRiskPage)
def promises_at_risk(request):
    """Open orders not ready whose promised time is within 30 minutes or already passed, and whether
    the background sweep has warned the advisor and texted the customer yet."""
    t = request.auth
    t.require(Perm.RO_VIEW)
    now = timezone.now()
    orders = selectors.orders_at_risk(t.store, now)
    return {
        "count": len(orders),
        "items": [
            {"order_id": o.pk, "number": o.number, "state": o.state, "plate": o.vehicle.plate, "promised_at": o.promise,
             "minutes_left": int((o.promise - now).total_seconds() // 60), "warned_at": o.warned_at,
             "customer_texted": o.told in TEXTED}
            for o in orders
        ],
    }  # fmt: skip


@promises_router.get("/{order_id}", response=PromiseOut)
def promise_get(request, order_id: int):
    t = request.auth
    t.require(Perm.RO_VIEW)
    order, changes = selectors.promise_history(t, order_id)
    return promise_out(order, changes)


@promises_router.post("/{order_id}/delay", response={201: PromiseOut})
def promise_delay(request, order_id: int, payload: DelayIn):
    """Move the promised completion and tell the customer by SMS (before the old time passes)."""
    t = request.auth
    services.order_delay_announce(
        tenant=t, order_id=order_id, new_promised_at=aware(payload.promised_at, t), reason=payload.reason
    )
    order, changes = selectors.promise_history(t, order_id)
    return Status(201, promise_out(order, changes))


ROUTERS = [
    ("/customer-links", links_router),
    ("/outbound-messages", messages_router),
    ("/order-promises", promises_router),
]
