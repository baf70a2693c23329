"""/api/v1/messages (messages to customers, through the outbox) and /api/v1/webhooks (the group's
subscriptions to events).

The app's API routers: (prefix, router) pairs in ROUTERS, mounted by config.api under /api/v1."""

from datetime import datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dms.core.errors import DomainError
from dms.core.roles import Perm
from dms.core.tenancy import get_scoped
from dms.core.validation import PAGE_OFFSET_MAX, choices_of
from dms.customers.models import Customer
from dms.customers.rules import mask_mobile

from . import selectors, services
from .kinds import FREE_TEXT, KINDS, shown_body
from .models import Channel, Message, Purpose, State
from .webhooks_api import router as webhooks_router

router = Router(tags=["messages"])

MessageState = choices_of(State)


class MessageIn(Schema):
    customer_id: int
    channel: choices_of(Channel)
    purpose: choices_of(Purpose)
    template: str | None = Field(
        None,
        description="The kind of message (its template): " + ", ".join(KINDS) + ". Leave out to send `body`.",
    )
    body: str | None = Field(None, max_length=500, description="Free text (template `note`).")
    params: dict[str, str] = Field(
        default_factory=dict, description="The template's parameters (store, name and phone are filled in)."
    )
    idempotency_key: str = Field(
        min_length=1, max_length=100, description="The same key again sends nothing."
    )


class MessageOut(Schema):
    id: int
    state: MessageState
    channel: choices_of(Channel)
    purpose: choices_of(Purpose)
    send_after: datetime | None = Field(description="Scheduled: not before this time (quiet hours).")
    reason: str = Field(description="Why it was suppressed or scheduled, or how it was sent.")
    customer_id: int
    store: str
    template: str
    body: str
    to: str = Field(description="Mobile, e-mail or openid; masked unless your role may see contact details.")
    subject_type: str
    subject_id: int | None
    attempts: int
    last_error: str
    recorded_only: bool = Field(description="True: no provider is connected; nothing was sent.")
    created_at: datetime
    sent_at: datetime | None


class MessagePage(Schema):
    count: int
    items: list[MessageOut]


def mask_address(message: Message) -> str:
    if message.channel == Channel.SMS:
        return mask_mobile(message.address)
    if message.channel == Channel.EMAIL and "@" in message.address:
        local, domain = message.address.split("@", 1)
        return f"{local[:1]}***@{domain}"
    return message.address


def message_out(m: Message, tenant) -> dict:
    return {
        "id": m.pk, "state": m.state, "channel": m.channel, "purpose": m.purpose, "send_after": m.send_after,
        "reason": m.reason, "customer_id": m.customer_id, "store": m.store.code, "template": m.kind,
        "body": shown_body(m, tenant),
        "to": m.address if tenant.can(Perm.CUSTOMER_SEE_CONTACT) else mask_address(m),
        "subject_type": m.subject_type, "subject_id": m.subject_id, "attempts": m.attempts,
        "last_error": m.last_error, "recorded_only": m.recorded_only, "created_at": m.created_at, "sent_at": m.sent_at,
    }  # fmt: skip


@router.post("", response={200: MessageOut, 201: MessageOut})
def message_create(request, payload: MessageIn):
    """Queue a message to a customer; the worker sends it. 201 with its state (`scheduled` in the
    store's quiet hours, `suppressed` with the reason when it cannot go); the same
    `idempotency_key` again answers 200 with the same message and sends nothing. Marketing to a
    customer without marketing consent: 409, nothing queued."""
    t = request.auth
    t.require(Perm.CONTACT_LOG)
    kind, params = payload.template, dict(payload.params)
    body = (payload.body or "").strip()
    if kind is None and not body:
        raise DomainError(_("Give a template or a body."), field="template")
    if body:
        if kind not in (None, FREE_TEXT):
            raise DomainError(_("A body goes with template “%(t)s” only.") % {"t": FREE_TEXT}, field="body")
        kind, params = FREE_TEXT, {**params, "text": body}
    customer = get_scoped(Customer.objects, t, pk=payload.customer_id)
    message = services.message_queue(
        store=t.store, customer=customer, channel=payload.channel, purpose=payload.purpose, kind=kind,
        params=params, idempotency_key=payload.idempotency_key, by=t.user,
    )  # fmt: skip
    return Status(200 if message.replayed else 201, message_out(message, t))


class ListParams(Schema):
    customer_id: int | None = None
    state: MessageState | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


@router.get("", response=MessagePage)
def message_list(request, params: Query[ListParams]):
    """Messages to the group's customers, newest first."""
    t = request.auth
    t.require(Perm.CUSTOMER_VIEW)
    qs = selectors.message_list(t, customer_id=params.customer_id, state=params.state)
    items = list(qs[params.offset : params.offset + params.limit])
    count = qs.count() if len(items) == params.limit or params.offset else len(items)
    return {"count": count, "items": [message_out(m, t) for m in items]}


ROUTERS = [("/messages", router), ("/webhooks", webhooks_router)]
