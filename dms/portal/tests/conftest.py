"""The workshop's people (dms/workshop/tests/conftest.py) and a car whose repair found extra work."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dms.workshop import services
from dms.workshop.models import RepairOrder
from dms.workshop.tests import conftest as workshop_people

# The workshop's people and things, as fixtures here too.
foreman, tech_user, tech, qc, cashier = (workshop_people.foreman, workshop_people.tech_user, workshop_people.tech,
                                         workshop_people.qc, workshop_people.cashier)  # fmt: skip
care, clerk, people = workshop_people.care, workshop_people.clerk, workshop_people.people
oil_change, oil_filter = workshop_people.oil_change, workshop_people.oil_filter

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY_9 = datetime(2026, 5, 4, 9, 0, tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def clock():
    """Monday 09:00 in Shenzhen, for everything a test builds; tests move it with clock.shift."""
    with time_machine.travel(MONDAY_9, tick=False) as traveller:
        yield traveller


@pytest.fixture
def store_phone(store):
    store.phone = "0755-88886666"
    store.save(update_fields=["phone"])
    return store


@pytest.fixture(autouse=True)
def _quick_passwords(settings):
    """The people fixtures make seven users: a fast hasher keeps the tests quick (passwords are
    not what these tests are about)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def fresh(order) -> RepairOrder:
    return RepairOrder.objects.get(pk=order.pk)


@pytest.fixture
def order(people, vehicle, oil_change, store_phone, clock):
    """张三's car, opened at 09:00 and promised for 12:00 with one oil change, signed."""
    o = services.repair_order_create(
        tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15000, complaint="做一次常规保养",
        promised_at=datetime(2026, 5, 4, 12, 0, tzinfo=SHANGHAI),
    )  # fmt: skip
    services.line_add(tenant=people["sa"], order_id=o.pk, kind="labor", labor_operation_id=oil_change.pk)
    services.order_sign(tenant=people["sa"], order_id=o.pk)
    return fresh(o)


@pytest.fixture
def working(order, people, tech):
    services.order_dispatch(tenant=people["foreman"], order_id=order.pk, technician_id=tech.pk)
    services.order_start(tenant=people["tech"], order_id=order.pk)
    return fresh(order)


@pytest.fixture
def awaiting(working, people, oil_filter):
    """The technician found two things; the SA priced them and asked the customer (a technician
    proposes work, the advisor sets its price)."""
    t = people["sa"]
    pads = services.line_add(
        tenant=t, order_id=working.pk, kind="labor", description="更换前刹车片", quantity="1", unit_price="380.00",
        note="前刹车片剩余 2 mm，低于安全标准",
    )  # fmt: skip
    filt = services.line_add(
        tenant=t,
        order_id=working.pk,
        kind="part",
        part_id=oil_filter.pk,
        description="更换机油滤清器",
        quantity="1",
        note="滤芯堵塞",
    )
    services.order_request_approval(tenant=people["sa"], order_id=working.pk)
    o = fresh(working)
    o.pads, o.filt = pads, filt
    return o
