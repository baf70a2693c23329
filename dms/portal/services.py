"""Writes of the portal: the customer's decision on their link, sending a link again, and a new
promised time told to the customer."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import Conflict, DomainError, NotFound, stale_version
from dms.core.roles import Perm
from dms.core.tenancy import Tenant, get_scoped
from dms.workshop import services as workshop
from dms.workshop import workflow
from dms.workshop.models import OPEN_STATES, LineState, RepairOrder, State

from . import notify, selectors
from .models import OutboundMessage, PromiseChange

LINK_KINDS = ("status", "approval")


def customer_decide(
    *, order_id: int, decisions: dict[int, str], version: int | None, ip: str = ""
) -> RepairOrder:
    """The customer's decision on the extra work, from the approval page of their signed link:
    each item proposed now must be agreed or declined. Recorded by the workshop's own step (method
    "link", no staff user). A stale page or a decision already taken answers Conflict (409)."""
    order = selectors.order_for_link(order_id)
    if order is None:
        raise NotFound()
    if order.state == State.AWAITING_APPROVAL:  # otherwise the step itself answers 409
        if version is not None and version != order.version:
            raise stale_version(order.version)
        proposed = {ln.pk for ln in order.lines.all() if ln.state == LineState.PROPOSED}
        if proposed - set(decisions) or any(v not in ("approve", "decline") for v in decisions.values()):
            raise DomainError(_("Please agree to or decline each item."), field="decisions")
    return workshop.order_approve(
        order_id=order_id, method="link", decisions=decisions, version=version, by_customer=True,
        customer_ip=ip[:45],
    )  # fmt: skip


def link_send(*, tenant: Tenant, order_id: int, kind: str) -> OutboundMessage:
    """The SA texts the customer their progress link (again), or the approval link while extra
    work awaits their decision."""
    tenant.require(Perm.RO_EDIT)
    order = get_scoped(
        RepairOrder.objects.select_related("store", "customer", "vehicle"), tenant, pk=order_id
    )
    if kind not in LINK_KINDS:
        raise DomainError(_("Choose one of: %(v)s.") % {"v": ", ".join(LINK_KINDS)}, field="kind")
    if order.state not in OPEN_STATES:
        raise Conflict(
            _("The order is “%(s)s”: there is nothing to tell the customer by link.")
            % {"s": order.get_state_display()},
            state=order.state,
        )
    if kind == "approval":
        if order.state != State.AWAITING_APPROVAL:
            raise Conflict(
                _("No extra work awaits the customer's decision: ask for approval first."), state=order.state
            )
        message = notify.notify_approval_requested(order, by=tenant.user)
    else:
        message = notify.notify_status_link(order, by=tenant.user, again=True)
    if message is None:
        raise DomainError(_("The customer has no valid mobile number to text."), field="mobile")
    return message


def order_delay_announce(
    *, tenant: Tenant, order_id: int, new_promised_at: datetime, reason: str
) -> PromiseChange:
    """A new promised completion time, told to the customer before the old one is missed: kept as
    a PromiseChange and an event on the order ("delay"), and texted to the customer once the
    transaction commits."""
    tenant.require(Perm.RO_EDIT)
    reason = (reason or "").strip()
    with transaction.atomic():
        order = get_scoped(
            RepairOrder.objects.select_for_update().select_related("store", "customer", "vehicle"),
            tenant, pk=order_id,
        )  # fmt: skip
        if order.state not in selectors.NOT_READY:
            raise Conflict(
                _("The car is “%(s)s”: no promise left to move.") % {"s": order.get_state_display()},
                state=order.state,
            )
        errors = []
        now = timezone.now()
        if new_promised_at is None or timezone.is_naive(new_promised_at):
            errors.append({"field": "new_promised_at", "message": _("Enter the new date and time.")})
        elif new_promised_at <= now:
            errors.append(
                {"field": "new_promised_at", "message": _("The promised time must be in the future.")}
            )
        previous = selectors.current_promise(order)
        if not errors and previous is not None and new_promised_at == previous:
            errors.append({"field": "new_promised_at", "message": _("That is the time already promised.")})
        if not reason:
            errors.append({"field": "reason", "message": _("Say why, in words the customer understands.")})
        elif len(reason) > 200:
            errors.append({"field": "reason", "message": _("At most %(n)s characters.") % {"n": 200}})
        if errors:
            from dms.core.validation import invalid

            raise invalid(errors)
        change = PromiseChange.objects.create(
            store=order.store, order=order, previous_at=previous, promised_at=new_promised_at, reason=reason,
            at=now, by=tenant.user,
        )  # fmt: skip
        # The order itself carries the promise in force (boards, lists, the late flag read it); the
        # PromiseChange rows keep the history of what was promised when.
        order.promised_at = new_promised_at
        order.version += 1
        order.save(update_fields=["promised_at", "version", "updated_at"])
        workflow.record(order, tenant, "delay", reason=reason, data={
            "previous": previous.isoformat() if previous else None, "promised_at": new_promised_at.isoformat(),
        })  # fmt: skip
        by = tenant.user
        transaction.on_commit(lambda: notify.notify_delay(order, new_promised_at, reason=reason, by=by))
    return change
