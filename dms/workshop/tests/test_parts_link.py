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


@pytest.mark.django_db
def test_the_clerk_issues_a_part_line_once_and_no_more_than_it_asks(order, people, oil_filter):
    from dms.core.errors import DomainError as Refused
    from dms.parts.models import StockLevel
    from dms.workshop.services import line_add, line_issue_parts, order_sign

    line = line_add(tenant=people["sa"], order_id=order.pk, kind="part", part_id=oil_filter.pk, quantity="2")
    order_sign(tenant=people["sa"], order_id=order.pk)

    line_issue_parts(tenant=people["clerk"], order_id=order.pk, line_id=line.pk)
    with pytest.raises(Refused):
        line_issue_parts(tenant=people["clerk"], order_id=order.pk, line_id=line.pk, quantity="1")

    line.refresh_from_db()
    assert line.issued_quantity == 2
    level = StockLevel.objects.get(part=oil_filter, store=order.store)
    assert (level.on_hand, level.issued) == (3, 2)


@pytest.mark.django_db
def test_an_advisor_cannot_issue_parts(order, people, oil_filter, sa_client):
    from django.urls import reverse

    from dms.workshop.services import line_add, order_sign

    line = line_add(tenant=people["sa"], order_id=order.pk, kind="part", part_id=oil_filter.pk, quantity="1")
    order_sign(tenant=people["sa"], order_id=order.pk)

    r = sa_client.post(reverse("workshop:line_issue", args=[order.pk, line.pk]))

    assert r.status_code == 403
    line.refresh_from_db()
    assert line.issued_quantity == 0
