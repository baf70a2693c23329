"""/api/v1/parts: the catalogue, this store's stock, reservations, issues and returns.

Quantities and money are decimal strings with 2 places. Stock figures are those of the store the
caller acts in (X-Store, else the home store). A shortage answers 409 with the sentence saying
what is there; ids of another group answer 404.
"""

from datetime import datetime
from decimal import Decimal

from ninja import Field, Query, Router, Schema, Status

from dms.core.validation import PAGE_OFFSET_MAX, choices_of

from . import selectors, services
from .models import ForKind, Quality, Reservation, StockMove, Unit
from .permissions import PARTS_VIEW

router = Router(tags=["parts"])


def _qty(description: str = ""):
    return Field(
        max_digits=9,
        decimal_places=2,
        description=description
        or 'A decimal string or number, at most 2 places, e.g. "4.50"; whole for parts counted in pieces.',
    )


D = selectors.decimal_str


# --- Output --------------------------------------------------------------------------------------------


class StockOut(Schema):
    store: str = Field(description="Code of the store these figures are for.")
    on_hand: str
    reserved: str
    available: str = Field(description="on_hand - reserved; below zero when reservations wait for stock.")
    issued: str = Field(description="Issued to repair orders, less returns.")
    minimum: str = Field(description="Minimum stock in this store (the store's own, else the part's).")


class PartOut(Schema):
    id: int
    number: str
    name: str
    unit: choices_of(Unit)
    price: str
    quality: choices_of(Quality)
    min_stock: str
    active: bool
    notes: str
    version: int
    stock: StockOut


class PartDetailOut(PartOut):
    stores: list[StockOut] = Field(description="The part's stock in every store of the group.")


class PartPage(Schema):
    count: int
    items: list[PartOut]


class LowStockOut(PartOut):
    needed: str = Field(description="What brings available back to the minimum.")


class LowStockPage(Schema):
    count: int
    items: list[LowStockOut]


class MoveOut(Schema):
    id: int
    part_id: int
    store: str
    kind: choices_of(StockMove.Kind)
    quantity: str = Field(description="Signed: the change of on hand (of reserved for reserve/release).")
    on_hand_after: str
    reserved_after: str
    available_after: str
    for_kind: choices_of(ForKind, blank=True)
    for_id: int | None
    reservation_id: int | None
    reference: str
    note: str
    by: str | None
    at: datetime


class MovePage(Schema):
    count: int
    items: list[MoveOut]


class ReservationOut(Schema):
    id: int
    part_id: int
    part_number: str
    store: str
    quantity: str
    issued_quantity: str
    open_quantity: str
    for_kind: choices_of(ForKind)
    for_id: int
    reference: str
    state: choices_of(Reservation.State)
    covered: bool = Field(description="Whether available stock covered it when it was made.")
    by: str | None
    at: datetime
    closed_at: datetime | None


def stock_out(part, store) -> dict:
    return {"store": store.code, "on_hand": D(part.on_hand), "reserved": D(part.reserved),
            "available": D(part.available), "issued": D(part.issued), "minimum": D(part.minimum)}  # fmt: skip


def part_out(part, store) -> dict:
    return {
        **{
            f: getattr(part, f)
            for f in ("id", "number", "name", "unit", "quality", "active", "notes", "version")
        },
        "price": D(part.price),
        "min_stock": D(part.min_stock),
        "stock": stock_out(part, store),
    }


def move_out(m: StockMove) -> dict:
    return {
        "id": m.id, "part_id": m.part_id, "store": m.store.code, "kind": m.kind, "quantity": D(m.quantity),
        "on_hand_after": D(m.on_hand_after), "reserved_after": D(m.reserved_after),
        "available_after": D(m.on_hand_after - m.reserved_after), "for_kind": m.for_kind, "for_id": m.for_id,
        "reservation_id": m.reservation_id, "reference": m.reference, "note": m.note,
        "by": str(m.by) if m.by else None, "at": m.at,
    }  # fmt: skip


def reservation_out(r: Reservation) -> dict:
    return {
        "id": r.id, "part_id": r.part_id, "part_number": r.part.number, "store": r.store.code,
        "quantity": D(r.quantity), "issued_quantity": D(r.issued_quantity), "open_quantity": D(r.open_quantity),
        "for_kind": r.for_kind, "for_id": r.for_id, "reference": r.reference, "state": r.state,
        "covered": r.covered, "by": str(r.created_by) if r.created_by else None, "at": r.at,
        "closed_at": r.closed_at,
    }  # fmt: skip


def _detail(t, part_id) -> dict:
    part = selectors.part_get(t, part_id)
    t.require(PARTS_VIEW)
    stores = [
        {"store": row["store"].code, "on_hand": D(row["on_hand"]), "reserved": D(row["reserved"]),
         "available": D(row["available"]), "issued": D(row["issued"]), "minimum": D(row["minimum"])}
        for row in selectors.stock_by_store(t, part)
    ]  # fmt: skip
    return {**part_out(part, t.store), "stores": stores}


def _move_written(t, move) -> Status:
    move = StockMove.objects.select_related("by", "store").get(pk=move.pk)
    return Status(201, move_out(move))


# --- Input ---------------------------------------------------------------------------------------------


class PartIn(Schema):
    number: str = Field(max_length=40, description="Upper-cased, spaces removed; unique in the group.")
    name: str = Field(max_length=100)
    unit: choices_of(Unit) = Unit.PIECE
    price: Decimal = Field(Decimal("0.00"), max_digits=9, decimal_places=2, description="Sale price, CNY.")
    quality: choices_of(Quality) = Field(
        Quality.ORIGINAL, description="original, oem (OEM-equivalent) or used"
    )
    min_stock: Decimal = Field(Decimal("0.00"), max_digits=9, decimal_places=2)
    active: bool = True
    notes: str = Field("", max_length=200)


class PartPatch(Schema):
    """Only the fields sent change. A text that may be empty is cleared with ""; null is for the fields
    that may be empty (dates, links) and answers 422 for any other."""

    version: int = Field(description="The version you read; a stale one answers 409 and changes nothing.")
    number: str = Field(None, max_length=40)
    name: str = Field(None, max_length=100)
    unit: choices_of(Unit) = Field(None)
    price: Decimal = Field(None, max_digits=9, decimal_places=2)
    quality: choices_of(Quality) = Field(None)
    min_stock: Decimal = Field(None, max_digits=9, decimal_places=2)
    active: bool = Field(None)
    notes: str = Field(None, max_length=200)


class ListParams(Schema):
    q: str = Field("", description="Start of the part number, or any part of the name.")
    active: bool | None = Field(None, description="Only active (true) or retired (false) parts.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


class ReceiveIn(Schema):
    quantity: Decimal = _qty()
    reference: str = Field("", max_length=40, description="Delivery note or purchase order number.")
    note: str = Field("", max_length=200)


class AdjustIn(Schema):
    counted: Decimal = _qty("What the count found on the shelf; on hand becomes this.")
    reason: str = Field(max_length=200)


class MinimumIn(Schema):
    min_qty: Decimal | None = Field(
        max_digits=9,
        decimal_places=2,
        description="This store's minimum; null: use the part's minimum stock.",
    )


class ReservationIn(Schema):
    quantity: Decimal = _qty()
    for_kind: choices_of(ForKind)
    for_id: int = Field(description="Id of the appointment or repair order.")
    reference: str = Field("", max_length=40, description="E.g. the repair order number, shown on moves.")


class ReservationParams(Schema):
    for_kind: choices_of(ForKind) | None = None
    for_id: int | None = None
    active: bool = Field(True, description="Only reservations still holding stock.")


class ReleaseIn(Schema):
    note: str = Field("", max_length=200)


class IssueIn(Schema):
    quantity: Decimal = _qty()
    for_kind: choices_of([ForKind.REPAIR_ORDER]) = ForKind.REPAIR_ORDER
    for_id: int = Field(description="Id of the repair order.")
    reference: str = Field("", max_length=40, description="The repair order number, shown on moves.")
    note: str = Field("", max_length=200)


# --- Endpoints (fixed paths before /{part_id}) ----------------------------------------------------------


@router.get("", response=PartPage)
def part_list(request, params: Query[ListParams]):
    """Search the group's parts by number prefix or name, with this store's stock."""
    t = request.auth
    t.require(PARTS_VIEW)
    page = selectors.part_search(t, params.q, active=params.active, limit=params.limit, offset=params.offset)
    return {"count": page.count, "items": [part_out(p, t.store) for p in page.items]}


@router.post("", response={201: PartDetailOut})
def part_create(request, payload: PartIn):
    """Add a part number to the group's catalogue (parts clerk, service manager)."""
    t = request.auth
    part = services.part_create(tenant=t, **payload.dict())
    return Status(201, _detail(t, part.pk))


@router.get("/low-stock", response=LowStockPage)
def low_stock(request, params: Query[PageParams]):
    """Parts to order for this store: available at or below the minimum, or reserved beyond stock."""
    t = request.auth
    t.require(PARTS_VIEW)
    page = selectors.low_stock(t, limit=params.limit, offset=params.offset)
    return {
        "count": page.count,
        "items": [{**part_out(p, t.store), "needed": D(p.needed)} for p in page.items],
    }


@router.get("/reservations", response=list[ReservationOut])
def reservation_list(request, params: Query[ReservationParams]):
    """This store's reservations, e.g. of one appointment or repair order (at most 200)."""
    t = request.auth
    t.require(PARTS_VIEW)
    found = selectors.reservations(
        t, for_kind=params.for_kind or "", for_id=params.for_id, active_only=params.active, limit=200
    )
    return [reservation_out(r) for r in found]


@router.post("/reservations/{reservation_id}/release", response=ReservationOut)
def reservation_release(request, reservation_id: int, payload: ReleaseIn | None = None):
    """Give what a reservation still holds back to available stock. A closed one answers 409."""
    t = request.auth
    services.reservation_release(
        tenant=t, reservation_id=reservation_id, note=payload.note if payload else ""
    )
    return reservation_out(selectors.reservation_get(t, reservation_id))


@router.get("/{part_id}", response=PartDetailOut)
def part_detail(request, part_id: int):
    return _detail(request.auth, part_id)


@router.patch("/{part_id}", response=PartDetailOut)
def part_update(request, part_id: int, payload: PartPatch):
    """Change some fields. Send the `version` you read."""
    t = request.auth
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    services.part_update(tenant=t, part_id=part_id, version=version, **changes)
    return _detail(t, part_id)


@router.get("/{part_id}/moves", response=MovePage)
def part_moves(request, part_id: int, params: Query[PageParams]):
    """Every change of the part's stock in this store, newest first."""
    t = request.auth
    part = selectors.part_get(t, part_id)
    t.require(PARTS_VIEW)
    page = selectors.part_moves(t, part, limit=params.limit, offset=params.offset)
    return {"count": page.count, "items": [move_out(m) for m in page.items]}


@router.post("/{part_id}/receive", response={201: MoveOut})
def stock_receive(request, part_id: int, payload: ReceiveIn):
    """Goods in: on hand grows by the quantity."""
    t = request.auth
    return _move_written(t, services.stock_receive(tenant=t, part_id=part_id, **payload.dict()))


@router.post("/{part_id}/adjust", response={201: MoveOut})
def stock_adjust(request, part_id: int, payload: AdjustIn):
    """A count correction: on hand becomes `counted`; the difference is recorded with the reason."""
    t = request.auth
    return _move_written(t, services.stock_adjust(tenant=t, part_id=part_id, **payload.dict()))


@router.put("/{part_id}/minimum", response=PartDetailOut)
def stock_minimum(request, part_id: int, payload: MinimumIn):
    """Set this store's minimum stock of the part (null: the part's own minimum)."""
    t = request.auth
    services.stock_set_minimum(tenant=t, part_id=part_id, min_qty=payload.min_qty)
    return _detail(t, part_id)


@router.post("/{part_id}/reservations", response={201: ReservationOut})
def reservation_create(request, part_id: int, payload: ReservationIn):
    """Hold parts for an appointment or a repair order. Allowed when stock is short: then `covered`
    is false and the part shows in the low-stock list."""
    t = request.auth
    r = services.reservation_create(tenant=t, part_id=part_id, **payload.dict())
    return Status(201, reservation_out(selectors.reservation_get(t, r.pk)))


@router.post("/{part_id}/issue", response={201: MoveOut})
def part_issue(request, part_id: int, payload: IssueIn):
    """Issue parts to a repair order; its reservation of the part is consumed first. Not enough
    stock (or the rest reserved for other jobs) answers 409 and changes nothing."""
    t = request.auth
    return _move_written(t, services.part_issue(tenant=t, part_id=part_id, **payload.dict()))


@router.post("/{part_id}/return", response={201: MoveOut})
def part_return(request, part_id: int, payload: IssueIn):
    """Take back unused parts from a repair order: never more than was issued to it."""
    t = request.auth
    return _move_written(t, services.part_return(tenant=t, part_id=part_id, **payload.dict()))
