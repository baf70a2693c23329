"""Reads of the workshop."""

from django.db.models import F, Prefetch

from dms.core.tenancy import Tenant, get_scoped

from .models import LineState, RepairOrder, RepairOrderLine, State


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


def _queue(qs, limit: int) -> tuple[int, list]:
    """How many rows `qs` holds and the first `limit` of them: one query, a second (the count) only
    when the page is full."""
    rows = list(qs[:limit])
    return (len(rows) if len(rows) < limit else qs.count()), rows


def to_settle(tenant: Tenant, limit: int = 20) -> tuple[int, list[RepairOrder]]:
    """The store's orders that passed QC and wait for the cashier (the home page's panel): how many,
    and the first `limit` of them, the nearest promise first."""
    return _queue(
        RepairOrder.objects.filter(store=tenant.store, state=State.READY)
        .only("pk", "number", "state", "plate", "customer_name", "customer_total", "payment_method", "promised_at")
        .order_by(F("promised_at").asc(nulls_last=True), "pk"),
        limit,
    )  # fmt: skip


def to_issue(tenant: Tenant, limit: int = 30) -> tuple[int, list[RepairOrderLine]]:
    """The part lines of the store's orders whose parts the clerk still has to issue (领料): agreed
    to, on an order signed and not yet finished (services.ISSUING), not all issued; the nearest
    promise first. Each line carries `left` (what is still to issue) and its order, technician and
    part."""
    from .services import ISSUING  # when parts may go out is the services' rule (not a read's import)

    return _queue(
        RepairOrderLine.objects.filter(
            order__store=tenant.store, order__state__in=ISSUING, part__isnull=False,
            state__in=(LineState.APPROVED, LineState.DONE), issued_quantity__lt=F("quantity"),
        )
        .annotate(left=F("quantity") - F("issued_quantity"))
        .select_related("order", "order__technician__user", "part")
        .only("pk", "quantity", "issued_quantity", "description", "order__id", "order__number", "order__plate",
              "order__promised_at", "order__state", "order__technician__user__display_name",
              "order__technician__user__username", "part__id", "part__number", "part__name", "part__unit")
        .order_by(F("order__promised_at").asc(nulls_last=True), "order__pk", "pk"),
        limit,
    )  # fmt: skip
