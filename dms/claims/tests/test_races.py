"""Two writers at once (PostgreSQL): an order's warranty lines go into one claim; one payment covers
an insurer's bill, not two."""

import pytest
from django.db import connection

from conftest import at_once
from dms.claims import insurance, warranty
from dms.claims.models import ClaimLine, InsurancePayment, WarrantyClaim
from dms.claims.tests.conftest import with_documents
from dms.core.errors import Conflict, DomainError

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once need PostgreSQL"),
]


def test_two_clerks_collecting_the_same_order_make_one_claim(tenant, manager_tenant, warranty_order):
    results = at_once([
        lambda: warranty.warranty_claim_create(tenant=tenant, repair_order_ids=[warranty_order.pk]),
        lambda: warranty.warranty_claim_create(tenant=manager_tenant, repair_order_ids=[warranty_order.pk]),
    ])  # fmt: skip

    assert sorted(type(r).__name__ for r in results) == ["Conflict", "WarrantyClaim"]
    assert WarrantyClaim.objects.count() == 1 and ClaimLine.objects.filter(active=True).count() == 2


def test_two_payments_of_the_whole_bill_at_once_record_one(tenant, manager_tenant, insurance_claim):
    with_documents(tenant, insurance_claim)
    insurance.insurance_claim_act(tenant=tenant, claim_id=insurance_claim.pk, action="submit")

    def pay():
        return insurance.insurance_payment_record(
            tenant=manager_tenant, claim_id=insurance_claim.pk, amount="450.00"
        )

    results = at_once([pay, pay])

    assert sum(isinstance(r, InsurancePayment) for r in results) == 1
    assert sum(isinstance(r, (Conflict, DomainError)) for r in results) == 1
    insurance_claim.refresh_from_db()
    assert insurance_claim.state == "paid" and InsurancePayment.objects.count() == 1
