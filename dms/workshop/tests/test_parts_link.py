"""Parts go to real repair orders of the store: an unknown or foreign order is refused, and the
stock moves carry the order's number."""

import pytest

from dms.core.errors import DomainError
from dms.parts.models import StockMove
from dms.parts.services import part_issue
from dms.workshop.services import repair_order_create


@pytest.fixture
def order(people, vehicle):
    return repair_order_create(tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15000, complaint="保养")


@pytest.mark.django_db
def test_parts_are_issued_to_an_order_of_the_store_under_its_number(order, people, oil_filter):
    move = part_issue(tenant=people["clerk"], part_id=oil_filter.pk, quantity=1, for_id=order.pk)

    assert move.reference == order.number
    assert StockMove.objects.filter(kind="issue", for_id=order.pk).count() == 1


@pytest.mark.django_db
def test_an_order_that_does_not_exist_gets_no_parts(people, oil_filter):
    with pytest.raises(DomainError) as refused:
        part_issue(tenant=people["clerk"], part_id=oil_filter.pk, quantity=1, for_id=7_000_000_001)

    assert refused.value.field == "for_id"
    assert not StockMove.objects.filter(kind="issue").exists()
