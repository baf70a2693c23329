"""Reception's people and places: the store's workshop open today, a customer's car, an
appointment this morning, and a private folder for photos and signatures."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import make_user
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2026, 6, 1, 9, 0, tzinfo=SHANGHAI)  # a Monday


@pytest.fixture(autouse=True)
def _private_media(private_media):
    """Photos and signatures go to a folder of this test, not to var/media."""
    return private_media


@pytest.fixture
def morning():
    with time_machine.travel(MORNING, tick=False) as traveller:
        yield traveller


@pytest.fixture
def workshop(store):
    from dms.scheduling.models import OpeningHours, WorkshopHours

    hours = WorkshopHours.objects.create(store=store, slot_minutes=30, capacity=2)
    for weekday in range(7):
        OpeningHours.objects.create(workshop=hours, weekday=weekday, opens=time(8), closes=time(18))
    return hours


@pytest.fixture
def appointment(morning, workshop, tenant, vehicle):
    from dms.scheduling.services import appointment_create

    return appointment_create(
        tenant=tenant, vehicle_id=vehicle.pk, start=MORNING.replace(hour=10), job="maintenance",
        items="4 万公里保养，空调有异味",
    )  # fmt: skip


@pytest.fixture
def manager_tenant(store):
    return resolve_tenant(make_user("manager1", store, Role.SERVICE_MANAGER))


@pytest.fixture
def delivered_repair(tenant, vehicle):
    """A repair of this car delivered `days` ago at `km` (the workshop's rule reads these fields)."""
    from django.utils import timezone

    from dms.workshop.models import RepairOrder, State
    from dms.workshop.services import repair_order_create

    def make(*, days: int, km: int, work_class: str = "minor"):
        order = repair_order_create(
            tenant=tenant, vehicle_id=vehicle.pk, mileage_km=km, complaint="刹车异响", work_class=work_class
        )
        RepairOrder.objects.filter(pk=order.pk).update(
            state=State.DELIVERED, delivered_at=timezone.now() - timedelta(days=days), mileage_out=km
        )
        return RepairOrder.objects.get(pk=order.pk)

    return make
