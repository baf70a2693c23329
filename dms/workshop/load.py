"""The workshop's current load, and the completion time it lets the service advisor promise.

The queue is the standard hours of labor not yet finished on the store's open orders (signed,
dispatched, in repair or waiting for approval). It is shared by the technicians who work today;
a new job waits its turn in that queue and then takes its own hours. Time runs only while the
workshop is open: what does not fit today carries over to the next working day. This is the
estimate DOMAIN.md asks for at consultation; optimised dispatch will refine it in its own issue.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db.models import DecimalField, F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from dms.core.tenancy import Tenant
from dms.scheduling.models import OpeningHours, Technician, WorkshopHours
from dms.scheduling.selectors import store_zone

from .models import LineKind, LineState, RepairOrder, RepairOrderLine, State

QUEUED = [State.SIGNED, State.DISPATCHED, State.IN_PROGRESS, State.AWAITING_APPROVAL]
ZERO = Decimal("0")


@dataclass(frozen=True)
class Estimate:
    queued_hours: Decimal  # labor hours waiting or in work ahead of this job
    technicians: int  # technicians working today
    job_hours: Decimal  # this job's labor hours
    ready_at: datetime  # when the job can be ready (aware, UTC)


def queued_hours(tenant: Tenant, *, exclude_order_id: int | None = None) -> Decimal:
    lines = RepairOrderLine.objects.filter(
        order__store=tenant.store, order__state__in=QUEUED, kind=LineKind.LABOR
    ).exclude(state__in=[LineState.DECLINED, LineState.DONE])
    if exclude_order_id:
        lines = lines.exclude(order_id=exclude_order_id)
    total = lines.aggregate(
        h=Coalesce(Sum(F("quantity")), ZERO, output_field=DecimalField(max_digits=12, decimal_places=2))
    )["h"]
    return Decimal(total).quantize(Decimal("0.1"))


def _opening(store) -> dict[int, tuple]:
    workshop = WorkshopHours.objects.filter(store=store).first()
    if workshop is None:
        return {}
    return {d.weekday: (d.opens, d.closes) for d in OpeningHours.objects.filter(workshop=workshop)}


def _advance(start: datetime, hours: float, opening: dict[int, tuple], zone) -> datetime:
    """`hours` of working time after `start`, counted only inside opening hours."""
    local = start.astimezone(zone)
    if not opening:  # no hours configured: count straight through
        return local + timedelta(hours=hours)
    remaining = timedelta(hours=hours)
    for _day in range(60):
        hours_today = opening.get(local.weekday())
        if hours_today:
            opens = local.replace(
                hour=hours_today[0].hour, minute=hours_today[0].minute, second=0, microsecond=0
            )
            closes = local.replace(
                hour=hours_today[1].hour, minute=hours_today[1].minute, second=0, microsecond=0
            )
            begin = max(local, opens)
            if begin < closes:
                if begin + remaining <= closes:
                    return begin + remaining
                remaining -= closes - begin
        local = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return local


def promise_estimate(
    tenant: Tenant, *, order: RepairOrder | None = None, now: datetime | None = None
) -> Estimate:
    """When a job (the order's labor, or one hour when it has none yet) can be ready."""
    now = now or timezone.now()
    zone = store_zone(tenant.store)
    weekday = now.astimezone(zone).weekday()
    techs = [
        t for t in Technician.objects.filter(store=tenant.store, active=True).only("weekdays")
        if weekday in (t.weekdays or [])
    ]  # fmt: skip
    workers = max(len(techs), 1)
    job = ZERO
    if order is not None:
        job = sum((ln.quantity for ln in order.lines.all() if ln.kind == LineKind.LABOR and ln.counts), ZERO)
    job = job or Decimal("1")
    ahead = queued_hours(tenant, exclude_order_id=order.pk if order else None)
    # The queue drains across all technicians; the job itself is done by one of them.
    hours = float(ahead) / workers + float(job)
    ready = _advance(now, hours, _opening(tenant.store), zone)
    # Round up to the next quarter hour: a promise the customer can remember.
    ready = ready + timedelta(
        minutes=(-ready.minute) % 15, seconds=-ready.second, microseconds=-ready.microsecond
    )
    return Estimate(ahead, len(techs), job, ready.astimezone(UTC))
