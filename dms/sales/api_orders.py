"""/api/v1/stock-vehicles, /api/v1/quotations, /api/v1/sales-orders (API.md, "New-car sales")."""

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dms.core.errors import DomainError
from dms.core.roles import Perm
from dms.core.validation import PAGE_OFFSET_MAX, ApiDateTime, Money, aware, choices_of

from . import selectors, services_orders, workflow
from .models import Quotation, SalesOrder, SalesPayment, StockVehicle

stock_router = Router(tags=["new-car stock"])
quote_router = Router(tags=["quotations"])
order_router = Router(tags=["sales orders"])

VERSION = Field(None, description="The version you read; stale answers 409.")


def _m(d: Decimal | None) -> str | None:
    return None if d is None else f"{d:.2f}"


def _states(raw: str, choices) -> list[str]:
    states = [s for s in raw.split(",") if s]
    if [s for s in states if s not in choices.values]:
        raise DomainError(_("Choose one of: %(v)s.") % {"v": ", ".join(choices.values)}, field="state")
    return states


# --- Stock ------------------------------------------------------------------------------------------------


class StockVehicleOut(Schema):
    id: int
    vin: str
    brand: str
    model: str
    trim: str
    colour: str
    list_price: str
    state: choices_of(StockVehicle.State)
    arrived_on: date | None
    age_days: int | None = Field(description="Days in stock (ageing); none in transit or delivered.")
    sales_order_id: int | None
    version: int


def stock_out(car: StockVehicle) -> dict:
    order = (
        getattr(car, "order", None)
        if car.state in (StockVehicle.State.ALLOCATED, StockVehicle.State.DELIVERED)
        else None
    )
    return {"id": car.pk, "vin": car.vin, "brand": car.brand.name, "model": car.model, "trim": car.trim,
            "colour": car.colour, "list_price": _m(car.list_price), "state": car.state, "arrived_on": car.arrived_on,
            "age_days": selectors.stock_age_days(car), "sales_order_id": order.pk if order else None,
            "version": car.version}  # fmt: skip


class StockIn(Schema):
    vin: str = Field(max_length=30)
    brand: str = Field(max_length=50)
    model: str = Field(max_length=50)
    trim: str = Field("", max_length=50)
    colour: str = Field("", max_length=30)
    list_price: Money
    cost: Money | None = Field(None, description="The purchase cost (for the gross per car).")
    state: choices_of([StockVehicle.State.IN_TRANSIT, StockVehicle.State.IN_STOCK]) = "in_stock"


class StockPage(Schema):
    count: int
    items: list[StockVehicleOut]


class StockParams(Schema):
    state: str = Field("", description="Comma-separated: in_transit, in_stock, allocated, delivered.")
    model: str = Field("", max_length=50)
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


@stock_router.post("", response={201: StockVehicleOut})
def stock_create(request, payload: StockIn):
    """A new car by VIN (its check digit validated)."""
    t = request.auth
    car = services_orders.stock_create(tenant=t, **payload.dict())
    return Status(201, stock_out(selectors.stock_get(t, car.pk)))


@stock_router.get("", response=StockPage)
def stock_list(request, params: Query[StockParams]):
    """The store's new cars, the longest in stock first."""
    t = request.auth
    t.require(Perm.STOCK_VIEW)
    count, items = selectors.stock_list(
        t, states=_states(params.state, StockVehicle.State), model=params.model, limit=params.limit,
        offset=params.offset,
    )  # fmt: skip
    return {"count": count, "items": [stock_out(c) for c in items]}


@stock_router.get("/{stock_vehicle_id}", response=StockVehicleOut)
def stock_detail(request, stock_vehicle_id: int):
    t = request.auth
    car = selectors.stock_get(t, stock_vehicle_id)
    t.require(Perm.STOCK_VIEW)
    return stock_out(car)


@stock_router.post("/{stock_vehicle_id}/actions/receive", response=StockVehicleOut)
def stock_receive(request, stock_vehicle_id: int):
    """A car in transit arrives."""
    t = request.auth
    services_orders.stock_receive(tenant=t, stock_vehicle_id=stock_vehicle_id)
    return stock_out(selectors.stock_get(t, stock_vehicle_id))


# --- Quotations ------------------------------------------------------------------------------------------


class AccessoryIn(Schema):
    name: str = Field(max_length=100)
    price: Money


class FinanceIn(Schema):
    down_payment: Money
    term_months: int = Field(ge=1, le=96)
    annual_rate: Decimal = Field(
        ge=0, le=36, max_digits=5, decimal_places=2, description="Percent a year, e.g. 3.99."
    )


class TradeInIn(Schema):
    vin: str = Field("", max_length=30)
    plate: str = Field("", max_length=10)
    condition: str = Field("", max_length=200)
    value: Money


class QuotationIn(Schema):
    lead_id: int
    model: str = Field(max_length=50)
    trim: str = Field("", max_length=50)
    colour: str = Field("", max_length=30)
    list_price: Money
    discount: Money = Decimal("0.00")
    discount_reason: str = Field("", max_length=300, description="Why, when above your authority.")
    accessories: list[AccessoryIn] = Field([], max_length=50)
    insurance: Money = Decimal("0.00")
    fees: Money = Decimal("0.00")
    finance: FinanceIn | None = None
    trade_in: TradeInIn | None = None


class QuotationOut(Schema):
    id: int
    lead_id: int
    lead_name: str
    state: choices_of(Quotation.State)
    model: str
    trim: str
    colour: str
    list_price: str
    discount: str
    discount_reason: str
    accessories: list[dict]
    accessories_total: str
    insurance: str
    fees: str
    down_payment: str | None
    term_months: int | None
    annual_rate: str | None
    monthly_payment: str | None
    trade_in_vin: str
    trade_in_plate: str
    trade_in_value: str
    trade_in_vehicle_id: int | None = Field(description="The trade-in in the vehicle file, when known.")
    total: str
    sales_order_id: int | None
    allowed_actions: list[str]
    created_at: datetime
    version: int


def quotation_out(q: Quotation, tenant) -> dict:
    order = SalesOrder.objects.filter(quotation=q).values_list("pk", flat=True).first()
    return {
        "id": q.pk, "lead_id": q.lead_id, "lead_name": q.lead.name, "state": q.state, "model": q.model,
        "trim": q.trim, "colour": q.colour, "list_price": _m(q.list_price), "discount": _m(q.discount),
        "discount_reason": q.discount_reason, "accessories": q.accessories, "accessories_total": _m(q.accessories_total),
        "insurance": _m(q.insurance), "fees": _m(q.fees), "down_payment": _m(q.down_payment), "term_months": q.term_months,
        "annual_rate": _m(q.annual_rate), "monthly_payment": _m(q.monthly_payment), "trade_in_vin": q.trade_in_vin,
        "trade_in_plate": q.trade_in_plate, "trade_in_value": _m(q.trade_in_value),
        "trade_in_vehicle_id": q.trade_in_vehicle_id, "total": _m(q.total), "sales_order_id": order,
        "allowed_actions": workflow.QUOTATION.allowed_actions(q, tenant), "created_at": q.created_at,
        "version": q.version,
    }  # fmt: skip


class QuotationPage(Schema):
    count: int
    items: list[QuotationOut]


class QuotationParams(Schema):
    state: str = Field("", description="Comma-separated: approved, pending_approval, declined.")
    lead_id: int | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


class DecideIn(Schema):
    version: int | None = VERSION


class DeclineIn(Schema):
    reason: str = Field(max_length=300, description="Why the discount is declined.")
    version: int | None = VERSION


@quote_router.post("", response={201: QuotationOut})
def quotation_create(request, payload: QuotationIn):
    """An offer: `approved` within the consultant's discount authority, `pending_approval` above it.
    The monthly payment is computed (annuity; 0% handled)."""
    t = request.auth
    data = payload.dict()
    q = services_orders.quotation_create(tenant=t, **data)
    return Status(201, quotation_out(selectors.quotation_get(t, q.pk), t))


@quote_router.get("", response=QuotationPage)
def quotation_list(request, params: Query[QuotationParams]):
    t = request.auth
    t.require(Perm.QUOTE)
    count, items = selectors.quotation_list(
        t,
        states=_states(params.state, Quotation.State),
        lead_id=params.lead_id,
        limit=params.limit,
        offset=params.offset,
    )
    return {"count": count, "items": [quotation_out(q, t) for q in items]}


@quote_router.get("/{quotation_id}", response=QuotationOut)
def quotation_detail(request, quotation_id: int):
    t = request.auth
    q = selectors.quotation_get(t, quotation_id)
    t.require(Perm.QUOTE)
    return quotation_out(q, t)


@quote_router.get("/{quotation_id}/pdf", response={200: None})
def quotation_pdf(request, quotation_id: int):
    """The quotation printed in Chinese (PDF)."""
    from . import documents

    t = request.auth
    q = selectors.quotation_get(t, quotation_id)
    t.require(Perm.QUOTE)
    response = HttpResponse(documents.quotation_pdf(q, t), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="quotation-{q.pk}.pdf"'
    return response


@quote_router.post("/{quotation_id}/actions/approve", response=QuotationOut)
def quotation_approve(request, quotation_id: int, payload: DecideIn | None = None):
    """The showroom manager approves the discount (a consultant: 403)."""
    t = request.auth
    services_orders.quotation_decide(tenant=t, quotation_id=quotation_id, approve=True,
                                     version=payload.version if payload else None)  # fmt: skip
    return quotation_out(selectors.quotation_get(t, quotation_id), t)


@quote_router.post("/{quotation_id}/actions/decline", response=QuotationOut)
def quotation_decline(request, quotation_id: int, payload: DeclineIn):
    """The showroom manager declines the discount, saying why."""
    t = request.auth
    services_orders.quotation_decide(tenant=t, quotation_id=quotation_id, approve=False, reason=payload.reason,
                                     version=payload.version)  # fmt: skip
    return quotation_out(selectors.quotation_get(t, quotation_id), t)


# --- Sales orders ------------------------------------------------------------------------------------------


class PaymentOut(Schema):
    id: int
    kind: choices_of(SalesPayment.Kind)
    method: choices_of(SalesPayment.Method)
    amount: str
    at: datetime


class SalesOrderOut(Schema):
    id: int
    number: str
    state: choices_of(SalesOrder.State)
    quotation_id: int
    lead_id: int
    consultant_id: int | None
    total: str
    paid: str
    outstanding: str
    commission: str = Field(description="The consultant's commission on the money collected so far.")
    stock_vehicle_id: int | None
    vin: str | None
    invoice_number: str
    delivery_due: datetime | None
    customer_id: int | None
    vehicle_id: int | None
    delivered_at: datetime | None
    payments: list[PaymentOut]
    allowed_actions: list[str]
    version: int


def order_out(o: SalesOrder, tenant) -> dict:
    rate = services_orders.settings_for(o.store).commission_rate
    return {
        "id": o.pk, "number": o.number, "state": o.state, "quotation_id": o.quotation_id, "lead_id": o.lead_id,
        "consultant_id": o.consultant_id, "total": _m(o.total), "paid": _m(o.paid), "outstanding": _m(o.outstanding),
        "commission": _m(selectors.commission_of(o, rate)), "stock_vehicle_id": o.stock_vehicle_id,
        "vin": o.stock_vehicle.vin if o.stock_vehicle_id else None, "invoice_number": o.invoice_number,
        "delivery_due": o.delivery_due, "customer_id": o.customer_id, "vehicle_id": o.vehicle_id,
        "delivered_at": o.delivered_at,
        "payments": [{"id": p.pk, "kind": p.kind, "method": p.method, "amount": _m(p.amount), "at": p.at}
                     for p in selectors.order_payments(o)],
        "allowed_actions": workflow.ORDER.allowed_actions(o, tenant), "version": o.version,
    }  # fmt: skip


class SalesOrderIn(Schema):
    quotation_id: int


class SalesOrderPage(Schema):
    count: int
    items: list[SalesOrderOut]


class OrderParams(Schema):
    state: str = Field("", description="Comma-separated: open, delivered, cancelled.")
    assigned: choices_of(["me", ""]) = Field("", description="me: only your own contracts.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


class PaymentIn(Schema):
    kind: choices_of(SalesPayment.Kind)
    method: choices_of(SalesPayment.Method)
    amount: Money


class AllocateIn(Schema):
    stock_vehicle_id: int
    version: int | None = VERSION


class InvoiceIn(Schema):
    invoice_number: str = Field(max_length=40, description="机动车销售统一发票 number.")
    version: int | None = VERSION


class ChecklistIn(Schema):
    clean: bool = False
    documents: bool = False
    functions: bool = False
    first_maintenance: bool = False
    service_advisor: bool = False


class DeliverIn(Schema):
    checklist: ChecklistIn
    plate: str = Field("", max_length=10, description="When registered already.")
    service_advisor_id: int | None = Field(None, description="The service advisor present at the delivery.")
    version: int | None = VERSION


class CancelIn(Schema):
    reason: str = Field(max_length=300)
    version: int | None = VERSION


class DeliveryDueIn(Schema):
    at: ApiDateTime


@order_router.post("", response={201: SalesOrderOut})
def order_create(request, payload: SalesOrderIn):
    """The contract from an approved quotation (otherwise 409)."""
    t = request.auth
    o = services_orders.sales_order_create(tenant=t, quotation_id=payload.quotation_id)
    return Status(201, order_out(selectors.order_get(t, o.pk), t))


@order_router.get("", response=SalesOrderPage)
def order_list(request, params: Query[OrderParams]):
    """The contract ledger (合同台帐)."""
    t = request.auth
    if not (t.can(Perm.SALES_ORDER) or t.can(Perm.SALES_PAYMENT)):
        t.require(Perm.SALES_ORDER)
    count, items = selectors.order_list(
        t, states=_states(params.state, SalesOrder.State), mine=params.assigned == "me", limit=params.limit,
        offset=params.offset,
    )  # fmt: skip
    return {"count": count, "items": [order_out(o, t) for o in items]}


def _order(request, sales_order_id: int) -> SalesOrder:
    t = request.auth
    o = selectors.order_get(t, sales_order_id)
    if not (t.can(Perm.SALES_ORDER) or t.can(Perm.SALES_PAYMENT)):
        t.require(Perm.SALES_ORDER)
    return o


@order_router.get("/{sales_order_id}", response=SalesOrderOut)
def order_detail(request, sales_order_id: int):
    return order_out(_order(request, sales_order_id), request.auth)


@order_router.post("/{sales_order_id}/payments", response={201: SalesOrderOut})
def order_payment(request, sales_order_id: int, payload: PaymentIn):
    """Money collected: deposit, balance, loan disbursement (no more than is outstanding)."""
    t = request.auth
    services_orders.payment_add(tenant=t, order_id=sales_order_id, **payload.dict())
    return Status(201, order_out(selectors.order_get(t, sales_order_id), t))


@order_router.post("/{sales_order_id}/actions/allocate", response=SalesOrderOut)
def order_allocate(request, sales_order_id: int, payload: AllocateIn):
    """One VIN to this order (a car allocated already: 409)."""
    t = request.auth
    services_orders.sales_order_allocate(tenant=t, order_id=sales_order_id, stock_vehicle_id=payload.stock_vehicle_id,
                                         version=payload.version)  # fmt: skip
    return order_out(selectors.order_get(t, sales_order_id), t)


@order_router.post("/{sales_order_id}/actions/invoice", response=SalesOrderOut)
def order_invoice(request, sales_order_id: int, payload: InvoiceIn):
    """The invoice number, once the configured share is paid (before: 409)."""
    t = request.auth
    services_orders.sales_order_invoice(tenant=t, order_id=sales_order_id, invoice_number=payload.invoice_number,
                                        version=payload.version)  # fmt: skip
    return order_out(selectors.order_get(t, sales_order_id), t)


@order_router.post("/{sales_order_id}/actions/deliver", response=SalesOrderOut)
def order_deliver(request, sales_order_id: int, payload: DeliverIn):
    """The delivery: allocated and invoiced (else 409), the checklist ticked. The buyer becomes an
    owner customer with the car in the vehicle file; `sales_order.delivered` is published."""
    t = request.auth
    services_orders.sales_order_deliver(
        tenant=t, order_id=sales_order_id, checklist=payload.checklist.dict(), plate=payload.plate,
        service_advisor_id=payload.service_advisor_id, version=payload.version,
    )  # fmt: skip
    return order_out(selectors.order_get(t, sales_order_id), t)


@order_router.post("/{sales_order_id}/actions/cancel", response=SalesOrderOut)
def order_cancel(request, sales_order_id: int, payload: CancelIn):
    t = request.auth
    services_orders.sales_order_cancel(
        tenant=t, order_id=sales_order_id, reason=payload.reason, version=payload.version
    )
    return order_out(selectors.order_get(t, sales_order_id), t)


@order_router.post("/{sales_order_id}/delivery-appointment", response=SalesOrderOut)
def order_delivery_due(request, sales_order_id: int, payload: DeliveryDueIn):
    """The delivery date and time agreed with the customer."""
    t = request.auth
    services_orders.delivery_due_set(tenant=t, order_id=sales_order_id, at=aware(payload.at, t))
    return order_out(selectors.order_get(t, sales_order_id), t)


ROUTERS: list = [
    ("/stock-vehicles", stock_router),
    ("/quotations", quote_router),
    ("/sales-orders", order_router),
]
