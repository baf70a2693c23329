"""/api/v1/follow-ups: the after-service calls (回访) and their outcomes.

The app's API routers: (prefix, router) pairs, mounted by config.api under /api/v1."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from dms.core.errors import DomainError
from dms.core.roles import Perm
from dms.core.validation import PAGE_OFFSET_MAX, ApiDateTime, aware, choices_of
from dms.customers.models import Channel, PreferredTime
from dms.customers.rules import mask_mobile

from . import selectors, services
from .models import FollowUp

router = Router(tags=["follow-ups"])


class FollowUpOut(Schema):
    id: int
    store: str
    kind: choices_of(FollowUp.Kind)
    state: choices_of(FollowUp.State) = Field(description="cancelled: closed without a call")
    customer_id: int
    customer_name: str
    mobile: str = Field(description="Masked unless your role may see contact details.")
    vehicle_id: int | None
    plate: str | None
    repair_order_id: int | None
    repair_order_number: str | None
    delivered_at: datetime | None
    due_at: datetime
    overdue: bool
    assigned_to: str | None
    channel: choices_of(Channel, blank=True) = Field(description="The customer's preferred channel.")
    preferred_time: choices_of(PreferredTime, blank=True)
    consent: bool = Field(description="False: the customer did not agree to be contacted; do not call.")
    attempts: int
    reached: bool | None
    unreachable: bool = Field(description=f"Closed after {services.MAX_ATTEMPTS} calls without an answer.")
    satisfaction: int | None
    complaint: bool
    note: str
    done_at: datetime | None


class FollowUpPage(Schema):
    count: int
    items: list[FollowUpOut]


def followup_out(f: FollowUp, tenant, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    order = f.repair_order
    mobile = f.customer.mobile
    return {
        "id": f.pk, "store": tenant.store.code, "kind": f.kind, "state": f.state, "customer_id": f.customer_id,
        "customer_name": f.customer.name,
        "mobile": mobile if tenant.can(Perm.CUSTOMER_SEE_CONTACT) else mask_mobile(mobile),
        "vehicle_id": f.vehicle_id, "plate": f.vehicle.plate if f.vehicle_id else None,
        "repair_order_id": f.repair_order_id, "repair_order_number": order.number if order else None,
        "delivered_at": order.delivered_at if order else None, "due_at": f.due_at,
        "overdue": f.state == FollowUp.State.OPEN and f.due_at < now,
        "assigned_to": str(f.assigned_to) if f.assigned_to_id else None, "channel": f.channel,
        "preferred_time": f.preferred_time, "consent": f.consent, "attempts": f.attempts, "reached": f.reached,
        "unreachable": f.state == FollowUp.State.DONE and f.reached is False, "satisfaction": f.satisfaction,
        "complaint": f.complaint, "note": f.note, "done_at": f.done_at,
    }  # fmt: skip


class ListParams(Schema):
    state: str = Field("", description="Comma-separated: open, done, cancelled.")
    due_before: ApiDateTime | None = Field(None, description="Only those due before this time (ISO 8601).")
    complaint: bool | None = Field(None, description="true: only those with a complaint.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


@router.get("", response=FollowUpPage)
def followup_list(request, params: Query[ListParams]):
    """The store's follow-ups, soonest due first (phones masked unless your role may see them)."""
    t = request.auth
    t.require(Perm.FOLLOWUP_WORK)
    bad = [s for s in params.state.split(",") if s and s not in FollowUp.State.values]
    if bad:
        raise DomainError(_("Choose one of: %(v)s.") % {"v": ", ".join(FollowUp.State.values)}, field="state")
    count, items = selectors.followup_list(
        t, state=params.state, due_before=aware(params.due_before, t), complaint=params.complaint,
        limit=params.limit, offset=params.offset,
    )  # fmt: skip
    return {"count": count, "items": [followup_out(f, t) for f in items]}


@router.get("/{followup_id}", response=FollowUpOut)
def followup_detail(request, followup_id: int):
    t = request.auth
    f = selectors.followup_get(t, followup_id)
    t.require(Perm.FOLLOWUP_WORK)
    return followup_out(f, t)


class OutcomeIn(Schema):
    reached: bool = Field(description="Whether the customer answered.")
    satisfaction: int | None = Field(
        None, ge=1, le=5, description="1 (very unhappy) to 5; required when reached."
    )
    complaint: bool = Field(False, description="The customer complained: flagged for the service manager.")
    note: str = Field("", max_length=2000, description="What the customer said; required for a complaint.")


@router.post("/{followup_id}/outcome", response=FollowUpOut)
def followup_outcome(request, followup_id: int, payload: OutcomeIn):
    """Record a call. Not reached: it stays open, due again a few hours later; the third failed call
    closes it as unreachable. A customer who did not agree to be contacted answers 409."""
    t = request.auth
    services.followup_record(tenant=t, followup_id=followup_id, **payload.dict())
    return followup_out(selectors.followup_get(t, followup_id), t)


class CloseIn(Schema):
    reason: str = Field("", max_length=2000, description="Why; not needed when the customer gave no consent.")


@router.post("/{followup_id}/close", response=FollowUpOut)
def followup_close(request, followup_id: int, payload: CloseIn):
    """Close without calling: the customer did not agree to be contacted, or another reason given."""
    t = request.auth
    services.followup_close(tenant=t, followup_id=followup_id, reason=payload.reason)
    return followup_out(selectors.followup_get(t, followup_id), t)


ROUTERS: list = [("/follow-ups", router)]
