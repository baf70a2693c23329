"""Replacement opportunities: a service customer's old or worn car is handed to sales once a year."""

from datetime import timedelta

import pytest
from django.utils import timezone

from dms.core.models import Event
from dms.followups.replacement import replacement_sweep
from dms.followups.tasks import generate_due_groups
from dms.vehicles.models import ServiceRecord, Vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture
def serviced(store, vehicle):
    ServiceRecord.objects.create(vehicle=vehicle, customer=vehicle.owner, store=store, kind="repair",
                                 date=timezone.localdate() - timedelta(days=90), mileage_km=11_000, summary="刹车片")  # fmt: skip
    return vehicle


def test_an_old_car_serviced_here_is_handed_to_sales_once_a_year(store, serviced):
    today = timezone.localdate()
    Vehicle.objects.filter(pk=serviced.pk).update(purchase_date=today - timedelta(days=6 * 365 + 2))

    assert replacement_sweep(store=store, day=today) == 1
    assert replacement_sweep(store=store, day=today) == 0  # the sweep again: nothing twice
    assert replacement_sweep(store=store, day=today + timedelta(days=366)) == 1  # the next year

    event = Event.objects.filter(type="vehicle.replacement_due").order_by("pk").first()
    assert event.payload["vehicle_id"] == serviced.pk and event.payload["customer_id"] == serviced.owner_id
    assert "6" in event.payload["reason"] and "粤B12345" in event.payload["reason"]


def test_a_worn_car_by_mileage_too(store, serviced):
    Vehicle.objects.filter(pk=serviced.pk).update(purchase_date=timezone.localdate() - timedelta(days=700),
                                                  mileage_km=160_000)  # fmt: skip
    assert replacement_sweep(store=store, day=timezone.localdate()) == 1


def test_a_young_car_or_one_not_serviced_here_is_not(store, vehicle, serviced, second_store):
    today = timezone.localdate()
    assert replacement_sweep(store=store, day=today) == 0  # young, 12,000 km
    Vehicle.objects.filter(pk=vehicle.pk).update(purchase_date=today - timedelta(days=7 * 365))
    assert replacement_sweep(store=second_store, day=today) == 0  # serviced at the other store


def test_the_daily_sweep_runs_the_plan_once_a_day(store, serviced):
    Vehicle.objects.filter(pk=serviced.pk).update(
        purchase_date=timezone.localdate() - timedelta(days=8 * 365)
    )

    generate_due_groups()
    generate_due_groups()

    assert Event.objects.filter(type="vehicle.replacement_due").count() == 1
