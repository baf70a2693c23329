"""/api/v1/floor: the shop floor over HTTP — the dispatch board, the wall board, a technician's
jobs, clocking, findings and the foreman's progress reviews. (prefix, router) pairs are mounted
by config.api under /api/v1."""

from datetime import datetime
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from pydantic import BaseModel

from dms.core.roles import Perm
from dms.core.validation import choices_of
from dms.scheduling.models import Skill

from . import selectors_floor as floor
from . import services_floor
from .api import LineOut, line_out
from .models import LineKind, PauseReason, ReviewSlot, State
from .services_floor import CLOCK_ACTIONS

router = Router(tags=["shop floor"])
ROUTERS: list = [("/floor", router)]


def _h(d: Decimal | None) -> str | None:
    return None if d is None else f"{d:.2f}"


# The boards' answers are plain pydantic models: validated field by field as strictly as a Schema,
# without ninja's wrapping of each object for attribute access on models (DjangoGetter), which the
# board's dicts do not need and which cost a third of a 300-order answer (issue 11).


class TimingOut(BaseModel):
    late: bool = Field(description="The promised time has passed and the car is not ready.")
    at_risk: bool = Field(description="The standard hours of labor left exceed the time left.")
    hours_left: str | None


class OrderBrief(BaseModel):
    id: int
    number: str
    state: choices_of(State)
    state_label: str
    plate: str
    model: str
    technician_id: int | None
    technician: str | None
    promised_at: datetime | None
    standard_hours: str
    remaining_hours: str
    timing: TimingOut


def _timing(t: floor.Timing) -> dict:
    return {"late": t.late, "at_risk": t.at_risk, "hours_left": _h(t.hours_left)}


def state_labels() -> dict[str, str]:
    """Each state's label in the request's language, for a list of orders (get_state_display()
    translates every state's label for each order it is asked of)."""
    return {value: str(label) for value, label in State.choices}


def _brief(o: floor.FloorOrder, now, labels: dict[str, str] | None = None) -> dict:
    return {
        "id": o.pk, "number": o.number, "state": o.state, "state_label": labels[o.state] if labels else o.state_label,
        "plate": o.plate or o.vin, "model": f"{o.brand} {o.model}".strip(), "technician_id": o.technician_id,
        "technician": o.technician.name if o.technician_id else None, "promised_at": o.promised_at,
        "standard_hours": _h(o.standard_hours), "remaining_hours": _h(o.remaining_hours),
        "timing": _timing(o.timing(now)),
    }  # fmt: skip


class WaitingOut(OrderBrief):
    skills: list[choices_of(Skill)] = Field(description="Skills the job's labor operations need.")
    unfit_technician_ids: list[int] = Field(description="Technicians lacking one of those skills.")


class TechnicianRow(BaseModel):
    id: int
    name: str
    skills: list[choices_of(Skill)]
    works_today: bool
    working_hours: str
    load_hours: str = Field(description="Standard hours of labor left on the jobs dispatched to them.")
    clocked_today: str
    current_order_id: int | None
    job_ids: list[int]


class ReviewOut(BaseModel):
    slot: choices_of(ReviewSlot)
    state: choices_of(("done", "overdue", "upcoming"))
    at: datetime | None
    by: str | None
    note: str


class DispatchBoardOut(BaseModel):
    now: datetime
    open_orders: int
    late_orders: int
    waiting: list[WaitingOut]
    technicians: list[TechnicianRow]
    reviews: list[ReviewOut]


def _review(r: floor.ReviewStatus) -> dict:
    rv = r.review
    return {"slot": r.slot, "state": r.state, "at": rv.at if rv else None, "by": str(rv.by) if rv else None,
            "note": rv.note if rv else ""}  # fmt: skip


@router.get("/dispatch-board", response=DispatchBoardOut)
def dispatch_board(request):
    """The foreman's dispatch board (派工): signed orders waiting for a technician, and each
    technician's skills, load and current job."""
    t = request.auth
    t.require(Perm.RO_DISPATCH)
    b = floor.dispatch_board(t)
    labels = state_labels()
    return {
        "now": b.now, "open_orders": b.open_orders, "late_orders": b.late_orders,
        "waiting": [{**_brief(w.order, b.now, labels), "skills": w.skills, "unfit_technician_ids": sorted(w.unfit)}
                    for w in b.waiting],
        "technicians": [
            {"id": r.technician.pk, "name": r.technician.name, "skills": r.technician.skills or [],
             "works_today": r.works_today, "working_hours": _h(r.working_hours), "load_hours": _h(r.load_hours),
             "clocked_today": _h(r.clocked_today), "current_order_id": r.current.pk if r.current else None,
             "job_ids": [o.pk for o in r.jobs]}
            for r in b.technicians
        ],
        "reviews": [_review(r) for r in b.reviews],
    }  # fmt: skip


class BoardOrder(OrderBrief):
    column: str
    work: str | None = Field(description="working, paused, off, not_started or finished (jobs in work)")
    pause_reason: choices_of(PauseReason, blank=True)


class WallBoardOut(BaseModel):
    now: datetime
    open_orders: int
    late_orders: int
    at_risk_orders: int
    items: list[BoardOrder]


@router.get("/board", response=WallBoardOut)
def wall_board(request):
    """The shop-floor wall board (看板): every open order, its state, technician and promised time."""
    t = request.auth
    t.require(Perm.RO_VIEW)
    b = floor.wall_board(t)
    labels = state_labels()
    items = [
        {**_brief(c.order, b.now, labels), "column": col.key, "work": c.status.state if c.status else None,
         "pause_reason": c.status.pause_reason if c.status else ""}
        for col in b.columns for c in col.cards
    ]  # fmt: skip
    return {"now": b.now, "open_orders": b.open_orders, "late_orders": b.late_orders, "at_risk_orders": b.at_risk,
            "items": items}  # fmt: skip


class FindingPhotoOut(Schema):
    id: int
    url: str = Field(description="Served only to signed-in users of the store.")


class FindingLine(LineOut):
    photos: list[FindingPhotoOut]


class MyJobOut(OrderBrief):
    complaint: str
    work: str = Field(description="working, paused, off, not_started or finished")
    pause_reason: choices_of(PauseReason, blank=True)
    clocked_hours: str
    can_clock_on: bool
    can_finish: bool
    proposed_line_ids: list[int]
    lines: list[FindingLine]


class MyJobsOut(Schema):
    technician_id: int | None
    technician: str | None
    clocked_on_order_id: int | None
    items: list[MyJobOut]


def _photos(line) -> list[dict]:
    return [{"id": p.pk, "url": reverse("floor:photo", args=[p.pk])} for p in line.photos.all()]


@router.get("/my-jobs", response=MyJobsOut)
def my_jobs(request):
    """The signed-in technician's dispatched and in-progress jobs, with where they stand on each."""
    t = request.auth
    t.require(Perm.RO_WORK)
    now = timezone.now()
    mine = floor.my_jobs(t)
    return {
        "technician_id": mine.technician.pk if mine.technician else None,
        "technician": mine.technician.name if mine.technician else None,
        "clocked_on_order_id": mine.running.order_id if mine.running else None,
        "items": [
            {**_brief(floor.FloorOrder.of(j.order), now), "complaint": j.order.complaint, "work": j.status.state,
             "pause_reason": j.status.pause_reason, "clocked_hours": _h(j.status.clocked),
             "can_clock_on": j.can_clock_on, "can_finish": j.can_finish,
             "proposed_line_ids": [ln.pk for ln in j.proposed],
             "lines": [{**line_out(ln), "photos": _photos(ln)} for ln in j.order.lines.all()]}
            for j in mine.jobs
        ],
    }  # fmt: skip


class ClockIn(Schema):
    action: choices_of(CLOCK_ACTIONS)
    reason: choices_of(PauseReason, blank=True) = Field("", description="pause: why")
    note: str = Field("", max_length=200, description="pause: why (needed for other)")


class ClockOut(Schema):
    order_id: int
    order_state: choices_of(State)
    technician_id: int
    work: str
    started_at: datetime
    ended_at: datetime | None
    pause_reason: choices_of(PauseReason, blank=True)
    clocked_hours: str = Field(description="This technician's clocked hours on the order.")


@router.post("/orders/{order_id}/clock", response=ClockOut)
def clock(request, order_id: int, payload: ClockIn):
    """Clock on (the first time, this starts the order), pause with a reason, resume, clock off.
    A step not possible now answers 409."""
    t = request.auth
    c = services_floor.job_clock(tenant=t, order_id=order_id, **payload.dict())
    clocks = list(c.order.clocks.filter(technician_id=c.technician_id).select_related("order"))
    status = floor.clock_status(clocks, timezone.now())
    c.order.refresh_from_db(fields=["state"])
    return {
        "order_id": c.order_id, "order_state": c.order.state, "technician_id": c.technician_id,
        "work": status.state, "started_at": c.started_at, "ended_at": c.ended_at, "pause_reason": c.pause_reason,
        "clocked_hours": _h(status.clocked),
    }  # fmt: skip


class FindingIn(Schema):
    description: str = Field(max_length=200, description="The work or part proposed.")
    note: str = Field(max_length=300, description="What was found.")
    kind: choices_of(LineKind) = Field("labor", description="labor, part or material")
    quantity: Decimal | None = Field(None, max_digits=10, decimal_places=2, description="Hours for labor.")
    unit_price: Decimal | None = Field(None, max_digits=10, decimal_places=2)
    labor_operation_id: int | None = None
    part_id: int | None = None
    photo: str | None = Field(
        None, description="A JPEG, PNG or WebP photo as base64 (or a data: URL), ≤ 10 MB."
    )


@router.post("/orders/{order_id}/findings", response={201: FindingLine})
def finding_create(request, order_id: int, payload: FindingIn):
    """Report work found during the repair: it becomes extra work the customer decides on (unless
    within the pre-authorised amount)."""
    t = request.auth
    data = payload.dict()
    photo = data.pop("photo")
    if photo:
        photo = services_floor.decode_photo(photo)
    line = services_floor.finding_report(tenant=t, order_id=order_id, photo=photo or None, **data)
    return Status(201, {**line_out(line), "photos": _photos(line)})


class FinishIn(Schema):
    version: int | None = None


@router.post("/orders/{order_id}/finish", response=OrderBrief)
def finish(request, order_id: int, payload: FinishIn | None = None):
    """Finish the work and stop the clocks running on it (the order then waits for QC)."""
    t = request.auth
    services_floor.job_finish(tenant=t, order_id=order_id, version=payload.version if payload else None)
    (order,) = floor.floor_orders(t, floor.OPEN_STATES, pk=order_id)
    return _brief(order, timezone.now())


class ReviewIn(Schema):
    note: str = Field("", max_length=500)


class ReviewCreated(Schema):
    id: int
    at: datetime
    slot: choices_of(ReviewSlot)
    open_orders: int
    late_orders: int
    note: str


@router.post("/progress-reviews", response={201: ReviewCreated})
def progress_review(request, payload: ReviewIn):
    """Record the foreman's progress review (10:00, 14:00, 16:30) with the open and late orders now."""
    r = services_floor.progress_review_record(tenant=request.auth, note=payload.note)
    return Status(201, {"id": r.pk, "at": r.at, "slot": r.slot, "open_orders": r.open_orders,
                        "late_orders": r.late_orders, "note": r.note})  # fmt: skip
