"""The completion time the advisor can promise follows the workshop's load and opening hours."""

from datetime import datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from dms.scheduling.models import OpeningHours, WorkshopHours
from dms.workshop import load
from dms.workshop.services import line_add, order_sign, repair_order_create

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def open_8_to_18(store):
    hours = WorkshopHours.objects.create(store=store, slot_minutes=30, capacity=4)
    for weekday in range(7):
        OpeningHours.objects.create(workshop=hours, weekday=weekday, opens=time(8), closes=time(18))


def _signed_order(people, vehicle, hours: str, mileage: int):
    sa = people["sa"]
    order = repair_order_create(tenant=sa, vehicle_id=vehicle.pk, mileage_km=mileage, complaint="保养")
    line_add(tenant=sa, order_id=order.pk, kind="labor", description="作业", quantity=hours, unit_price="100")
    return order_sign(tenant=sa, order_id=order.pk)


@pytest.mark.django_db
def test_an_empty_workshop_promises_the_job_hours_from_now(people, tech, open_8_to_18, vehicle):
    now = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)

    estimate = load.promise_estimate(people["sa"], now=now)

    assert estimate.queued_hours == 0
    assert estimate.ready_at.astimezone(SHANGHAI) == datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_queued_work_pushes_the_promise_and_carries_over_past_closing(people, tech, open_8_to_18, vehicle):
    # given 9 hours of signed work queued for the store's one technician
    _signed_order(people, vehicle, "9", vehicle.mileage_km + 10)
    now = datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)

    # when the advisor asks at 09:00 for a one-hour job
    estimate = load.promise_estimate(people["sa"], now=now)

    # then 10 working hours from 09:00 end at 09:00 the next day (the workshop closes at 18:00)
    assert estimate.queued_hours == Decimal("9")
    assert estimate.ready_at.astimezone(SHANGHAI) == datetime(2026, 12, 2, 9, 0, tzinfo=SHANGHAI)


@pytest.mark.django_db
def test_an_order_does_not_queue_behind_itself(people, tech, open_8_to_18, vehicle):
    order = _signed_order(people, vehicle, "2", vehicle.mileage_km + 10)

    estimate = load.promise_estimate(
        people["sa"], order=order, now=datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI)
    )

    assert estimate.queued_hours == 0 and estimate.job_hours == Decimal("2")


def test_a_group_may_promise_a_longer_repair_warranty_never_a_shorter_one(settings):
    from dms.workshop.rules import quality_warranty

    settings.DMS_QUALITY_WARRANTY = {"minor": {"km": 5000, "days": 5}}

    period = quality_warranty("minor")

    assert (period.km, period.days) == (5000, 10)  # longer km kept; shorter days ignored (legal 10)
