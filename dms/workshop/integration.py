"""Where the repair order meets the other apps: parts held for an appointment, and what follows
delivery. Kept here so that services.py reads as the ten steps."""

from django.utils.translation import gettext as _  # noqa: F401

from dms.core.tenancy import Tenant


def take_over_appointment_parts(tenant: Tenant, appointment, order) -> None:
    """Parts reserved for the appointment are now held for the order opened from it."""
    from dms.parts.models import ForKind
    from dms.parts.services import reservations_transfer

    reservations_transfer(
        tenant=tenant, from_kind=ForKind.APPOINTMENT, from_id=appointment.pk, to_kind=ForKind.REPAIR_ORDER,
        to_id=order.pk, to_reference=order.number,
    )  # fmt: skip


def on_cancelled(tenant: Tenant, order) -> None:
    from dms.parts.models import ForKind
    from dms.parts.services import reservations_release_for

    reservations_release_for(tenant=tenant, for_kind=ForKind.REPAIR_ORDER, for_id=order.pk, note=order.number)


def on_delivered(tenant: Tenant, order, *, consent: bool, channel: str, time: str) -> None:
    """The follow-up call due within 2 days of delivery (step 10)."""
    from dms.followups.services import followup_create_for_delivery

    followup_create_for_delivery(tenant=tenant, order=order, consent=consent, channel=channel, time=time)


def tell_customer(order, kind: str, tenant: Tenant) -> None:
    """Text the customer their link once the step has committed: the status link when the order is
    signed, the approval link when extra work awaits their decision."""
    from django.db import transaction

    from dms.portal import notify

    send = {"status": notify.notify_status_link, "approval": notify.notify_approval_requested}[kind]
    by = tenant.user
    transaction.on_commit(lambda: send(order, by=by))
