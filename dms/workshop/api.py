"""/api/v1/repair-orders and /api/v1/labor-operations: the service loop over HTTP."""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from dms.core.api import EventFields
from dms.core.roles import Perm
from dms.core.validation import PAGE_OFFSET_MAX, ApiDateTime, choices_of
from dms.customers.models import Channel, PreferredTime
from dms.scheduling.models import Skill

from . import actions, comebacks, documents, selectors, services, workflow
from .models import (
    WORK_FEES,
    ComebackStatus,
    FeeCategory,
    LaborOperation,
    LineKind,
    LineState,
    OldParts,
    Payer,
    PaymentMethod,
    State,
    WarrantyDecision,
)
from .rules import WorkClass
from .services import APPROVAL_METHODS

router = Router(tags=["repair orders"])
labor_router = Router(tags=["labor operations"])
comebacks_router = Router(tags=["repair orders"])


class LineOut(Schema):
    id: int
    kind: choices_of(LineKind)
    description: str
    quantity: str
    unit_price: str
    discount: str
    amount: str
    payer: choices_of(Payer)
    fee_category: choices_of(FeeCategory) = Field(
        description="What the settlement list counts the line as: 诊断费 diagnosis, 检测费 inspection, 材料费 "
        "materials (every part and material), 工时费 labor, 加工费 processing, 其他费用 other."
    )
    warranty: choices_of(WarrantyDecision)
    warranty_reason: str
    state: choices_of(LineState)
    is_additional: bool
    labor_operation_id: int | None
    part_id: int | None
    note: str


class ChargesOut(Schema):
    """The settlement list's charges (维修结算清单): per fee, the amounts of the lines that count
    (declined ones do not), before discounts; `discount_total` and `total` are the order's."""

    diagnosis: str = Field(description="诊断费")
    inspection: str = Field(description="检测费")
    materials: str = Field(description="材料费")
    labor: str = Field(description="工时费")
    processing: str = Field(description="加工费")
    other: str = Field(description="其他费用")


class OrderOut(Schema):
    id: int
    number: str
    store: str
    state: choices_of(State)
    state_label: str
    allowed_actions: list[str] = Field(description="Actions your role may take now.")
    customer_id: int
    vehicle_id: int
    appointment_id: int | None
    technician_id: int | None
    complaint: str
    mileage_in: int
    mileage_out: int | None
    promised_at: datetime | None
    payment_method: choices_of(PaymentMethod)
    old_parts: choices_of(OldParts)
    free_wash: bool
    preauth_amount: str
    preauth_minutes: int
    work_class: choices_of(WorkClass)
    is_comeback: bool
    comeback_of: str | None
    comeback_status: choices_of(ComebackStatus)
    comeback_reason: str
    settlement_number: str = Field(
        description="The settlement list's number (维修结算清单), set at settlement."
    )
    certificate_number: str = Field(
        description="The completion certificate's number (机动车维修竣工出厂合格证), given at settlement; "
        "required for level-2 maintenance and overhauls."
    )
    vin: str = Field(description="As it was on the order (copied at opening and at settlement).")
    plate: str = Field(description="As it was on the order (copied at opening and at settlement).")
    rework_count: int
    lines: list[LineOut]
    charges: ChargesOut
    labor_total: str
    parts_total: str
    other_total: str
    discount_total: str
    total: str
    customer_total: str
    version: int
    opened_at: datetime
    signed_at: datetime | None
    dispatched_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    qc_passed_at: datetime | None
    settled_at: datetime | None
    delivered_at: datetime | None


def _m(d: Decimal) -> str:
    return f"{d:.2f}"


def line_out(ln) -> dict:
    return {
        "id": ln.pk, "kind": ln.kind, "description": ln.description, "quantity": _m(ln.quantity),
        "unit_price": _m(ln.unit_price), "discount": _m(ln.discount), "amount": _m(ln.amount), "payer": ln.payer,
        "fee_category": ln.fee_category, "warranty": ln.warranty, "warranty_reason": ln.warranty_reason, "state": ln.state, "is_additional": ln.is_additional,
        "labor_operation_id": ln.labor_operation_id, "part_id": ln.part_id, "note": ln.note,
    }  # fmt: skip


def order_out(o, tenant, lines=None) -> dict:
    """The order's answer; `lines` when the caller has them (an order just opened has none),
    else its lines are read."""
    lines = list(o.lines.all()) if lines is None else lines
    return {
        **{
            f: getattr(o, f)
            for f in (
                "id",
                "number",
                "state",
                "customer_id",
                "vehicle_id",
                "appointment_id",
                "technician_id",
                "complaint",
                "mileage_in",
                "mileage_out",
                "promised_at",
                "payment_method",
                "old_parts",
                "free_wash",
                "preauth_minutes",
                "work_class",
                "is_comeback",
                "comeback_status",
                "comeback_reason",
                "settlement_number",
                "certificate_number",
                "vin",
                "plate",
                "rework_count",
                "version",
                "opened_at",
                "signed_at",
                "dispatched_at",
                "started_at",
                "finished_at",
                "qc_passed_at",
                "settled_at",
                "delivered_at",
            )
        },  # fmt: skip
        "store": o.store.code,
        "state_label": o.get_state_display(),
        "allowed_actions": workflow.allowed_actions(o, tenant),
        "comeback_of": o.comeback_of.number if o.comeback_of_id else None,
        "preauth_amount": _m(o.preauth_amount),
        "lines": [line_out(ln) for ln in lines],
        "charges": {fee: _m(amount) for fee, amount in documents.charge_totals(lines).items()},
        **{
            f: _m(getattr(o, f))
            for f in (
                "labor_total",
                "parts_total",
                "other_total",
                "discount_total",
                "total",
                "customer_total",
            )
        },
    }


class OrderIn(Schema):
    vehicle_id: int
    customer_id: int | None = Field(None, description="Defaults to the vehicle's owner.")
    appointment_id: int | None = None
    mileage_km: int = Field(ge=0, le=2_000_000)
    complaint: str = Field(max_length=2000, description="The customer's own words.")
    promised_at: ApiDateTime | None = None
    payment_method: choices_of(PaymentMethod) = "wechat"
    old_parts: choices_of(OldParts) = "leave"
    free_wash: bool = True
    preauth_amount: Decimal = Field(Decimal("0.00"), ge=0, max_digits=10, decimal_places=2)
    preauth_minutes: int = Field(0, ge=0, le=24 * 60)
    work_class: choices_of(WorkClass) = "minor"


class OrderPage(Schema):
    count: int
    items: list[OrderOut]


class ListParams(Schema):
    state: str = Field("", description="Comma-separated states.")
    q: str = Field("", description="Order number or plate.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


@router.get("", response=OrderPage)
def order_list(request, params: Query[ListParams]):
    t = request.auth
    t.require(Perm.RO_VIEW)
    count, items = selectors.order_list(
        t, state=params.state, q=params.q, limit=params.limit, offset=params.offset
    )
    return {"count": count, "items": [order_out(o, t) for o in items]}


@router.post("", response={201: OrderOut})
def order_create(request, payload: OrderIn):
    """Open a repair order at reception. The mileage is recorded (never backwards); a return
    within the repair-quality warranty of the last repair is flagged as a comeback."""
    t = request.auth
    order = services.repair_order_create(tenant=t, **payload.dict())
    # Answered from the order just written (its store, vehicle and comeback are the instances the
    # service used; a new order has no lines): no second read of what was written.
    return Status(201, order_out(order, t, lines=[]))


@router.get("/{order_id}", response=OrderOut)
def order_detail(request, order_id: int):
    t = request.auth
    t.require(Perm.RO_VIEW)
    return order_out(selectors.order_for_answer(t, order_id), t)


class LineIn(Schema):
    kind: choices_of(LineKind)
    description: str = Field("", max_length=200)
    quantity: Decimal | None = Field(None, max_digits=10, decimal_places=2, description="Hours for labor.")
    unit_price: Decimal | None = Field(
        None,
        max_digits=10,
        decimal_places=2,
        description="Default: the store's labor rate or the part's price.",
    )
    payer: choices_of(Payer) = "customer"
    fee_category: choices_of(FeeCategory) | None = Field(
        None,
        description="What the settlement list counts it as (诊断费 diagnosis, 检测费 inspection, 工时费 labor, "
        "加工费 processing, 其他费用 other). Default: the labor operation's, else labor (a labor line) or "
        "other (a fee line); a part or material is always materials.",
    )
    labor_operation_id: int | None = None
    part_id: int | None = None
    warranty: choices_of(WarrantyDecision) | None = None
    warranty_reason: str = Field("", max_length=200)
    discount: Decimal = Field(Decimal("0.00"), max_digits=10, decimal_places=2)
    note: str = Field("", max_length=300)
    version: int | None = None


@router.post("/{order_id}/lines", response={201: OrderOut})
def line_create(request, order_id: int, payload: LineIn):
    """Add a line. Once work has started, it is extra work the customer must approve (unless it
    fits within the pre-authorised amount)."""
    t = request.auth
    line = services.line_add(tenant=t, order_id=order_id, **payload.dict())
    # Answered from what the step wrote: the order it locked and saved (its store is the tenant's,
    # as the scoped read required) with the lines it summed: no second read.
    order = line.order
    order.store = t.store
    return Status(201, order_out(order, t, lines=line.order_lines))


class LinePatchIn(Schema):
    fee_category: choices_of(WORK_FEES) = Field(
        description="What the settlement list counts this labor or fee line as (not for parts and materials)."
    )
    version: int | None = Field(None, description="The order's version you read; stale answers 409.")


@router.patch("/{order_id}/lines/{line_id}", response=OrderOut)
def line_update(request, order_id: int, line_id: int, payload: LinePatchIn):
    """Count a line as another fee on the settlement list (e.g. a 诊断费 entered as labor), until
    the order is settled (then 409)."""
    t = request.auth
    services.line_fee_category_set(tenant=t, order_id=order_id, line_id=line_id, **payload.dict())
    return order_out(selectors.order_for_answer(t, order_id), t)


@router.delete("/{order_id}/lines/{line_id}", response=OrderOut)
def line_delete(request, order_id: int, line_id: int):
    t = request.auth
    services.line_remove(tenant=t, order_id=order_id, line_id=line_id)
    return order_out(selectors.order_for_answer(t, order_id), t)


class OrderActionIn(Schema):
    version: int | None = Field(None, description="The version you read; stale answers 409.")
    technician_id: int | None = Field(None, description="dispatch")
    reason: str = Field(
        "", max_length=300, description="qc-fail, cancel, confirm-comeback, overrule-comeback"
    )
    original_order_id: int | None = Field(
        None, description="confirm-comeback: the earlier order it comes back to (default: the one flagged)"
    )
    method: choices_of(APPROVAL_METHODS) | None = Field(
        None, description="approve: phone or in_person (a decision by link is the customer's own page only)"
    )
    note: str = Field("", max_length=300, description="approve")
    decisions: dict[str, str] = Field({}, description="approve: line id -> approve | decline")
    checklist: dict[str, bool] = Field({}, description="qc-pass")
    payments: list[dict] = Field([], description='settle: [{"method": "wechat", "amount": "1280.00"}]')
    certificate_number: str = Field(
        "",
        max_length=30,
        description="settle: the completion certificate's number (机动车维修竣工出厂合格证), required for "
        "level-2 maintenance and overhauls",
    )
    mileage_out: int | None = Field(None, description="deliver")
    old_parts_returned: bool | None = Field(
        None, description="deliver: the old parts were handed over (asked when the customer takes them)"
    )
    followup_consent: bool = Field(True, description="deliver: the customer agrees to be followed up")
    followup_channel: choices_of(Channel) = Field("phone", description="deliver")
    followup_time: choices_of(PreferredTime) = Field("any", description="deliver")


@router.post("/{order_id}/actions/{action}", response=OrderOut)
def order_action(request, order_id: int, action: str, payload: OrderActionIn | None = None):
    """Take one step: sign, dispatch, start, request-approval, approve, finish, qc-pass, qc-fail,
    settle, deliver, cancel, confirm-comeback, overrule-comeback (before signing: who pays). A step not allowed now answers 409 with the state and allowed actions."""
    t = request.auth
    data = payload.dict(exclude_unset=True) if payload is not None else {}
    actions.take(tenant=t, order_id=order_id, action=action, data=data)  # the pages' path too
    return order_out(selectors.order_for_answer(t, order_id), t)


class OrderEventOut(EventFields):
    pass


@router.get("/{order_id}/events", response=list[OrderEventOut])
def order_events(request, order_id: int):
    """Every step of the order: who, when, from, to, why."""
    t = request.auth
    t.require(Perm.RO_VIEW)
    order = selectors.order_get(t, order_id)
    return [
        {
            "at": e.at,
            "by": str(e.by) if e.by_id else None,
            "action": e.action,
            "from_state": e.from_state,
            "to_state": e.to_state,
            "reason": e.reason,
            "data": e.data,
        }  # fmt: skip
        for e in order.events.select_related("by")
    ]


class LaborOut(Schema):
    id: int
    code: str
    name: str
    standard_hours: str
    skill: choices_of(Skill)
    fee_category: choices_of(WORK_FEES) = Field(
        description="What the settlement list counts its lines as, unless a line says otherwise."
    )


@labor_router.get("", response=list[LaborOut])
def labor_list(request):
    t = request.auth
    t.require(Perm.RO_VIEW)
    return [
        {
            "id": o.pk,
            "code": o.code,
            "name": o.name,
            "standard_hours": _m(o.standard_hours),
            "skill": o.skill,
            "fee_category": o.fee_category,
        }
        for o in LaborOperation.objects.for_tenant(t).filter(active=True)
    ]


# --- Comebacks (返修) ---------------------------------------------------------------------------------


class PersonOut(Schema):
    id: int
    name: str


class OriginalOut(Schema):
    id: int
    number: str
    delivered_at: datetime | None
    work_class: choices_of(WorkClass)


class ConfirmedComebackOut(Schema):
    id: int
    number: str
    store: str
    vehicle_id: int
    vin: str
    plate: str
    advisor: PersonOut
    decided_at: datetime
    reason: str
    original: OriginalOut
    technician: PersonOut | None = Field(description="The original order's technician.")
    qc_inspector: PersonOut | None = Field(description="Who passed the original order's quality check.")


class ComebackPage(Schema):
    count: int
    items: list[ConfirmedComebackOut]


class ComebackParams(Schema):
    month: str | None = Field(
        None,
        pattern=r"^\d{4}-(0[1-9]|1[0-2])$",
        description="YYYY-MM (default: this month): comebacks confirmed then.",
    )
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


def _person(user) -> dict | None:
    return None if user is None else {"id": user.pk, "name": user.get_full_name() or user.get_username()}


@comebacks_router.get("", response=ComebackPage)
def comeback_list(request, params: Query[ComebackParams]):
    """The confirmed comebacks of a month in your stores, with the original order, its technician
    and its QC inspector."""
    t = request.auth
    t.require(Perm.RO_VIEW)
    qs = comebacks.confirmed(t, params.month or timezone.localdate().strftime("%Y-%m"))
    items = [
        {
            "id": o.pk,
            "number": o.number,
            "store": o.store.code,
            "vehicle_id": o.vehicle_id,
            "vin": o.vin,
            "plate": o.plate,
            "advisor": _person(o.advisor),
            "decided_at": o.comeback_decided_at,
            "reason": o.comeback_reason,
            "original": {
                "id": o.comeback_of.pk,
                "number": o.comeback_of.number,
                "delivered_at": o.comeback_of.delivered_at,
                "work_class": o.comeback_of.work_class,
            },
            "technician": _person(o.comeback_technician.user) if o.comeback_technician_id else None,
            "qc_inspector": _person(o.comeback_inspector),
        }  # fmt: skip
        for o in qs[params.offset : params.offset + params.limit]
    ]
    return {"count": qs.count(), "items": items}
