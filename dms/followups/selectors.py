"""Reads of follow-ups: the customer-care queue (due today, overdue, later, complaints, closed)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.utils import timezone

from dms.core.tenancy import Tenant, get_scoped

from .models import FollowUp

BUCKETS = ("due", "overdue", "today", "later", "complaints", "closed")


def day_bounds(tenant: Tenant, now: datetime) -> tuple[datetime, datetime]:
    """Start and end of the store's local day containing `now`."""
    tz = ZoneInfo(tenant.store.time_zone or "Asia/Shanghai")
    day = now.astimezone(tz).date()
    start = datetime.combine(day, time.min, tzinfo=tz)
    return start, start + timedelta(days=1)


def _base(tenant: Tenant):
    return FollowUp.objects.for_tenant(tenant).select_related(
        "customer", "vehicle", "vehicle__brand", "repair_order", "assigned_to", "done_by"
    )


def _conditions(tenant: Tenant, now: datetime) -> dict[str, Q]:
    start, end = day_bounds(tenant, now)
    is_open = Q(state=FollowUp.State.OPEN)
    return {
        "overdue": is_open & Q(due_at__lt=start),
        "today": is_open & Q(due_at__gte=start, due_at__lt=end),
        "due": is_open & Q(due_at__lt=end),
        "later": is_open & Q(due_at__gte=end),
        "complaints": Q(complaint=True),
        "closed": ~is_open,
    }


@dataclass
class Queue:
    bucket: str
    rows: list
    counts: dict
    now: datetime
    day_start: datetime


def queue(tenant: Tenant, *, bucket: str = "due", now: datetime | None = None, limit: int = 200) -> Queue:
    """The store's follow-ups of one bucket, with every bucket's count: two queries."""
    now = now or timezone.now()
    bucket = bucket if bucket in BUCKETS else "due"
    conditions = _conditions(tenant, now)
    counts = FollowUp.objects.for_tenant(tenant).aggregate(
        **{name: Count("pk", filter=cond) for name, cond in conditions.items()}
    )
    qs = _base(tenant).filter(conditions[bucket])
    if bucket in ("closed", "complaints"):
        qs = qs.order_by("-done_at", "-due_at", "-pk")
    else:
        qs = qs.order_by("due_at", "pk")
    return Queue(bucket, list(qs[:limit]), counts, now, day_bounds(tenant, now)[0])


def followup_list(
    tenant: Tenant, *, state: str = "", due_before: datetime | None = None, complaint: bool | None = None,
    limit: int = 50, offset: int = 0,
) -> tuple[int, list]:  # fmt: skip
    qs = _base(tenant)
    if state:
        qs = qs.filter(state__in=[s for s in state.split(",") if s])
    if due_before is not None:
        qs = qs.filter(due_at__lt=due_before)
    if complaint is not None:
        qs = qs.filter(complaint=complaint)
    count = qs.count()
    return count, list(qs.order_by("due_at", "pk")[offset : offset + limit]) if count else []


def followup_get(tenant: Tenant, followup_id) -> FollowUp:
    qs = _base(tenant).select_related("repair_order__advisor", "repair_order__technician__user")
    return get_scoped(qs, tenant, pk=followup_id)


def last_consent(customer_id: int) -> bool | None:
    """What the customer answered, at their last delivery, when asked whether they may be followed
    up (at any store of their group: the customer is the group's); None if never asked. The
    delivery form starts from it."""
    return (
        FollowUp.objects.filter(customer_id=customer_id, kind=FollowUp.Kind.AFTER_SERVICE)
        .order_by("-created_at", "-pk")
        .values_list("consent", flat=True)
        .first()
    )


def delivery_defaults(order) -> dict:
    """Where the workshop's delivery form starts from (registered in apps.py)."""
    return {"last_consent": last_consent(order.customer_id)}
