"""Reads of the workshop."""

from django.db.models import Prefetch

from dms.core.tenancy import Tenant, get_scoped

from .models import RepairOrder, RepairOrderLine


def _base():
    return RepairOrder.objects.select_related(
        "customer", "vehicle", "vehicle__brand", "technician__user", "advisor", "store"
    ).prefetch_related(
        Prefetch("lines", queryset=RepairOrderLine.objects.select_related("part", "labor_operation"))
    )


def order_get(tenant: Tenant, order_id) -> RepairOrder:
    return get_scoped(_base(), tenant, pk=order_id)


def order_for_answer(tenant: Tenant, order_id) -> RepairOrder:
    """The order as the API answers it (api.order_out): its own columns, its store's code and its
    lines, without the customer, vehicle and people the pages show (a narrower read)."""
    return get_scoped(
        RepairOrder.objects.select_related("store").prefetch_related("lines"), tenant, pk=order_id
    )


def order_list(tenant: Tenant, *, state: str = "", q: str = "", limit: int = 50, offset: int = 0):
    qs = _base().for_tenant(tenant)
    if state:
        qs = qs.filter(state__in=state.split(","))
    q = (q or "").strip().upper()
    if q:
        qs = qs.filter(number__icontains=q) | qs.filter(vehicle__plate__contains=q)
    count = qs.count()
    return count, list(qs.order_by("-opened_at", "-pk")[offset : offset + limit])


def to_settle(tenant: Tenant, limit: int = 20) -> tuple[int, list[RepairOrder]]:
    """The store's orders that passed QC and wait for the cashier (the home page's panel): how many,
    and the first `limit` of them, the longest promised first. Two queries, whatever their number."""
    from django.db.models import F

    from .models import State

    qs = RepairOrder.objects.filter(store=tenant.store, state=State.READY)
    rows = list(
        qs.only(
            "pk",
            "number",
            "state",
            "plate",
            "customer_name",
            "customer_total",
            "payment_method",
            "promised_at",
        ).order_by(F("promised_at").asc(nulls_last=True), "pk")[:limit]
    )
    return (len(rows) if len(rows) < limit else qs.count()), rows
