"""Writes of follow-ups: created by the steps that call for them, closed with an outcome.

An after-service call (回访) is due within 2 days of delivery. Its outcome is recorded here:
reached (satisfaction 1–5, a complaint in the customer's words) or not reached, in which case it
stays open and is due again a few hours later; after MAX_ATTEMPTS failed calls it is closed as
unreachable (state done, reached false). A customer who did not agree to be contacted is not
called: their follow-up is closed without a call.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import Conflict, DomainError
from dms.core.models import User
from dms.core.roles import Perm, Role
from dms.core.tenancy import Tenant, get_scoped
from dms.core.validation import invalid
from dms.customers.models import CustomerContact
from dms.customers.services import contact_log

from .models import FollowUp

AFTER_SERVICE_WITHIN = timedelta(days=2)
MAX_ATTEMPTS = 3  # failed calls before a follow-up is closed as unreachable
RETRY_AFTER = timedelta(hours=3)
CALL_HOURS = (time(9, 0), time(20, 0))  # when customers are called, in the store's time
NOTE_MAX = 2000


def _care_agent(store) -> User | None:
    return (
        User.objects.filter(memberships__store=store, memberships__role=Role.CUSTOMER_CARE, is_active=True)
        .order_by("pk")
        .first()
    )


def followup_create_for_delivery(
    *, order, consent: bool, channel: str, time: str, tenant: Tenant | None = None
) -> FollowUp:
    """Delivery creates the call due within 2 days, for the store's customer-care agent. A channel
    or time the customer asked for at delivery becomes their file's preference too."""
    _remember_preference(order.customer, channel=channel, time=time)
    return FollowUp.objects.create(
        store=order.store, kind=FollowUp.Kind.AFTER_SERVICE, customer=order.customer, vehicle=order.vehicle,
        repair_order=order, due_at=timezone.now() + AFTER_SERVICE_WITHIN, assigned_to=_care_agent(order.store),
        channel=channel or "phone", preferred_time=time or "any", consent=consent,
    )  # fmt: skip


def _remember_preference(customer, *, channel: str, time: str) -> None:
    wanted = {"preferred_channel": channel, "preferred_time": time}
    changed = [f for f, v in wanted.items() if v and getattr(customer, f) != v]
    if changed:
        for f in changed:
            setattr(customer, f, wanted[f])
        customer.version += 1  # an open edit of the file answers 409 rather than undoing this
        customer.save(update_fields=[*changed, "version", "updated_at"])


def next_try(now: datetime, zone: str) -> datetime:
    """When to call again after no answer: a few hours later, within calling hours."""
    tz = ZoneInfo(zone or "Asia/Shanghai")
    at = (now + RETRY_AFTER).astimezone(tz)
    opens, closes = CALL_HOURS
    if at.time() >= closes:
        at = datetime.combine(at.date() + timedelta(days=1), time(10, 0), tzinfo=tz)
    elif at.time() < opens:
        at = datetime.combine(at.date(), time(10, 0), tzinfo=tz)
    return at


def _validate(reached, satisfaction, complaint, note: str) -> None:
    errors = []
    if not isinstance(reached, bool):
        errors.append({"field": "reached", "message": _("Say whether the customer was reached.")})
    if satisfaction is not None and (
        isinstance(satisfaction, bool) or not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5
    ):
        errors.append({"field": "satisfaction", "message": _("Satisfaction is a whole number from 1 to 5.")})
    elif reached is True and satisfaction is None:
        errors.append(
            {"field": "satisfaction", "message": _("Ask the customer how satisfied they are (1–5).")}
        )
    if reached is False and (satisfaction is not None or complaint):
        errors.append(
            {"field": "reached", "message": _("Satisfaction and complaints are recorded only when reached.")}
        )
    if complaint and not note:
        errors.append({"field": "note", "message": _("Write down the complaint in the customer's words.")})
    if len(note) > NOTE_MAX:
        errors.append({"field": "note", "message": _("At most %(n)s characters.") % {"n": NOTE_MAX}})
    if errors:
        raise invalid(errors)


def _open(tenant: Tenant, followup_id: int) -> FollowUp:
    f = get_scoped(FollowUp.objects.select_for_update(), tenant, pk=followup_id)
    if f.state != FollowUp.State.OPEN:
        raise Conflict(_("This follow-up is already closed."), state=f.state)
    return f


def followup_record(
    *, tenant: Tenant, followup_id: int, reached: bool, satisfaction: int | None = None, complaint: bool = False,
    note: str = "",
) -> FollowUp:  # fmt: skip
    """Record the outcome of a follow-up call. Not reached keeps it open for another attempt, due a
    few hours later; the third failed attempt closes it as unreachable. A complaint is flagged for
    the service manager (the queue's "complaints" filter)."""
    tenant.require(Perm.FOLLOWUP_WORK)
    note = (note or "").strip()
    _validate(reached, satisfaction, complaint, note)
    with transaction.atomic():
        f = _open(tenant, followup_id)
        if not f.consent:
            raise Conflict(
                _("The customer did not agree to be contacted: do not call. Close it without calling."),
                field="reached",
                state=f.state,
            )
        now = timezone.now()
        f.attempts += 1
        fields = ["attempts", "reached", "note"]
        if reached:
            f.state, f.reached, f.satisfaction, f.complaint = (
                FollowUp.State.DONE,
                True,
                satisfaction,
                complaint,
            )
            f.done_at, f.done_by = now, tenant.user
            fields += ["state", "satisfaction", "complaint", "done_at", "done_by"]
            summary = (
                _("After-service call: satisfaction %(s)d/5; complaint:")
                if complaint
                else _("After-service call: satisfaction %(s)d/5.")
            ) % {"s": satisfaction}
        else:
            f.reached = False
            if f.attempts >= MAX_ATTEMPTS:
                f.state, f.done_at, f.done_by = FollowUp.State.DONE, now, tenant.user
                fields += ["state", "done_at", "done_by"]
                summary = _("After-service call: not reached %(n)d times, closed as unreachable.") % {
                    "n": f.attempts
                }
            else:
                f.due_at = next_try(now, tenant.store.time_zone)
                fields.append("due_at")
                summary = _("After-service call: not reached.")
        f.note = "\n".join(x for x in (f.note, note) if x)
        f.save(update_fields=fields)
        kind = f.channel if f.channel in CustomerContact.Kind.values else CustomerContact.Kind.PHONE
        contact_log(tenant=tenant, customer_id=f.customer_id, kind=kind, summary=f"{summary} {note}".strip())
    return f


def followup_close(*, tenant: Tenant, followup_id: int, reason: str = "") -> FollowUp:
    """Close a follow-up without calling: the customer did not agree to be contacted (or it is no
    longer needed, with a reason)."""
    tenant.require(Perm.FOLLOWUP_WORK)
    reason = (reason or "").strip()
    with transaction.atomic():
        f = _open(tenant, followup_id)
        if f.consent and not reason:
            raise DomainError(_("Say why this follow-up is closed without a call."), field="reason")
        if len(reason) > NOTE_MAX:
            raise DomainError(_("At most %(n)s characters.") % {"n": NOTE_MAX}, field="reason")
        f.state, f.done_at, f.done_by = FollowUp.State.CANCELLED, timezone.now(), tenant.user
        f.note = "\n".join(
            x for x in (f.note, reason or _("Not called: the customer did not agree to be contacted.")) if x
        )
        f.save(update_fields=["state", "done_at", "done_by", "note"])
    return f
