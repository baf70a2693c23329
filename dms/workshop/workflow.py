"""The repair order's state machine, in one place.

One table of allowed transitions; one function that applies them: it locks the row, checks the
version, the transition and the permission, runs the step's own checks and effects, stamps the
time, saves with update_fields and writes the event (who, when, from, to, why). The UI's buttons
and the API's 409 answer both come from `allowed_actions`.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dms.core.errors import Conflict, Forbidden, stale_version
from dms.core.prepared import insert
from dms.core.roles import Perm
from dms.core.tenancy import Tenant, get_scoped

from .models import RepairOrder, RepairOrderEvent, State


@dataclass(frozen=True)
class Transition:
    action: str
    label: Promise
    sources: frozenset[str]
    target: str
    perm: str
    stamp: str | None = None


def _t(action, label, sources, target, perm, stamp=None) -> Transition:
    return Transition(action, label, frozenset(sources), target, perm, stamp)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("sign", gettext_lazy("Customer signs"), [State.DRAFT], State.SIGNED, Perm.RO_EDIT, "signed_at"),
        _t("dispatch", gettext_lazy("Dispatch"), [State.SIGNED, State.DISPATCHED], State.DISPATCHED, Perm.RO_DISPATCH, "dispatched_at"),
        _t("start", gettext_lazy("Start work"), [State.DISPATCHED], State.IN_PROGRESS, Perm.RO_WORK, "started_at"),
        _t("request-approval", gettext_lazy("Ask the customer to approve extra work"), [State.IN_PROGRESS], State.AWAITING_APPROVAL, Perm.RO_EDIT),
        _t("approve", gettext_lazy("Customer decided on extra work"), [State.AWAITING_APPROVAL], State.IN_PROGRESS, Perm.RO_EDIT),
        _t("finish", gettext_lazy("Finish work"), [State.IN_PROGRESS], State.FINISHED, Perm.RO_WORK, "finished_at"),
        _t("qc-pass", gettext_lazy("QC passed"), [State.FINISHED], State.READY, Perm.RO_QC, "qc_passed_at"),
        _t("qc-fail", gettext_lazy("QC failed: back to the technician"), [State.FINISHED], State.IN_PROGRESS, Perm.RO_QC),
        _t("settle", gettext_lazy("Settle"), [State.READY], State.SETTLED, Perm.RO_SETTLE, "settled_at"),
        _t("deliver", gettext_lazy("Deliver to the customer"), [State.SETTLED], State.DELIVERED, Perm.RO_EDIT, "delivered_at"),
        _t(
            "cancel", gettext_lazy("Cancel"), [State.DRAFT, State.SIGNED, State.DISPATCHED, State.IN_PROGRESS, State.AWAITING_APPROVAL],
            State.CANCELLED, Perm.RO_EDIT, "cancelled_at",
        ),
    ]
}  # fmt: skip


def allowed_actions(order: RepairOrder, tenant: Tenant | None = None) -> list[str]:
    """Actions possible in the order's state (and, given a tenant, that its role may take)."""
    return [
        t.action
        for t in TRANSITIONS.values()
        if order.state in t.sources and (tenant is None or tenant.can(t.perm))
    ]


def not_allowed(order: RepairOrder, action: str) -> Conflict:
    return Conflict(
        _("“%(action)s” is not possible while the order is “%(state)s”.")
        % {"action": action, "state": order.get_state_display()},
        state=order.state,
        allowed_actions=allowed_actions(order),
    )


Effect = Callable[[RepairOrder], dict | None]


def apply(
    *, tenant: Tenant, order_id: int, action: str, version: int | None = None, reason: str = "",
    effect: Effect | None = None, data: dict | None = None,
) -> RepairOrder:  # fmt: skip
    """Take `action` on the order. `effect` runs inside the lock, before the state changes, and
    may raise DomainError to refuse; what it returns is kept on the event."""
    transition = TRANSITIONS.get(action)
    with transaction.atomic():
        order = get_scoped(RepairOrder.objects.select_for_update(), tenant, pk=order_id)
        if transition is None or order.state not in transition.sources:
            raise not_allowed(order, action)
        if version is not None and version != order.version:
            raise stale_version(order.version)
        if not tenant.can(transition.perm):
            raise Forbidden(_("Your role does not allow “%(action)s”.") % {"action": transition.label})
        source = order.state
        extra = (effect(order) if effect else None) or {}
        now = timezone.now()
        order.state = transition.target
        order.version += 1
        fields = ["state", "version", "updated_at"]
        if transition.stamp:
            setattr(order, transition.stamp, now)
            fields.append(transition.stamp)
        order.save(update_fields=list(dict.fromkeys(fields + extra.pop("_fields", []))))
        RepairOrderEvent.objects.create(
            order=order, at=now, by=tenant.user, action=action, from_state=source, to_state=order.state,
            reason=reason[:300], data={**(data or {}), **extra},
        )  # fmt: skip
    return order


def record(
    order: RepairOrder, tenant: Tenant, action: str, *, reason: str = "", data: dict | None = None
) -> None:
    """An event that is not a transition (a line added, a finding, a payment)."""
    insert(RepairOrderEvent(
        order=order, at=timezone.now(), by=tenant.user, action=action, from_state=order.state,
        to_state=order.state, reason=reason[:300], data=data or {},
    ))  # fmt: skip
