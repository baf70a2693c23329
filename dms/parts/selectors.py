"""Reads of parts and stock, each in a bounded number of queries.

A part's figures in the tenant's store come from one LEFT JOIN on its stock row (a part never
stocked in the store has none: its figures are zero), annotated on the Part as `on_hand`,
`reserved`, `available`, `issued` and `minimum` (the store's minimum, else the part's).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, FilteredRelation, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from dms.core.models import Store
from dms.core.tenancy import Tenant, get_scoped

from .models import ZERO, Part, Reservation, StockLevel, StockMove
from .services import number_key

_QTY = DecimalField(max_digits=12, decimal_places=2)


@dataclass
class Page:
    count: int
    items: list


def _zero_if_null(column: str):
    return Coalesce(column, Value(ZERO), output_field=_QTY)


def with_stock(qs: QuerySet, store: Store) -> QuerySet:
    """Parts annotated with their figures in `store` (one join, no extra query)."""
    return qs.annotate(
        here=FilteredRelation("stock_levels", condition=Q(stock_levels__store=store)),
        on_hand=_zero_if_null("here__on_hand"),
        reserved=_zero_if_null("here__reserved"),
        issued=_zero_if_null("here__issued"),
        minimum=Coalesce("here__min_qty", "min_stock", output_field=_QTY),
        store_minimum=F("here__min_qty"),
    ).annotate(available=ExpressionWrapper(F("on_hand") - F("reserved"), output_field=_QTY))


def _search(qs: QuerySet, q: str) -> QuerySet:
    q = (q or "").strip()
    if not q:
        return qs
    condition = Q(name__icontains=q)
    key = number_key(q)
    if key:
        condition |= Q(number_key__startswith=key)
    return qs.filter(condition)


def part_search(
    tenant: Tenant, q: str = "", *, active: bool | None = None, limit: int = 50, offset: int = 0
) -> Page:
    """The group's parts whose number starts with `q` or whose name contains it, with this store's stock."""
    qs = _search(Part.objects.for_tenant(tenant), q)
    if active is not None:
        qs = qs.filter(active=active)
    count = qs.count()
    items = list(with_stock(qs, tenant.store).order_by("number")[offset : offset + limit]) if count else []
    return Page(count, items)


def low_stock(tenant: Tenant, *, limit: int = 50, offset: int = 0) -> Page:
    """Active parts to order for this store: available at or below the minimum, or reserved beyond
    what is on hand. Each carries `needed`: what brings available back to the minimum."""
    qs = (
        with_stock(Part.objects.for_tenant(tenant).filter(active=True), tenant.store)
        .filter(Q(available__lt=0) | Q(minimum__gt=0, available__lte=F("minimum")))
        .annotate(needed=ExpressionWrapper(F("minimum") - F("available"), output_field=_QTY))
    )
    count = qs.count()
    items = list(qs.order_by("-needed", "number")[offset : offset + limit]) if count else []
    return Page(count, items)


def part_get(tenant: Tenant, part_id) -> Part:
    """One part of the group, with its figures in the tenant's store."""
    return get_scoped(with_stock(Part.objects.all(), tenant.store), tenant, pk=part_id)


def stock_by_store(tenant: Tenant, part: Part) -> list[dict]:
    """The part's figures in every store of the group (stores never stocking it show zeros)."""
    levels = {
        lv.store_id: lv
        for lv in StockLevel.objects.for_group(tenant).filter(part=part).select_related("store")
    }
    rows = []
    for store in Store.objects.filter(group_id=tenant.group_id).order_by("code"):
        lv = levels.get(store.pk)
        on_hand, reserved = (lv.on_hand, lv.reserved) if lv else (ZERO, ZERO)
        rows.append({
            "store": store, "on_hand": on_hand, "reserved": reserved, "available": on_hand - reserved,
            "issued": lv.issued if lv else ZERO,
            "minimum": lv.min_qty if lv and lv.min_qty is not None else part.min_stock,
            "current": store.pk == tenant.store.pk,
        })  # fmt: skip
    return rows


def part_moves(tenant: Tenant, part: Part, *, limit: int = 50, offset: int = 0) -> Page:
    """The part's stock moves in the tenant's store, newest first."""
    qs = StockMove.objects.for_tenant(tenant).filter(part=part)
    count = qs.count()
    items = list(qs.select_related("by", "store", "part")[offset : offset + limit]) if count else []
    return Page(count, items)


def reservations(
    tenant: Tenant,
    *,
    part: Part | None = None,
    for_kind: str = "",
    for_id: int | None = None,
    active_only: bool = True,
    limit: int = 100,
) -> list[Reservation]:
    """Reservations in the tenant's store: of a part, or for an appointment or order."""
    qs = Reservation.objects.for_tenant(tenant)
    if part is not None:
        qs = qs.filter(part=part)
    if for_kind:
        qs = qs.filter(for_kind=for_kind)
    if for_id is not None:
        qs = qs.filter(for_id=for_id)
    if active_only:
        qs = qs.filter(state=Reservation.State.ACTIVE)
    return list(qs.select_related("part", "store", "created_by").order_by("at", "id")[:limit])


def reservation_get(tenant: Tenant, reservation_id) -> Reservation:
    return get_scoped(
        Reservation.objects.select_related("part", "store", "created_by"), tenant, pk=reservation_id
    )


def issued_for(tenant: Tenant, *, for_kind: str, for_id: int) -> list[dict]:
    """What went to an order and stayed there, per part (for the settlement list): one query."""
    rows = (
        StockMove.objects.for_tenant(tenant)
        .filter(for_kind=for_kind, for_id=for_id, kind__in=(StockMove.Kind.ISSUE, StockMove.Kind.RETURN))
        .values("part_id", "part__number", "part__name", "part__unit", "part__quality", "part__price")
        .annotate(total=Sum("quantity"))
        .order_by("part__number")
    )
    return [
        {"part_id": r["part_id"], "number": r["part__number"], "name": r["part__name"], "unit": r["part__unit"],
         "quality": r["part__quality"], "price": r["part__price"], "quantity": -r["total"]}
        for r in rows
        if r["total"] < 0
    ]  # fmt: skip


def decimal_str(value: Decimal | None) -> str | None:
    """Money and quantities on the API: decimal strings with 2 places."""
    return None if value is None else f"{value:.2f}"
