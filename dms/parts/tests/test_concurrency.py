"""Stock is scarce: people issuing at the same moment never take more than is on the shelf.

Real threads, each with its own database connection, released together by a barrier, on
PostgreSQL (SQLite runs one writer at a time, so there is no race to test there)."""

from decimal import Decimal

import pytest
from django.db import connection

from conftest import at_once, make_user
from dms.core.errors import Conflict
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant
from dms.parts import services
from dms.parts.models import StockLevel, StockMove

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def two_clerks(store):
    return [resolve_tenant(make_user(f"clerk{i}", store, Role.PARTS_CLERK)) for i in (1, 2)]


def test_the_last_part_issued_twice_at_once_is_issued_once(two_clerks, store):
    first, second = two_clerks
    part = services.part_create(tenant=first, number="15400-RTA-003", name="机油滤清器")
    services.stock_receive(tenant=first, part_id=part.pk, quantity=1)

    results = at_once([
        lambda: services.part_issue(tenant=first, part_id=part.pk, quantity=1, for_id=7_000_000_001),
        lambda: services.part_issue(tenant=second, part_id=part.pk, quantity=1, for_id=7_000_000_002),
    ])  # fmt: skip

    issued = [r for r in results if isinstance(r, StockMove)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert (len(issued), len(refused)) == (1, 1), results
    assert "0" in str(refused[0].message)
    level = StockLevel.objects.get(part=part, store=store)
    assert (level.on_hand, level.issued) == (Decimal(0), Decimal(1))
    assert StockMove.objects.filter(part=part, kind="issue").count() == 1


def test_eight_issues_at_once_take_exactly_the_five_on_the_shelf(store):
    clerks = [resolve_tenant(make_user(f"clerk{i}", store, Role.PARTS_CLERK)) for i in range(8)]
    part = services.part_create(tenant=clerks[0], number="08232-P99-K1LHE", name="机油", unit="l")
    services.stock_receive(tenant=clerks[0], part_id=part.pk, quantity=5)

    results = at_once([
        lambda t=t, i=i: services.part_issue(tenant=t, part_id=part.pk, quantity=1, for_id=7_000_000_100 + i)
        for i, t in enumerate(clerks)
    ])  # fmt: skip

    assert sum(isinstance(r, StockMove) for r in results) == 5, results
    assert sum(isinstance(r, Conflict) for r in results) == 3, results
    level = StockLevel.objects.get(part=part, store=store)
    assert (level.on_hand, level.issued) == (Decimal(0), Decimal(5))
    # the ledger agrees with the figures: each issue saw the stock its own UPDATE left
    afters = sorted(StockMove.objects.filter(part=part, kind="issue").values_list("on_hand_after", flat=True))
    assert afters == [Decimal(n) for n in range(5)]


def test_a_return_and_a_receipt_at_once_lose_neither(two_clerks, store):
    first, second = two_clerks
    part = services.part_create(tenant=first, number="A-1", name="火花塞")
    services.stock_receive(tenant=first, part_id=part.pk, quantity=4)
    services.part_issue(tenant=first, part_id=part.pk, quantity=2, for_id=7_000_000_001)

    results = at_once([
        lambda: services.part_return(tenant=first, part_id=part.pk, quantity=1, for_id=7_000_000_001),
        lambda: services.stock_receive(tenant=second, part_id=part.pk, quantity=3),
    ])  # fmt: skip

    assert all(isinstance(r, StockMove) for r in results), results
    level = StockLevel.objects.get(part=part, store=store)
    assert (level.on_hand, level.issued) == (Decimal(6), Decimal(1))
