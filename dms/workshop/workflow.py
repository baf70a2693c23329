"""The repair order's state machine, in one place, on the workflow kit (dms.core.workflow).

One table of allowed steps; `apply` locks the row, checks the state, the version, the permission
(and the reason where one is needed), runs the step's own checks and effects, stamps the time,
saves with update_fields, writes the order's history row (RepairOrderEvent: who, when, from, to,
why) and publishes one core event, `repair_order.<past tense>`, in the same transaction. The UI's
buttons and the API's 409 answer both come from `allowed_actions`.

    draft ─sign─▶ signed ─dispatch─▶ dispatched ─start─▶ in_progress ─finish─▶ finished
    in_progress ─request-approval─▶ awaiting_approval ─approve─▶ in_progress
    finished ─qc-pass─▶ ready ─settle─▶ settled ─deliver─▶ delivered
    finished ─qc-fail─▶ in_progress;  draft … awaiting_approval ─cancel─▶ cancelled
    draft ─confirm-comeback / overrule-comeback─▶ draft  (the advisor's decision, before signing)
"""

from django.utils import timezone
from django.utils.translation import gettext_lazy

from dms.core.errors import Conflict
from dms.core.roles import Perm
from dms.core.tenancy import Tenant
from dms.core.workflow import Effect, Transition, Workflow

from .models import ComebackStatus, RepairOrder, RepairOrderEvent, State

_CANCELLABLE = [State.DRAFT, State.SIGNED, State.DISPATCHED, State.IN_PROGRESS, State.AWAITING_APPROVAL]


def _history(order, *, action, from_state, to_state, actor, at, reason, data) -> None:
    RepairOrderEvent.objects.create(
        order=order, at=at, by=actor, action=action, from_state=from_state, to_state=to_state,
        reason=reason[:300], data=data,
    )  # fmt: skip


ORDER = Workflow(
    model=RepairOrder,
    transitions=[
        Transition("sign", [State.DRAFT], State.SIGNED, event="signed", perm=Perm.RO_EDIT, stamp="signed_at",
                   label=gettext_lazy("Customer signs")),
        Transition("dispatch", [State.SIGNED, State.DISPATCHED], State.DISPATCHED, event="dispatched",
                   perm=Perm.RO_DISPATCH, stamp="dispatched_at", label=gettext_lazy("Dispatch")),
        Transition("start", [State.DISPATCHED], State.IN_PROGRESS, event="started", perm=Perm.RO_WORK,
                   stamp="started_at", label=gettext_lazy("Start work")),
        Transition("request-approval", [State.IN_PROGRESS], State.AWAITING_APPROVAL, event="approval_requested",
                   perm=Perm.RO_EDIT, label=gettext_lazy("Ask the customer to approve extra work")),
        Transition("approve", [State.AWAITING_APPROVAL], State.IN_PROGRESS, event="approved", perm=Perm.RO_EDIT,
                   label=gettext_lazy("Customer decided on extra work")),
        Transition("finish", [State.IN_PROGRESS], State.FINISHED, event="finished", perm=Perm.RO_WORK,
                   stamp="finished_at", label=gettext_lazy("Finish work")),
        Transition("qc-pass", [State.FINISHED], State.READY, event="qc_passed", perm=Perm.RO_QC,
                   stamp="qc_passed_at", label=gettext_lazy("QC passed")),
        Transition("qc-fail", [State.FINISHED], State.IN_PROGRESS, event="qc_failed", perm=Perm.RO_QC,
                   label=gettext_lazy("QC failed: back to the technician"),
                   needs_reason=gettext_lazy("Say what failed the inspection.")),
        Transition("settle", [State.READY], State.SETTLED, event="settled", perm=Perm.RO_SETTLE,
                   stamp="settled_at", label=gettext_lazy("Settle")),
        Transition("deliver", [State.SETTLED], State.DELIVERED, event="delivered", perm=Perm.RO_EDIT,
                   stamp="delivered_at", label=gettext_lazy("Deliver to the customer")),
        # The comeback decision is the advisor's, with a reason, before the customer signs (who pays
        # is on the estimate the customer signs): dms/workshop/comebacks.py.
        Transition("confirm-comeback", [State.DRAFT], State.DRAFT, event="comeback_confirmed", perm=Perm.RO_EDIT,
                   label=gettext_lazy("Confirm the comeback (返修): the store pays"),
                   when=lambda o, now: o.comeback_status != ComebackStatus.CONFIRMED,
                   when_refusal=gettext_lazy("The comeback is confirmed already."),
                   needs_reason=gettext_lazy("Say why this is a comeback of the earlier repair.")),
        Transition("overrule-comeback", [State.DRAFT], State.DRAFT, event="comeback_overruled", perm=Perm.RO_EDIT,
                   label=gettext_lazy("Not a comeback"),
                   when=lambda o, now: o.comeback_status in (ComebackStatus.SUSPECTED, ComebackStatus.CONFIRMED),
                   when_refusal=gettext_lazy("There is no comeback to overrule on this order."),
                   needs_reason=gettext_lazy("Say why this is not a comeback.")),
        Transition("cancel", _CANCELLABLE, State.CANCELLED, event="cancelled", perm=Perm.RO_EDIT,
                   stamp="cancelled_at", label=gettext_lazy("Cancel"),
                   needs_reason=gettext_lazy("Say why the order is cancelled.")),
    ],
    history=_history,
    not_allowed_message=gettext_lazy("“%(action)s” is not possible while the order is “%(state)s”."),
    describe=lambda order: {"number": order.number},
    private=("ip",),  # the customer's address, when they decided on their link: history only
)  # fmt: skip

TRANSITIONS: dict[str, Transition] = ORDER.table


def allowed_actions(order: RepairOrder, tenant: Tenant | None = None) -> list[str]:
    """Actions possible in the order's state (and, given a tenant, that its role may take)."""
    return ORDER.allowed_actions(order, tenant)


def not_allowed(order: RepairOrder, action: str) -> Conflict:
    return ORDER.not_allowed(order, action)


def apply(
    *, tenant: Tenant, order_id: int, action: str, version: int | None = None, reason: str = "",
    effect: Effect | None = None, data: dict | None = None,
) -> RepairOrder:  # fmt: skip
    """Take `action` on the order. `effect` runs inside the lock, before the state changes, and
    may raise DomainError to refuse; what it returns is kept on the history and the event."""
    return ORDER.apply(
        tenant=tenant, pk=order_id, action=action, version=version, reason=reason, effect=effect, data=data
    )


def record(
    order: RepairOrder, tenant: Tenant, action: str, *, reason: str = "", data: dict | None = None
) -> None:
    """A history row that is not a transition (a line added, a finding, a payment)."""
    RepairOrderEvent.objects.create(
        order=order, at=timezone.now(), by=tenant.user, action=action, from_state=order.state,
        to_state=order.state, reason=reason[:300], data=data or {},
    )  # fmt: skip
