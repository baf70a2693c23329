"""Where the repair order meets the parts app (a floor below: called directly): parts held for an
appointment move to the order opened from it, and a cancelled order gives its parts back.

The apps above the workshop are never called from here: they react to the order's events
(dms.core.events) — followups creates the call after `repair_order.delivered`, the portal texts
the customer's links after `repair_order.opened`/`signed`/`approval_requested` — and add to its
pages through dms.workshop.extensions."""

from dms.core.tenancy import Tenant
from dms.parts.models import ForKind
from dms.parts.services import reservations_release_for, reservations_transfer


def take_over_appointment_parts(tenant: Tenant, appointment, order) -> None:
    """Parts reserved for the appointment are now held for the order opened from it."""
    reservations_transfer(
        tenant=tenant, from_kind=ForKind.APPOINTMENT, from_id=appointment.pk, to_kind=ForKind.REPAIR_ORDER,
        to_id=order.pk, to_reference=order.number,
    )  # fmt: skip


def on_cancelled(tenant: Tenant, order) -> None:
    reservations_release_for(tenant=tenant, for_kind=ForKind.REPAIR_ORDER, for_id=order.pk, note=order.number)
