"""三包 counters on small hand-made histories: each threshold and its warning before it is reached,
the 7-day and 60-day / 3,000 km rules of the 2021 revision, what is not counted, the API's answer,
another group's vehicle, and the service manager's list read in a fixed number of queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dms.vehicles import sanbao
from dms.vehicles.models import ServiceRecord, Vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture
def car(vehicle):
    """A private car bought 100 days ago, 12,000 km."""
    Vehicle.objects.filter(pk=vehicle.pk).update(purchase_date=timezone.localdate() - timedelta(days=100))
    return Vehicle.objects.get(pk=vehicle.pk)


@pytest.fixture
def visit(store):
    def make(car, *, days_ago=10, repair_days=1, faults=(), systems=(), kind="repair", km=10_000):
        return ServiceRecord.objects.create(
            vehicle=car, customer_id=car.owner_id, store=store, date=timezone.localdate() - timedelta(days=days_ago),
            mileage_km=km, kind=kind, summary="修理", repair_days=repair_days, faults=list(faults),
            replaced_systems=list(systems),
        )  # fmt: skip

    return make


def test_repair_days_warn_at_25_and_are_past_after_35(car, visit):
    visit(car, repair_days=24)
    c = sanbao.counters(car)
    assert (c.in_period, c.repair_days, c.warnings) == (True, 24, [])
    visit(car, repair_days=1)
    c = sanbao.counters(car)
    assert c.repair_days == 25 and c.level == sanbao.Level.NEAR and "25" in c.warnings[0]
    visit(car, repair_days=11)
    c = sanbao.counters(car)
    assert c.repair_days == 36 and c.level == sanbao.Level.PAST


def test_the_same_fault_warns_at_its_4th_repair_and_is_past_after_the_5th(car, visit):
    for _ in range(3):
        visit(car, faults=["B20 更换前刹车片", "X01 四轮定位"])
    c = sanbao.counters(car)
    assert c.same_fault_repairs[0] == {"fault": "B20 更换前刹车片", "count": 3} and c.warnings == []
    visit(car, faults=["B20 更换前刹车片", "B20 更换前刹车片"])  # once per visit
    c = sanbao.counters(car)
    assert (
        c.same_fault_repairs[0] == {"fault": "B20 更换前刹车片", "count": 4} and c.level == sanbao.Level.NEAR
    )
    assert "B20 更换前刹车片" in c.warnings[0]
    visit(car, faults=["B20 更换前刹车片"])
    visit(car, faults=["B20 更换前刹车片"])
    assert sanbao.counters(car).level == sanbao.Level.PAST


def test_a_major_replacement_warns_and_a_second_is_past(car, visit):
    visit(car, systems=["engine"])
    c = sanbao.counters(car)
    assert c.major_replacements == [{"system": "engine", "count": 1}] and c.level == sanbao.Level.NEAR
    visit(car, systems=["engine", "traction_battery"])
    c = sanbao.counters(car)
    assert c.major_replacements == [
        {"system": "engine", "count": 2},
        {"system": "traction_battery", "count": 1},
    ]
    assert c.level == sanbao.Level.PAST


def test_maintenance_accidents_and_visits_outside_the_period_are_not_counted(car, visit):
    visit(car, kind="maintenance", repair_days=30, faults=["M10 保养"])
    visit(car, kind="accident", repair_days=30)
    visit(car, days_ago=120, repair_days=30)  # before the purchase
    visit(car, km=50_000, repair_days=30)  # past 50,000 km
    c = sanbao.counters(car)
    assert (c.repair_days, c.same_fault_repairs, c.warnings) == (0, [], [])


def test_the_7_day_and_60_day_rules_of_the_2021_revision(car):
    today = timezone.localdate()
    Vehicle.objects.filter(pk=car.pk).update(purchase_date=today - timedelta(days=3), mileage_km=300)
    c = sanbao.counters(Vehicle.objects.get(pk=car.pk))
    assert len(c.warnings) == 2 and "7" in c.warnings[0] and "60" in c.warnings[1]
    Vehicle.objects.filter(pk=car.pk).update(purchase_date=today - timedelta(days=30), mileage_km=2_900)
    assert len(sanbao.counters(Vehicle.objects.get(pk=car.pk)).warnings) == 1
    Vehicle.objects.filter(pk=car.pk).update(mileage_km=3_000)
    assert sanbao.counters(Vehicle.objects.get(pk=car.pk)).warnings == []


def test_the_period_ends_after_2_years_or_50000_km_and_applies_to_private_cars_only(car):
    c = sanbao.counters(car)
    assert (
        c.period_ends_on == car.purchase_date.replace(year=car.purchase_date.year + 2)
        and c.period_ends_km == 50_000
    )
    Vehicle.objects.filter(pk=car.pk).update(mileage_km=50_000)
    assert sanbao.counters(Vehicle.objects.get(pk=car.pk)).in_period is False
    Vehicle.objects.filter(pk=car.pk).update(usage="company", mileage_km=100)
    assert sanbao.counters(Vehicle.objects.get(pk=car.pk)) == sanbao.Counters()


def test_the_api_answers_the_counters(api, car, visit):
    visit(car, repair_days=26, faults=["B20 更换前刹车片"], systems=["gearbox"])
    r = api.get(f"/vehicles/{car.pk}/sanbao")
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["in_period"] is True and body["repair_days"] == 26 and body["period_ends_km"] == 50_000
    assert body["same_fault_repairs"] == [{"fault": "B20 更换前刹车片", "count": 1}]
    assert body["major_replacements"] == [{"system": "gearbox", "count": 1}] and len(body["warnings"]) == 2


def test_another_groups_vehicle_is_not_found(outsider_api, car):
    assert outsider_api.get(f"/vehicles/{car.pk}/sanbao").status_code == 404
    assert outsider_api.get("/vehicles/abc/sanbao").status_code in (404, 422)


def test_the_managers_list_of_vehicles_near_or_past_a_threshold(tenant, car, visit, customer, brand, store):
    from conftest import valid_vin
    from dms.vehicles.services import vehicle_create

    calm = vehicle_create(tenant=tenant, owner_id=customer.pk, vin=valid_vin(2), plate="粤B22222", brand_id=brand.pk,
                          model="雅阁", mileage_km=5000, purchase_date=timezone.localdate() - timedelta(days=200)).record  # fmt: skip
    visit(calm, repair_days=2, faults=["B20 更换前刹车片"])
    visit(car, repair_days=30)
    group = Vehicle.objects.for_tenant(tenant)
    with CaptureQueriesContext(connection) as q:
        rows = sanbao.watch_list(group)
    assert [(v.pk, c.level) for v, c in rows] == [(car.pk, sanbao.Level.NEAR)]
    for i in range(3, 6):
        more = vehicle_create(tenant=tenant, owner_id=customer.pk, vin=valid_vin(i), plate=f"粤B3333{i}",
                              brand_id=brand.pk, model="雅阁", mileage_km=5000,
                              purchase_date=timezone.localdate() - timedelta(days=50)).record  # fmt: skip
        visit(more, days_ago=5, repair_days=40)
    with CaptureQueriesContext(connection) as q2:
        rows = sanbao.watch_list(group)
    assert len(rows) == 4 and rows[0][1].level == sanbao.Level.PAST and len(q2) == len(q) == 2
