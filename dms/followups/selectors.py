"""Reads of follow-ups: the customer-care queue (due today, overdue, later, complaints, closed)."""

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q
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
        "store",
        "customer",
        "customer__customer_manager",
        "vehicle",
        "vehicle__brand",
        "repair_order",
        "assigned_to",
        "done_by",
        "rule",
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
    kinds: list[str] | None = None, assigned_to=None, customer_id: int | None = None, limit: int = 50,
    offset: int = 0,
) -> tuple[int, list]:  # fmt: skip
    qs = _base(tenant)
    if kinds:
        qs = qs.filter(kind__in=kinds)
    if assigned_to is not None:
        qs = qs.filter(assigned_to=assigned_to)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
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


# --- My day --------------------------------------------------------------------------------------

UPCOMING_DAYS = 7


@dataclass
class Day:
    overdue: list
    today: list
    upcoming: list
    complaints: list
    now: datetime
    day_start: datetime


def my_day(tenant: Tenant, *, now: datetime | None = None, limit: int = 200) -> Day:
    """The touches assigned to the user in the store: overdue, due today, the coming week; loyal
    customers first within each (priority), then by due time. Open complaint cases the user owns
    come first (dms.satisfaction's selector). Three queries."""
    from dms.satisfaction.selectors import open_cases_for

    now = now or timezone.now()
    start, end = day_bounds(tenant, now)
    rows = list(
        _base(tenant)
        .filter(
            assigned_to=tenant.user, state=FollowUp.State.OPEN, due_at__lt=end + timedelta(days=UPCOMING_DAYS)
        )
        .order_by("priority", "due_at", "pk")[: limit * 3]
    )
    return Day(
        overdue=[f for f in rows if f.due_at < start][:limit],
        today=[f for f in rows if start <= f.due_at < end][:limit],
        upcoming=sorted((f for f in rows if f.due_at >= end), key=lambda f: (f.due_at, f.pk))[:limit],
        complaints=open_cases_for(tenant.user, tenant.store),
        now=now,
        day_start=start,
    )


def renewal_rate(tenant: Tenant, *, today=None, months: int = 12) -> tuple[int, int]:
    """Insurance renewal (续保) as a business: of the vehicles whose policy expired in the last
    `months` months and that had a renewal touch in the store, how many now show a later expiry
    (renewed, recorded on the vehicle file). (renewed, due)."""
    today = today or timezone.localdate()
    since = today - timedelta(days=months * 30)
    touched = (
        FollowUp.objects.for_tenant(tenant)
        .filter(
            kind=FollowUp.Kind.INSURANCE,
            subject_date__lt=today,
            subject_date__gte=since,
            vehicle__isnull=False,
        )
        .values("vehicle_id", "subject_date")
        .distinct()
    )
    due = touched.count()
    renewed = touched.filter(vehicle__insurance_expiry__gt=F("subject_date")).count()
    return renewed, due
