"""Writes of scheduling: booking (by staff or by the customer online), rescheduling, deposits, and
the confirmation call. Pages, the API and tasks all come through here; steps of an appointment's
state go through workflow.py.

Booking is the scarce write: it locks the store's CapacityDay row for the date and counts the
places inside the lock, so two people booking the last place at once get one booking and one
Conflict (docs/scheduling.md).
"""

import logging
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import Conflict, DomainError, stale_version
from dms.core.events import publish
from dms.core.models import Store
from dms.core.templatetags.dms import money
from dms.core.tenancy import Tenant, get_scoped
from dms.customers.rules import validate_mobile
from dms.vehicles.models import Vehicle
from dms.vehicles.rules import normalize_plate

from . import selectors, workflow
from .models import STANDARD_HOURS, Appointment, CapacityDay, Job
from .permissions import APPOINTMENT_BOOK

logger = logging.getLogger(__name__)

MAX_HOURS = Decimal("12")
WEB_LEAD = timedelta(hours=2)  # customers book online at least this long ahead: time to confirm


# --- Hooks for other apps ------------------------------------------------------------------------------


def on_booked(appointment: Appointment) -> None:
    """Called inside the booking's transaction, once the appointment is saved.

    The place where parts for the booked work are reserved (or ordered) when the parts app is wired
    in, e.g. `parts.services.reservation_for_appointment(appointment=appointment)`. A failure raised
    here rolls the booking back; reserve what can be reserved and leave the rest for ordering.
    """


def on_released(appointment: Appointment) -> None:
    """Called inside the transaction that cancels an appointment or marks it a no-show: the place
    where its parts reservations are released."""


# --- Validation helpers --------------------------------------------------------------------------------


def standard_hours(job: str) -> Decimal:
    return STANDARD_HOURS.get(job, STANDARD_HOURS[Job.OTHER]).quantize(Decimal("0.01"))


def clean_hours(hours, job: str = Job.OTHER) -> Decimal:
    if hours in (None, ""):
        return standard_hours(job)
    try:
        value = Decimal(str(hours))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter the standard hours as a number, such as 1.5."), field="hours") from None
    if not value.is_finite() or value <= 0 or value > MAX_HOURS:
        raise DomainError(
            _("Standard hours are more than 0 and at most %(n)s.") % {"n": MAX_HOURS}, field="hours"
        )
    if value != value.quantize(Decimal("0.01")):
        raise DomainError(_("Use at most 2 decimal places."), field="hours")
    return value.quantize(Decimal("0.01"))


def _aware(start: datetime, store: Store) -> datetime:
    if timezone.is_naive(start):
        return start.replace(tzinfo=selectors.store_zone(store))
    return start


def _hhmm(dt: datetime, zone) -> str:
    return dt.astimezone(zone).strftime("%H:%M")


def _check_time(start: datetime, hours: Decimal, plan, now: datetime) -> None:
    """Refuse, with a sentence, a start in the past, on a closed day, outside hours or off the grid."""
    zone = plan.zone
    if start < now:
        raise DomainError(_("That time has already passed; choose a later one."), field="start")
    if not plan.opens:
        raise DomainError(
            _("The workshop takes no appointments on %(date)s.") % {"date": plan.date.isoformat()},
            field="start",
        )
    if plan.capacity <= 0:
        raise Conflict(
            _("The workshop takes no appointments on %(date)s.") % {"date": plan.date.isoformat()},
            field="start",
            free_times=[],
        )
    end = start + timedelta(minutes=float(hours * 60))
    latest = plan.closes - timedelta(minutes=float(hours * 60))
    if start < plan.opens or end > plan.closes:
        if latest < plan.opens:
            message = _(
                "A job of %(hours)s hours does not fit in the opening hours (%(opens)s–%(closes)s); "
                "book the hours of the first day and plan the rest with the foreman."
            )
        else:
            message = _(
                "The workshop takes appointments from %(opens)s to %(closes)s that day; a job of "
                "%(hours)s hours must start by %(latest)s."
            )
        raise DomainError(
            message
            % {
                "opens": _hhmm(plan.opens, zone),
                "closes": _hhmm(plan.closes, zone),
                "hours": f"{hours.normalize():f}",
                "latest": _hhmm(latest, zone),
            },
            field="start",
        )
    offset = (start - plan.opens).total_seconds() / 60
    if offset % plan.slot_minutes:
        raise DomainError(
            _("Appointments start every %(n)s minutes from %(opens)s.")
            % {"n": plan.slot_minutes, "opens": _hhmm(plan.opens, zone)},
            field="start",
        )


def _lock_day(store: Store, day) -> CapacityDay:
    """The store's row for the day, locked until the transaction ends (created the first time)."""
    CapacityDay.objects.bulk_create([CapacityDay(store=store, date=day)], ignore_conflicts=True)
    return CapacityDay.objects.select_for_update().get(store=store, date=day)


def _full(slot_list, start, zone, not_before: datetime) -> Conflict:
    """A Conflict naming the free times nearest to the one asked for."""
    bookable = [s for s in slot_list if s.bookable and s.start >= not_before]
    nearest = sorted(bookable, key=lambda s: abs(s.start - start))[:6]
    free = sorted(nearest, key=lambda s: s.start)
    if free:
        message = _("That time is full; free times that day: %(times)s.") % {
            "times": "、".join(_hhmm(s.start, zone) for s in free)
        }
    else:
        message = _("That time is full, and so is the rest of the day; choose another day.")
    return Conflict(message, field="start", free_times=[s.start.astimezone(zone).isoformat() for s in free])


def _book(
    *,
    store: Store,
    vehicle: Vehicle,
    start: datetime,
    hours: Decimal,
    job: str,
    items: str,
    note: str,
    channel: str,
    by,
    deposit_amount: Decimal = Decimal("0"),
    deposit_method: str = "",
    rescheduled_from: Appointment | None = None,
    event_reason: str = "",
    not_before: datetime | None = None,
) -> Appointment:
    """Book a place for a vehicle. Runs inside the caller's transaction; locks the day.

    `not_before` limits the free times a Conflict proposes (online bookings need notice)."""
    now = timezone.now()
    start = _aware(start, store)
    day = start.astimezone(selectors.store_zone(store)).date()
    plan = selectors.day_plan(store, day)
    _check_time(start, hours, plan, now)
    _lock_day(store, day)
    plan = selectors.day_plan(store, day)  # the day's capacity, read again under the lock
    exclude = rescheduled_from.pk if rescheduled_from else None
    zone = plan.zone
    lo, hi = selectors.day_bounds(store, day)
    same_day = (
        Appointment.objects.filter(
            store=store, vehicle=vehicle, state__in=Appointment.HOLDING, start__gte=lo, start__lt=hi
        )
        .exclude(pk=exclude)
        .first()
    )
    if same_day is not None:
        raise Conflict(
            _("%(vehicle)s already has an appointment at %(time)s that day.")
            % {"vehicle": vehicle, "time": _hhmm(same_day.start, zone)},
            field="vehicle_id",
            appointment_id=same_day.pk,
        )
    slot_list = selectors.slots(store, day, hours, now=now, exclude_id=exclude, plan=plan)
    slot = next((s for s in slot_list if s.start == start), None)
    if slot is None or not slot.bookable:
        raise _full(slot_list, start, zone, not_before or now)
    appointment = Appointment(
        store=store,
        vehicle=vehicle,
        customer_id=vehicle.owner_id,
        start=start,
        end=slot.end,
        hours=hours,
        job=job or Job.OTHER,
        items=(items or "").strip(),
        note=(note or "").strip(),
        channel=channel,
        created_by=by,
        rescheduled_from=rescheduled_from,
    )
    if deposit_amount:
        appointment.deposit_amount, appointment.deposit_method, appointment.deposit_at = (
            deposit_amount,
            deposit_method,
            now,
        )
    if start - selectors.CALL_BEFORE <= now:
        appointment.call_due_at = now  # within the hour already: the call is due at once
    _validate(appointment)
    appointment.save()
    workflow.record(appointment, action="book", from_state="", by=by, reason=event_reason, at=now)
    publish(
        type="appointment.booked", store=store, subject=appointment, actor=by, at=now,
        payload={"start": appointment.start.isoformat(), "vehicle_id": vehicle.pk, "customer_id": appointment.customer_id,
                 "job": appointment.job, "channel": appointment.channel,
                 "rescheduled_from": rescheduled_from.pk if rescheduled_from else None},
    )  # fmt: skip
    on_booked(appointment)
    if appointment.call_due_at is None:
        transaction.on_commit(lambda: schedule_confirmation_call(appointment))
    return appointment


def _validate(appointment: Appointment) -> None:
    from dms.core.validation import full_clean

    errors = []
    if appointment.channel not in Appointment.Channel.values:
        errors.append({"field": "channel", "message": _("Choose phone, desk or web.")})
    if appointment.job not in Job.values:
        errors.append({"field": "job", "message": _("Choose one of the kinds of work.")})
    full_clean(
        appointment,
        exclude=("store", "vehicle", "customer", "created_by", "rescheduled_from", "channel", "job"),
        extra_errors=errors,
    )


def clean_deposit(amount, method: str) -> tuple[Decimal, str]:
    try:
        value = Decimal(str(amount if amount not in (None, "") else "0"))
    except (InvalidOperation, ValueError):
        raise DomainError(_("Enter an amount such as 1280.00."), field="deposit_amount") from None
    if not value.is_finite() or value < 0:
        raise DomainError(_("A deposit cannot be negative."), field="deposit_amount")
    if value != value.quantize(Decimal("0.01")):
        raise DomainError(_("Use at most 2 decimal places."), field="deposit_amount")
    if value and method not in Appointment.DepositMethod.values:
        raise DomainError(
            _("Say how the deposit was paid: cash, card, wechat, alipay or transfer."), field="deposit_method"
        )
    return value.quantize(Decimal("0.01")), (method if value else "")


# --- Services ------------------------------------------------------------------------------------------


def appointment_create(
    *,
    tenant: Tenant,
    vehicle_id: int,
    start: datetime,
    hours: Decimal | str | None = None,
    job: str = Job.MAINTENANCE,
    items: str = "",
    note: str = "",
    channel: str = Appointment.Channel.PHONE,
    deposit_amount: Decimal | str | None = None,
    deposit_method: str = "",
) -> Appointment:
    """Book a vehicle of the group into the tenant's store. A full slot raises Conflict naming free times."""
    tenant.require(APPOINTMENT_BOOK)
    vehicle = get_scoped(Vehicle.objects.select_related("owner"), tenant, pk=vehicle_id)
    hours = clean_hours(hours, job)
    amount, method = clean_deposit(deposit_amount, deposit_method)
    with transaction.atomic():
        return _book(
            store=tenant.store, vehicle=vehicle, start=start, hours=hours, job=job, items=items, note=note,
            channel=channel, by=tenant.user, deposit_amount=amount, deposit_method=method,
        )  # fmt: skip


def appointment_reschedule(
    *,
    tenant: Tenant,
    appointment_id: int,
    start: datetime,
    reason: str,
    hours: Decimal | str | None = None,
    version: int | None = None,
) -> Appointment:
    """Book the same vehicle at a new time and cancel the old appointment, at once or not at all."""
    tenant.require(APPOINTMENT_BOOK)
    with transaction.atomic():
        old = workflow.lock(tenant, appointment_id)
        now = timezone.now()
        workflow.check(old, "reschedule", version=version, reason=reason, now=now)
        vehicle = Vehicle.objects.select_related("owner").get(pk=old.vehicle_id)
        carried = ""
        if old.deposit_amount:
            carried = _("Deposit ¥%(amount)s carried over.") % {"amount": money(old.deposit_amount)}
        new = _book(
            store=old.store, vehicle=vehicle, start=start, hours=clean_hours(hours or old.hours, old.job),
            job=old.job, items=old.items, note=old.note, channel=old.channel, by=tenant.user,
            deposit_amount=old.deposit_amount, deposit_method=old.deposit_method, rescheduled_from=old,
            event_reason=" ".join(p for p in (reason.strip(), carried) if p),
        )  # fmt: skip
        if old.deposit_amount:
            old.deposit_amount, old.deposit_method = Decimal("0"), ""
            old.save(update_fields=["deposit_amount", "deposit_method"])
        workflow.apply(
            old, "reschedule", by=tenant.user, reason=reason, now=now, data={"rescheduled_to": new.pk}
        )
    return new


def appointment_deposit_record(
    *, tenant: Tenant, appointment_id: int, amount: Decimal | str, method: str, version: int | None = None
) -> Appointment:
    """Record the deposit taken for the booked work (some items take one)."""
    tenant.require(APPOINTMENT_BOOK)
    value, method = clean_deposit(amount, method)
    with transaction.atomic():
        appointment = workflow.lock(tenant, appointment_id)
        if version is not None and version != appointment.version:
            raise stale_version(appointment.version)
        if not appointment.holds_place:
            raise Conflict(
                _("Not possible: the appointment is %(state)s.") % {"state": appointment.get_state_display()},
                state=appointment.state,
                allowed_actions=workflow.allowed_actions(appointment),
            )
        now = timezone.now()
        appointment.deposit_amount, appointment.deposit_method = value, method
        appointment.deposit_at = now if value else None
        appointment.version += 1
        appointment.save(
            update_fields=["deposit_amount", "deposit_method", "deposit_at", "version", "updated_at"]
        )
        label = Appointment.DepositMethod(method).label if method else "—"
        workflow.record(
            appointment, action="deposit", from_state=appointment.state, by=tenant.user,
            reason=f"¥{money(value)} {label}", at=now,
        )  # fmt: skip
    return appointment


class NoMatch(DomainError):
    """The plate and mobile given on the public page match no vehicle: the same answer whether the
    plate is unknown or the mobile is not its owner's."""


def appointment_book_online(
    *, store: Store, plate: str, mobile: str, start: datetime, job: str = Job.MAINTENANCE, items: str = ""
) -> Appointment:
    """A customer books on the public page: the plate must be of a vehicle of the store's group whose
    owner has that mobile number."""
    errors = []
    plate = normalize_plate(plate)
    if not plate:
        errors.append({"field": "plate", "message": _("Enter the number plate.")})
    try:
        mobile = validate_mobile(mobile)
    except DomainError as exc:
        errors.extend(exc.errors)
    if job not in Job.values:
        errors.append({"field": "job", "message": _("Choose one of the kinds of work.")})
    if errors:
        from dms.core.validation import invalid

        raise invalid(errors)
    now = timezone.now()
    start = _aware(start, store)
    plan = selectors.day_plan(store, start.astimezone(selectors.store_zone(store)).date())
    if not plan.web_booking:
        raise DomainError(_("This store does not take appointments online; please call us."))
    if start < now + WEB_LEAD:
        raise DomainError(
            _("Online, book at least %(n)s hours ahead; for sooner, please call us.")
            % {"n": int(WEB_LEAD.total_seconds() // 3600)},
            field="start",
        )
    if plan.date > selectors.local_today(store, now) + timedelta(days=plan.web_days_ahead):
        raise DomainError(
            _("Online, book at most %(n)s days ahead.") % {"n": plan.web_days_ahead}, field="start"
        )
    vehicle = (
        Vehicle.objects.select_related("owner")
        .filter(group_id=store.group_id, plate=plate, owner__mobile=mobile, owner__group_id=store.group_id)
        .first()
    )
    if vehicle is None:
        raise NoMatch(
            _(
                "We could not find a vehicle with this plate and mobile number. Check both (the mobile "
                "number we have on file for the vehicle's owner), or call us."
            )
        )
    with transaction.atomic():
        return _book(
            store=store, vehicle=vehicle, start=start, hours=standard_hours(job), job=job, items=items[:1000],
            note="", channel=Appointment.Channel.WEB, by=None, not_before=now + WEB_LEAD,
        )  # fmt: skip


# --- The confirmation call one hour before ---------------------------------------------------------------


def schedule_confirmation_call(appointment: Appointment) -> None:
    """Queue the task that raises the confirmation call one hour before the start (after commit)."""
    from .tasks import confirmation_call_due

    run_after = appointment.start - selectors.CALL_BEFORE
    try:
        task = confirmation_call_due
        if task.get_backend().supports_defer:
            task = task.using(run_after=run_after)
        elif run_after > timezone.now():
            return  # a backend that cannot wait (tests): the board shows calls due by time anyway
        task.enqueue(appointment.pk)
    except Exception:
        logger.exception("Could not queue the confirmation call of appointment %s", appointment.pk)


def confirmation_call_raise(*, appointment_id: int) -> bool:
    """Flag an appointment that is still only booked: the SA calls the customer to confirm it.

    Runs one hour before the start; returns whether a call was raised."""
    with transaction.atomic():
        appointment = Appointment.objects.select_for_update().filter(pk=appointment_id).first()
        if appointment is None or appointment.state != Appointment.State.BOOKED:
            return False
        if appointment.call_due_at is not None or appointment.start <= timezone.now():
            return False
        now = timezone.now()
        appointment.call_due_at = now
        appointment.save(update_fields=["call_due_at", "updated_at"])
        workflow.record(appointment, action="call-due", from_state=appointment.state, by=None, at=now)
    return True
