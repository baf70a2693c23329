"""/api/v1/appointments and /api/v1/technicians: capacity and appointments over HTTP."""

import datetime as dt
from datetime import datetime, time
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dms.core.errors import DomainError
from dms.core.validation import PAGE_OFFSET_MAX, ApiDate, ApiDateTime, Money, choices_of

from . import selectors, services, workflow
from .models import Appointment, Job, Skill, Technician
from .permissions import APPOINTMENT_VIEW
from .workflow import EVENT_LABELS

appointments_router = Router(tags=["appointments"])
technicians_router = Router(tags=["technicians"])


# --- Technicians -------------------------------------------------------------------------------------


class TechnicianOut(Schema):
    id: int
    name: str
    skills: list[choices_of(Skill)] = Field(
        description="Codes: general, maintenance, engine, electrical, ev, body, paint, ac, diagnosis, alignment."
    )
    level: choices_of(Technician.Level)
    team_id: int | None
    team: str | None
    works_from: time
    works_until: time
    weekdays: list[int] = Field(description="Working weekdays, 0 = Monday.")


class TechnicianPage(Schema):
    count: int
    items: list[TechnicianOut]


@technicians_router.get("", response=TechnicianPage)
def technician_list(request):
    """The active technicians of the store you act in, with their skills and working hours."""
    t = request.auth
    t.require(APPOINTMENT_VIEW)
    items = [
        {
            "id": x.pk,
            "name": x.name,
            "skills": list(x.skills or []),
            "level": x.level,
            "team_id": x.team_id,
            "team": x.team.name if x.team else None,
            "works_from": x.works_from,
            "works_until": x.works_until,
            "weekdays": sorted(x.weekdays or []),
        }
        for x in selectors.technician_list(t)
    ]
    return {"count": len(items), "items": items}


# --- Slots -------------------------------------------------------------------------------------------


class SlotOut(Schema):
    start: datetime
    end: datetime
    free: int = Field(description="Places left for a job of these hours starting then.")
    capacity: int
    load: int = Field(description="Percent of the capacity taken in the busiest slot the job spans.")
    quiet: bool = Field(description="Among the least loaded starts of the day: propose these first.")


class SlotsOut(Schema):
    date: dt.date
    hours: Decimal
    opens: datetime | None
    closes: datetime | None
    slot_minutes: int
    capacity: int
    items: list[SlotOut]


class SlotParams(Schema):
    date: ApiDate
    hours: Decimal | None = Field(None, gt=0, le=12, description="Standard hours; default: the job's.")
    job: choices_of(Job) = Field(Job.MAINTENANCE, description="Kind of work, for its standard hours.")
    include_full: bool = Field(False, description="Also list full and past starts (free 0).")


def _slot_out(s, zone) -> dict:
    return {
        "start": s.start.astimezone(zone), "end": s.end.astimezone(zone), "free": s.free if s.bookable else 0,
        "capacity": s.capacity, "load": s.load_percent, "quiet": s.quiet,
    }  # fmt: skip


@appointments_router.get("/slots", response=SlotsOut)
def slot_list(request, params: Query[SlotParams]):
    """Bookable starts for a job of H standard hours on a date, in the store's time zone."""
    t = request.auth
    t.require(APPOINTMENT_VIEW)
    hours = services.clean_hours(params.hours, params.job)
    plan = selectors.day_plan(t.store, params.date)
    found = selectors.slots(t.store, params.date, hours, plan=plan)
    zone = plan.zone
    return {
        "date": params.date,
        "hours": hours,
        "opens": plan.opens,
        "closes": plan.closes,
        "slot_minutes": plan.slot_minutes,
        "capacity": plan.capacity,
        "items": [_slot_out(s, zone) for s in found if params.include_full or s.bookable],
    }


# --- Appointments ------------------------------------------------------------------------------------


class AppointmentEventOut(Schema):
    at: datetime
    by: str | None
    action: str
    label: str
    from_state: str
    to_state: str
    reason: str


class AppointmentOut(Schema):
    id: int
    store: str
    vehicle_id: int
    plate: str
    customer_id: int
    customer_name: str
    start: datetime
    end: datetime
    hours: Decimal
    job: choices_of(Job)
    items: str
    channel: choices_of(Appointment.Channel)
    state: choices_of(Appointment.State)
    version: int
    note: str
    deposit_amount: Decimal
    deposit_method: choices_of(Appointment.DepositMethod, blank=True)
    deposit_at: datetime | None
    call_due: bool = Field(description="Not yet confirmed and starting within the hour: call the customer.")
    confirmed_at: datetime | None
    arrived_at: datetime | None
    cancelled_at: datetime | None
    cancel_reason: str
    rescheduled_from_id: int | None
    allowed_actions: list[str]
    created_at: datetime


class AppointmentDetail(AppointmentOut):
    rescheduled_to_id: int | None
    events: list[AppointmentEventOut]


class AppointmentPage(Schema):
    count: int
    items: list[AppointmentOut]


def appointment_out(a: Appointment, *, detail: bool = False) -> dict:
    zone = selectors.store_zone(a.store)
    now = timezone.now()

    def local(dt):
        return dt.astimezone(zone) if dt else None

    out = {
        **{
            f: getattr(a, f)
            for f in (
                "id",
                "vehicle_id",
                "customer_id",
                "hours",
                "job",
                "items",
                "channel",
                "state",
                "version",
                "note",
                "deposit_method",
                "cancel_reason",
                "rescheduled_from_id",
            )
        },
        "store": a.store.code,
        "plate": a.vehicle.plate or a.vehicle.vin,
        "customer_name": a.customer.name,
        "deposit_amount": a.deposit_amount.quantize(Decimal("0.01")),
        "call_due": selectors.calls_due(a, now),
        "allowed_actions": workflow.allowed_actions(a, now=now),
        **{
            f: local(getattr(a, f))
            for f in (
                "start",
                "end",
                "deposit_at",
                "confirmed_at",
                "arrived_at",
                "cancelled_at",
                "created_at",
            )
        },
    }
    if detail:
        nxt = selectors.rescheduled_to(a)
        out["rescheduled_to_id"] = nxt.pk if nxt else None
        out["events"] = [
            {
                "at": local(e.at),
                "by": str(e.by) if e.by else None,
                "action": e.action,
                "label": str(EVENT_LABELS.get(e.action, e.action)),
                "from_state": e.from_state,
                "to_state": e.to_state,
                "reason": e.reason,
            }
            for e in a.events.all()
        ]
    return out


class ListParams(Schema):
    date: ApiDate | None = Field(None, description="Appointments starting on this day (store time).")
    state: choices_of(Appointment.State, blank=True) = ""
    vehicle_id: int | None = None
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


@appointments_router.get("", response=AppointmentPage)
def appointment_list(request, params: Query[ListParams]):
    """The store's appointments, by start time."""
    t = request.auth
    t.require(APPOINTMENT_VIEW)
    count, items = selectors.appointment_list(
        t, day=params.date, state=params.state, vehicle_id=params.vehicle_id, limit=params.limit,
        offset=params.offset,
    )  # fmt: skip
    return {"count": count, "items": [appointment_out(a) for a in items]}


class AppointmentIn(Schema):
    vehicle_id: int
    start: ApiDateTime = Field(description="ISO 8601; without an offset, the store's local time.")
    hours: Decimal | None = Field(None, description="Standard hours of the work; default: the job's.")
    job: choices_of(Job) = Job.MAINTENANCE
    items: str = Field("", max_length=1000, description="The work the customer asks for, in their words.")
    note: str = Field("", max_length=1000)
    channel: choices_of(Appointment.Channel) = Field(
        Appointment.Channel.PHONE, description="phone or desk (web is the public page's)"
    )
    deposit_amount: Money | None = None
    deposit_method: choices_of(Appointment.DepositMethod, blank=True) = ""


@appointments_router.post("", response={201: AppointmentDetail})
def appointment_create(request, payload: AppointmentIn):
    """Book a vehicle into the store. A time already full answers 409 with `free_times`."""
    t = request.auth
    a = services.appointment_create(tenant=t, **payload.dict())
    return Status(201, appointment_out(selectors.appointment_get(t, a.pk, with_events=True), detail=True))


@appointments_router.get("/{appointment_id}", response=AppointmentDetail)
def appointment_detail(request, appointment_id: int):
    """One appointment with its history of steps."""
    t = request.auth
    t.require(APPOINTMENT_VIEW)
    return appointment_out(selectors.appointment_get(t, appointment_id, with_events=True), detail=True)


class AppointmentActionIn(Schema):
    version: int | None = Field(None, description="The version you read; a stale one answers 409.")
    reason: str = Field("", max_length=300, description="Required to cancel or reschedule.")
    start: ApiDateTime | None = Field(None, description="reschedule: the new start.")
    hours: Decimal | None = Field(None, description="reschedule: new standard hours (default: unchanged).")


@appointments_router.post(
    "/{appointment_id}/actions/{action}", response={200: AppointmentDetail, 201: AppointmentDetail}
)
def appointment_action(request, appointment_id: int, action: str, payload: AppointmentActionIn | None = None):
    """A step: `confirm`, `arrive`, `no-show` (after the start), `cancel` {reason} or `reschedule`
    {start, reason, hours?} (answers 201 with the new appointment; the old one is cancelled).
    A step not allowed now answers 409 with `state` and `allowed_actions`."""
    t = request.auth
    payload = payload or AppointmentActionIn()
    if action == "reschedule":
        if payload.start is None:
            raise DomainError(_("Rescheduling needs the new time."), field="start")
        new = services.appointment_reschedule(
            tenant=t, appointment_id=appointment_id, start=payload.start, reason=payload.reason,
            hours=payload.hours, version=payload.version,
        )  # fmt: skip
        return Status(
            201, appointment_out(selectors.appointment_get(t, new.pk, with_events=True), detail=True)
        )
    a = workflow.appointment_transition(
        tenant=t, appointment_id=appointment_id, action=action, version=payload.version, reason=payload.reason
    )
    return Status(200, appointment_out(selectors.appointment_get(t, a.pk, with_events=True), detail=True))


class DepositIn(Schema):
    amount: Money
    method: choices_of(Appointment.DepositMethod)
    version: int | None = None


@appointments_router.post("/{appointment_id}/deposit", response=AppointmentDetail)
def deposit_record(request, appointment_id: int, payload: DepositIn):
    """Record the deposit taken for the booked work."""
    t = request.auth
    services.appointment_deposit_record(
        tenant=t, appointment_id=appointment_id, amount=payload.amount, method=payload.method,
        version=payload.version,
    )  # fmt: skip
    return appointment_out(selectors.appointment_get(t, appointment_id, with_events=True), detail=True)
