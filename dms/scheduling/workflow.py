"""The appointment's states: one table of allowed steps, one function that applies them.

    booked ──confirm──▶ confirmed
    booked/confirmed ──arrive──▶ arrived        (the repair order is opened from it)
    booked/confirmed ──no-show──▶ no_show       (only once the start time has passed)
    booked/confirmed ──cancel──▶ cancelled      (with a reason)
    booked/confirmed ──reschedule──▶ cancelled  (a new appointment is booked; services.appointment_reschedule)

The page's buttons and the API's 409 answer both come from `allowed_actions`.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dms.core.errors import Conflict, DomainError, NotFound, stale_version
from dms.core.tenancy import Tenant, get_scoped

from .models import Appointment, AppointmentEvent
from .permissions import APPOINTMENT_BOOK

State = Appointment.State
_WAITING = frozenset({State.BOOKED, State.CONFIRMED})


@dataclass(frozen=True)
class Step:
    sources: frozenset
    target: str
    button: object  # what the button says
    done: object  # what the history says
    needs_reason: bool = False
    after_start: bool = False  # only once the appointment's start has passed


TRANSITIONS: dict[str, Step] = {
    "confirm": Step(
        frozenset({State.BOOKED}),
        State.CONFIRMED,
        gettext_lazy("Customer confirmed"),
        gettext_lazy("Confirmed"),
    ),
    "arrive": Step(_WAITING, State.ARRIVED, gettext_lazy("Arrived"), gettext_lazy("Arrived")),
    "no-show": Step(
        _WAITING, State.NO_SHOW, gettext_lazy("No-show"), gettext_lazy("Marked as no-show"), after_start=True
    ),
    "cancel": Step(
        _WAITING, State.CANCELLED, gettext_lazy("Cancel"), gettext_lazy("Cancelled"), needs_reason=True
    ),
    "reschedule": Step(
        _WAITING, State.CANCELLED, gettext_lazy("Reschedule"), gettext_lazy("Rescheduled"), needs_reason=True
    ),
}

# Events that are not state changes, for the history's labels.
EVENT_LABELS = {
    "book": gettext_lazy("Booked"),
    "deposit": gettext_lazy("Deposit recorded"),
    "call-due": gettext_lazy("Confirmation call due"),
    **{name: step.done for name, step in TRANSITIONS.items()},
}

# The time stamp each target state sets.
_STAMPS = {State.CONFIRMED: "confirmed_at", State.ARRIVED: "arrived_at", State.CANCELLED: "cancelled_at"}


def allowed_actions(appointment: Appointment, *, now: datetime | None = None) -> list[str]:
    now = now or timezone.now()
    return [
        name
        for name, step in TRANSITIONS.items()
        if appointment.state in step.sources and (not step.after_start or appointment.start <= now)
    ]


def not_allowed(appointment: Appointment, action: str, *, now: datetime | None = None) -> Conflict:
    step = TRANSITIONS[action]
    allowed = allowed_actions(appointment, now=now)
    if appointment.state in step.sources and step.after_start:
        message = _("This can be marked only once the appointment's time has passed.")
    else:
        message = _("Not possible: the appointment is %(state)s.") % {
            "state": appointment.get_state_display()
        }
    return Conflict(message, state=appointment.state, allowed_actions=allowed)


def record(
    appointment: Appointment, *, action: str, from_state: str, by, reason: str = "", at=None
) -> AppointmentEvent:
    return AppointmentEvent.objects.create(
        appointment=appointment,
        at=at or timezone.now(),
        by=by,
        action=action,
        from_state=from_state,
        to_state=appointment.state,
        reason=(reason or "")[:300],
    )


def check(appointment: Appointment, action: str, *, version: int | None, reason: str, now: datetime) -> None:
    """Raise Conflict (stale version, step not allowed now) or DomainError (reason missing)."""
    if action not in TRANSITIONS:
        raise NotFound()
    if version is not None and version != appointment.version:
        raise stale_version(appointment.version)
    if action not in allowed_actions(appointment, now=now):
        raise not_allowed(appointment, action, now=now)
    if TRANSITIONS[action].needs_reason and not (reason or "").strip():
        raise DomainError(_("Say why, for the customer's file."), field="reason")


def apply(appointment: Appointment, action: str, *, by, reason: str = "", now: datetime) -> None:
    """Move a locked, checked appointment to the step's state and record the event."""
    step = TRANSITIONS[action]
    from_state = appointment.state
    appointment.state = step.target
    fields = ["state", "version", "updated_at"]
    stamp = _STAMPS.get(step.target)
    if stamp:
        setattr(appointment, stamp, now)
        fields.append(stamp)
    if step.target == State.CANCELLED:
        appointment.cancel_reason = reason.strip()[:200]
        fields.append("cancel_reason")
    appointment.version += 1
    appointment.save(update_fields=fields)
    record(appointment, action=action, from_state=from_state, by=by, reason=reason.strip(), at=now)
    if not appointment.holds_place:
        from .services import on_released

        on_released(appointment)


def lock(tenant: Tenant, appointment_id) -> Appointment:
    return get_scoped(
        Appointment.objects.select_for_update().select_related("store"), tenant, pk=appointment_id
    )


def appointment_transition(
    *, tenant: Tenant, appointment_id: int, action: str, version: int | None = None, reason: str = ""
) -> Appointment:
    """Apply one step (confirm, arrive, no-show, cancel) to an appointment of the tenant's store.

    Rescheduling books a new appointment as well: services.appointment_reschedule."""
    tenant.require(APPOINTMENT_BOOK)
    if action == "reschedule":
        raise DomainError(_("Rescheduling needs the new time."), field="start")
    with transaction.atomic():
        appointment = lock(tenant, appointment_id)
        now = timezone.now()
        check(appointment, action, version=version, reason=reason, now=now)
        apply(appointment, action, by=tenant.user, reason=reason, now=now)
    return appointment
