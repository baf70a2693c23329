"""Writes to the parts catalogue and to stock. Pages, the API and other apps all come through here.

Every change of stock is atomic, leaves a StockMove row, and keeps the figures of StockLevel
(docs/parts.md). Stock is scarce: issues take it with one conditional UPDATE (`… WHERE on_hand >=
quantity`), so two people issuing the last unit at once get one issue and one "only 0 in stock";
the other writers lock the stock row first. Lock order, to never deadlock: reservations, then the
stock row.
"""

import re
from decimal import ROUND_DOWN, Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import Conflict, DomainError, stale_version
from dms.core.tenancy import Tenant, get_scoped
from dms.core.validation import collect, full_clean, invalid

from .links import resolve_order
from .models import ZERO, ForKind, Part, Reservation, StockLevel, StockMove, Unit
from .permissions import PARTS_ISSUE, PARTS_MANAGE, RESERVE, require_any

MAX_QUANTITY = Decimal("999999.99")
CENT = Decimal("0.01")
_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9\-./_]*$")

PART_FIELDS = ("number", "name", "unit", "price", "quality", "min_stock", "active", "notes")


# --- Values ------------------------------------------------------------------------------------------


def fmt(value: Decimal) -> str:
    """A quantity as people say it: 3, 4.5, 0.25 (no trailing zeros)."""
    value = Decimal(value)
    if value == value.to_integral_value():
        return str(value.quantize(Decimal(1)))
    return format(value.normalize(), "f")


def _decimal(value, *, field: str) -> Decimal:
    try:
        d = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        raise DomainError(_("Enter a number such as 2 or 4.50."), field=field) from None
    if not d.is_finite():
        raise DomainError(_("Enter a number such as 2 or 4.50."), field=field)
    try:
        cents = d.quantize(CENT, rounding=ROUND_DOWN)
    except InvalidOperation:  # more digits than any stock figure has
        raise DomainError(_("The number is too large."), field=field) from None
    if d != cents:
        raise DomainError(_("Use at most 2 decimal places."), field=field)
    return cents


def _whole_if_counted(d: Decimal, part: Part, *, field: str) -> Decimal:
    if not part.divisible and d != d.to_integral_value():
        raise DomainError(
            _("Enter a whole number: this part is counted by the %(unit)s.")
            % {"unit": part.get_unit_display()},
            field=field,
        )
    return d


def quantity_of(value, part: Part, *, field: str = "quantity") -> Decimal:
    """A quantity to move: more than zero, 2 places, whole for parts counted in pieces."""
    q = _decimal(value, field=field)
    if q <= 0:
        raise DomainError(_("The quantity must be more than zero."), field=field)
    if q > MAX_QUANTITY:
        raise DomainError(_("The quantity is too large."), field=field)
    return _whole_if_counted(q, part, field=field)


def normalise_number(raw: str) -> str:
    """Part numbers are kept upper-case without spaces: '15400-rta-003 ' -> '15400-RTA-003'."""
    number = re.sub(r"\s+", "", raw or "").upper()
    if not number:
        raise DomainError(_("Enter the part number."), field="number")
    if not _NUMBER.match(number):
        raise DomainError(
            _("A part number has letters, digits and - . / _ only, such as 15400-RTA-003."), field="number"
        )
    return number


# --- The catalogue -----------------------------------------------------------------------------------


def _apply(part: Part, tenant: Tenant, changes: dict) -> None:
    """Set and validate fields; raise one DomainError naming every bad field."""
    unknown = set(changes) - set(PART_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    errors: list[dict] = []
    for name, value in changes.items():
        setattr(part, name, value.strip() if isinstance(value, str) else value)
    if "number" in changes:
        part.number = collect(errors, normalise_number, part.number) or part.number
    if "name" in changes and not part.name:
        errors.append({"field": "name", "message": _("Enter the part's name.")})
    if "price" in changes:
        price = collect(errors, _decimal, part.price, field="price")
        if price is not None and price < 0:
            errors.append({"field": "price", "message": _("The price cannot be negative.")})
        part.price = price if price is not None else ZERO
    if "min_stock" in changes or "unit" in changes:
        minimum = collect(errors, _decimal, part.min_stock, field="min_stock")
        if minimum is not None and minimum < 0:
            errors.append({"field": "min_stock", "message": _("The minimum stock cannot be negative.")})
        elif minimum is not None and part.unit in Unit.values:
            collect(errors, _whole_if_counted, minimum, part, field="min_stock")
        part.min_stock = minimum if minimum is not None else ZERO
    if "number" in changes and not any(e["field"] == "number" for e in errors):
        taken = Part.objects.for_tenant(tenant).filter(number=part.number).exclude(pk=part.pk).exists()
        if taken:
            errors.append({"field": "number", "message": _number_taken(part.number)})
    full_clean(part, exclude=("group", "number_key"), extra_errors=errors)
    part.number_key = number_key(part.number)


def number_key(text: str) -> str:
    """The letters and digits of a part number, upper-cased: what search compares."""
    return re.sub(r"[^0-9A-Z]", "", (text or "").upper())


def _number_taken(number: str) -> str:
    return _("Part number %(n)s is already in the catalogue.") % {"n": number}


def _save(part: Part) -> None:
    try:
        with transaction.atomic():
            part.save()
    except IntegrityError:  # the same number created by someone else a moment ago
        raise DomainError(_number_taken(part.number), field="number") from None


def part_create(
    *,
    tenant: Tenant,
    number: str,
    name: str,
    unit: str = "piece",
    price: Decimal | str = ZERO,
    quality: str = "original",
    min_stock: Decimal | str = ZERO,
    active: bool = True,
    notes: str = "",
) -> Part:
    """Add a part number to the group's catalogue."""
    tenant.require(PARTS_MANAGE)
    part = Part(group_id=tenant.group_id)
    _apply(part, tenant, {"number": number, "name": name, "unit": unit, "price": price,
                          "quality": quality, "min_stock": min_stock, "active": active, "notes": notes})  # fmt: skip
    _save(part)
    return part


def part_update(*, tenant: Tenant, part_id: int, version: int, **changes) -> Part:
    """Change fields of a part; a stale `version` changes nothing and raises Conflict."""
    with transaction.atomic():
        part = get_scoped(Part.objects.select_for_update(), tenant, pk=part_id)
        tenant.require(PARTS_MANAGE)
        if part.version != version:
            raise stale_version(part.version)
        _apply(part, tenant, changes)
        part.version += 1
        _save(part)
    return part


# --- Stock -------------------------------------------------------------------------------------------


def _level(tenant: Tenant, part: Part, *, lock: bool) -> StockLevel:
    """The part's stock row in the tenant's store, created at zero the first time."""
    qs = StockLevel.objects.select_for_update() if lock else StockLevel.objects
    level, _created = qs.get_or_create(store=tenant.store, part=part)
    return level


def _move(tenant: Tenant, part: Part, level_id: int, kind: str, quantity: Decimal, **fields) -> StockMove:
    """Write the ledger row of a change, with the figures right after it (read inside the change's
    transaction, where this writer holds the row: nobody else's change can come in between)."""
    on_hand, reserved = StockLevel.objects.filter(pk=level_id).values_list("on_hand", "reserved").get()
    return StockMove.objects.create(
        store=tenant.store, part=part, kind=kind, quantity=quantity, on_hand_after=on_hand,
        reserved_after=reserved, by=tenant.user, at=timezone.now(), **fields,
    )  # fmt: skip


def _part(tenant: Tenant, part_id, *perms: str, for_stock_in: bool = False) -> Part:
    """The part, if the tenant's group has it (else NotFound, whatever the role: another group's
    ids answer the same as absent ones), then the role's permission, then that it is in use."""
    part = get_scoped(Part.objects, tenant, pk=part_id)
    require_any(tenant, perms)
    if for_stock_in and not part.active:
        raise DomainError(_("This part is retired: make it active again first."), field="part_id")
    return part


def stock_receive(
    *, tenant: Tenant, part_id: int, quantity: Decimal | str, reference: str = "", note: str = ""
) -> StockMove:
    """Goods in (入库): a delivery from the manufacturer or a supplier."""
    part = _part(tenant, part_id, PARTS_MANAGE, for_stock_in=True)
    q = quantity_of(quantity, part)
    with transaction.atomic():
        level = _level(tenant, part, lock=False)
        StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + q)
        return _move(tenant, part, level.pk, StockMove.Kind.RECEIPT, q,
                     reference=(reference or "").strip()[:40], note=(note or "").strip()[:200])  # fmt: skip


def stock_adjust(*, tenant: Tenant, part_id: int, counted: Decimal | str, reason: str) -> StockMove:
    """A count correction (盘点): on hand becomes what was counted; the difference is recorded with why."""
    part = _part(tenant, part_id, PARTS_MANAGE)
    counted = _decimal(counted, field="counted")
    errors = []
    if counted < 0:
        errors.append({"field": "counted", "message": _("A count cannot be negative.")})
    else:
        collect(errors, _whole_if_counted, counted, part, field="counted")
    reason = (reason or "").strip()
    if not reason:
        errors.append({"field": "reason", "message": _("Say why the stock differs from the count.")})
    elif len(reason) > 200:
        errors.append({"field": "reason", "message": _("At most %(n)s characters.") % {"n": 200}})
    if errors:
        raise invalid(errors)
    with transaction.atomic():
        level = _level(tenant, part, lock=True)
        delta = counted - level.on_hand
        if delta == 0:
            raise DomainError(
                _("The stock is already %(n)s: nothing to correct.") % {"n": fmt(counted)}, field="counted"
            )
        StockLevel.objects.filter(pk=level.pk).update(on_hand=counted)
        return _move(tenant, part, level.pk, StockMove.Kind.ADJUST, delta, note=reason[:200])


def stock_set_minimum(*, tenant: Tenant, part_id: int, min_qty: Decimal | str | None) -> StockLevel:
    """The minimum stock of a part in the tenant's store (None: the part's own minimum)."""
    part = _part(tenant, part_id, PARTS_MANAGE)
    if min_qty is not None and min_qty != "":
        min_qty = _decimal(min_qty, field="min_qty")
        if min_qty < 0:
            raise DomainError(_("The minimum stock cannot be negative."), field="min_qty")
        _whole_if_counted(min_qty, part, field="min_qty")
    else:
        min_qty = None
    with transaction.atomic():
        level = _level(tenant, part, lock=True)
        level.min_qty = min_qty
        level.save(update_fields=["min_qty", "updated_at"])
    return level


# --- Reservations ------------------------------------------------------------------------------------


def reservation_create(
    *,
    tenant: Tenant,
    part_id: int,
    quantity: Decimal | str,
    for_kind: str,
    for_id: int,
    reference: str = "",
) -> Reservation:
    """Hold parts for an appointment or a repair order.

    Allowed when stock is short: the reservation then waits for the goods (`covered` is False and
    the part shows in the low-stock list), so that the parts clerk knows what to order."""
    part = _part(tenant, part_id, *RESERVE, for_stock_in=True)
    q = quantity_of(quantity, part)
    for_kind, for_id, reference = resolve_order(tenant, for_kind=for_kind, for_id=for_id, reference=reference)
    with transaction.atomic():
        level = _level(tenant, part, lock=True)
        covered = level.on_hand - level.reserved >= q
        StockLevel.objects.filter(pk=level.pk).update(reserved=F("reserved") + q)
        reservation = Reservation.objects.create(
            store=tenant.store, part=part, quantity=q, for_kind=for_kind, for_id=for_id,
            reference=reference, covered=covered, created_by=tenant.user, at=timezone.now(),
        )  # fmt: skip
        _move(tenant, part, level.pk, StockMove.Kind.RESERVE, q, for_kind=for_kind, for_id=for_id,
              reservation=reservation, reference=reference)  # fmt: skip
    return reservation


def _release(tenant: Tenant, reservation: Reservation, *, note: str = "") -> None:
    """Give back what a locked, active reservation still holds."""
    held = reservation.open_quantity
    level = StockLevel.objects.select_for_update().get(store=tenant.store, part_id=reservation.part_id)
    StockLevel.objects.filter(pk=level.pk).update(reserved=F("reserved") - held)
    reservation.state = Reservation.State.RELEASED
    reservation.closed_at = timezone.now()
    reservation.save(update_fields=["state", "closed_at"])
    _move(tenant, reservation.part, level.pk, StockMove.Kind.RELEASE, -held, for_kind=reservation.for_kind,
          for_id=reservation.for_id, reservation=reservation, reference=reservation.reference,
          note=(note or "").strip()[:200])  # fmt: skip


def reservation_release(*, tenant: Tenant, reservation_id: int, note: str = "") -> Reservation:
    """Give the held parts back to the store's available stock (a cancelled job, a no-show)."""
    with transaction.atomic():
        reservation = get_scoped(
            Reservation.objects.select_for_update().select_related("part"), tenant, pk=reservation_id
        )
        require_any(tenant, RESERVE)
        if reservation.state != Reservation.State.ACTIVE:
            raise Conflict(
                _("This reservation is closed already (%(state)s).")
                % {"state": reservation.get_state_display()},
                state=reservation.state,
            )
        _release(tenant, reservation, note=note)
    return reservation


def _open_reservations(tenant: Tenant, *, for_kind: str, for_id: int, part: Part | None = None) -> list:
    qs = Reservation.objects.for_tenant(tenant).filter(
        for_kind=for_kind, for_id=for_id, state=Reservation.State.ACTIVE
    )
    if part is not None:
        qs = qs.filter(part=part)
    return list(qs.select_for_update().select_related("part").order_by("at", "id"))


def reservations_release_for(*, tenant: Tenant, for_kind: str, for_id: int, note: str = "") -> int:
    """Release everything still held for an appointment or order (cancelled, no-show, closed).
    For scheduling and the workshop; returns how many reservations were released."""
    require_any(tenant, RESERVE)
    with transaction.atomic():
        reservations = _open_reservations(tenant, for_kind=for_kind, for_id=for_id)
        for reservation in reservations:
            _release(tenant, reservation, note=note)
    return len(reservations)


def reservations_transfer(
    *, tenant: Tenant, from_kind: str, from_id: int, to_kind: str, to_id: int, to_reference: str = ""
) -> int:
    """Move what an appointment holds to the repair order opened from it, so that the order's
    issues consume it. Available stock does not change; the moves record the hand-over."""
    require_any(tenant, RESERVE)
    to_kind, to_id, to_reference = resolve_order(
        tenant, for_kind=to_kind, for_id=to_id, reference=to_reference
    )
    with transaction.atomic():
        reservations = _open_reservations(tenant, for_kind=from_kind, for_id=from_id)
        for r in reservations:
            held = r.open_quantity
            level = StockLevel.objects.select_for_update().get(store=tenant.store, part_id=r.part_id)
            _move(tenant, r.part, level.pk, StockMove.Kind.RELEASE, -held, for_kind=r.for_kind,
                  for_id=r.for_id, reservation=r, reference=r.reference, note=to_reference)  # fmt: skip
            r.for_kind, r.for_id, r.reference = to_kind, to_id, to_reference or r.reference
            r.save(update_fields=["for_kind", "for_id", "reference"])
            _move(tenant, r.part, level.pk, StockMove.Kind.RESERVE, held, for_kind=to_kind, for_id=to_id,
                  reservation=r, reference=r.reference)  # fmt: skip
    return len(reservations)


# --- Issues and returns ------------------------------------------------------------------------------


def part_issue(
    *,
    tenant: Tenant,
    part_id: int,
    quantity: Decimal | str,
    for_id: int,
    for_kind: str = ForKind.REPAIR_ORDER,
    reference: str = "",
    note: str = "",
) -> StockMove:
    """Issue parts from stock to a repair order (领料). Consumes the order's reservation of the part
    first; the rest must come from available stock (what is reserved for other jobs stays theirs).

    The stock is taken by one conditional UPDATE, so that concurrent issues never take more than
    is on hand: of two people issuing the last unit at once, one gets it, the other a Conflict."""
    part = _part(tenant, part_id, PARTS_ISSUE)
    q = quantity_of(quantity, part)
    if for_kind != ForKind.REPAIR_ORDER:
        raise DomainError(_("Parts are issued to a repair order."), field="for_kind")
    for_kind, for_id, reference = resolve_order(tenant, for_kind=for_kind, for_id=for_id, reference=reference)
    with transaction.atomic():
        reservations = _open_reservations(tenant, for_kind=for_kind, for_id=for_id, part=part)
        consumed = min(q, sum((r.open_quantity for r in reservations), ZERO))
        level = _level(tenant, part, lock=False)
        take = StockLevel.objects.filter(pk=level.pk, on_hand__gte=q)
        if q > consumed:  # the part not held for this order comes out of available stock
            take = take.filter(on_hand__gte=F("reserved") + (q - consumed))
        if not take.update(
            on_hand=F("on_hand") - q, reserved=F("reserved") - consumed, issued=F("issued") + q
        ):
            raise _short(level.pk, q, consumed)
        first, left = None, consumed
        for r in reservations:
            if left <= 0:
                break
            part_of_it = min(left, r.open_quantity)
            r.issued_quantity += part_of_it
            left -= part_of_it
            first = first or r
            fields = ["issued_quantity"]
            if r.issued_quantity == r.quantity:
                r.state, r.closed_at = Reservation.State.ISSUED, timezone.now()
                fields += ["state", "closed_at"]
            r.save(update_fields=fields)
        return _move(tenant, part, level.pk, StockMove.Kind.ISSUE, -q, for_kind=for_kind, for_id=for_id,
                     reservation=first, reference=reference, note=(note or "").strip()[:200])  # fmt: skip


def _short(level_id: int, q: Decimal, consumed: Decimal) -> Conflict:
    on_hand, reserved = StockLevel.objects.filter(pk=level_id).values_list("on_hand", "reserved").get()
    if on_hand < q:
        message = _("Only %(n)s in stock.") % {"n": fmt(on_hand)}
    else:
        free = max(on_hand - reserved, ZERO)
        message = _(
            "Only %(n)s available: %(r)s of the %(h)s in stock are reserved for other jobs. "
            "Release a reservation first, or receive more."
        ) % {"n": fmt(free + consumed), "r": fmt(reserved - consumed), "h": fmt(on_hand)}
    return Conflict(message, field="quantity", on_hand=f"{on_hand:.2f}", reserved=f"{reserved:.2f}")


def issued_to(tenant: Tenant, *, part: Part, for_kind: str, for_id: int) -> Decimal:
    """What of a part went to an order and has not come back."""
    total = (
        StockMove.objects.for_tenant(tenant)
        .filter(
            part=part,
            for_kind=for_kind,
            for_id=for_id,
            kind__in=(StockMove.Kind.ISSUE, StockMove.Kind.RETURN),
        )
        .aggregate(t=Sum("quantity"))["t"]
    )
    return -(total or ZERO)


def part_return(
    *,
    tenant: Tenant,
    part_id: int,
    quantity: Decimal | str,
    for_id: int,
    for_kind: str = ForKind.REPAIR_ORDER,
    reference: str = "",
    note: str = "",
) -> StockMove:
    """Parts that come back from a repair order unused (退料): never more than went to it."""
    part = _part(tenant, part_id, PARTS_ISSUE)
    q = quantity_of(quantity, part)
    if for_kind != ForKind.REPAIR_ORDER:
        raise DomainError(_("Parts are issued to a repair order."), field="for_kind")
    for_kind, for_id, reference = resolve_order(tenant, for_kind=for_kind, for_id=for_id, reference=reference)
    with transaction.atomic():
        level = StockLevel.objects.select_for_update().filter(store=tenant.store, part=part).first()
        out = issued_to(tenant, part=part, for_kind=for_kind, for_id=for_id) if level else ZERO
        if out <= 0:
            raise DomainError(_("None of this part was issued to this order."), field="quantity")
        if q > out:
            raise DomainError(
                _("Only %(n)s of this part went to this order: no more can come back.") % {"n": fmt(out)},
                field="quantity",
            )
        StockLevel.objects.filter(pk=level.pk).update(on_hand=F("on_hand") + q, issued=F("issued") - q)
        return _move(tenant, part, level.pk, StockMove.Kind.RETURN, q, for_kind=for_kind, for_id=for_id,
                     reference=reference, note=(note or "").strip()[:200])  # fmt: skip
