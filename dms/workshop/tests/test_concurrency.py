"""Two service advisors editing one repair order at the same moment: one wins, the other is told
the order changed (409), and nothing is lost or written twice.

Real threads with their own connections on PostgreSQL (SQLite runs one writer at a time)."""

import pytest
from django.db import connection

from conftest import at_once, make_user
from dms.core.errors import Conflict
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant
from dms.workshop import services
from dms.workshop.models import RepairOrder, RepairOrderEvent

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_two_advisors_editing_one_order_at_once_get_one_success_and_one_409(store, vehicle):
    first = resolve_tenant(make_user("sa-a", store, Role.SERVICE_ADVISOR))
    second = resolve_tenant(make_user("sa-b", store, Role.SERVICE_ADVISOR))
    order = services.repair_order_create(
        tenant=first, vehicle_id=vehicle.pk, mileage_km=12500, complaint="保养"
    )
    read = RepairOrder.objects.get(pk=order.pk).version  # both pages were opened at this version

    results = at_once([
        lambda: services.line_add(tenant=first, order_id=order.pk, kind="labor", description="更换机油",
                                  quantity="0.5", unit_price="200", version=read),
        lambda: services.line_add(tenant=second, order_id=order.pk, kind="labor", description="四轮定位",
                                  quantity="1", unit_price="200", version=read),
    ])  # fmt: skip

    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(refused) == 1 and refused[0].status == 409, results
    fresh = RepairOrder.objects.get(pk=order.pk)
    assert fresh.lines.count() == 1 and fresh.version == read + 1
    assert fresh.total == fresh.lines.get().amount  # the totals match the line that was written
    assert RepairOrderEvent.objects.filter(order=order, action="line-add").count() == 1


def test_the_same_step_taken_twice_at_once_happens_once(store, vehicle):
    first = resolve_tenant(make_user("sa-a", store, Role.SERVICE_ADVISOR))
    second = resolve_tenant(make_user("sa-b", store, Role.SERVICE_ADVISOR))
    order = services.repair_order_create(
        tenant=first, vehicle_id=vehicle.pk, mileage_km=12500, complaint="保养"
    )
    services.line_add(tenant=first, order_id=order.pk, kind="labor", description="更换机油", quantity="0.5",
                      unit_price="200")  # fmt: skip

    results = at_once([
        lambda: services.order_sign(tenant=first, order_id=order.pk),
        lambda: services.order_sign(tenant=second, order_id=order.pk),
    ])  # fmt: skip

    assert sum(isinstance(r, RepairOrder) for r in results) == 1, results
    assert sum(isinstance(r, Conflict) for r in results) == 1
    assert RepairOrderEvent.objects.filter(order=order, action="sign").count() == 1
