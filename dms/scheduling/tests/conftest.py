"""Places and times for the scheduling tests: a workshop taking two jobs at once, and a frozen clock."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.cache import cache

from dms.scheduling.models import OpeningHours, WorkshopHours

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 5, 4, 8, 0, tzinfo=SHANGHAI)  # the clock of every test: Monday 08:00 in Shenzhen
TUESDAY = MONDAY.date().replace(day=5)


def at(hh: int, mm: int = 0, day=TUESDAY) -> datetime:
    """A time in the store's zone, by default on Tuesday (tomorrow)."""
    return datetime.combine(day, time(hh, mm), tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def _fresh_cache(django_db_setup, django_db_blocker):
    """The public page's rate limits count from zero. The cache is a table of the (test) database
    (settings.CACHES), emptied outside the test's transaction."""
    with django_db_blocker.unblock():
        cache.clear()
    yield
    with django_db_blocker.unblock():
        cache.clear()


@pytest.fixture
def workshop(store):
    """Open 08:30–18:00 Monday to Saturday, closed on Sunday; two appointment jobs at once."""
    hours = WorkshopHours.objects.create(store=store, slot_minutes=30, capacity=2)
    for weekday in range(6):
        OpeningHours.objects.create(workshop=hours, weekday=weekday, opens=time(8, 30), closes=time(18, 0))
    return hours


@pytest.fixture
def second_vehicle(tenant, brand):
    """李四's car: another customer, another vehicle."""
    from conftest import valid_vin
    from dms.customers.services import customer_create
    from dms.vehicles.services import vehicle_create

    owner = customer_create(tenant=tenant, name="李四", mobile="13900001111", title="mr").record
    return vehicle_create(
        tenant=tenant, owner_id=owner.pk, vin=valid_vin(2), plate="粤B54321", brand_id=brand.pk, model="雅阁"
    ).record


@pytest.fixture
def third_vehicle(tenant, brand):
    from conftest import valid_vin
    from dms.customers.services import customer_create
    from dms.vehicles.services import vehicle_create

    owner = customer_create(tenant=tenant, name="王五", mobile="13700002222", title="ms").record
    return vehicle_create(
        tenant=tenant, owner_id=owner.pk, vin=valid_vin(3), plate="粤B67890", brand_id=brand.pk, model="CR-V"
    ).record
