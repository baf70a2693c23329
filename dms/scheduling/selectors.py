"""Reads of scheduling: a day's opening and capacity, its slots and load, the board, technicians."""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Prefetch
from django.utils import timezone

from dms.core.models import Store
from dms.core.tenancy import Tenant, get_scoped

from .models import Appointment, AppointmentEvent, Bay, CapacityDay, Technician, WorkshopHours

CALL_BEFORE = timedelta(hours=1)  # the confirmation call is due one hour before the start


def store_zone(store: Store) -> ZoneInfo:
    try:
        return ZoneInfo(store.time_zone or "Asia/Shanghai")
    except (KeyError, ValueError):
        return ZoneInfo("Asia/Shanghai")


def local_today(store: Store, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(store_zone(store)).date()


@dataclass
class DayPlan:
    """When a store takes appointments on a date, on which grid, and how many jobs at once."""

    date: date
    zone: ZoneInfo
    opens: datetime | None  # None: closed that day
    closes: datetime | None
    slot_minutes: int
    capacity: int
    web_booking: bool = True
    web_days_ahead: int = 14

    @property
    def is_open(self) -> bool:
        return self.opens is not None and self.capacity > 0

    @property
    def slot(self) -> timedelta:
        return timedelta(minutes=self.slot_minutes)

    def grid(self) -> list[datetime]:
        if self.opens is None:
            return []
        out, t = [], self.opens
        while t < self.closes:
            out.append(t)
            t += self.slot
        return out


def _workshop(store: Store) -> WorkshopHours | None:
    return WorkshopHours.objects.filter(store=store).prefetch_related("days").first()


def _usual_capacity(store: Store, workshop: WorkshopHours | None):
    """A function weekday -> usual capacity: the configured one, else the bays in use, or the
    technicians working that weekday if fewer. Two queries at most, whatever the number of days."""
    if workshop is not None and workshop.capacity is not None:
        return lambda weekday: workshop.capacity
    bays = Bay.objects.filter(store=store, active=True).count()
    rosters = list(Technician.objects.filter(store=store, active=True).values_list("weekdays", flat=True))

    def capacity(weekday: int) -> int:
        technicians = sum(1 for w in rosters if weekday in (w or []))
        if bays and technicians:
            return min(bays, technicians)
        return bays or technicians

    return capacity


def day_plans(store: Store, days: list[date]) -> list[DayPlan]:
    """The plans of several days in a fixed number of queries (the public page lists two weeks)."""
    zone = store_zone(store)
    workshop = _workshop(store)
    week = list(workshop.days.all()) if workshop is not None else []
    overrides = {r.date: r.capacity for r in CapacityDay.objects.filter(store=store, date__in=days)}
    usual = _usual_capacity(store, workshop)
    plans = []
    for day in days:
        opening = WorkshopHours.DEFAULT_OPENING
        if week:
            row = next((d for d in week if d.weekday == day.weekday()), None)
            opening = (row.opens, row.closes) if row else None
        capacity = overrides.get(day)
        plans.append(
            DayPlan(
                date=day,
                zone=zone,
                opens=datetime.combine(day, opening[0], tzinfo=zone) if opening else None,
                closes=datetime.combine(day, opening[1], tzinfo=zone) if opening else None,
                slot_minutes=(workshop.slot_minutes if workshop else 30) or 30,
                capacity=capacity if capacity is not None else usual(day.weekday()),
                web_booking=workshop.web_booking if workshop else True,
                web_days_ahead=workshop.web_days_ahead if workshop else 14,
            )
        )
    return plans


def day_plan(store: Store, day: date) -> DayPlan:
    """When a store takes appointments on a date, on which grid, and how many jobs at once."""
    return day_plans(store, [day])[0]


@dataclass
class Slot:
    """A start time for a job: how full the busiest slot it spans is, and whether it can be booked."""

    start: datetime
    end: datetime
    capacity: int
    booked: int
    past: bool = False
    quiet: bool = False  # among the least loaded bookable starts of the day: propose these first

    @property
    def free(self) -> int:
        return max(self.capacity - self.booked, 0)

    @property
    def bookable(self) -> bool:
        return self.free > 0 and not self.past

    @property
    def load_percent(self) -> int:
        return min(100, round(100 * self.booked / self.capacity)) if self.capacity else 100


def _holding(store: Store, plan: DayPlan, exclude_id: int | None = None) -> list[tuple[datetime, datetime]]:
    qs = Appointment.objects.filter(
        store=store, state__in=Appointment.HOLDING, start__lt=plan.closes, end__gt=plan.opens
    )
    if exclude_id:
        qs = qs.exclude(pk=exclude_id)
    return list(qs.values_list("start", "end"))


def slot_loads(plan: DayPlan, holding: list[tuple[datetime, datetime]]) -> list[tuple[datetime, int]]:
    """Each slot of the day's grid with the number of appointment jobs in the workshop then."""
    return [(g, sum(1 for s, e in holding if s < g + plan.slot and e > g)) for g in plan.grid()]


def job_span(hours: Decimal, slot_minutes: int) -> int:
    return max(1, math.ceil(Decimal(hours) * 60 / slot_minutes))


def slots(
    store: Store,
    day: date,
    hours: Decimal,
    *,
    now: datetime | None = None,
    exclude_id: int | None = None,
    plan: DayPlan | None = None,
) -> list[Slot]:
    """Every start of the day's grid at which a job of `hours` ends by closing, with its load.

    A start is bookable when every slot the job spans has a free place and it is not past.
    """
    plan = plan or day_plan(store, day)
    if not plan.is_open:
        return []
    now = now or timezone.now()
    loads = slot_loads(plan, _holding(store, plan, exclude_id))
    span = job_span(hours, plan.slot_minutes)
    length = timedelta(minutes=float(Decimal(hours) * 60))
    out = []
    for k, (start, _load) in enumerate(loads):
        end = start + length
        if end > plan.closes:
            break
        booked = max(n for _, n in loads[k : k + span])
        out.append(Slot(start=start, end=end, capacity=plan.capacity, booked=booked, past=start < now))
    bookable = [s for s in out if s.bookable]
    if bookable:
        least = min(s.booked for s in bookable)
        for s in bookable:
            s.quiet = s.booked == least
    return out


def free_starts(slot_list: list[Slot], *, limit: int = 8) -> list[Slot]:
    """Bookable starts, the least loaded first (then by time): what the store proposes."""
    return sorted((s for s in slot_list if s.bookable), key=lambda s: (s.booked, s.start))[:limit]


# --- Appointments ------------------------------------------------------------------------------------


def _base():
    return Appointment.objects.select_related(
        "store", "vehicle", "vehicle__brand", "customer", "created_by", "rescheduled_from"
    )


def appointment_get(tenant: Tenant, appointment_id, *, with_events: bool = False) -> Appointment:
    qs = _base()
    if with_events:
        qs = qs.prefetch_related(Prefetch("events", queryset=AppointmentEvent.objects.select_related("by")))
    return get_scoped(qs, tenant, pk=appointment_id)


def rescheduled_to(appointment: Appointment) -> Appointment | None:
    try:
        return appointment.rescheduled_to
    except Appointment.DoesNotExist:
        return None


def day_bounds(store: Store, day: date) -> tuple[datetime, datetime]:
    zone = store_zone(store)
    start = datetime.combine(day, time.min, tzinfo=zone)
    return start, datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)


def appointment_list(
    tenant: Tenant,
    *,
    day: date | None = None,
    state: str = "",
    vehicle_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[Appointment]]:
    qs = Appointment.objects.for_tenant(tenant)
    if day is not None:
        start, end = day_bounds(tenant.store, day)
        qs = qs.filter(start__gte=start, start__lt=end)
    if state:
        qs = qs.filter(state=state)
    if vehicle_id:
        qs = qs.filter(vehicle_id=vehicle_id)
    count = qs.count()
    items = list(
        qs.select_related("store", "vehicle", "vehicle__brand", "customer", "rescheduled_from").order_by(
            "start", "id"
        )[offset : offset + limit]
    )
    return count, items


def calls_due(appointment: Appointment, now: datetime) -> bool:
    """Still only booked, and starting within the hour (or flagged by the confirmation task)."""
    return (
        appointment.state == Appointment.State.BOOKED
        and appointment.start > now
        and (appointment.call_due_at is not None or appointment.start - CALL_BEFORE <= now)
    )


@dataclass
class Board:
    day: date
    plan: DayPlan
    appointments: list[Appointment]
    loads: list[tuple[datetime, int]]
    to_call: list[Appointment] = field(default_factory=list)
    late: list[Appointment] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in Appointment.State.values}
        for a in self.appointments:
            out[a.state] += 1
        return out


def board(tenant: Tenant, day: date, *, now: datetime | None = None) -> Board:
    """The appointment board (预约看板) of a day: every appointment, the load of each slot, the
    confirmation calls due and the customers who are late. A fixed number of queries."""
    now = now or timezone.now()
    store = tenant.store
    plan = day_plan(store, day)
    start, end = day_bounds(store, day)
    appointments = list(
        Appointment.objects.for_tenant(tenant)
        .filter(start__gte=start, start__lt=end)
        .select_related("vehicle", "vehicle__brand", "customer", "rescheduled_from")
        .order_by("start", "id")
    )
    holding = [(a.start, a.end) for a in appointments if a.holds_place]
    loads = slot_loads(plan, holding) if plan.opens else []
    waiting = (Appointment.State.BOOKED, Appointment.State.CONFIRMED)
    return Board(
        day=day,
        plan=plan,
        appointments=appointments,
        loads=loads,
        to_call=[a for a in appointments if calls_due(a, now)],
        late=[a for a in appointments if a.state in waiting and a.start <= now],
    )


# --- Technicians -------------------------------------------------------------------------------------


def technician_list(tenant: Tenant, *, include_inactive: bool = False) -> list[Technician]:
    qs = Technician.objects.for_tenant(tenant).select_related("user", "team")
    if not include_inactive:
        qs = qs.filter(active=True)
    return sorted(qs, key=lambda t: (t.team.name if t.team else "", t.name))
