"""Reads of the shop floor (steps 4-8): the dispatch board, a technician's own jobs, the QC queue,
the wall board, progress reviews and clocked hours.

Every board is built from a fixed number of queries, whatever the number of orders: the orders in
one (as FloorOrder values, their labor hours summed by the database), the technicians in one, the
clockings in one, the reviews in one; the dispatch board's waiting jobs' skills in one more. A
technician's jobs and the QC queue read their orders as models with their lines (_orders()), as
they show the lines.
"""

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dms.core.errors import NotFound
from dms.core.tenancy import Tenant
from dms.scheduling.models import Skill, Technician
from dms.scheduling.selectors import day_bounds, store_zone

from .models import (
    OPEN_STATES,
    ClockEnd,
    FindingPhoto,
    JobClock,
    LineKind,
    LineState,
    ProgressReview,
    RepairOrder,
    RepairOrderLine,
    ReviewSlot,
    State,
)  # fmt: skip

ZERO = Decimal("0")
HOUR = Decimal("3600")
CENT = Decimal("0.01")
WORK_STATES = (State.DISPATCHED, State.IN_PROGRESS, State.AWAITING_APPROVAL)
BEFORE_QC = (State.DRAFT, State.SIGNED, *WORK_STATES)  # labor still to be done
NOT_READY = (*BEFORE_QC, State.FINISHED)  # the car is not ready for the customer yet


# --- One order, from its prefetched lines ---------------------------------------------------------------


def _labor(order: RepairOrder) -> list[RepairOrderLine]:
    """The order's labor lines that count, from its prefetched lines; kept on the instance, as a
    card asks for them three or four times (boards are read, never written, with these orders)."""
    labor = order.__dict__.get("_floor_labor")
    if labor is None:
        labor = order.__dict__["_floor_labor"] = [
            ln for ln in order.lines.all() if ln.kind == LineKind.LABOR and ln.counts
        ]
    return labor


def standard_hours(order: RepairOrder) -> Decimal:
    """The order's labor in standard hours (工时), declined extra work left out."""
    return sum((ln.quantity for ln in _labor(order)), ZERO)


def _labor_left(order: RepairOrder) -> Decimal:
    return sum((ln.quantity for ln in _labor(order) if ln.state != LineState.DONE), ZERO)


def remaining_hours(order: RepairOrder) -> Decimal:
    """Standard hours of labor not finished yet."""
    return _labor_left(order) if order.state in BEFORE_QC else ZERO


def skill_labels(codes) -> list[str]:
    labels = dict(Skill.choices)
    return [str(labels.get(c, c)) for c in codes]


@dataclass(frozen=True)
class Timing:
    late: bool  # the promised time has passed and the car is not ready
    at_risk: bool  # the labor left takes longer than the time left
    hours_left: Decimal | None  # until the promised time


def _timing(promised_at: datetime | None, state: str, remaining: Decimal, now: datetime) -> Timing:
    if promised_at is None or state not in NOT_READY:
        return Timing(False, False, None)
    left = Decimal((promised_at - now).total_seconds()) / HOUR
    if left <= 0:
        return Timing(True, False, left.quantize(Decimal("0.1")))
    return Timing(False, remaining > left, left.quantize(Decimal("0.1")))


def timing(order: RepairOrder, now: datetime) -> Timing:
    return _timing(order.promised_at, order.state, remaining_hours(order), now)


def _orders(tenant: Tenant, states, *, photos: bool = False, **filters):
    """Open orders with what a card shows: vehicle, technician, lines (and the lines' finding
    photos when asked: a query more, and Django's prefetching costs a queryset per line)."""
    lines = RepairOrderLine.objects.select_related("labor_operation")
    if photos:
        lines = lines.prefetch_related("photos")
    return (
        RepairOrder.objects.for_tenant(tenant)
        .filter(state__in=states, **filters)
        .select_related("vehicle", "vehicle__brand", "technician__user")
        .prefetch_related(Prefetch("lines", queryset=lines))
        .order_by("promised_at", "opened_at", "pk")
    )


# --- An order as the boards show it -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FloorOrder:
    """An order as a board's card shows it: read as plain values, its labor hours summed by the
    database. A board shows hundreds of orders, and building them as models with their lines cost
    most of its time (issue 11)."""

    pk: int
    number: str
    state: str
    version: int
    promised_at: datetime | None
    finished_at: datetime | None
    technician_id: int | None
    plate: str
    vin: str
    brand: str  # the vehicle's brand's name
    model: str  # the vehicle's model
    standard_hours: Decimal  # labor in standard hours, declined extra work left out
    labor_left: Decimal  # of that, not done yet
    technician: Technician | None = None

    @classmethod
    def of(cls, order: RepairOrder) -> "FloorOrder":
        """From an order read by _orders() (vehicle, technician and lines at hand)."""
        v = order.vehicle
        return cls(
            pk=order.pk, number=order.number, state=order.state, version=order.version,
            promised_at=order.promised_at, finished_at=order.finished_at, technician_id=order.technician_id,
            plate=v.plate, vin=v.vin, brand=v.brand.name, model=v.model, standard_hours=standard_hours(order),
            labor_left=_labor_left(order), technician=order.technician,
        )  # fmt: skip

    @property
    def remaining_hours(self) -> Decimal:
        """Standard hours of labor not finished yet."""
        return self.labor_left if self.state in BEFORE_QC else ZERO

    @property
    def state_label(self) -> str:
        return str(State(self.state).label)

    def timing(self, now: datetime) -> Timing:
        return _timing(self.promised_at, self.state, self.remaining_hours, now)


_LABOR = Q(lines__kind=LineKind.LABOR) & ~Q(lines__state=LineState.DECLINED)
_FLOOR_FIELDS = (
    "pk", "number", "state", "version", "promised_at", "finished_at", "technician_id", "vehicle__plate",
    "vehicle__vin", "vehicle__brand__name", "vehicle__model",
)  # fmt: skip
_TECH = _FLOOR_FIELDS.index("technician_id")


def floor_orders(tenant: Tenant, states, *, technicians: dict | None = None, **filters) -> list[FloorOrder]:
    """The orders in `states` (and `filters`), as the boards show them, in the order of their
    promised times: one query for the orders with their vehicles and labor hours, one for their
    technicians (none when `technicians`, by id, has them all)."""
    rows = list(
        RepairOrder.objects.for_tenant(tenant)
        .filter(state__in=states, **filters)
        .values_list(*_FLOOR_FIELDS)
        .annotate(
            hours=Sum("lines__quantity", filter=_LABOR),
            left=Sum("lines__quantity", filter=_LABOR & ~Q(lines__state=LineState.DONE)),
        )
        .order_by("promised_at", "opened_at", "pk")
    )
    technicians = dict(technicians or {})
    missing = {row[_TECH] for row in rows if row[_TECH] is not None and row[_TECH] not in technicians}
    if missing:
        technicians.update(
            (t.pk, t) for t in Technician.objects.filter(pk__in=missing).select_related("user")
        )
    return [FloorOrder(*row[:-2], _sum(row[-2]), _sum(row[-1]), technicians.get(row[_TECH])) for row in rows]


def _sum(hours: Decimal | None) -> Decimal:
    """A sum of quantities as Python sums them (SQLite's sums come back as floats made decimal)."""
    return ZERO if hours is None else hours.quantize(CENT)


def waiting_skills(order_ids) -> dict[int, list[str]]:
    """The skills each order's labor operations need (general mechanics is everyone's), sorted.
    One query."""
    rows = (
        RepairOrderLine.objects.filter(order_id__in=list(order_ids), kind=LineKind.LABOR)
        .exclude(state=LineState.DECLINED)
        .exclude(labor_operation__isnull=True)
        .exclude(labor_operation__skill=Skill.GENERAL)
        .values_list("order_id", "labor_operation__skill")
        .order_by()  # the lines' default order would make every line distinct
        .distinct()
    )
    skills: dict[int, list[str]] = {}
    for order_id, skill in rows:
        skills.setdefault(order_id, []).append(skill)
    return {k: sorted(v) for k, v in skills.items()}


# --- Clockings -------------------------------------------------------------------------------------


# What clock_status() reads of a clocking.
_CLOCK_FIELDS = ("order_id", "technician_id", "started_at", "ended_at", "ended_by", "pause_reason", "pause_note")  # fmt: skip


def clock_seconds(clock: JobClock, now: datetime, order: "RepairOrder | FloorOrder | None" = None) -> float:
    """The clocking's seconds; `order` is its order when at hand (else clock.order is read)."""
    end = clock.ended_at
    if end is None:
        # A clock left running on a job finished elsewhere stops at the finish.
        order = order or clock.order
        order_done = order.finished_at if order.state not in WORK_STATES else None
        end = order_done or now
    return max((end - clock.started_at).total_seconds(), 0.0)


def hours(seconds: float) -> Decimal:
    return (Decimal(seconds) / HOUR).quantize(Decimal("0.01"))


@dataclass
class ClockStatus:
    """Where a technician stands on one job."""

    state: str  # "not_started", "working", "paused", "off", "finished"
    since: datetime | None = None
    pause_reason: str = ""
    pause_label: str = ""
    pause_note: str = ""
    clocked: Decimal = ZERO


def clock_status(
    clocks: list[JobClock], now: datetime, order: "RepairOrder | FloorOrder | None" = None
) -> ClockStatus:
    """From one technician's clockings on one order (`order`, when at hand), oldest first."""
    total = hours(sum(clock_seconds(c, now, order) for c in clocks))
    if not clocks:
        return ClockStatus("not_started")
    last = clocks[-1]
    if last.ended_at is None:
        return ClockStatus("working", since=last.started_at, clocked=total)
    if last.ended_by == ClockEnd.PAUSE:
        return ClockStatus(
            "paused", since=last.ended_at, pause_reason=last.pause_reason,
            pause_label=last.get_pause_reason_display(), pause_note=last.pause_note, clocked=total,
        )  # fmt: skip
    return ClockStatus(
        "finished" if last.ended_by == ClockEnd.FINISH else "off", since=last.ended_at, clocked=total
    )


def clocked_hours(
    tenant: Tenant, *, order_ids=None, since: datetime | None = None, until: datetime | None = None,
    now: datetime | None = None,
) -> dict[tuple[int, int], Decimal]:  # fmt: skip
    """Clocked hours per (order id, technician id), for efficiency (standard hours / clocked hours)
    and utilisation. One query."""
    now = now or timezone.now()
    qs = JobClock.objects.filter(order__store=tenant.store).select_related("order")
    if order_ids is not None:
        qs = qs.filter(order_id__in=list(order_ids))
    if since is not None:
        qs = qs.filter(started_at__gte=since)
    if until is not None:
        qs = qs.filter(started_at__lt=until)
    seconds: dict[tuple[int, int], float] = {}
    for c in qs:
        key = (c.order_id, c.technician_id)
        seconds[key] = seconds.get(key, 0.0) + clock_seconds(c, now)
    return {k: hours(v) for k, v in seconds.items()}


def efficiency(order: RepairOrder, clocked: Decimal) -> Decimal | None:
    """Standard hours over clocked hours (1.00 = on standard)."""
    if not clocked:
        return None
    return (standard_hours(order) / clocked).quantize(Decimal("0.01"))


# --- Progress reviews ------------------------------------------------------------------------------

# A review counts for the slot nearest to it: before 12:00 the morning one, before 15:15 noon's,
# after that the afternoon's.
_SLOT_ENDS = [
    (time(12, 0), ReviewSlot.MORNING),
    (time(15, 15), ReviewSlot.NOON),
    (time.max, ReviewSlot.AFTERNOON),
]


def review_slot(local: datetime) -> str:
    return next(slot for end, slot in _SLOT_ENDS if local.time() < end or end == time.max)


@dataclass
class ReviewStatus:
    slot: str
    label: str
    at: time
    review: ProgressReview | None
    due: bool  # its time has come

    @property
    def state(self) -> str:
        return "done" if self.review else ("overdue" if self.due else "upcoming")


def reviews_today(tenant: Tenant, now: datetime) -> list[ReviewStatus]:
    zone = store_zone(tenant.store)
    local = now.astimezone(zone)
    start, end = day_bounds(tenant.store, local.date())
    done: dict[str, ProgressReview] = {}
    for r in ProgressReview.objects.for_tenant(tenant).filter(at__gte=start, at__lt=end).select_related("by"):
        done.setdefault(r.slot, r)
    out = []
    for slot, label in ReviewSlot.choices:
        at = time(*map(int, slot.split(":")))
        out.append(ReviewStatus(slot, str(label), at, done.get(slot), local.time() >= at))
    return out


# --- The dispatch board (派工) ------------------------------------------------------------------------


@dataclass
class WaitingJob:
    order: FloorOrder
    hours: Decimal
    skills: list[str]
    skill_labels: list[str]
    timing: Timing
    unfit: set[int] = field(default_factory=set)  # technicians lacking a needed skill


@dataclass
class TechRow:
    technician: Technician
    skill_labels: list[str]
    working_hours: Decimal  # today, by their working time
    load_hours: Decimal  # standard hours of labor left on the jobs dispatched to them
    clocked_today: Decimal
    jobs: list[FloorOrder]
    current: FloorOrder | None  # the job they are clocked on now
    works_today: bool
    paused: str = ""  # why their last job of today is paused, when not clocked on

    @property
    def load_percent(self) -> int:
        if not self.working_hours:
            return 100 if self.load_hours else 0
        return min(int(self.load_hours / self.working_hours * 100), 100)

    @property
    def overloaded(self) -> bool:
        return self.load_hours > self.working_hours


@dataclass
class DispatchBoard:
    now: datetime
    waiting: list[WaitingJob]
    technicians: list[TechRow]
    reviews: list[ReviewStatus]
    open_orders: int
    late_orders: int
    late_ids: set[int] = field(default_factory=set)


def working_hours(tech: Technician, day) -> Decimal:
    if not tech.works_on(day.weekday()):
        return ZERO
    start = datetime.combine(day, tech.works_from)
    end = datetime.combine(day, tech.works_until)
    return max(Decimal((end - start).total_seconds()) / HOUR, ZERO).quantize(Decimal("0.1"))


def floor_counts(tenant: Tenant, now: datetime) -> tuple[int, int]:
    """Open orders and, of them, the late ones (promised time passed, car not ready: as timing()
    says), counted by the database: one row whatever their number."""
    counts = (
        RepairOrder.objects.for_tenant(tenant)
        .filter(state__in=OPEN_STATES)
        .aggregate(open=Count("pk"), late=Count("pk", filter=Q(state__in=NOT_READY, promised_at__lte=now)))
    )
    return counts["open"], counts["late"]


def dispatch_board(tenant: Tenant, *, now: datetime | None = None) -> DispatchBoard:
    now = now or timezone.now()
    day = now.astimezone(store_zone(tenant.store)).date()
    # The store's technicians: the active ones have a row, any may have an order on the board.
    staff = {t.pk: t for t in Technician.objects.for_tenant(tenant).select_related("user", "team")}
    techs = sorted(
        (t for t in staff.values() if t.active), key=lambda t: (t.team.name if t.team else "", t.name)
    )
    # The cards: orders waiting for a technician and those at work. The others (drafts, finished,
    # after QC) only count, which the database does.
    orders = floor_orders(tenant, (State.SIGNED, *WORK_STATES), technicians=staff)
    open_count, late_count = floor_counts(tenant, now)
    start, _end = day_bounds(tenant.store, day)
    clocks = list(
        JobClock.objects.filter(order__store=tenant.store)
        .filter(Q(ended_at__isnull=True) | Q(started_at__gte=start))
        .select_related("order")
        .only(*_CLOCK_FIELDS, "order__state", "order__finished_at")
    )
    by_id = {o.pk: o for o in orders}
    waiting_orders = [o for o in orders if o.state == State.SIGNED]
    skills_of = waiting_skills(o.pk for o in waiting_orders) if waiting_orders else {}
    waiting = []
    for o in waiting_orders:
        skills = skills_of.get(o.pk, [])
        unfit = {t.pk for t in techs if set(skills) - set(t.skills or [])}
        waiting.append(WaitingJob(o, o.standard_hours, skills, skill_labels(skills), o.timing(now), unfit))
    jobs_of: dict[int, list[FloorOrder]] = {}
    for o in orders:
        if o.technician_id is not None and o.state in WORK_STATES:
            jobs_of.setdefault(o.technician_id, []).append(o)
    rows = []
    for t in techs:
        jobs = jobs_of.get(t.pk, [])
        running = next((c for c in clocks if c.technician_id == t.pk and c.ended_at is None), None)
        today = [c for c in clocks if c.technician_id == t.pk and c.started_at >= start]
        current = by_id.get(running.order_id) if running else None
        last = max(today, key=lambda c: (c.started_at, c.pk)) if today else None
        paused = (
            last.get_pause_reason_display()
            if last and not running and last.ended_by == ClockEnd.PAUSE
            else ""
        )
        rows.append(
            TechRow(
                technician=t, skill_labels=skill_labels(t.skills or []), working_hours=working_hours(t, day),
                load_hours=sum((o.remaining_hours for o in jobs), ZERO),
                clocked_today=hours(sum(clock_seconds(c, now) for c in today)), jobs=jobs,
                current=current if current and current.state in WORK_STATES else None,
                works_today=t.works_on(day.weekday()), paused=str(paused),
            )
        )  # fmt: skip
    late_ids = {o.pk for o in orders if o.timing(now).late}
    return DispatchBoard(now, waiting, rows, reviews_today(tenant, now), open_count, late_count, late_ids)


# --- A technician's own jobs ------------------------------------------------------------------------------


@dataclass
class MyJob:
    order: RepairOrder
    status: ClockStatus
    hours: Decimal
    timing: Timing
    proposed: list[RepairOrderLine]
    findings: list[RepairOrderLine]

    @property
    def can_clock_on(self) -> bool:
        return self.order.state in WORK_STATES and self.status.state in ("not_started", "off", "finished")

    @property
    def can_finish(self) -> bool:
        return self.order.state == State.IN_PROGRESS and not self.proposed


@dataclass
class MyJobs:
    technician: Technician | None
    jobs: list[MyJob]
    running: JobClock | None  # the job the technician is clocked on now


def technician_of(tenant: Tenant) -> Technician | None:
    return (
        Technician.objects.for_tenant(tenant)
        .filter(user=tenant.user, active=True)
        .select_related("user")
        .first()
    )


def my_jobs(tenant: Tenant, *, now: datetime | None = None, technician: Technician | None = None) -> MyJobs:
    now = now or timezone.now()
    tech = technician or technician_of(tenant)
    if tech is None:
        return MyJobs(None, [], None)
    orders = list(_orders(tenant, (*WORK_STATES, State.FINISHED), photos=True, technician=tech))
    clocks = list(
        JobClock.objects.filter(technician=tech)
        .filter(Q(order_id__in=[o.pk for o in orders]) | Q(ended_at__isnull=True))
        .select_related("order", "order__vehicle")
        .order_by("started_at", "pk")
    )
    by_order: dict[int, list[JobClock]] = {}
    for c in clocks:
        by_order.setdefault(c.order_id, []).append(c)
    running = next((c for c in clocks if c.ended_at is None and c.order.state in WORK_STATES), None)
    jobs = []
    for o in orders:
        lines = list(o.lines.all())
        jobs.append(
            MyJob(
                order=o, status=clock_status(by_order.get(o.pk, []), now), hours=standard_hours(o),
                timing=timing(o, now), proposed=[ln for ln in lines if ln.state == LineState.PROPOSED],
                findings=[ln for ln in lines if ln.is_additional],
            )
        )  # fmt: skip
    order_rank = {State.IN_PROGRESS: 0, State.AWAITING_APPROVAL: 1, State.DISPATCHED: 2, State.FINISHED: 3}
    jobs.sort(
        key=lambda j: (order_rank.get(j.order.state, 9), j.order.promised_at or now + timedelta(days=999))
    )
    return MyJobs(tech, jobs, running)


# --- QC (质检) ------------------------------------------------------------------------------------------

QC_ITEMS = {
    "work_done": _("All work items completed"),
    "no_leaks": _("No oil or water leaks"),
    "lamps_off": _("Warning lamps are off"),
    "road_test": _("Road test normal"),
    "clean": _("Vehicle is clean"),
    "covers_off": _("Seat, wheel and floor covers removed"),
    "old_parts": _("Old parts handled as the customer asked"),
}
_LEAK_SKILLS = {Skill.MAINTENANCE, Skill.ENGINE, Skill.AC, Skill.GENERAL}
_LAMP_SKILLS = {Skill.ELECTRICAL, Skill.DIAGNOSIS, Skill.ENGINE, Skill.EV}
_ROAD_SKILLS = {Skill.ENGINE, Skill.ALIGNMENT, Skill.DIAGNOSIS, Skill.EV, Skill.GENERAL}


def qc_checklist(order: RepairOrder) -> list[tuple[str, str]]:
    """The inspection items for this order, chosen by its kind of work and its lines."""
    lines = [ln for ln in order.lines.all() if ln.counts]
    skills = {ln.labor_operation.skill for ln in lines if ln.labor_operation_id}
    kinds = {ln.kind for ln in lines}
    has_parts = bool(kinds & {LineKind.PART, LineKind.MATERIAL})
    heavy = order.work_class in ("level2", "overhaul")
    codes = ["work_done"]
    if has_parts or skills & _LEAK_SKILLS or heavy:
        codes.append("no_leaks")
    if skills & _LAMP_SKILLS or heavy:
        codes.append("lamps_off")
    if skills & _ROAD_SKILLS or heavy:
        codes.append("road_test")
    codes += ["clean", "covers_off"]
    if LineKind.PART in kinds:
        codes.append("old_parts")
    return [(c, str(QC_ITEMS[c])) for c in codes]


@dataclass
class QcJob:
    order: RepairOrder
    checklist: list[tuple[str, str]]
    timing: Timing


def qc_queue(tenant: Tenant, *, now: datetime | None = None) -> list[QcJob]:
    now = now or timezone.now()
    return [QcJob(o, qc_checklist(o), timing(o, now)) for o in _orders(tenant, [State.FINISHED], photos=True)]


# --- The wall board (看板) ---------------------------------------------------------------------------------

BOARD_COLUMNS = [
    ("reception", _("At reception"), (State.DRAFT,)),
    ("waiting", _("Waiting for dispatch"), (State.SIGNED,)),
    ("dispatched", _("Dispatched"), (State.DISPATCHED,)),
    ("repair", _("In repair"), (State.IN_PROGRESS, State.AWAITING_APPROVAL)),
    ("qc", _("Waiting for QC"), (State.FINISHED,)),
    ("ready", _("Ready for delivery"), (State.READY, State.SETTLED)),
]


@dataclass
class BoardCard:
    order: FloorOrder
    timing: Timing
    status: ClockStatus | None
    remaining: Decimal


@dataclass
class BoardColumn:
    key: str
    label: str
    cards: list[BoardCard]


@dataclass
class WallBoard:
    now: datetime
    columns: list[BoardColumn]
    open_orders: int
    late_orders: int
    at_risk: int


def wall_board(tenant: Tenant, *, now: datetime | None = None) -> WallBoard:
    now = now or timezone.now()
    orders = floor_orders(tenant, OPEN_STATES)
    working = {o.pk for o in orders if o.state in WORK_STATES}
    clocks: dict[tuple[int, int], list[JobClock]] = {}
    for c in JobClock.objects.filter(order_id__in=working).only(*_CLOCK_FIELDS).order_by("started_at", "pk"):
        clocks.setdefault((c.order_id, c.technician_id), []).append(c)
    cards = {}
    for o in orders:
        status = clock_status(clocks.get((o.pk, o.technician_id), []), now, o) if o.pk in working else None
        cards[o.pk] = BoardCard(o, o.timing(now), status, o.remaining_hours)
    columns = [
        BoardColumn(key, str(label), [cards[o.pk] for o in orders if o.state in states])
        for key, label, states in BOARD_COLUMNS
    ]
    late = sum(1 for c in cards.values() if c.timing.late)
    risk = sum(1 for c in cards.values() if c.timing.at_risk)
    return WallBoard(now, columns, len(orders), late, risk)


def photo_get(tenant: Tenant, photo_id) -> FindingPhoto:
    """A finding's photo of the tenant's store, or NotFound."""
    try:
        return FindingPhoto.objects.select_related("order").get(pk=photo_id, order__store_id=tenant.store.id)
    except (FindingPhoto.DoesNotExist, ValueError, TypeError):
        raise NotFound() from None
