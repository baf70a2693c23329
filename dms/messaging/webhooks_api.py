"""/api/v1/webhooks: the dealer group's subscriptions to its events (the roles that may read the
event log: administrators and service managers)."""

from datetime import datetime

from ninja import Field, Query, Router, Schema, Status

from dms.core.roles import Perm
from dms.core.tenancy import get_scoped
from dms.core.validation import PAGE_OFFSET_MAX, choices_of

from . import webhooks
from .models import DeliveryState, WebhookDelivery, WebhookSubscription

router = Router(tags=["webhooks"])


class WebhookIn(Schema):
    url: str = Field(max_length=500, description="http:// or https:// URL that receives the POSTs.")
    events: list[str] = Field(description="Event types: repair_order.delivered, repair_order.* or *.")
    secret: str | None = Field(
        None, description="Signs each delivery (HMAC-SHA256); 16-100 characters. Left out: one is made."
    )


class WebhookOut(Schema):
    id: int
    url: str
    events: list[str]
    active: bool
    paused_reason: str = Field(description="Why it was paused after failing (empty while active).")
    consecutive_failures: int
    created_at: datetime


class WebhookCreatedOut(WebhookOut):
    secret: str = Field(description="Verify X-OpenDMS-Signature with it. Shown only in this answer.")


class WebhookPage(Schema):
    count: int
    items: list[WebhookOut]


class DeliveryOut(Schema):
    event_id: int
    type: str
    status: choices_of(DeliveryState) = Field(description="queued: waiting or being retried")
    attempts: int
    last_error: str
    http_status: int | None = Field(description="The receiver's last answer (null: no answer).")
    next_attempt_at: datetime | None
    delivered_at: datetime | None


class DeliveryPage(Schema):
    count: int
    items: list[DeliveryOut]


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


def webhook_out(s: WebhookSubscription, *, secret: bool = False) -> dict:
    out = {
        "id": s.pk, "url": s.url, "events": s.events, "active": s.active, "paused_reason": s.paused_reason,
        "consecutive_failures": s.consecutive_failures, "created_at": s.created_at,
    }  # fmt: skip
    if secret:
        out["secret"] = s.secret
    return out


@router.post("", response={201: WebhookCreatedOut})
def webhook_create(request, payload: WebhookIn):
    """Subscribe a URL to the group's events. Each delivery is a POST of `{id, type, at, store,
    subject_id, payload}` with `X-OpenDMS-Signature: sha256=<hex HMAC-SHA256 of the body with the
    secret>` and `X-OpenDMS-Event-Id`; retried with backoff, in event order; paused after failing
    again and again. Administrators and service managers."""
    t = request.auth
    subscription = webhooks.webhook_create(
        tenant=t, url=payload.url, events=payload.events, secret=payload.secret
    )
    return Status(201, webhook_out(subscription, secret=True))


@router.get("", response=WebhookPage)
def webhook_list(request):
    t = request.auth
    t.require(Perm.EVENTS_READ)
    items = list(WebhookSubscription.objects.for_tenant(t))
    return {"count": len(items), "items": [webhook_out(s) for s in items]}


@router.delete("/{subscription_id}", response={204: None})
def webhook_delete(request, subscription_id: int):
    """Remove a subscription and its waiting deliveries."""
    webhooks.webhook_delete(tenant=request.auth, subscription_id=subscription_id)
    return Status(204, None)


@router.get("/{subscription_id}/deliveries", response=DeliveryPage)
def delivery_list(request, subscription_id: int, params: Query[PageParams]):
    """The subscription's deliveries, newest event first: status, attempts, the last error."""
    t = request.auth
    t.require(Perm.EVENTS_READ)
    subscription = get_scoped(WebhookSubscription.objects, t, pk=subscription_id)
    qs = (
        WebhookDelivery.objects.filter(subscription=subscription)
        .select_related("event")
        .order_by("-event_id")
    )
    items = [
        {"event_id": d.event_id, "type": d.event.type, "status": d.state, "attempts": d.attempts,
         "last_error": d.last_error, "http_status": d.response_status, "next_attempt_at": d.next_attempt_at,
         "delivered_at": d.delivered_at}
        for d in qs[params.offset : params.offset + params.limit]
    ]  # fmt: skip
    return {"count": qs.count(), "items": items}
