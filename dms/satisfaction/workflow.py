"""The complaint case's steps, in one table (dms.core.workflow).

    open ─acknowledge─▶ acknowledged ─resolve─▶ resolved ─close─▶ closed
    open, acknowledged ─escalate─▶ escalated ─resolve─▶ resolved
    resolved, closed ─reopen─▶ open (new deadlines)

`escalate` is taken by a person (the case needs the manager) or by the worker when a deadline
has passed (tasks.py); either way the store's service manager becomes the owner. `resolve` needs
the root cause and the resolution; `close` needs how the customer confirmed the resolution;
`reopen` needs why. Every step publishes `complaint.<event>`.
"""

from django.utils.translation import gettext_lazy

from dms.core.roles import Perm
from dms.core.workflow import Transition, Workflow

from .models import CaseState, Complaint, ComplaintEvent

S = CaseState


def _history(case, *, action, from_state, to_state, actor, at, reason, data) -> None:
    ComplaintEvent.objects.create(
        complaint=case, at=at, by=actor, action=action, from_state=from_state, to_state=to_state,
        reason=reason[:300], data=data,
    )  # fmt: skip


CASE = Workflow(
    model=Complaint,
    transitions=[
        Transition("acknowledge", [S.OPEN], S.ACKNOWLEDGED, event="acknowledged", perm=Perm.COMPLAINT_WORK,
                   stamp="acknowledged_at", label=gettext_lazy("Acknowledge"),
                   done=gettext_lazy("Acknowledged")),
        Transition("escalate", [S.OPEN, S.ACKNOWLEDGED], S.ESCALATED, event="escalated",
                   perm=Perm.COMPLAINT_WORK, stamp="escalated_at", label=gettext_lazy("Escalate to the manager"),
                   done=gettext_lazy("Escalated")),
        Transition("resolve", [S.OPEN, S.ACKNOWLEDGED, S.ESCALATED], S.RESOLVED, event="resolved",
                   perm=Perm.COMPLAINT_WORK, stamp="resolved_at", label=gettext_lazy("Resolve"),
                   done=gettext_lazy("Resolved")),
        Transition("close", [S.RESOLVED], S.CLOSED, event="closed", perm=Perm.COMPLAINT_WORK,
                   stamp="closed_at", label=gettext_lazy("Close: the customer confirmed"),
                   done=gettext_lazy("Closed"),
                   needs_reason=gettext_lazy("Say how the customer confirmed the resolution.")),
        Transition("reopen", [S.RESOLVED, S.CLOSED], S.OPEN, event="reopened", perm=Perm.COMPLAINT_WORK,
                   stamp="reopened_at", label=gettext_lazy("Reopen"), done=gettext_lazy("Reopened"),
                   needs_reason=gettext_lazy("Say why the case is reopened.")),
    ],
    history=_history,
    not_allowed_message=gettext_lazy("“%(action)s” is not possible while the case is “%(state)s”."),
    describe=lambda case: {
        "number": case.number, "severity": case.severity, "category": case.category,
        "customer_id": case.customer_id, "owner_id": case.owner_id,
    },
)  # fmt: skip

ACTIONS = tuple(CASE.table)
