"""The sales records' state machines, on the workflow kit (dms.core.workflow).

    Lead:        new ─contact/grade─▶ following ─lose─▶ lost_pending ─confirm-lost─▶ lost
                 lost_pending/lost ─reopen─▶ following;  new/following ─win─▶ won (an order)
    TestDrive:   driving ─finish─▶ finished
    Quotation:   pending_approval ─approve─▶ approved | ─decline─▶ declined
    SalesOrder:  open ─allocate─▶ open ─invoice─▶ open ─deliver─▶ delivered;  open ─cancel─▶ cancelled

Each step locks the row, checks state, version and permission, stamps, writes a SalesHistory row
and publishes one event `<record>.<past tense>` in the same transaction.
"""

from django.utils.translation import gettext_lazy

from dms.core.roles import Perm
from dms.core.workflow import Transition, Workflow

from .models import Lead, Quotation, SalesHistory, SalesOrder, TestDrive


def _history(subject: str):
    def write(record, *, action, from_state, to_state, actor, at, reason, data) -> None:
        SalesHistory.objects.create(
            store_id=record.store_id, subject=subject, subject_id=record.pk, at=at, by=actor, action=action,
            from_state=from_state, to_state=to_state, reason=reason[:300],
            data={k: v for k, v in data.items() if isinstance(v, (str, int, float, bool, type(None)))},
        )  # fmt: skip

    return write


def history(
    record, subject: str, *, actor, action: str, at, reason: str = "", data: dict | None = None
) -> None:
    """A timeline row that is not a transition (a lead created, a payment)."""
    state = getattr(record, "state", "")
    _history(subject)(
        record,
        action=action,
        from_state=state,
        to_state=state,
        actor=actor,
        at=at,
        reason=reason,
        data=data or {},
    )


L = Lead.State
_OPEN = [L.NEW, L.FOLLOWING]

LEAD = Workflow(
    model=Lead,
    transitions=[
        Transition("contact", _OPEN, L.FOLLOWING, event="contacted", perm=Perm.LEAD_WORK,
                   stamp="last_contact_at", label=gettext_lazy("Record a contact")),
        Transition("grade", _OPEN, L.FOLLOWING, event="graded", perm=Perm.LEAD_WORK,
                   label=gettext_lazy("Grade")),
        Transition("lose", _OPEN, L.LOST_PENDING, event="lose_requested", perm=Perm.LEAD_WORK,
                   label=gettext_lazy("Mark as lost"),
                   needs_reason=gettext_lazy("Say why the prospect is lost.")),
        Transition("confirm-lost", [L.LOST_PENDING], L.LOST, event="lost", perm=Perm.LEAD_ASSIGN,
                   stamp="lost_at", label=gettext_lazy("Confirm lost")),
        Transition("reopen", [L.LOST_PENDING, L.LOST], L.FOLLOWING, event="reopened", perm=Perm.LEAD_WORK,
                   label=gettext_lazy("Reopen")),
        Transition("win", _OPEN, L.WON, event="won", perm=Perm.SALES_ORDER, stamp="won_at",
                   label=gettext_lazy("Ordered")),
    ],
    history=_history("lead"),
    not_allowed_message=gettext_lazy("“%(action)s” is not possible while the prospect is “%(state)s”."),
    describe=lambda lead: {"lead_id": lead.pk, "source": lead.source, "grade": lead.grade,
                           "customer_id": lead.customer_id, "assigned_to": lead.assigned_to_id},
)  # fmt: skip

TEST_DRIVE = Workflow(
    model=TestDrive,
    transitions=[
        Transition("finish", [TestDrive.State.DRIVING], TestDrive.State.FINISHED, event="finished",
                   perm=Perm.LEAD_WORK, stamp="finished_at", label=gettext_lazy("Finish the test drive")),
    ],
    history=_history("test_drive"),
    not_allowed_message=gettext_lazy("“%(action)s” is not possible while the test drive is “%(state)s”."),
    describe=lambda td: {"test_drive_id": td.pk, "lead_id": td.lead_id, "model": td.model},
    updated_field="updated_at",
)  # fmt: skip

Q = Quotation.State
QUOTATION = Workflow(
    model=Quotation,
    transitions=[
        Transition("approve", [Q.PENDING_APPROVAL], Q.APPROVED, event="approved", perm=Perm.SALES_APPROVE,
                   stamp="decided_at", label=gettext_lazy("Approve the discount")),
        Transition("decline", [Q.PENDING_APPROVAL], Q.DECLINED, event="declined", perm=Perm.SALES_APPROVE,
                   stamp="decided_at", label=gettext_lazy("Decline the discount"),
                   needs_reason=gettext_lazy("Say why the discount is declined.")),
    ],
    history=_history("quotation"),
    not_allowed_message=gettext_lazy("“%(action)s” is not possible while the quotation is “%(state)s”."),
    describe=lambda q: {"quotation_id": q.pk, "lead_id": q.lead_id, "discount": str(q.discount)},
)  # fmt: skip

OS = SalesOrder.State


def _deliverable(order, now) -> bool:
    return bool(order.stock_vehicle_id and order.invoice_number)


ORDER = Workflow(
    model=SalesOrder,
    transitions=[
        Transition("allocate", [OS.OPEN], OS.OPEN, event="allocated", perm=Perm.SALES_ORDER,
                   stamp="allocated_at", label=gettext_lazy("Allocate a VIN")),
        Transition("invoice", [OS.OPEN], OS.OPEN, event="invoiced", perm=Perm.SALES_PAYMENT,
                   stamp="invoiced_at", label=gettext_lazy("Record the invoice")),
        Transition("deliver", [OS.OPEN], OS.DELIVERED, event="delivered", perm=Perm.SALES_ORDER,
                   stamp="delivered_at", label=gettext_lazy("Deliver"), when=_deliverable,
                   when_refusal=gettext_lazy("Allocate a VIN and record the invoice before the delivery.")),
        Transition("cancel", [OS.OPEN], OS.CANCELLED, event="cancelled", perm=Perm.SALES_ORDER,
                   stamp="cancelled_at", label=gettext_lazy("Cancel the order"),
                   needs_reason=gettext_lazy("Say why the order is cancelled.")),
    ],
    history=_history("sales_order"),
    not_allowed_message=gettext_lazy("“%(action)s” is not possible while the order is “%(state)s”."),
    describe=lambda o: {"sales_order_id": o.pk, "number": o.number},
)  # fmt: skip
