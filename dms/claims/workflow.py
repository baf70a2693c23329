"""The claims' steps, each in one table (dms.core.workflow).

Warranty claim (索赔单):

    draft ─submit─▶ submitted ─approve─────────▶ approved ────────┐
      │                       ─partly-approve──▶ partly_approved ─┴─pay─▶ paid
      │                       ─reject──────────▶ rejected
      └─cancel─▶ cancelled (its lines may be claimed again)

`submit` needs a fault code for every line, a tag on every old part and at least one photo;
`partly-approve` and `reject` need the maker's reason. The maker decides; the claims clerk's
manager records it (claim.manage), and the money the maker paid (`pay`).

Insurance claim (理赔):

    open ─submit─▶ submitted ─pay─▶ paid      (pay: taken when the insurer's payments cover the bill)
    open ─cancel─▶ cancelled

`submit` needs the order settled, the assessor's amount, every document the insurer asks for, and
the insurer's share within the assessed amount. Every step publishes `<record>.<event>`.
"""

from django.utils.translation import gettext_lazy

from dms.core.roles import Perm
from dms.core.workflow import Transition, Workflow

from .models import ClaimEvent, ClaimState, InsuranceClaim, InsuranceEvent, InsuranceState, WarrantyClaim

S = ClaimState
I = InsuranceState  # noqa: E741


def _claim_history(claim, *, action, from_state, to_state, actor, at, reason, data) -> None:
    ClaimEvent.objects.create(
        claim=claim, at=at, by=actor, action=action, from_state=from_state, to_state=to_state,
        reason=reason[:300], data=data,
    )  # fmt: skip


WARRANTY = Workflow(
    model=WarrantyClaim,
    transitions=[
        Transition("submit", [S.DRAFT], S.SUBMITTED, event="submitted", perm=Perm.CLAIM_WORK,
                   stamp="submitted_at", label=gettext_lazy("Submit to the maker"),
                   done=gettext_lazy("Submitted to the maker")),
        Transition("approve", [S.SUBMITTED], S.APPROVED, event="approved", perm=Perm.CLAIM_MANAGE,
                   stamp="decided_at", label=gettext_lazy("Approved by the maker"),
                   done=gettext_lazy("Approved by the maker")),
        Transition("partly-approve", [S.SUBMITTED], S.PARTLY_APPROVED, event="partly_approved",
                   perm=Perm.CLAIM_MANAGE, stamp="decided_at", label=gettext_lazy("Partly approved by the maker"),
                   done=gettext_lazy("Partly approved by the maker"),
                   needs_reason=gettext_lazy("Give the maker's reason for the cut.")),
        Transition("reject", [S.SUBMITTED], S.REJECTED, event="rejected", perm=Perm.CLAIM_MANAGE,
                   stamp="decided_at", label=gettext_lazy("Rejected by the maker"), done=gettext_lazy("Rejected by the maker"),
                   needs_reason=gettext_lazy("Give the maker's reason for the rejection.")),
        Transition("pay", [S.APPROVED, S.PARTLY_APPROVED], S.PAID, event="paid", perm=Perm.CLAIM_MANAGE,
                   stamp="paid_at", label=gettext_lazy("Reimbursed by the maker"), done=gettext_lazy("Reimbursed by the maker")),
        Transition("cancel", [S.DRAFT], S.CANCELLED, event="cancelled", perm=Perm.CLAIM_WORK,
                   stamp="cancelled_at", label=gettext_lazy("Cancel the claim"), done=gettext_lazy("Cancelled"),
                   needs_reason=gettext_lazy("Say why the claim is cancelled.")),
    ],
    history=_claim_history,
    not_allowed_message=gettext_lazy("“%(action)s” is not possible while the claim is “%(state)s”."),
    describe=lambda c: {
        "number": c.number, "brand": c.brand.name, "claimed_total": f"{c.claimed_total:.2f}",
        "approved_total": None if c.approved_total is None else f"{c.approved_total:.2f}",
        "paid_total": None if c.paid_total is None else f"{c.paid_total:.2f}",
    },
)  # fmt: skip

WARRANTY_ACTIONS = tuple(WARRANTY.table)


def _insurance_history(claim, *, action, from_state, to_state, actor, at, reason, data) -> None:
    InsuranceEvent.objects.create(
        claim=claim, at=at, by=actor, action=action, from_state=from_state, to_state=to_state,
        reason=reason[:300], data=data,
    )  # fmt: skip


INSURANCE = Workflow(
    model=InsuranceClaim,
    transitions=[
        Transition("submit", [I.OPEN], I.SUBMITTED, event="submitted", perm=Perm.CLAIM_WORK, stamp="submitted_at",
                   label=gettext_lazy("Bill the insurer"), done=gettext_lazy("Billed to the insurer")),
        Transition("pay", [I.SUBMITTED], I.PAID, event="paid", perm=Perm.CLAIM_MANAGE, stamp="paid_at",
                   label=gettext_lazy("Paid in full"), done=gettext_lazy("Paid in full")),
        Transition("cancel", [I.OPEN], I.CANCELLED, event="cancelled", perm=Perm.CLAIM_WORK,
                   stamp="cancelled_at", label=gettext_lazy("Cancel"), done=gettext_lazy("Cancelled"),
                   needs_reason=gettext_lazy("Say why the insurance claim is cancelled.")),
    ],
    history=_insurance_history,
    not_allowed_message=gettext_lazy("“%(action)s” is not possible while the insurance claim is “%(state)s”."),
    describe=lambda c: {
        "number": c.number, "repair_order_id": c.repair_order_id, "insurer": c.insurer.name,
        "claim_number": c.claim_number, "billed_amount": f"{c.billed_amount:.2f}",
        "paid_total": f"{c.paid_total:.2f}",
    },
)  # fmt: skip

# The actions a client takes by POST …/actions/{action}; an insurance claim's `pay` is taken by the
# payment that covers the bill (POST …/payments), not on its own.
INSURANCE_ACTIONS = ("submit", "cancel")
