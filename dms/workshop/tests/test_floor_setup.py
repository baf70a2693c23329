"""The shop floor's world, shared by the test_floor_* modules: signed orders waiting for dispatch,
jobs in work, clients signed in as the foreman, the technician, the QC inspector.

Also the checks of that world itself (a new order here is signed, with standard hours)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from conftest import ApiClient
from dms.workshop import services
from dms.workshop.models import LaborOperation, State

__all__ = [
    "brake_job", "client_for", "make_order", "signed_order", "job_in_work", "api_for", "bulk_orders",
]  # fmt: skip


@pytest.fixture
def brake_job(group):
    return LaborOperation.objects.create(
        group=group, code="B20", name="更换前刹车片", standard_hours=Decimal("1.5"), skill="maintenance"
    )


@pytest.fixture
def client_for():
    def login(user):
        c = Client()
        c.force_login(user)
        return c

    return login


@pytest.fixture
def api_for():
    return lambda user: ApiClient(user)


@pytest.fixture
def make_order(people, vehicle, oil_change):
    """A signed order of the vehicle with the oil change (0.8 h, maintenance), promised in `hours`."""

    def make(*, hours: float = 3, operation=None, complaint: str = "做一次常规保养", preauth="0.00"):
        sa = people["sa"]
        o = services.repair_order_create(
            tenant=sa, vehicle_id=vehicle.pk, mileage_km=vehicle.mileage_km, complaint=complaint,
            promised_at=timezone.now() + timedelta(hours=hours), preauth_amount=preauth,
        )  # fmt: skip
        services.line_add(
            tenant=sa, order_id=o.pk, kind="labor", labor_operation_id=(operation or oil_change).pk
        )
        return services.order_sign(tenant=sa, order_id=o.pk)

    return make


@pytest.fixture
def signed_order(make_order):
    return make_order()


@pytest.fixture
def job_in_work(make_order, people, tech):
    """An order dispatched to tech1 (not started yet)."""
    o = make_order()
    return services.order_dispatch(tenant=people["foreman"], order_id=o.pk, technician_id=tech.pk)


@pytest.fixture
def bulk_orders(make_order, people, tech, other_tech):
    """n more orders in every floor state: waiting, dispatched, in work and clocked, paused, finished."""
    from dms.workshop import services_floor

    def build(n: int):
        for i in range(n):
            o = make_order(hours=1 + i % 5)
            step = i % 5
            if step == 0:
                continue  # waiting for dispatch
            services.order_dispatch(tenant=people["foreman"], order_id=o.pk, technician_id=tech.pk)
            if step >= 2:
                services.order_start(tenant=people["foreman"], order_id=o.pk)
            if step == 3:
                services_floor.job_clock(tenant=people["foreman"], order_id=o.pk, action="on")
                services_floor.job_clock(
                    tenant=people["foreman"], order_id=o.pk, action="pause", reason="parts"
                )
            if step == 4:
                services.order_finish(tenant=people["foreman"], order_id=o.pk)

    return build


def test_a_new_order_of_the_world_is_signed_and_promised(signed_order):
    assert signed_order.state == State.SIGNED
    assert signed_order.promised_at > timezone.now()
