"""Writes of follow-ups: created by the steps that call for them, closed with an outcome."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import Conflict, DomainError
from dms.core.models import User
from dms.core.roles import Perm, Role
from dms.core.tenancy import Tenant, get_scoped
from dms.customers.services import contact_log

from .models import FollowUp

AFTER_SERVICE_WITHIN = timedelta(days=2)


def _care_agent(store) -> User | None:
    return (
        User.objects.filter(memberships__store=store, memberships__role=Role.CUSTOMER_CARE, is_active=True)
        .order_by("pk")
        .first()
    )


def followup_create_for_delivery(
    *, tenant: Tenant, order, consent: bool, channel: str, time: str
) -> FollowUp:
    """Delivery creates the call due within 2 days, for the store's customer-care agent."""
    return FollowUp.objects.create(
        store=order.store, kind=FollowUp.Kind.AFTER_SERVICE, customer=order.customer, vehicle=order.vehicle,
        repair_order=order, due_at=timezone.now() + AFTER_SERVICE_WITHIN, assigned_to=_care_agent(order.store),
        channel=channel or "phone", preferred_time=time or "any", consent=consent,
    )  # fmt: skip


def followup_record(
    *, tenant: Tenant, followup_id: int, reached: bool, satisfaction: int | None = None, complaint: bool = False,
    note: str = "",
) -> FollowUp:  # fmt: skip
    """Record the outcome of a follow-up call. Not reached keeps it open for another attempt."""
    tenant.require(Perm.FOLLOWUP_WORK)
    if reached and satisfaction is None:
        raise DomainError(_("Ask the customer how satisfied they are (1–5)."), field="satisfaction")
    if satisfaction is not None and not (isinstance(satisfaction, int) and 1 <= satisfaction <= 5):
        raise DomainError(_("Satisfaction is a whole number from 1 to 5."), field="satisfaction")
    if complaint and not (note or "").strip():
        raise DomainError(_("Write down the complaint in the customer's words."), field="note")
    with transaction.atomic():
        f = get_scoped(FollowUp.objects.select_for_update(), tenant, pk=followup_id)
        if f.state != FollowUp.State.OPEN:
            raise Conflict(_("This follow-up is already closed."), state=f.state)
        f.attempts += 1
        fields = ["attempts"]
        if reached:
            f.state, f.reached, f.satisfaction, f.complaint = (
                FollowUp.State.DONE,
                True,
                satisfaction,
                complaint,
            )
            f.done_at, f.done_by = timezone.now(), tenant.user
            fields += ["state", "reached", "satisfaction", "complaint", "done_at", "done_by"]
        else:
            f.reached = False
            fields.append("reached")
        f.note = "\n".join(x for x in (f.note, (note or "").strip()) if x)
        fields.append("note")
        f.save(update_fields=fields)
        summary = (
            _("After-service call: satisfaction %(s)d/5.") % {"s": satisfaction}
            if reached
            else _("After-service call: not reached.")
        )
        contact_log(
            tenant=tenant, customer_id=f.customer_id, kind="phone", summary=f"{summary} {note}".strip()
        )
    return f
