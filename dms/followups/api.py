"""/api/v1/follow-ups and /api/v1/touch-plans: touches (回访, reminders, renewals, new-car touches)
with their rendered scripts and outcomes, and the daily generation of the touch plans.

The app's API routers: (prefix, router) pairs, mounted by config.api under /api/v1."""

import datetime as dt
from datetime import date, datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from dms.core.errors import DomainError
from dms.core.roles import Perm
from dms.core.validation import PAGE_OFFSET_MAX, ApiDateTime, aware, choices_of
from dms.customers.models import PreferredTime
from dms.customers.rules import mask_mobile
from dms.satisfaction.models import Category

from . import selectors, services
from .generation import generate
from .models import FollowUp, TouchChannel
from .plans import rule_name, script_for

router = Router(tags=["follow-ups"])
plans_router = Router(tags=["touch plans"])


class FollowUpOut(Schema):
    id: int
    store: str
    kind: choices_of(FollowUp.Kind)
    state: choices_of(FollowUp.State) = Field(description="cancelled: closed without a call")
    outcome: choices_of(FollowUp.Outcome, blank=True)
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
    subject_date: date | None = Field(
        description="The due item's date: the expiry, the birthday, the maintenance."
    )
    assigned_to: str | None
    assigned_to_id: int | None
    channel: choices_of(TouchChannel, blank=True) = Field(description="How the touch is done.")
    rule: str | None = Field(description="The code of the touch-plan rule that made it.")
    rule_name: str | None
    script: str = Field(description="The rule's script rendered for this customer (the request's language).")
    preferred_time: choices_of(PreferredTime, blank=True)
    consent: bool = Field(description="False: the customer did not agree to be contacted; do not call.")
    attempts: int
    reached: bool | None
    unreachable: bool = Field(description=f"Closed after {services.MAX_ATTEMPTS} calls without an answer.")
    satisfaction: int | None
    complaint: bool
    complaint_id: int | None = Field(description="The complaint case the call opened.")
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
        "id": f.pk, "store": tenant.store.code, "kind": f.kind, "state": f.state, "outcome": f.outcome,
        "customer_id": f.customer_id, "customer_name": f.customer.name,
        "mobile": mobile if tenant.can(Perm.CUSTOMER_SEE_CONTACT) else mask_mobile(mobile),
        "vehicle_id": f.vehicle_id, "plate": f.vehicle.plate if f.vehicle_id else None,
        "repair_order_id": f.repair_order_id, "repair_order_number": order.number if order else None,
        "delivered_at": order.delivered_at if order else None, "due_at": f.due_at, "subject_date": f.subject_date,
        "overdue": f.state == FollowUp.State.OPEN and f.due_at < now,
        "assigned_to": str(f.assigned_to) if f.assigned_to_id else None, "assigned_to_id": f.assigned_to_id,
        "channel": f.channel, "rule": f.rule.code if f.rule_id else None,
        "rule_name": rule_name(f.rule) if f.rule_id else None, "script": script_for(f),
        "preferred_time": f.preferred_time, "consent": f.consent, "attempts": f.attempts, "reached": f.reached,
        "unreachable": f.state == FollowUp.State.DONE and f.reached is False and f.outcome != "wrong_number",
        "satisfaction": f.satisfaction, "complaint": f.complaint, "complaint_id": f.complaint_case_id,
        "note": f.note, "done_at": f.done_at,
    }  # fmt: skip


class ListParams(Schema):
    state: str = Field("", description="Comma-separated: open, done, cancelled.")
    kind: str = Field("", description="Comma-separated kinds: " + ", ".join(FollowUp.Kind.values) + ".")
    assigned: choices_of(["me"], blank=True) = Field("", description="me: only the touches assigned to you.")
    customer_id: int | None = Field(None, description="Only this customer's touches.")
    due_before: ApiDateTime | None = Field(None, description="Only those due before this time (ISO 8601).")
    complaint: bool | None = Field(None, description="true: only those with a complaint.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


def _check_choices(value: str, allowed: list[str], field: str) -> list[str]:
    chosen = [s for s in value.split(",") if s]
    if any(s not in allowed for s in chosen):
        raise DomainError(_("Choose one of: %(v)s.") % {"v": ", ".join(allowed)}, field=field)
    return chosen


@router.get("", response=FollowUpPage)
def followup_list(request, params: Query[ListParams]):
    """The store's touches, soonest due first (phones masked unless your role may see them)."""
    t = request.auth
    t.require(Perm.FOLLOWUP_WORK)
    _check_choices(params.state, FollowUp.State.values, "state")
    kinds = _check_choices(params.kind, FollowUp.Kind.values, "kind")
    count, items = selectors.followup_list(
        t, state=params.state, due_before=aware(params.due_before, t), complaint=params.complaint,
        kinds=kinds, assigned_to=t.user if params.assigned == "me" else None, customer_id=params.customer_id,
        limit=params.limit, offset=params.offset,
    )  # fmt: skip
    now = timezone.now()
    return {"count": count, "items": [followup_out(f, t, now) for f in items]}


@router.get("/{followup_id}", response=FollowUpOut)
def followup_detail(request, followup_id: int):
    t = request.auth
    f = selectors.followup_get(t, followup_id)
    t.require(Perm.FOLLOWUP_WORK)
    return followup_out(f, t)


class OutcomeIn(Schema):
    reached: bool = Field(description="Whether the customer answered.")
    outcome: choices_of(services.OUTCOMES_REACHED + services.OUTCOMES_NOT_REACHED, blank=True) = Field(
        "", description="reached, declined, call_back, do_not_contact (reached); not_reached, wrong_number."
    )
    satisfaction: int | None = Field(
        None, ge=1, le=5, description="1 (very unhappy) to 5; required when an after-service call reached."
    )
    complaint: bool = Field(False, description="The customer complained: a complaint case opens.")
    category: choices_of(Category, blank=True) = Field(
        "",
        description="The category of the complaint case the call opens (a complaint, or a satisfaction "
        "of 1 or 2); empty: other. Not used when no case opens.",
    )
    note: str = Field("", max_length=2000, description="What the customer said; required for a complaint.")
    retry_at: ApiDateTime | None = Field(
        None, description="Not reached or call back: when to try again (default: a few hours later)."
    )


@router.post("/{followup_id}/outcome", response=FollowUpOut)
def followup_outcome(request, followup_id: int, payload: OutcomeIn):
    """Record a touch's outcome. Not reached: it stays open, due again a few hours later (or at
    `retry_at`); the third failed call closes it as unreachable. A complaint, or a satisfaction of 1
    or 2, opens a complaint case of `category`: `complaint_id`. A customer who did not agree to be
    contacted answers 409."""
    t = request.auth
    data = payload.dict()
    data["retry_at"] = aware(data["retry_at"], t)
    services.followup_record(tenant=t, followup_id=followup_id, **data)
    return followup_out(selectors.followup_get(t, followup_id), t)


class CloseIn(Schema):
    reason: str = Field("", max_length=2000, description="Why; not needed when the customer gave no consent.")


@router.post("/{followup_id}/close", response=FollowUpOut)
def followup_close(request, followup_id: int, payload: CloseIn):
    """Close without calling: the customer did not agree to be contacted, or another reason given."""
    t = request.auth
    services.followup_close(tenant=t, followup_id=followup_id, reason=payload.reason)
    return followup_out(selectors.followup_get(t, followup_id), t)


class RescheduleIn(Schema):
    due_at: ApiDateTime
    note: str = Field("", max_length=2000)


@router.post("/{followup_id}/reschedule", response=FollowUpOut)
def followup_reschedule(request, followup_id: int, payload: RescheduleIn):
    t = request.auth
    services.followup_reschedule(
        tenant=t, followup_id=followup_id, due_at=aware(payload.due_at, t), note=payload.note
    )
    return followup_out(selectors.followup_get(t, followup_id), t)


class HandOverIn(Schema):
    user_id: int = Field(description="A colleague of this store who works follow-ups.")
    note: str = Field("", max_length=2000)


@router.post("/{followup_id}/hand-over", response=FollowUpOut)
def followup_hand_over(request, followup_id: int, payload: HandOverIn):
    t = request.auth
    services.followup_hand_over(tenant=t, followup_id=followup_id, user_id=payload.user_id, note=payload.note)
    return followup_out(selectors.followup_get(t, followup_id), t)


class GenerateIn(Schema):
    date: dt.date | None = Field(
        None, description="The day to generate for (default today); the same day again creates 0."
    )


class GenerateOut(Schema):
    created: int


@plans_router.post("/generate", response=GenerateOut)
def touch_plans_generate(request, payload: GenerateIn):
    """Generate the touches of the store's plan due around the day (the worker does it daily)."""
    t = request.auth
    t.require(Perm.TOUCH_PLAN_MANAGE)
    day = payload.date or timezone.localdate()
    if abs((day - timezone.localdate()).days) > 366:
        raise DomainError(_("Choose a day within a year of today."), field="date")
    return {"created": generate(group_id=t.group_id, day=day, store=t.store).created}


managers_router = Router(tags=["customer managers"])


class ManagerOut(Schema):
    user_id: int
    name: str
    customers: int
    loyal: int
    due_this_month: int = Field(
        description="Touches assigned to them due in this calendar month (store's time)."
    )
    update_handed_in: bool = Field(description="This month's information update handed in (due by the 15th).")


class ManagerPage(Schema):
    count: int
    items: list[ManagerOut]


@managers_router.get("", response=ManagerPage)
def customer_manager_list(request):
    """The store's customer managers and their load."""
    from .portfolios import team_rows

    t = request.auth
    if not (t.can(Perm.CM_ASSIGN) or t.can(Perm.FOLLOWUP_WORK)):
        t.require(Perm.CM_ASSIGN)
    rows = team_rows(t)
    items = [
        {"user_id": r["user"].pk, "name": str(r["user"]), "customers": r["customers"], "loyal": r["loyal"],
         "due_this_month": r["due_this_month"], "update_handed_in": r["review"] is not None}
        for r in rows
    ]  # fmt: skip
    return {"count": len(items), "items": items}


class BalanceIn(Schema):
    apply: bool = Field(False, description="false: only propose the moves; true: make them.")


class PortfolioMoveOut(Schema):
    customer_id: int
    from_id: int | None
    to_id: int
    tier: str


class BalanceOut(Schema):
    moves: list[PortfolioMoveOut]
    moved: int


@managers_router.post("/balance", response=BalanceOut)
def customer_managers_balance(request, payload: BalanceIn):
    """Even out the store's portfolios by count and value tier (CM_ASSIGN)."""
    from .portfolios import balance_plan

    t = request.auth
    t.require(Perm.CM_ASSIGN)
    plan = balance_plan(t.store)
    moved = services.portfolios_balance(tenant=t) if payload.apply else 0
    return {"moves": plan[:1000], "moved": moved}


ROUTERS: list = [
    ("/follow-ups", router),
    ("/touch-plans", plans_router),
    ("/customer-managers", managers_router),
]
