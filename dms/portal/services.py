"""Writes of the portal: the customer's decision on their link, sending a link again, a new
promised time told to the customer, and the warnings of the promise sweep."""

import logging
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import Conflict, DomainError, NotFound, stale_version
from dms.core.models import Store
from dms.core.roles import Perm
from dms.core.tenancy import Tenant, get_scoped
from dms.workshop import services as workshop
from dms.workshop import workflow
from dms.workshop.models import OPEN_STATES, LineState, RepairOrder, State

from . import notify, selectors
from .models import PromiseChange, PromiseWarning

log = logging.getLogger(__name__)
LINK_KINDS = ("status", "approval")


def customer_decide(
    *, order_id: int, approval_round: int, decisions: dict[int, str], version: int | None, ip: str = ""
) -> RepairOrder:
    """The customer's decision on the extra work, from the approval page of their signed link:
    each item proposed now must be agreed or declined. Recorded by the workshop's own step (method
    "link", no staff user) for the approval round the link was signed for. A link of an earlier
    round answers Conflict on "approval_round"; a stale page or a decision already taken, Conflict
    (409)."""
    order = selectors.order_for_link(order_id)
    if order is None:
        raise NotFound()
    if order.approval_round != approval_round:  # the step checks it again under the order's lock
        raise Conflict(workshop.LINK_OUT_OF_DATE, field="approval_round", current_round=order.approval_round)
    if order.state == State.AWAITING_APPROVAL:  # otherwise the step itself answers 409
        if version is not None and version != order.version:
            raise stale_version(order.version)
        proposed = {ln.pk for ln in order.lines.all() if ln.state == LineState.PROPOSED}
        if proposed - set(decisions) or any(v not in ("approve", "decline") for v in decisions.values()):
            raise DomainError(_("Please agree to or decline each item."), field="decisions")
    return workshop.order_approve(
        order_id=order_id, method="link", decisions=decisions, version=version, by_customer=True,
        customer_ip=ip[:45], approval_round=approval_round,
    )  # fmt: skip


def link_send(*, tenant: Tenant, order_id: int, kind: str):
    """The SA texts the customer their progress link (again), or the approval link while extra
    work awaits their decision: a message queued on messaging's outbox (returned)."""
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
    if kind == "approval" and order.state != State.AWAITING_APPROVAL:
        raise Conflict(
            _("No extra work awaits the customer's decision: ask for approval first."), state=order.state
        )
    with transaction.atomic():
        if kind == "approval":
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
    a PromiseChange and an event on the order ("delay"), and a text to the customer queued on
    messaging's outbox in the same transaction (sent by the outbox worker once it commits)."""
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
        notify.notify_delay(
            order, new_promised_at, reason=reason, by=tenant.user, key=f"delay:{order.pk}:{change.pk}"
        )
    return change


# --- The promise sweep (background, every few minutes: tasks.promise_sweep) -------------------------


def promise_warning_raise(*, order_id: int, promised_at: datetime) -> PromiseWarning | None:
    """Warn the order's advisor that `promised_at` is at risk and text the customer, once per
    promise. Background work for every store, so no user and no tenant. None when this promise was
    warned of already (by this or another worker), the car is ready, or the promise moved meanwhile.
    The text is queued on messaging's outbox with the warning (one transaction); the outbox worker
    sends it, and a failure to queue it keeps the warning."""
    with transaction.atomic():
        # The order's lock orders two sweeps on one order: the second finds the first's warning.
        order = RepairOrder.objects.select_for_update().filter(pk=order_id).first()
        if order is None or order.state not in selectors.NOT_READY:
            return None
        if selectors.current_promise(order) != promised_at:
            return None
        warning, created = PromiseWarning.objects.get_or_create(
            order=order, promised_at=promised_at,
            defaults={"store_id": order.store_id, "advisor_id": order.advisor_id, "at": timezone.now()},
        )  # fmt: skip
        if not created:
            return None
        _tell_customer(warning)
    return warning


def _tell_customer(warning: PromiseWarning) -> None:
    try:
        with transaction.atomic():  # a savepoint: a text that cannot be queued keeps the warning
            order = RepairOrder.objects.select_related("store", "customer", "vehicle").get(
                pk=warning.order_id
            )
            message = notify.notify_promise_at_risk(order, warning.promised_at)
            if message is not None:
                warning.message = message
                PromiseWarning.objects.filter(pk=warning.pk).update(message=message)
    except Exception:  # the advisor is warned all the same; the text is theirs to make now
        log.exception("Could not text the customer of order %s about the promise at risk", warning.order_id)


def promises_sweep(*, now: datetime | None = None) -> int:
    """Every store's promises at risk not warned of yet (selectors.promises_to_warn), each warned
    once (promise_warning_raise). Returns how many were warned."""
    now = now or timezone.now()
    warned = 0
    for store in Store.objects.order_by("pk"):
        for order in selectors.promises_to_warn(store, now):
            try:
                if promise_warning_raise(order_id=order.pk, promised_at=order.promise) is not None:
                    warned += 1
            except Exception:  # one order's trouble does not stop the others' warnings
                log.exception("Could not warn of the promise at risk of order %s", order.pk)
    return warned
