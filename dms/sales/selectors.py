"""Reads of the sales desk: each page's and answer's records in a bounded number of queries."""

from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Sum
from django.utils import timezone

from dms.core.tenancy import Tenant, get_scoped
from dms.customers.guidance import behaviour_rows
from dms.messaging.models import Message

from . import workflow
from .models import ZERO, Lead, Quotation, SalesOrder, SalesPayment, ShowroomVisit, StockVehicle, TestDrive
from .services import settings_for


def lead_get(tenant: Tenant, lead_id: int) -> Lead:
    return get_scoped(Lead.objects.select_related("assigned_to", "customer"), tenant, pk=lead_id)


def lead_actions(lead: Lead, tenant: Tenant) -> list[str]:
    return workflow.LEAD.allowed_actions(lead, tenant)


def lead_list(
    tenant: Tenant, *, states=(), grade: str = "", mine: bool = False, limit: int = 50, offset: int = 0
):
    qs = Lead.objects.for_tenant(tenant)
    if states:
        qs = qs.filter(state__in=states)
    if grade:
        qs = qs.filter(grade=grade)
    if mine:
        qs = qs.filter(assigned_to=tenant.user)
    count = qs.count()
    items = list(
        qs.select_related("assigned_to").order_by("next_follow_up_at", "-created_at", "id")[
            offset : offset + limit
        ]
    )
    return count, items


def behaviour_tips(lead: Lead) -> list[tuple[str, str]]:
    return behaviour_rows(lead.customer.behaviour_type) if lead.customer_id else []


def day_bounds(tenant: Tenant, day: date | None = None) -> tuple[datetime, datetime]:
    tz = ZoneInfo(tenant.store.time_zone or "Asia/Shanghai")
    day = day or timezone.localtime(timezone.now(), tz).date()
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, start + timedelta(days=1)


def visit_list(tenant: Tenant, *, day: date | None = None, limit: int = 50, offset: int = 0):
    start, end = day_bounds(tenant, day)
    qs = ShowroomVisit.objects.for_tenant(tenant).filter(arrived_at__gte=start, arrived_at__lt=end)
    count = qs.count()
    return count, list(
        qs.select_related("lead", "consultant").order_by("-arrived_at", "id")[offset : offset + limit]
    )


def drive_get(tenant: Tenant, drive_id: int) -> TestDrive:
    return get_scoped(TestDrive.objects, tenant, pk=drive_id)


# --- Stock, quotations, orders ------------------------------------------------------------------------

AGEING_BUCKETS = ((0, 30), (31, 60), (61, 90), (91, None))


def stock_get(tenant: Tenant, stock_id: int) -> StockVehicle:
    return get_scoped(StockVehicle.objects.select_related("brand"), tenant, pk=stock_id)


def stock_list(tenant: Tenant, *, states=(), model: str = "", limit: int = 50, offset: int = 0):
    qs = StockVehicle.objects.for_tenant(tenant)
    if states:
        qs = qs.filter(state__in=states)
    if model:
        qs = qs.filter(model__icontains=model)
    count = qs.count()
    return count, list(qs.select_related("brand").order_by("arrived_on", "id")[offset : offset + limit])


def stock_age_days(car: StockVehicle, today: date | None = None) -> int | None:
    if car.arrived_on is None or car.state == StockVehicle.State.DELIVERED:
        return None
    return ((today or timezone.localdate()) - car.arrived_on).days


def quotation_get(tenant: Tenant, quotation_id: int) -> Quotation:
    return get_scoped(
        Quotation.objects.select_related("lead__customer", "created_by", "decided_by"),
        tenant,
        pk=quotation_id,
    )


def quotation_list(tenant: Tenant, *, states=(), lead_id=None, limit: int = 50, offset: int = 0):
    qs = Quotation.objects.for_tenant(tenant)
    if states:
        qs = qs.filter(state__in=states)
    if lead_id:
        qs = qs.filter(lead_id=lead_id)
    count = qs.count()
    return count, list(
        qs.select_related("lead", "created_by").order_by("-created_at", "id")[offset : offset + limit]
    )


def order_get(tenant: Tenant, order_id: int) -> SalesOrder:
    return get_scoped(
        SalesOrder.objects.select_related("quotation", "lead", "stock_vehicle", "consultant", "customer", "vehicle"),
        tenant, pk=order_id,
    )  # fmt: skip


def delivery_photo_message(order: SalesOrder):
    """The text that gave the buyer the link to their delivery photo (services_orders.delivery_photo_send)."""
    return Message.objects.filter(
        store_id=order.store_id, subject_type="sales_order", subject_id=order.pk, kind="delivery_photo"
    ).first()


def order_list(tenant: Tenant, *, states=(), mine: bool = False, limit: int = 50, offset: int = 0):
    qs = SalesOrder.objects.for_tenant(tenant)
    if states:
        qs = qs.filter(state__in=states)
    if mine:
        qs = qs.filter(consultant=tenant.user)
    count = qs.count()
    items = qs.select_related("lead", "stock_vehicle", "consultant", "quotation").order_by(
        "-created_at", "id"
    )
    return count, list(items[offset : offset + limit])


def order_payments(order: SalesOrder) -> list[SalesPayment]:
    return list(order.payments.select_related("by").order_by("at", "id"))


def commission_of(order: SalesOrder, rate: Decimal) -> Decimal:
    """The consultant's commission: on money collected under the contract only (seed 002)."""
    if order.state == SalesOrder.State.CANCELLED:
        return ZERO
    return (order.paid * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def commissions(tenant: Tenant, *, start: datetime, end: datetime) -> list[dict]:
    """Per consultant: the money collected in [start, end) on their contracts and its commission."""
    rate = settings_for(tenant.store).commission_rate
    rows = (
        SalesPayment.objects.filter(order__store=tenant.store, at__gte=start, at__lt=end)
        .exclude(order__state=SalesOrder.State.CANCELLED)
        .values("order__consultant_id", "order__consultant__display_name", "order__consultant__username")
        .annotate(collected=Sum("amount"))
        .order_by("order__consultant__username")
    )
    return [
        {"consultant_id": r["order__consultant_id"],
         "consultant": r["order__consultant__display_name"] or r["order__consultant__username"],
         "collected": r["collected"] or ZERO,
         "commission": ((r["collected"] or ZERO) * rate).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)}
        for r in rows
    ]  # fmt: skip


def receivables(tenant: Tenant, today: date | None = None) -> dict:
    """Open contracts with money outstanding, by age since signing (0-30, 31-60, 61-90, over 90 days)."""
    today = today or timezone.localdate()
    orders = list(
        SalesOrder.objects.for_tenant(tenant)
        .filter(state=SalesOrder.State.OPEN)
        .select_related("lead", "consultant")
        .order_by("created_at", "id")
    )
    rows, buckets = [], {b: ZERO for b in AGEING_BUCKETS}
    for o in orders:
        if o.outstanding <= 0:
            continue
        days = (today - timezone.localtime(o.created_at).date()).days
        bucket = next(b for b in AGEING_BUCKETS if days >= b[0] and (b[1] is None or days <= b[1]))
        buckets[bucket] += o.outstanding
        rows.append({"order": o, "days": days, "outstanding": o.outstanding})
    return {
        "rows": rows,
        "buckets": [(b, buckets[b]) for b in AGEING_BUCKETS],
        "total": sum(buckets.values(), ZERO),
    }


def drives_between(tenant: Tenant, start: datetime, end: datetime, *, mine: bool = False) -> list[TestDrive]:
    qs = TestDrive.objects.for_tenant(tenant).filter(started_at__gte=start, started_at__lt=end)
    if mine:
        qs = qs.filter(consultant=tenant.user)
    return list(qs.select_related("lead").order_by("started_at"))


def stock_models(tenant: Tenant) -> list[dict]:
    """The models in stock and their list prices: the quotation form's choices."""
    rows = (
        StockVehicle.objects.for_tenant(tenant)
        .filter(state__in=[StockVehicle.State.IN_STOCK, StockVehicle.State.IN_TRANSIT])
        .values("model", "trim", "colour", "list_price")
        .distinct()
        .order_by("model", "trim", "colour")
    )
    return list(rows[:100])


STOCK_AGE_BUCKETS = ((0, 30), (31, 60), (61, 90), (91, None))


def stock_ageing(tenant: Tenant, today: date | None = None) -> list[dict]:
    """Cars in stock (or allocated, not yet delivered) per age bucket, counted in the database."""
    from django.db.models import Count, Q

    today = today or timezone.localdate()
    qs = StockVehicle.objects.for_tenant(tenant).filter(
        state__in=[StockVehicle.State.IN_STOCK, StockVehicle.State.ALLOCATED], arrived_on__isnull=False
    )
    aggregates = {}
    for low, high in STOCK_AGE_BUCKETS:
        cond = Q(arrived_on__lte=today - timedelta(days=low))
        if high is not None:
            cond &= Q(arrived_on__gte=today - timedelta(days=high))
        aggregates[f"b{low}"] = Count("pk", filter=cond)
    counts = qs.aggregate(**aggregates)
    return [{"low": low, "high": high, "n": counts[f"b{low}"]} for low, high in STOCK_AGE_BUCKETS]
