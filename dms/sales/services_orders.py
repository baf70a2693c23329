"""Writes of the offer, the order and the stock: new cars by VIN, quotations (discounts above the
consultant's authority only after the showroom manager approves), sales orders from an approved
quotation, payments, the invoice once the configured share is paid (seed 002: 60%), one VIN
allocated to one order, and the delivery that makes the buyer an owner customer with the car in
the vehicle file and publishes `sales_order.delivered` for the relationship engine.
"""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dms.core.errors import Conflict, DomainError
from dms.core.events import publish
from dms.core.models import Brand
from dms.core.numbering import next_number
from dms.core.roles import Perm
from dms.core.tenancy import Tenant, get_scoped
from dms.core.validation import invalid
from dms.customers.models import Customer
from dms.customers.services import customer_create
from dms.messaging.models import Channel, Message
from dms.messaging.models import Purpose as MessagePurpose
from dms.messaging.services import MOBILE, message_queue
from dms.vehicles.models import Vehicle
from dms.vehicles.rules import validate_plate, validate_vin
from dms.vehicles.services import vehicle_create

from . import links, workflow
from .models import ZERO, Lead, Quotation, SalesOrder, SalesPayment, StockVehicle, delivery_photo_path
from .services import _store_user, settings_for

CENT = Decimal("0.01")
MAX_TERM = 96
MAX_RATE = Decimal("36")
# The delivery's checklist (交车): every item is ticked before the car is handed over.
CHECKLIST = {
    "clean": gettext_lazy("The car is clean and flawless"),
    "documents": gettext_lazy("Documents handed over (invoice, certificate, manual, warranty book)"),
    "functions": gettext_lazy("Functions explained"),
    "first_maintenance": gettext_lazy("First maintenance explained"),
    "service_advisor": gettext_lazy("The service advisor introduced"),
}


def _m(value) -> Decimal:
    return Decimal(value or 0).quantize(CENT, rounding=ROUND_HALF_UP)


def monthly_payment(principal: Decimal, term_months: int, annual_rate_percent: Decimal) -> Decimal:
    """The annuity's monthly payment, Decimal throughout: P·r / (1 − (1 + r)^−n), r the monthly rate;
    a 0% loan is P / n."""
    principal = Decimal(principal)
    if principal <= 0:
        return ZERO
    rate = Decimal(annual_rate_percent) / Decimal(1200)
    if rate == 0:
        return _m(principal / term_months)
    return _m(principal * rate / (1 - (1 + rate) ** -term_months))


# --- Stock -------------------------------------------------------------------------------------------------


def stock_create(
    *, tenant: Tenant, vin: str, brand: str, model: str, list_price: Decimal, trim: str = "", colour: str = "",
    cost: Decimal | None = None, state: str = StockVehicle.State.IN_STOCK,
) -> StockVehicle:  # fmt: skip
    """A new car arrives (or is announced in transit): by VIN, its check digit validated."""
    tenant.require(Perm.STOCK_MANAGE)
    errors = []
    try:
        vin = validate_vin(vin)
    except DomainError as exc:
        errors.extend(exc.errors)
    found = Brand.objects.filter(group_id=tenant.group_id, name=(brand or "").strip()).first()
    if found is None:
        errors.append({"field": "brand", "message": _("Choose one of your group's brands.")})
    if not (model or "").strip():
        errors.append({"field": "model", "message": _("Enter the model.")})
    if state not in (StockVehicle.State.IN_STOCK, StockVehicle.State.IN_TRANSIT):
        errors.append({"field": "state", "message": _("A new car is in transit or in stock.")})
    if errors:
        raise invalid(errors)
    if StockVehicle.objects.filter(store=tenant.store, vin=vin).exists():
        raise Conflict(_("This VIN is already in the stock."), field="vin")
    now = timezone.now()
    try:
        with transaction.atomic():
            car = StockVehicle.objects.create(
                store=tenant.store, vin=vin, brand=found, model=model.strip()[:50], trim=(trim or "").strip()[:50],
                colour=(colour or "").strip()[:30], list_price=_m(list_price), cost=_m(cost if cost is not None else 0),
                state=state, arrived_on=timezone.localdate() if state == StockVehicle.State.IN_STOCK else None,
            )  # fmt: skip
            workflow.history(car, "stock", actor=tenant.user, action="created", at=now, data={"vin": vin})
    except IntegrityError:
        raise Conflict(_("This VIN is already in the stock."), field="vin") from None
    return car


def stock_receive(*, tenant: Tenant, stock_vehicle_id: int) -> StockVehicle:
    """A car in transit arrives: in stock from today (its ageing starts)."""
    with transaction.atomic():
        car = get_scoped(StockVehicle.objects.select_for_update(), tenant, pk=stock_vehicle_id)
        tenant.require(Perm.STOCK_MANAGE)
        if car.state != StockVehicle.State.IN_TRANSIT:
            raise Conflict(_("Only a car in transit can be received."), state=car.state)
        car.state, car.arrived_on, car.version = (
            StockVehicle.State.IN_STOCK,
            timezone.localdate(),
            car.version + 1,
        )
        car.save(update_fields=["state", "arrived_on", "version", "updated_at"])
        workflow.history(car, "stock", actor=tenant.user, action="received", at=timezone.now())
    return car


# --- Quotations -----------------------------------------------------------------------------------------


def _trade_in_vehicle(tenant: Tenant, vin: str, plate: str) -> Vehicle | None:
    qs = Vehicle.objects.for_tenant(tenant)
    if vin:
        found = qs.filter(vin=vin).first()
        if found:
            return found
    return qs.filter(plate=plate).first() if plate else None


def quotation_create(
    *, tenant: Tenant, lead_id: int, model: str, list_price: Decimal, discount: Decimal = ZERO, trim: str = "",
    colour: str = "", accessories: list | None = None, insurance: Decimal = ZERO, fees: Decimal = ZERO,
    finance: dict | None = None, trade_in: dict | None = None, discount_reason: str = "",
) -> Quotation:  # fmt: skip
    """An offer. Its discount within the consultant's authority (per store) is approved at once;
    above it the quotation waits for the showroom manager (pending_approval)."""
    lead = get_scoped(Lead.objects, tenant, pk=lead_id)
    tenant.require(Perm.QUOTE)
    errors = []
    list_price, discount, insurance, fees = _m(list_price), _m(discount), _m(insurance), _m(fees)
    if not (model or "").strip():
        errors.append({"field": "model", "message": _("Enter the model.")})
    if list_price <= 0:
        errors.append({"field": "list_price", "message": _("Enter the list price.")})
    if discount > list_price:
        errors.append({"field": "discount", "message": _("The discount cannot exceed the list price.")})
    items = []
    for i, item in enumerate(accessories or []):
        name = str(item.get("name") or "").strip()
        if not name:
            errors.append({"field": f"accessories.{i}.name", "message": _("Name the accessory.")})
        items.append({"name": name[:100], "price": str(_m(item.get("price")))})
    accessories_total = sum((Decimal(x["price"]) for x in items), ZERO)
    trade = trade_in or {}
    t_vin, t_plate, t_value = (
        (trade.get("vin") or "").strip(),
        (trade.get("plate") or "").strip(),
        _m(trade.get("value")),
    )
    if t_vin:
        try:
            t_vin = validate_vin(t_vin)
        except DomainError as exc:
            errors.append({"field": "trade_in.vin", "message": exc.message})
    if t_plate:
        try:
            t_plate = validate_plate(t_plate)
        except DomainError as exc:
            errors.append({"field": "trade_in.plate", "message": exc.message})
    if trade and not (t_vin or t_plate):
        errors.append({"field": "trade_in.plate", "message": _("Give the trade-in's plate or VIN.")})
    total = list_price - discount + accessories_total + insurance + fees - t_value
    if total < 0:
        errors.append(
            {"field": "trade_in.value", "message": _("The trade-in is worth more than the new car.")}
        )
    down = term = rate = monthly = None
    if finance:
        down, term, rate = (
            _m(finance.get("down_payment")),
            finance.get("term_months"),
            finance.get("annual_rate"),
        )
        if isinstance(term, bool) or not isinstance(term, int) or not 1 <= term <= MAX_TERM:
            errors.append(
                {
                    "field": "finance.term_months",
                    "message": _("A term is 1 to %(n)s months.") % {"n": MAX_TERM},
                }
            )
        try:
            rate = Decimal(str(rate)).quantize(CENT)
            if not 0 <= rate <= MAX_RATE:
                raise ValueError
        except (ArithmeticError, ValueError, TypeError):
            errors.append(
                {
                    "field": "finance.annual_rate",
                    "message": _("The annual rate is a percentage from 0 to 36."),
                }
            )
        if down > total:
            errors.append(
                {"field": "finance.down_payment", "message": _("The down payment cannot exceed the total.")}
            )
    if errors:
        raise invalid(errors)
    if finance:
        monthly = monthly_payment(total - down, term, rate)
    if lead.state not in (Lead.State.NEW, Lead.State.FOLLOWING):
        raise Conflict(_("This prospect is closed: reopen it first."), state=lead.state)
    authority = settings_for(tenant.store).discount_authority
    state = Quotation.State.APPROVED if discount <= authority else Quotation.State.PENDING_APPROVAL
    if state == Quotation.State.PENDING_APPROVAL and tenant.can(Perm.SALES_APPROVE):
        state = Quotation.State.APPROVED  # the showroom manager quoting decides within their own authority
    now = timezone.now()
    with transaction.atomic():
        q = Quotation.objects.create(
            store=tenant.store, lead=lead, model=model.strip()[:50], trim=(trim or "").strip()[:50],
            colour=(colour or "").strip()[:30], list_price=list_price, discount=discount,
            discount_reason=(discount_reason or "").strip()[:300], accessories=items,
            accessories_total=accessories_total, insurance=insurance, fees=fees, down_payment=down,
            term_months=term, annual_rate=rate, monthly_payment=monthly, trade_in_vin=t_vin,
            trade_in_plate=t_plate, trade_in_value=t_value, trade_in_condition=str(trade.get("condition") or "")[:200],
            trade_in_vehicle=_trade_in_vehicle(tenant, t_vin, t_plate) if trade else None, total=total, state=state,
            created_by=tenant.user,
        )  # fmt: skip
        workflow.history(q, "quotation", actor=tenant.user, action="created", at=now,
                         reason=q.discount_reason, data={"total": str(total), "discount": str(discount)})  # fmt: skip
        publish(type="quotation.created", store=tenant.store, subject=q, actor=tenant.user,
                payload={"quotation_id": q.pk, "lead_id": lead.pk, "state": state, "total": str(total),
                         "discount": str(discount)})  # fmt: skip
    return q


def quotation_decide(
    *, tenant: Tenant, quotation_id: int, approve: bool, reason: str = "", version: int | None = None
) -> Quotation:
    """The showroom manager approves or declines a discount above the consultant's authority."""

    def effect(q: Quotation) -> dict:
        q.decided_by = tenant.user
        return {"_fields": ["decided_by"]}

    return workflow.QUOTATION.apply(
        tenant=tenant, pk=quotation_id, action="approve" if approve else "decline", version=version,
        reason=reason, effect=effect,
    )  # fmt: skip


# --- Sales orders -------------------------------------------------------------------------------------------


def sales_order_create(*, tenant: Tenant, quotation_id: int) -> SalesOrder:
    """The contract from an approved quotation (an unapproved one answers 409); the prospect is won."""
    with transaction.atomic():
        q = get_scoped(Quotation.objects.select_for_update(), tenant, pk=quotation_id)
        tenant.require(Perm.SALES_ORDER)
        if q.state != Quotation.State.APPROVED:
            raise Conflict(
                _("Only an approved quotation becomes an order: this one is “%(state)s”.")
                % {"state": q.get_state_display()},
                field="quotation_id", state=q.state,
            )  # fmt: skip
        if SalesOrder.objects.filter(quotation=q).exists():
            raise Conflict(_("This quotation has an order already."), field="quotation_id")
        lead = Lead.objects.select_for_update().get(pk=q.lead_id)
        now = timezone.now()
        number = next_number(
            store=tenant.store, kind="sales_order", year=timezone.localdate().year, prefix="XS"
        )
        order = SalesOrder.objects.create(
            store=tenant.store, number=number, quotation=q, lead=lead, consultant=lead.assigned_to or tenant.user,
            total=q.total,
        )  # fmt: skip
        if lead.state in (Lead.State.NEW, Lead.State.FOLLOWING):
            workflow.LEAD.step(
                lead, "win", actor=tenant.user, store=tenant.store, data={"sales_order_id": order.pk}
            )
        workflow.history(order, "sales_order", actor=tenant.user, action="created", at=now,
                         data={"quotation_id": q.pk, "total": str(q.total)})  # fmt: skip
        publish(type="sales_order.created", store=tenant.store, subject=order, actor=tenant.user,
                payload={"sales_order_id": order.pk, "number": number, "lead_id": lead.pk,
                         "total": str(order.total), "consultant_id": order.consultant_id})  # fmt: skip
    return order


def payment_add(*, tenant: Tenant, order_id: int, kind: str, method: str, amount: Decimal) -> SalesPayment:
    """Money collected under the contract: a deposit, the balance, the loan's disbursement."""
    amount = _m(amount)
    errors = []
    if kind not in SalesPayment.Kind.values:
        errors.append(
            {
                "field": "kind",
                "message": _("Choose one of: %(v)s.") % {"v": ", ".join(SalesPayment.Kind.values)},
            }
        )
    if method not in SalesPayment.Method.values:
        errors.append(
            {
                "field": "method",
                "message": _("Choose one of: %(v)s.") % {"v": ", ".join(SalesPayment.Method.values)},
            }
        )
    if amount <= 0:
        errors.append({"field": "amount", "message": _("Enter an amount above zero.")})
    with transaction.atomic():
        order = get_scoped(SalesOrder.objects.select_for_update(), tenant, pk=order_id)
        tenant.require(Perm.SALES_PAYMENT)
        if errors:
            raise invalid(errors)
        if order.state != SalesOrder.State.OPEN:
            raise Conflict(_("This order is closed: no more payments."), state=order.state)
        if amount > order.outstanding:
            raise Conflict(
                _("Only %(left)s is outstanding on this order.") % {"left": f"{order.outstanding:.2f}"},
                field="amount",
            )
        now = timezone.now()
        payment = SalesPayment.objects.create(
            order=order, kind=kind, method=method, amount=amount, at=now, by=tenant.user
        )
        SalesOrder.objects.filter(pk=order.pk).update(
            paid=F("paid") + amount, version=F("version") + 1, updated_at=now
        )
        order.refresh_from_db(fields=["paid", "version"])
        workflow.history(order, "sales_order", actor=tenant.user, action="paid", at=now,
                         data={"kind": kind, "method": method, "amount": str(amount)})  # fmt: skip
        publish(type="sales_order.paid", store=tenant.store, subject=order, actor=tenant.user,
                payload={"sales_order_id": order.pk, "kind": kind, "amount": str(amount), "paid": str(order.paid)})  # fmt: skip
    return payment


def sales_order_allocate(
    *, tenant: Tenant, order_id: int, stock_vehicle_id: int, version: int | None = None
) -> SalesOrder:
    """One VIN to one order: the car is locked, must be free (in stock or in transit), and the
    database's unique constraint stands behind the lock (two orders at once: exactly one wins)."""

    def effect(order: SalesOrder) -> dict:
        if order.stock_vehicle_id:
            raise Conflict(_("This order has a VIN allocated already."), field="stock_vehicle_id")
        car = get_scoped(StockVehicle.objects.select_for_update(), tenant, pk=stock_vehicle_id)
        if (
            car.state not in (StockVehicle.State.IN_STOCK, StockVehicle.State.IN_TRANSIT)
            or SalesOrder.objects.filter(stock_vehicle=car).exists()
        ):
            raise Conflict(_("This car is allocated to another order already."), field="stock_vehicle_id")
        if car.model != order.quotation.model:
            raise DomainError(
                _("This car is a %(car)s; the order is for a %(model)s.") % {"car": car.model, "model": order.quotation.model},
                field="stock_vehicle_id",
            )  # fmt: skip
        order.stock_vehicle, order.cost = car, car.cost
        car.state, car.version = StockVehicle.State.ALLOCATED, car.version + 1
        car.save(update_fields=["state", "version", "updated_at"])
        return {"_fields": ["stock_vehicle", "cost"], "stock_vehicle_id": car.pk, "vin": car.vin}

    try:
        return workflow.ORDER.apply(
            tenant=tenant, pk=order_id, action="allocate", version=version, effect=effect,
            queryset=SalesOrder.objects.select_related("quotation").select_for_update(of=("self",)),
        )  # fmt: skip
    except IntegrityError:
        raise Conflict(
            _("This car is allocated to another order already."), field="stock_vehicle_id"
        ) from None


def sales_order_invoice(
    *, tenant: Tenant, order_id: int, invoice_number: str, version: int | None = None
) -> SalesOrder:
    """The invoice (机动车销售统一发票) number, recorded only once the configured share is paid."""
    number = (invoice_number or "").strip().upper()
    if not (8 <= len(number) <= 40) or not number.replace("-", "").isalnum():
        raise invalid(
            [
                {
                    "field": "invoice_number",
                    "message": _("Enter the invoice number (8 to 40 letters or digits)."),
                }
            ]
        )

    def effect(order: SalesOrder) -> dict:
        if order.invoice_number:
            raise Conflict(
                _("This order is invoiced already (%(n)s).") % {"n": order.invoice_number},
                field="invoice_number",
            )
        share = settings_for(order.store).invoice_share
        needed = _m(order.total * share)
        if order.paid < needed:
            raise Conflict(
                _("The invoice is issued once %(pct)s%% is paid (%(needed)s); paid so far: %(paid)s.")
                % {"pct": f"{share * 100:.0f}", "needed": f"{needed:.2f}", "paid": f"{order.paid:.2f}"},
                field="invoice_number",
            )  # fmt: skip
        order.invoice_number = number
        return {"_fields": ["invoice_number"], "invoice_number": number}

    return workflow.ORDER.apply(tenant=tenant, pk=order_id, action="invoice", version=version, effect=effect)


def _buyer(tenant: Tenant, lead: Lead) -> Customer:
    """The buyer as an owner customer: the one the prospect is, else the file's customer with the
    mobile, else a new customer (source: bought a car here)."""
    if lead.customer_id:
        return lead.customer
    found = Customer.objects.for_tenant(tenant).filter(mobile=lead.mobile).order_by("pk").first()
    if found is not None:
        return found
    return customer_create(tenant=tenant, name=lead.name, mobile=lead.mobile, source="sale").record


def sales_order_deliver(
    *, tenant: Tenant, order_id: int, checklist: dict, plate: str = "", service_advisor_id: int | None = None,
    photo: bytes | None = None, photo_name: str = "photo.jpg", version: int | None = None,
) -> SalesOrder:  # fmt: skip
    """The delivery (交车): allocated and invoiced, every checklist item ticked; the buyer becomes an
    owner customer with the car in the vehicle file (VIN, plate when registered, purchase date =
    warranty start), the stock car is delivered, the delivery photo is texted to the buyer (a link to
    it, through the outbox: delivery_photo_send), and `sales_order.delivered` is published in the
    same transaction (the relationship engine assigns a customer manager and plans the touches)."""
    if plate:
        plate = validate_plate(plate)
    advisor = (
        _store_user(tenant.store, service_advisor_id, "service_advisor_id") if service_advisor_id else None
    )
    photo_file = None
    if photo:
        field = SalesOrder._meta.get_field("delivery_photo")
        photo_file = field.storage.save(
            delivery_photo_path(SalesOrder(store_id=tenant.store.id), photo_name), ContentFile(photo)
        )
    now = timezone.now()

    def effect(order: SalesOrder) -> dict:
        missing = [k for k in CHECKLIST if (checklist or {}).get(k) is not True]
        if missing:
            raise invalid([{"field": f"checklist.{k}", "message": _("Tick this item before the delivery: %(item)s.")
                            % {"item": CHECKLIST[k]}} for k in missing])  # fmt: skip
        lead = Lead.objects.select_for_update(of=("self",)).select_related("customer").get(pk=order.lead_id)
        car = StockVehicle.objects.select_for_update().get(pk=order.stock_vehicle_id)
        customer = _buyer(tenant, lead)
        vehicle = Vehicle.objects.for_tenant(tenant).filter(vin=car.vin).first()
        if vehicle is None:
            vehicle = vehicle_create(
                tenant=tenant, owner_id=customer.pk, vin=car.vin, plate=plate, brand_id=car.brand_id, model=car.model,
                trim=car.trim, colour=car.colour, purchase_date=timezone.localdate(now), selling_store_id=tenant.store.pk,
            ).record  # fmt: skip
        if lead.customer_id is None:
            lead.customer = customer
            lead.save(update_fields=["customer", "updated_at"])
        car.state, car.version = StockVehicle.State.DELIVERED, car.version + 1
        car.save(update_fields=["state", "version", "updated_at"])
        order.customer, order.vehicle, order.plate = customer, vehicle, plate
        order.checklist = {k: True for k in CHECKLIST}
        order.service_advisor = advisor
        fields = ["customer", "vehicle", "plate", "checklist", "service_advisor"]
        message = None
        if photo_file:
            order.delivery_photo = photo_file
            fields.append("delivery_photo")
            message = delivery_photo_send(order=order, customer=customer, vehicle=vehicle, by=tenant.user)
        return {
            "_fields": fields, "sales_order_id": order.pk, "customer_id": customer.pk, "vehicle_id": vehicle.pk,
            "consultant_id": order.consultant_id, "delivered_at": now.isoformat(),
            "service_advisor_id": advisor.pk if advisor else None,
            "photo_message_id": message.pk if message is not None else None,
        }  # fmt: skip

    return workflow.ORDER.apply(
        tenant=tenant, pk=order_id, action="deliver", version=version, effect=effect, now=now
    )


def delivery_photo_send(
    *, order: SalesOrder, customer: Customer, vehicle: Vehicle, by=None
) -> Message | None:
    """Text the buyer the link to their delivery photo (一照), in the caller's transaction: an SMS for
    service, so the outbox withholds it from a customer who opted out of messages and holds it until
    the store's quiet hours end, as it does every touch. Once per order (idempotency key); None when
    the buyer has no mobile number to text."""
    if not MOBILE.match((customer.mobile or "").strip()):
        return None
    brand = vehicle.brand.name if vehicle.brand_id else ""
    message = message_queue(
        store=order.store, customer=customer, channel=Channel.SMS, purpose=MessagePurpose.SERVICE,
        kind="delivery_photo", params={"model": f"{brand} {vehicle.model}".strip(), "url": links.photo_url(order)},
        subject=("sales_order", order.pk), idempotency_key=f"delivery-photo:{order.pk}", by=by,
    )  # fmt: skip
    return message


def sales_order_cancel(
    *, tenant: Tenant, order_id: int, reason: str, version: int | None = None
) -> SalesOrder:
    """Cancel a signed order: its car goes back to stock."""

    def effect(order: SalesOrder) -> dict:
        if order.stock_vehicle_id:
            car = StockVehicle.objects.select_for_update().get(pk=order.stock_vehicle_id)
            car.state = StockVehicle.State.IN_STOCK if car.arrived_on else StockVehicle.State.IN_TRANSIT
            car.version += 1
            car.save(update_fields=["state", "version", "updated_at"])
            order.stock_vehicle = None
            return {"_fields": ["stock_vehicle"], "released_vin": car.vin}
        return {}

    return workflow.ORDER.apply(
        tenant=tenant, pk=order_id, action="cancel", version=version, reason=reason, effect=effect
    )


def delivery_due_set(*, tenant: Tenant, order_id: int, at: datetime) -> SalesOrder:
    """The delivery appointment agreed with the customer."""
    with transaction.atomic():
        order = get_scoped(SalesOrder.objects.select_for_update(), tenant, pk=order_id)
        tenant.require(Perm.SALES_ORDER)
        if order.state != SalesOrder.State.OPEN:
            raise Conflict(_("This order is closed."), state=order.state)
        order.delivery_due, order.version = at, order.version + 1
        order.save(update_fields=["delivery_due", "version", "updated_at"])
        workflow.history(order, "sales_order", actor=tenant.user, action="delivery_due", at=timezone.now(),
                         data={"at": at.isoformat()})  # fmt: skip
    return order
