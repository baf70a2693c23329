"""What the claims app adds to the workshop's pages and printed documents (dms.workshop.extensions)."""

from dms.core.roles import Perm
from dms.workshop.models import LineState, Payer, State

from . import selectors
from .models import InsuranceClaim, InsuranceState

SETTLED = (State.SETTLED, State.DELIVERED)


def _payers(order) -> set[str]:
    """The payers of the order's lines that count (the lines prefetched by the order's page)."""
    return {ln.payer for ln in order.lines.all() if ln.state != LineState.DECLINED}


def order_panel(tenant, order) -> dict | None:
    """The order page's card of claims: shown to those who work claims, on an order with lines paid
    by the warranty or an insurer."""
    if not (tenant.can(Perm.CLAIM_WORK) or tenant.can(Perm.CLAIM_MANAGE)):
        return None
    payers = _payers(order)
    if not payers & {Payer.WARRANTY, Payer.INSURER}:
        return None
    found = selectors.order_claims(tenant, order)
    return {
        "order_claims": {
            **found, "has_warranty": Payer.WARRANTY in payers, "has_insurer": Payer.INSURER in payers,
            "settled": order.state in SETTLED, "can_work": tenant.can(Perm.CLAIM_WORK),
        }
    }  # fmt: skip


def settlement_payer(order) -> dict | None:
    """The settlement list's payer line for the insurer: its name, the report and policy numbers.
    No query unless the order has lines paid by an insurer."""
    if Payer.INSURER not in _payers(order):
        return None
    claim = (
        InsuranceClaim.objects.filter(repair_order=order)
        .exclude(state=InsuranceState.CANCELLED)
        .select_related("insurer")
        .first()
    )
    if claim is None:
        return None
    return {
        "insurance_claim": {
            "insurer": claim.insurer.name, "claim_number": claim.claim_number, "policy_number": claim.policy_number,
            "assessed_amount": claim.assessed_amount,
        }
    }  # fmt: skip
