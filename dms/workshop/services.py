"""Writes of the workshop: opening a repair order, its lines, and each step of the ten.

Every step goes through workflow.apply (lock, version, transition, permission, event); what a
step does besides changing state is its `effect`, run inside the lock.
"""

import math
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dms.core.errors import Conflict, DomainError, Forbidden, NotFound, stale_version
from dms.core.events import publish
from dms.core.numbering import next_number
from dms.core.roles import Perm
from dms.core.tenancy import Tenant, get_scoped
from dms.core.validation import full_clean, invalid
from dms.customers.models import Channel, Customer, PreferredTime
from dms.scheduling.models import Appointment, Technician
from dms.vehicles.models import MileageReading, ServiceRecord, Vehicle
from dms.vehicles.services import mileage_record_locked, service_record_write

from . import comebacks, workflow
from .integration import on_cancelled, take_over_appointment_parts
from .models import (
    WORK_FEES,
    ZERO,
    ComebackStatus,
    FeeCategory,
    LaborOperation,
    LineKind,
    LineState,
    OldParts,
    Payer,
    Payment,
    PaymentMethod,
    RepairOrder,
    RepairOrderLine,
    State,
    WarrantyDecision,
)  # fmt: skip
from .rules import CERTIFICATE_NUMBER, WorkClass, certificate_required

CENT = Decimal("0.01")
ADVISOR_DISCOUNT_LIMIT = Decimal("0.10")  # an advisor gives up to 10% per line; more needs a manager
EDITABLE = {State.DRAFT, State.SIGNED, State.DISPATCHED, State.IN_PROGRESS, State.AWAITING_APPROVAL}
WORKING = {State.DISPATCHED, State.IN_PROGRESS, State.AWAITING_APPROVAL}
ISSUING = {State.SIGNED, *WORKING}  # parts go out once the customer has signed, until the work is finished
FEES_FIXED = {State.SETTLED, State.DELIVERED, State.CANCELLED}  # the settlement list no longer changes


def money(value, *, field: str) -> Decimal:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter an amount such as 1280.00."), field=field) from None
    if not d.is_finite() or d < 0 or d != d.quantize(CENT) or d > Decimal("9999999.99"):
        raise DomainError(_("Enter an amount of at least 0 with at most 2 decimal places."), field=field)
    return d


def parse_quantity(value, *, field: str = "quantity") -> Decimal:
    try:
        d = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter a quantity such as 1 or 0.5."), field=field) from None
    if not d.is_finite() or d <= 0 or d != d.quantize(CENT) or d > 10_000:
        raise DomainError(_("A quantity is more than 0, with at most 2 decimal places."), field=field)
    return d


# --- Opening the order (steps 2–3) --------------------------------------------------------------------


# What the comeback check and its warnings read of the earlier order.
COMEBACK_FIELDS = comebacks.COMEBACK_FIELDS


FIND = object()  # repair_order_create: no comeback check made yet, find it


def find_comeback(vehicle: Vehicle, mileage_in: int, now: datetime) -> RepairOrder | None:
    """The most recent delivered order of this vehicle (any store of the group) whose
    repair-quality warranty still runs: by days since delivery and km since, whichever ends first,
    for the vehicle's category and the store's own periods. Every earlier order is looked at, not
    only the last (dms/workshop/comebacks.py). A vehicle read with the annotation
    `delivered_lately` (comebacks.any_in_warranty at this `now`) that has none costs no query."""
    if getattr(vehicle, "delivered_lately", True) is False:
        return None
    # in any store of the group: the vehicle was read within the tenancy
    return comebacks.find(vehicle.pk, mileage_in, now)


OWNER_FIELDS = ("id", "group_id", "name", "title", "mobile", "email", "marketing_consent")


def repair_order_create(
    *, tenant: Tenant, vehicle_id: int, mileage_km: int, complaint: str, customer_id: int | None = None,
    appointment_id: int | None = None, promised_at: datetime | None = None, payment_method: str = PaymentMethod.WECHAT,
    old_parts: str = OldParts.LEAVE, free_wash: bool = True, preauth_amount=ZERO, preauth_minutes: int = 0,
    work_class: str = WorkClass.MINOR, savepoint: bool = True, vehicle: Vehicle | None = None,
    comeback: RepairOrder | None | object = FIND,
) -> RepairOrder:  # fmt: skip
    """Open a repair order (任务委托书) at reception: records the mileage, detects a comeback.
    A caller that opens it inside its own transaction and lets every error end that transaction
    may pass savepoint=False (two statements fewer); one that has locked the vehicle's file in
    that transaction (select_for_update, Vehicle.MILEAGE_FIELDS at least) passes it as `vehicle`;
    one that has made the comeback check at this mileage (the check-in) passes its finding."""
    tenant.require(Perm.RO_EDIT)
    with transaction.atomic(savepoint=savepoint):
        return _repair_order_create(
            tenant, vehicle_id=vehicle_id, mileage_km=mileage_km, complaint=complaint, customer_id=customer_id,
            appointment_id=appointment_id, promised_at=promised_at, payment_method=payment_method,
            old_parts=old_parts, free_wash=free_wash, preauth_amount=preauth_amount, preauth_minutes=preauth_minutes,
            work_class=work_class, vehicle=vehicle, comeback=comeback,
        )  # fmt: skip


def _repair_order_create(
    tenant: Tenant, *, vehicle_id, mileage_km, complaint, customer_id, appointment_id, promised_at, payment_method,
    old_parts, free_wash, preauth_amount, preauth_minutes, work_class, vehicle=None, comeback=FIND,
) -> RepairOrder:  # fmt: skip
    now = timezone.now()
    # The vehicle is locked: its mileage readings are checked and written one order at a time. In
    # the same statement: its owner (not locked), the order's customer, whom the subscribers of
    # repair_order.opened text, then not read again; and whether it has an order that may still be
    # in warranty (a first visit then skips the comeback check's query). Of the owner, what the
    # order and its texts take: the name (and its title, for the salutation), the addresses, the
    # consent.
    if vehicle is None or vehicle.pk != vehicle_id or vehicle.group_id != tenant.group_id:
        vehicle = get_scoped(
            Vehicle.objects.select_for_update(of=("self",)).select_related("owner")
            .only(*Vehicle.MILEAGE_FIELDS, *(f"owner__{f}" for f in OWNER_FIELDS))
            .annotate(delivered_lately=comebacks.any_in_warranty(now)),
            tenant, pk=vehicle_id,
        )  # fmt: skip
    if customer_id and customer_id != vehicle.owner_id:  # someone else brings the owner's car in
        customer_id = get_scoped(Customer.objects.only("id", "group_id"), tenant, pk=customer_id).pk
    customer_id = customer_id or vehicle.owner_id
    complaint = (complaint or "").strip()
    errors = []
    if not complaint:
        errors.append({"field": "complaint", "message": _("Write down the customer's own words.")})
    if promised_at is not None and promised_at <= now:
        errors.append({"field": "promised_at", "message": _("The promised time must be in the future.")})
    appointment = None
    if appointment_id:
        appointment = get_scoped(Appointment.objects, tenant, pk=appointment_id)
        if appointment.vehicle_id != vehicle.pk:
            errors.append(
                {"field": "appointment_id", "message": _("This appointment is for another vehicle.")}
            )
        elif appointment.state in (Appointment.State.CANCELLED, Appointment.State.NO_SHOW):
            errors.append(
                {"field": "appointment_id", "message": _("This appointment was cancelled or missed.")}
            )
    order = RepairOrder(
        store=tenant.store, customer_id=customer_id, vehicle=vehicle, appointment=appointment, advisor=tenant.user,
        complaint=complaint, mileage_in=mileage_km if isinstance(mileage_km, int) else 0, promised_at=promised_at,
        payment_method=payment_method, old_parts=old_parts, free_wash=free_wash,
        preauth_amount=money(preauth_amount, field="preauth_amount"), preauth_minutes=preauth_minutes,
        work_class=work_class, number="-",
    )  # fmt: skip
    full_clean(order, exclude=("store", "customer", "vehicle", "appointment", "advisor", "technician", "comeback_of"),
               extra_errors=errors)  # fmt: skip
    if mileage_km != vehicle.mileage_km:
        tenant.require(Perm.VEHICLE_EDIT)
        mileage_record_locked(vehicle, tenant, km=mileage_km, source=MileageReading.Source.RECEPTION)
    if comeback is FIND:
        comeback = find_comeback(vehicle, mileage_km, now)
    order.is_comeback, order.comeback_of = comeback is not None, comeback
    order.comeback_status = ComebackStatus.SUSPECTED if comeback is not None else ComebackStatus.NONE
    # The record as it is now (copied again at settlement): the VIN and plate of the file read
    # above, the customer's name: the owner's, read with the vehicle (a caller's vehicle without it:
    # read here, and then not by the subscribers, which text the order's customer); another
    # customer's in the INSERT itself (no statement more).
    order.vin, order.plate = vehicle.vin, vehicle.plate
    if customer_id == vehicle.owner_id:
        order.customer = vehicle.owner
        order.customer_name = order.customer.name
    else:
        order.customer_name = Subquery(Customer.objects.filter(pk=customer_id).values("name")[:1])
    order.number = next_number(
        store=tenant.store, kind="repair_order", year=timezone.localdate().year, prefix="RO-"
    )
    order.save(force_insert=True)
    if isinstance(order.customer_name, Subquery):
        order.__dict__.pop("customer_name", None)  # read from the row if ever needed
    if appointment and appointment.state in (Appointment.State.BOOKED, Appointment.State.CONFIRMED):
        from dms.scheduling.workflow import appointment_transition

        appointment_transition(tenant=tenant, appointment_id=appointment.pk, action="arrive")
    workflow.record(order, tenant, "open", data={"comeback_of": comeback.number if comeback else None})
    if appointment:
        take_over_appointment_parts(tenant, appointment, order)
    publish(
        type="repair_order.opened", store=tenant.store, subject=order, actor=tenant.user, at=order.opened_at,
        payload={"number": order.number, "vehicle_id": order.vehicle_id, "customer_id": order.customer_id,
                 "appointment_id": order.appointment_id, "comeback_of": comeback.number if comeback else None},
    )  # fmt: skip
    return order


def _lock(tenant: Tenant, order_id: int, version: int | None = None) -> RepairOrder:
    order = get_scoped(RepairOrder.objects.select_for_update(), tenant, pk=order_id)
    if version is not None and version != order.version:
        raise stale_version(order.version)
    return order


def _recompute(order: RepairOrder, lines=None) -> list[str]:
    """Sum the order's lines (`lines` when the caller has just read them all) into its totals;
    returns the fields set."""
    totals = dict.fromkeys(("labor", "parts", "other", "discount", "total", "customer"), ZERO)
    for line in order.lines.all() if lines is None else lines:
        if not line.counts:
            continue
        bucket = {LineKind.LABOR: "labor", LineKind.PART: "parts", LineKind.MATERIAL: "parts"}.get(
            line.kind, "other"
        )
        totals[bucket] += line.amount + line.discount
        totals["discount"] += line.discount
        totals["total"] += line.amount
        if line.payer == Payer.CUSTOMER:
            totals["customer"] += line.amount
    order.labor_total, order.parts_total, order.other_total = (
        totals["labor"],
        totals["parts"],
        totals["other"],
    )
    order.discount_total, order.total, order.customer_total = (
        totals["discount"],
        totals["total"],
        totals["customer"],
    )
    return ["labor_total", "parts_total", "other_total", "discount_total", "total", "customer_total"]


def _save_totals(order: RepairOrder) -> list[RepairOrderLine]:
    """Sum the order's lines into its totals and save them with a new version; returns the lines
    summed (all of them, in their order)."""
    lines = list(order.lines.all())
    fields = _recompute(order, lines)
    order.version += 1
    order.save(update_fields=[*fields, "version", "updated_at"])
    return lines


def line_add(
    *, tenant: Tenant, order_id: int, kind: str, quantity=None, description: str = "", unit_price=None,
    payer: str = Payer.CUSTOMER, labor_operation_id: int | None = None, part_id: int | None = None,
    warranty: str | None = None, warranty_reason: str = "", discount=ZERO, note: str = "", version: int | None = None,
    fee_category: str | None = None,
) -> RepairOrderLine:  # fmt: skip
    """Add a labor, part, material or fee line. Found during the repair (by a technician, or once
    work has started), it is a proposal the customer must agree to — unless it fits within the
    pre-authorised amount. `fee_category`: what the settlement list counts it as (诊断费, 检测费,
    加工费, ...); by default its labor operation's, else a labor fee (labor) or another fee (fee);
    a part or material is a materials fee."""
    if not (tenant.can(Perm.RO_EDIT) or tenant.can(Perm.RO_WORK)):
        raise Forbidden(_("Your role does not allow this."))
    with transaction.atomic():
        order = _lock(tenant, order_id, version)
        if order.state not in EDITABLE:
            raise Conflict(_("Lines can no longer be changed: the order is “%(s)s”.") % {"s": order.get_state_display()},
                           state=order.state, allowed_actions=workflow.allowed_actions(order))  # fmt: skip
        if not tenant.can(Perm.RO_EDIT):
            if order.state not in WORKING:
                raise Forbidden(_("Technicians report findings once the job is dispatched to them."))
            _own_job(tenant, order)
            # A technician proposes the work; who pays, the price and the discount are the advisor's.
            for field, value in (("payer", payer != Payer.CUSTOMER), ("unit_price", unit_price is not None),
                                 ("discount", discount not in (None, "", 0))):  # fmt: skip
                if value:
                    raise Forbidden(
                        _("Only the service advisor sets a line's %(field)s.") % {"field": field}, field=field
                    )
        line = _build_line(tenant, order, kind=kind, quantity=quantity, description=description, unit_price=unit_price,
                           payer=payer, labor_operation_id=labor_operation_id, part_id=part_id, warranty=warranty,
                           warranty_reason=warranty_reason, discount=discount, note=note,
                           fee_category=fee_category)  # fmt: skip
        additional = order.state in WORKING
        line.is_additional = additional
        if additional:
            line.state = LineState.PROPOSED
            within = _pending_extra(order) + (line.amount if line.payer == Payer.CUSTOMER else ZERO)
            # The customer's pre-authorisation covers only what the customer pays: a line paid by an
            # insurer or the warranty waits for the advisor's decision like any other proposal.
            if line.payer == Payer.CUSTOMER and within <= order.preauth_amount:
                line.state, line.approved_by_method, line.approved_at = (
                    LineState.APPROVED,
                    "preauthorised",
                    timezone.now(),
                )
        line.save()
        # The order as the step leaves it, for an answer without reading it again: `line.order` is
        # the locked order with its new totals and version, `line.order_lines` its lines (this one
        # included) as read for the totals.
        line.order_lines = _save_totals(order)
        # What the line was made of (its creation is not in the audit log: dms/workshop/apps.py).
        workflow.record(order, tenant, "line-add", data={
            "line": line.pk, "kind": line.kind, "description": line.description, "part": line.part_id,
            "labor_operation": line.labor_operation_id, "quantity": str(line.quantity),
            "unit_price": str(line.unit_price), "discount": str(line.discount), "amount": str(line.amount),
            "payer": line.payer, "warranty": line.warranty, "fee_category": line.fee_category, "state": line.state,
        })  # fmt: skip
    return line


def _pending_extra(order: RepairOrder) -> Decimal:
    """Extra work already accepted without a call, counted against the pre-authorisation."""
    return sum(
        (
            ln.amount
            for ln in order.lines.filter(
                is_additional=True, approved_by_method="preauthorised", payer=Payer.CUSTOMER
            )
        ),
        ZERO,
    )


def _build_line(tenant, order, *, kind, quantity, description, unit_price, payer, labor_operation_id, part_id,
                warranty, warranty_reason, discount, note, fee_category=None) -> RepairOrderLine:  # fmt: skip
    errors: list[dict] = []
    if kind not in LineKind.values:
        raise DomainError(_("Choose one of: %(v)s.") % {"v": ", ".join(LineKind.values)}, field="kind")
    line = RepairOrderLine(order=order, kind=kind, payer=payer, warranty_reason=(warranty_reason or "").strip(),
                           note=(note or "").strip())  # fmt: skip
    if kind == LineKind.LABOR:
        if labor_operation_id:
            op = get_scoped(LaborOperation.objects, tenant, pk=labor_operation_id)
            line.labor_operation = op
            description = description or op.name
            quantity = quantity if quantity is not None else op.standard_hours
        unit_price = unit_price if unit_price is not None else order.store.labor_rate
    elif part_id:
        from dms.parts.models import Part

        if kind != LineKind.PART and kind != LineKind.MATERIAL:
            errors.append({"field": "part_id", "message": _("Only part and material lines name a part.")})
        else:
            # What a line takes of its part (the answer names it by its id).
            part = get_scoped(Part.objects.only("id", "group_id", "name", "price"), tenant, pk=part_id)
            line.part = part
            description = description or part.name
            unit_price = unit_price if unit_price is not None else part.price
    elif kind == LineKind.PART:
        errors.append({"field": "part_id", "message": _("Choose the part from the catalogue.")})
    line.description = (description or "").strip()
    if not line.description:
        errors.append({"field": "description", "message": _("Describe the work or item.")})
    if quantity is None:
        errors.append({"field": "quantity", "message": _("Enter the quantity (hours for labor).")})
    if unit_price is None:
        errors.append({"field": "unit_price", "message": _("Enter the unit price.")})
    for name, func, value in (
        ("quantity", parse_quantity, quantity),
        ("unit_price", money, unit_price),
        ("discount", money, discount),
    ):
        if value is None:
            continue
        try:
            setattr(line, name, func(value, field=name))
        except DomainError as exc:
            errors.extend(exc.errors)
    if payer == Payer.STORE and order.comeback_status != ComebackStatus.CONFIRMED:
        errors.append(
            {"field": "payer", "message": _("The store pays only the lines of a confirmed comeback (返修).")}
        )
    if payer not in Payer.values:
        errors.append(
            {"field": "payer", "message": _("Choose one of: %(v)s.") % {"v": ", ".join(Payer.values)}}
        )
    decision = warranty or (
        WarrantyDecision.COVERED if payer == Payer.WARRANTY else WarrantyDecision.NOT_COVERED
    )
    if decision not in WarrantyDecision.values:
        errors.append(
            {
                "field": "warranty",
                "message": _("Choose one of: %(v)s.") % {"v": ", ".join(WarrantyDecision.values)},
            }
        )
    elif payer == Payer.WARRANTY and decision != WarrantyDecision.COVERED:
        errors.append(
            {"field": "warranty", "message": _("A line paid by the warranty must be decided as covered.")}
        )
    elif decision != WarrantyDecision.NOT_COVERED and not line.warranty_reason:
        errors.append(
            {
                "field": "warranty_reason",
                "message": _("Say why the warranty covers it, or what it waits for."),
            }
        )
    line.warranty = decision
    category = _fee_category(kind, fee_category, line.labor_operation if line.labor_operation_id else None)
    if isinstance(category, dict):
        errors.append(category)
    else:
        line.fee_category = category
    if errors:
        from dms.core.validation import invalid

        raise invalid(errors)
    gross = (line.quantity * line.unit_price).quantize(CENT, rounding=ROUND_HALF_UP)
    if line.discount > gross:
        raise DomainError(_("The discount is more than the line's amount."), field="discount")
    if gross and line.discount / gross > ADVISOR_DISCOUNT_LIMIT and not tenant.can(Perm.RO_DISCOUNT_HIGH):
        raise DomainError(
            _("Discounts over %(p)d%% need a manager.") % {"p": int(ADVISOR_DISCOUNT_LIMIT * 100)},
            field="discount",
        )
    line.amount = gross - line.discount
    full_clean(line, exclude=("order", "labor_operation", "part"))
    return line


def _fee_category(kind: str, chosen: str | None, operation: LaborOperation | None) -> str | dict:
    """The fee a new line is counted as on the settlement list, or the error (a dict) refusing it."""
    if kind in (LineKind.PART, LineKind.MATERIAL):
        if chosen not in (None, "", FeeCategory.MATERIALS):
            return {
                "field": "fee_category",
                "message": _("A part or material is counted as a materials fee."),
            }
        return FeeCategory.MATERIALS
    if chosen in (None, ""):
        if operation is not None:
            return operation.fee_category
        return FeeCategory.LABOR if kind == LineKind.LABOR else FeeCategory.OTHER
    if chosen not in WORK_FEES:
        return {"field": "fee_category", "message": _("Choose one of: %(v)s.") % {"v": ", ".join(WORK_FEES)}}
    return chosen


def line_fee_category_set(
    *, tenant: Tenant, order_id: int, line_id: int, fee_category: str, version: int | None = None
) -> RepairOrderLine:
    """Count a labor or fee line as another fee on the settlement list (e.g. a 诊断费 entered as
    labor), until the order is settled: the list is then printed as it was settled."""
    tenant.require(Perm.RO_EDIT)
    with transaction.atomic():
        order = _lock(tenant, order_id, version)
        line = order.lines.select_for_update().filter(pk=line_id).first()
        if line is None:
            raise NotFound()
        if order.state in FEES_FIXED:
            raise Conflict(_("The order is “%(s)s”: its settlement list no longer changes.") % {"s": order.get_state_display()},
                           state=order.state, allowed_actions=workflow.allowed_actions(order))  # fmt: skip
        category = _fee_category(line.kind, fee_category, None)
        if isinstance(category, dict):
            raise DomainError(category["message"], field="fee_category")
        before, line.fee_category = line.fee_category, category
        line.save(update_fields=["fee_category"])
        order.version += 1
        order.save(update_fields=["version", "updated_at"])
        workflow.record(order, tenant, "line-change", data={"line": line.pk, "description": line.description,
                        "fee_category": [before, category]})  # fmt: skip
    return line


def line_remove(*, tenant: Tenant, order_id: int, line_id: int, version: int | None = None) -> RepairOrder:
    """Remove a line before the customer has signed (afterwards, decline it instead)."""
    tenant.require(Perm.RO_EDIT)
    with transaction.atomic():
        order = _lock(tenant, order_id, version)
        line = order.lines.filter(pk=line_id).first()
        if line is None:
            raise NotFound()
        if order.state != State.DRAFT and not (line.state == LineState.PROPOSED):
            raise Conflict(_("After the customer signed, a line is declined, not removed."), state=order.state,
                           allowed_actions=workflow.allowed_actions(order))  # fmt: skip
        if line.issued_quantity > 0:
            raise Conflict(_("Parts were issued to this line: return them first."), state=order.state)
        line.delete()
        _save_totals(order)
        workflow.record(order, tenant, "line-remove", data={"description": line.description})
    return order


# --- The steps ------------------------------------------------------------------------------------


def order_sign(
    *, tenant: Tenant, order_id: int, version: int | None = None, signature: str = ""
) -> RepairOrder:
    def effect(order):
        if not order.lines.exists():
            raise DomainError(_("Add at least one item to the estimate before the customer signs."))
        return {"signature": bool(signature)}

    return workflow.apply(tenant=tenant, order_id=order_id, action="sign", version=version, effect=effect)


def order_dispatch(
    *, tenant: Tenant, order_id: int, technician_id: int, version: int | None = None
) -> RepairOrder:
    """Give the job to a technician who has the skills its labor lines need."""

    def effect(order):
        tech = (
            Technician.objects.for_tenant(tenant)
            .filter(pk=technician_id, active=True)
            .select_related("user")
            .first()
        )
        if tech is None:
            raise DomainError(_("Choose an active technician of this store."), field="technician_id")
        needed = {
            ln.labor_operation.skill
            for ln in order.lines.select_related("labor_operation").filter(
                kind=LineKind.LABOR, labor_operation__isnull=False
            )
            if ln.counts
        }
        missing = needed - set(tech.skills or []) - {"general"}
        if missing:
            from dms.scheduling.models import Skill

            raise DomainError(
                _("%(name)s lacks the skills this job needs: %(skills)s.")
                % {"name": tech.user, "skills": "、".join(str(Skill(s).label) for s in sorted(missing))},
                field="technician_id",
            )
        order.technician = tech
        return {"technician": str(tech.user), "_fields": ["technician"]}

    return workflow.apply(tenant=tenant, order_id=order_id, action="dispatch", version=version, effect=effect)


def _own_job(tenant: Tenant, order: RepairOrder) -> None:
    """A technician works on their own jobs; the foreman on any."""
    if tenant.can(Perm.RO_DISPATCH) or tenant.can(Perm.RO_EDIT):
        return
    if order.technician_id is None or order.technician.user_id != tenant.user.pk:
        raise Forbidden(_("This job is dispatched to someone else."))


def order_start(*, tenant: Tenant, order_id: int, version: int | None = None) -> RepairOrder:
    return workflow.apply(tenant=tenant, order_id=order_id, action="start", version=version,
                          effect=lambda o: _own_job(tenant, o))  # fmt: skip


def order_request_approval(*, tenant: Tenant, order_id: int, version: int | None = None) -> RepairOrder:
    """Ask the customer to decide on the extra work proposed: a new approval round. The customer's
    approval link is signed for its round (dms.portal.links), so a link texted for an earlier
    round cannot decide this one."""

    def effect(order):
        if not order.lines.filter(state=LineState.PROPOSED).exists():
            raise DomainError(_("There is no extra work waiting for the customer's decision."))
        order.approval_round += 1
        return {"round": order.approval_round, "_fields": ["approval_round"]}

    return workflow.apply(
        tenant=tenant, order_id=order_id, action="request-approval", version=version, effect=effect
    )


# How staff record the customer's decision. "link" is not among them: a decision "by link" is
# only ever the customer's own, on the page their signed link opens (by_customer=True below).
APPROVAL_METHODS = ("phone", "in_person")
LINK_OUT_OF_DATE = gettext_lazy(
    "This link is out of date: the extra work was asked about again since. Please use the latest link "
    "we sent you, or call your service advisor."
)


def order_approve(
    *, tenant: Tenant | None = None, order_id: int, method: str, note: str = "", decisions: dict | None = None,
    version: int | None = None, approver: str = "", by_customer: bool = False, customer_ip: str = "",
    approval_round: int | None = None,
) -> RepairOrder:  # fmt: skip
    """Record the customer's decision on the extra work: who agreed, when and how. Lines not named
    in `decisions` are approved; declined ones stay on the order as recommendations for later.

    Staff record a decision by phone or in person (their user is on the event). `by_customer=True`
    is the customer deciding on their own signed link page (dms.portal), with no staff user: the
    caller has verified the link and passes the `approval_round` it was signed for; the step acts
    in the order's own store, checks under the order's lock that the round is still the current
    one (a link of an earlier round cannot decide: Conflict on "approval_round"), and records the
    event with no `by` and "customer via link", with the customer's IP address."""
    if by_customer:
        from dms.core.roles import Role

        if approval_round is None:  # only a verified link says which round it decides
            raise Forbidden(_("Your role does not allow this."))
        found = RepairOrder.objects.select_related("store", "store__group").filter(pk=order_id).first()
        if found is None:
            raise NotFound()
        # Nobody signed in: the decision is the customer's; RO_EDIT is what the transition needs.
        tenant = Tenant(user=None, store=found.store, role=Role.SERVICE_ADVISOR, stores=(found.store,))
        method, approver = "link", approver or "customer via link"
    elif tenant is None:
        raise Forbidden(_("Your role does not allow this."))
    elif method not in APPROVAL_METHODS:
        raise DomainError(_("Choose one of: %(v)s.") % {"v": ", ".join(APPROVAL_METHODS)}, field="method")
    if method == "phone" and not (note or "").strip():
        raise DomainError(_("Write down who agreed on the phone and what was said."), field="note")
    decisions = {int(k): v for k, v in (decisions or {}).items()}

    def effect(order):
        if by_customer and order.approval_round != approval_round:
            raise Conflict(LINK_OUT_OF_DATE, field="approval_round", current_round=order.approval_round)
        now = timezone.now()
        result = {}
        for line in order.lines.filter(state=LineState.PROPOSED):
            verdict = decisions.get(line.pk, "approve")
            if verdict not in ("approve", "decline"):
                raise DomainError(_("Each item is approved or declined."), field="decisions")
            line.state = LineState.APPROVED if verdict == "approve" else LineState.DECLINED
            line.approved_by_method, line.approved_at = method, now
            line.save(update_fields=["state", "approved_by_method", "approved_at"])
            result[str(line.pk)] = verdict
        customer = (
            {"by_customer": True, "via": "customer via link", "ip": customer_ip, "round": approval_round}
            if by_customer
            else {}
        )
        return {
            "method": method,
            "note": note,
            "approver": approver,
            "decisions": result,
            **customer,
            "_fields": _recompute(order),
        }

    return workflow.apply(
        tenant=tenant, order_id=order_id, action="approve", version=version, effect=effect, reason=note
    )


def order_finish(*, tenant: Tenant, order_id: int, version: int | None = None) -> RepairOrder:
    def effect(order):
        _own_job(tenant, order)
        if order.lines.filter(state=LineState.PROPOSED).exists():
            raise DomainError(_("Extra work is still waiting for the customer's decision."))
        order.lines.filter(state=LineState.APPROVED).update(state=LineState.DONE)

    return workflow.apply(tenant=tenant, order_id=order_id, action="finish", version=version, effect=effect)


def order_qc_pass(
    *, tenant: Tenant, order_id: int, checklist: dict | None = None, version: int | None = None
) -> RepairOrder:
    def effect(order):
        failed = [k for k, ok in (checklist or {}).items() if not ok]
        if failed:
            raise DomainError(
                _("Items of the checklist failed: %(items)s. Fail the QC instead.")
                % {"items": "、".join(failed)}
            )
        return {"checklist": checklist or {}}

    return workflow.apply(tenant=tenant, order_id=order_id, action="qc-pass", version=version, effect=effect)


def order_qc_fail(*, tenant: Tenant, order_id: int, reason: str, version: int | None = None) -> RepairOrder:
    """Back to the technician as rework: counted against the first-time-fix rate. The reason is
    required (the workflow's table says so)."""

    def effect(order):
        order.rework_count += 1
        order.lines.filter(state=LineState.DONE).update(state=LineState.APPROVED)
        return {"_fields": ["rework_count"]}

    return workflow.apply(
        tenant=tenant, order_id=order_id, action="qc-fail", version=version, effect=effect, reason=reason
    )


def _certificate(order: RepairOrder, given: str) -> str:
    """The completion certificate's number the order settles with: the one given (its format
    checked, not on another order of the store), else the one it has; required for level-2
    maintenance and overhauls."""
    number = (given or "").strip() or order.certificate_number
    if not number:
        if certificate_required(order.work_class):
            raise DomainError(
                _("%(work)s is settled with the number of the completion certificate (机动车维修竣工出厂合格证) "
                  "issued for it.") % {"work": order.get_work_class_display()},
                field="certificate_number",
            )  # fmt: skip
        return ""
    if not CERTIFICATE_NUMBER.fullmatch(number):
        raise DomainError(
            _(
                "Enter the certificate's number as printed: 4 to 30 letters, digits, Chinese characters or hyphens."
            ),
            field="certificate_number",
        )
    other = (
        RepairOrder.objects.filter(store_id=order.store_id, certificate_number=number)
        .exclude(pk=order.pk).values_list("number", flat=True).first()
    )  # fmt: skip
    if other:
        raise DomainError(
            _("Certificate %(c)s was issued for order %(n)s already.") % {"c": number, "n": other},
            field="certificate_number",
        )
    return number


def order_settle(
    *, tenant: Tenant, order_id: int, payments: list[dict], version: int | None = None,
    certificate_number: str = "",
) -> RepairOrder:  # fmt: skip
    """Record the customer's payment (records only: no gateway) and write the visit into the
    vehicle's service history. The payments must add up to the customer's share. Level-2
    maintenance and overhauls are settled with the completion certificate's number."""
    cleaned = []
    for i, p in enumerate(payments or []):
        method = p.get("method")
        if method not in PaymentMethod.values:
            raise DomainError(
                _("Choose one of: %(v)s.") % {"v": ", ".join(PaymentMethod.values)},
                field=f"payments.{i}.method",
            )
        cleaned.append((method, money(p.get("amount"), field=f"payments.{i}.amount")))

    def effect(order):
        order.certificate_number = _certificate(order, certificate_number)
        paid = sum((a for _m, a in cleaned), ZERO)
        if paid != order.customer_total:
            raise DomainError(
                _("The payments add up to %(paid)s but the customer owes %(due)s.")
                % {"paid": f"{paid:.2f}", "due": f"{order.customer_total:.2f}"},
                field="payments",
            )
        now = timezone.now()
        for method, amount in cleaned:
            Payment.objects.create(order=order, method=method, amount=amount, at=now, by=tenant.user)
        covered = order.total - order.customer_total
        kind = _history_kind(order)
        faults, systems = _sanbao_counts(order)
        service_record_write(
            tenant=tenant, vehicle_id=order.vehicle_id, date=timezone.localdate(), mileage_km=order.mileage_in,
            kind=kind, summary=_summary(order), amount_paid=order.customer_total, amount_covered=covered,
            reference=order.number, date_in=timezone.localdate(order.opened_at),
            repair_days=max(1, math.ceil((now - order.opened_at) / timedelta(days=1))), faults=faults,
            replaced_systems=systems,
        )  # fmt: skip
        # The settlement list (维修结算清单) has its own gap-free number per store and year; it is
        # taken here, inside the settle transaction, so a refused settlement gives it back.
        number = next_number(
            store=order.store, kind="settlement", year=timezone.localdate().year, prefix="JS-"
        )
        # The record as it was at settlement: the settlement list and the e-health record print it.
        order.settlement_number = number
        order.vin, order.plate = order.vehicle.vin, order.vehicle.plate
        order.customer_name = order.customer.name
        return {
            "payments": [{"method": m, "amount": f"{a:.2f}"} for m, a in cleaned],
            "settlement_number": number,
            "certificate_number": order.certificate_number,
            "_fields": ["settlement_number", "vin", "plate", "customer_name", "certificate_number"],
        }

    return workflow.apply(tenant=tenant, order_id=order_id, action="settle", version=version, effect=effect)


def _sanbao_counts(order: RepairOrder) -> tuple[list[str], list[str]]:
    """What 三包 counts of this visit (dms/vehicles/sanbao.py): the faults repaired (its labor
    operations other than maintenance, "code name") and the major systems replaced."""
    faults, systems = [], []
    lines = order.lines.filter(kind=LineKind.LABOR, labor_operation__isnull=False).exclude(
        state=LineState.DECLINED
    )
    for code, name, skill, system in lines.values_list(
        "labor_operation__code",
        "labor_operation__name",
        "labor_operation__skill",
        "labor_operation__major_system",
    ):
        if skill != "maintenance" and f"{code} {name}" not in faults:
            faults.append(f"{code} {name}")
        if system:
            systems.append(system)
    return faults, systems


def _history_kind(order: RepairOrder) -> str:
    payers = set(order.lines.exclude(state=LineState.DECLINED).values_list("payer", flat=True))
    if payers == {Payer.WARRANTY}:
        return ServiceRecord.Kind.WARRANTY
    if Payer.INSURER in payers:
        return ServiceRecord.Kind.ACCIDENT
    if order.work_class in (WorkClass.MINOR, WorkClass.LEVEL2) and "保养" in order.complaint:
        return ServiceRecord.Kind.MAINTENANCE
    return ServiceRecord.Kind.REPAIR


def _summary(order: RepairOrder) -> str:
    names = [ln.description for ln in order.lines.exclude(state=LineState.DECLINED)]
    return ("；".join(names) or order.complaint)[:300]


def _deliver_checks(
    *, old_parts_returned, followup_consent, followup_channel, followup_time
) -> None:  # fmt: skip
    """What the customer said at delivery, checked before anything is locked: the page's form and
    the API send it; an unknown channel or time is refused with the field, never stored."""
    errors = []
    if old_parts_returned is not None and not isinstance(old_parts_returned, bool):
        errors.append({"field": "old_parts_returned",
                       "message": _("Say whether the old parts were handed over to the customer.")})  # fmt: skip
    if not isinstance(followup_consent, bool):
        errors.append({"field": "followup_consent",
                       "message": _("Say whether the customer agrees to a follow-up call or message.")})  # fmt: skip
    if followup_channel not in Channel.values:
        errors.append({"field": "followup_channel",
                       "message": _("Choose one of: %(v)s.") % {"v": ", ".join(Channel.values)}})  # fmt: skip
    if followup_time not in PreferredTime.values:
        errors.append({"field": "followup_time",
                       "message": _("Choose one of: %(v)s.") % {"v": ", ".join(PreferredTime.values)}})  # fmt: skip
    if errors:
        raise invalid(errors)


def order_deliver(
    *, tenant: Tenant, order_id: int, mileage_out: int | None = None, old_parts_returned: bool | None = None,
    followup_consent: bool = True, followup_channel: str = "phone", followup_time: str = "any", version: int | None = None,
) -> RepairOrder:  # fmt: skip
    """Hand the car back (交车): mileage out, whether the old parts were handed over (asked when the
    customer chose to take them), and whether and how the customer agrees to be followed up.
    The event repair_order.delivered carries these answers: dms.followups creates from it, in this
    transaction, the follow-up due within 2 days (step 10) with that channel and time; without
    consent it is still created, marked "do not call", and customer care closes it without calling."""
    _deliver_checks(
        old_parts_returned=old_parts_returned, followup_consent=followup_consent,
        followup_channel=followup_channel, followup_time=followup_time,
    )  # fmt: skip

    def effect(order):
        out = order.mileage_in if mileage_out is None else mileage_out
        if not isinstance(out, int) or out < order.mileage_in or out > order.mileage_in + 500:
            raise DomainError(
                _("Mileage out is between the mileage in and 500 km more."), field="mileage_out"
            )
        order.mileage_out = out
        return {"old_parts_returned": old_parts_returned, "followup_consent": followup_consent,
                "followup_channel": followup_channel, "followup_time": followup_time, "_fields": ["mileage_out"]}  # fmt: skip

    return workflow.apply(tenant=tenant, order_id=order_id, action="deliver", version=version, effect=effect)


def order_cancel(*, tenant: Tenant, order_id: int, reason: str, version: int | None = None) -> RepairOrder:
    """Cancel an open order (with a reason: the workflow's table requires one); parts reserved for
    it are released."""

    def effect(order):
        if order.lines.filter(issued_quantity__gt=0).exists():
            raise DomainError(_("Parts were issued to this order: return them first."))
        on_cancelled(tenant, order)

    return workflow.apply(
        tenant=tenant, order_id=order_id, action="cancel", version=version, effect=effect, reason=reason
    )


def line_issue_parts(*, tenant: Tenant, order_id: int, line_id: int, quantity=None) -> RepairOrderLine:
    """The parts clerk issues a part line's parts from stock (领料): the stock move and the line's
    issued quantity change together, never more than the line asks for."""
    from dms.parts.services import part_issue

    with transaction.atomic():
        order = _lock(tenant, order_id)
        line = order.lines.select_for_update().filter(pk=line_id).first()
        if line is None or line.part_id is None:
            raise DomainError(_("Choose a part line of this order."), field="line_id")
        if line.state not in (LineState.APPROVED, LineState.DONE):
            raise Conflict(_("Only items the customer agreed to are issued."), state=order.state)
        if order.state not in ISSUING:
            raise Conflict(
                _("Parts are issued once the customer has signed and until the work is finished."),
                state=order.state,
                allowed_actions=workflow.allowed_actions(order),
            )
        left = line.quantity - line.issued_quantity
        q = left if quantity in (None, "") else parse_quantity(quantity)
        if q <= 0 or q > left:
            raise DomainError(
                _("At most %(n)s more of this line can be issued.") % {"n": f"{left.normalize():f}"},
                field="quantity",
            )
        part_issue(tenant=tenant, part_id=line.part_id, quantity=q, for_id=order.pk, reference=order.number)
        line.issued_quantity += q
        line.save(update_fields=["issued_quantity"])
        workflow.record(order, tenant, "parts-issue", data={"line": line.pk, "quantity": str(q)})
    return line
