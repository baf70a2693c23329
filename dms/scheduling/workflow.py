"""The appointment's states, on the workflow kit (dms.core.workflow): one table of allowed steps,
one function that applies them.

    booked ──confirm──▶ confirmed
    booked/confirmed ──arrive──▶ arrived        (the repair order is opened from it)
    booked/confirmed ──no-show──▶ no_show       (only once the start time has passed)
    booked/confirmed ──cancel──▶ cancelled      (with a reason)
    booked/confirmed ──reschedule──▶ cancelled  (a new appointment is booked; services.appointment_reschedule)

Each step writes the appointment's history row (AppointmentEvent) and publishes one core event
(appointment.confirmed / arrived / no_show / cancelled / rescheduled) in its transaction; booking
publishes appointment.booked (services._book). The page's buttons and the API's 409 answer both
come from `allowed_actions`.
"""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dms.core.errors import Conflict, DomainError, NotFound
from dms.core.tenancy import Tenant, get_scoped
from dms.core.workflow import Transition, Workflow

from .models import Appointment, AppointmentEvent
from .permissions import APPOINTMENT_BOOK

State = Appointment.State
_WAITING = frozenset({State.BOOKED, State.CONFIRMED})
_REASON = gettext_lazy("Say why, for the customer's file.")


def _started(appointment: Appointment, now: datetime) -> bool:
    return appointment.start <= now


def _history(appointment, *, action, from_state, to_state, actor, at, reason, data) -> None:
    AppointmentEvent.objects.create(
        appointment=appointment, at=at, by=actor, action=action, from_state=from_state, to_state=to_state,
        reason=reason[:300],
    )  # fmt: skip


APPOINTMENT = Workflow(
    model=Appointment,
    transitions=[
        Transition("confirm", [State.BOOKED], State.CONFIRMED, event="confirmed", perm=APPOINTMENT_BOOK,
                   stamp="confirmed_at", label=gettext_lazy("Customer confirmed"), done=gettext_lazy("Confirmed")),
        Transition("arrive", _WAITING, State.ARRIVED, event="arrived", perm=APPOINTMENT_BOOK, stamp="arrived_at",
                   label=gettext_lazy("Arrived"), done=gettext_lazy("Arrived")),
        Transition("no-show", _WAITING, State.NO_SHOW, event="no_show", perm=APPOINTMENT_BOOK,
                   label=gettext_lazy("No-show"), done=gettext_lazy("Marked as no-show"), when=_started,
                   when_refusal=gettext_lazy("This can be marked only once the appointment's time has passed.")),
        Transition("cancel", _WAITING, State.CANCELLED, event="cancelled", perm=APPOINTMENT_BOOK,
                   stamp="cancelled_at", label=gettext_lazy("Cancel"), done=gettext_lazy("Cancelled"),
                   needs_reason=_REASON),
        Transition("reschedule", _WAITING, State.CANCELLED, event="rescheduled", perm=APPOINTMENT_BOOK,
                   stamp="cancelled_at", label=gettext_lazy("Reschedule"), done=gettext_lazy("Rescheduled"),
                   needs_reason=_REASON),
    ],
    history=_history,
    not_allowed_message=gettext_lazy("Not possible: the appointment is %(state)s."),
    describe=lambda a: {"start": a.start.isoformat(), "vehicle_id": a.vehicle_id, "customer_id": a.customer_id},
)  # fmt: skip


class _Step:
    """A step as the pages show it: the button's words and what the history says."""

    def __init__(self, transition: Transition):
        self.transition = transition
        self.sources, self.target = transition.sources, transition.target
        self.button, self.done = transition.label, transition.done
        self.needs_reason = bool(transition.needs_reason)
        self.after_start = transition.when is not None


TRANSITIONS: dict[str, _Step] = {name: _Step(t) for name, t in APPOINTMENT.table.items()}

# Events that are not state changes, for the history's labels.
EVENT_LABELS = {
    "book": gettext_lazy("Booked"),
    "deposit": gettext_lazy("Deposit recorded"),
    "call-due": gettext_lazy("Confirmation call due"),
    **{name: step.done for name, step in TRANSITIONS.items()},
}


def allowed_actions(appointment: Appointment, *, now: datetime | None = None) -> list[str]:
    return APPOINTMENT.allowed_actions(appointment, now=now)


def not_allowed(appointment: Appointment, action: str, *, now: datetime | None = None) -> Conflict:
    return APPOINTMENT.not_allowed(appointment, action, now=now)


def record(
    appointment: Appointment, *, action: str, from_state: str, by, reason: str = "", at=None
) -> AppointmentEvent:
    """A history row that is not a step (booked, a deposit, the confirmation call due)."""
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
    """Raise NotFound (no such step), Conflict (step not allowed now, stale version) or
    DomainError (reason missing)."""
    if action not in APPOINTMENT:
        raise NotFound()
    APPOINTMENT.check(appointment, action, tenant=None, version=version, reason=reason, now=now)


def apply(
    appointment: Appointment, action: str, *, by, reason: str = "", now: datetime, data: dict | None = None
) -> None:
    """Move a locked, checked appointment to the step's state, record its history and its event."""

    def effect(a: Appointment):
        if APPOINTMENT[action].target == State.CANCELLED:
            a.cancel_reason = reason.strip()[:200]
            return {"_fields": ["cancel_reason"]}
        return None

    APPOINTMENT.step(appointment, action, actor=by, reason=reason, effect=effect, data=data, now=now)
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
