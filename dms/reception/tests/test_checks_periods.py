"""Reception's warranty card: the days and km left of a comeback's repair-quality warranty are
counted with the vehicle's category and the periods of the store that did the earlier repair, as
the workshop's comeback rule counts them (not the car's legal periods only)."""

import pytest

from dms.reception import selectors, services
from dms.reception.models import CheckIn
from dms.reception.tests.test_checkin import walk
from dms.vehicles.models import Vehicle
from dms.workshop.models import StoreQualityWarranty

pytestmark = pytest.mark.django_db


def checks_at(tenant, vehicle, km):
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)
    walk(tenant, checkin, mileage_km=km)
    return selectors.checks(tenant, CheckIn.objects.get(pk=checkin.pk))


def test_a_motorcycles_overhaul_counts_its_own_80_days(tenant, vehicle, delivered_repair):
    # given a motorcycle overhauled 50 days ago at 12,000 km (the law: 7,000 km / 80 days; a car's
    # overhaul would be 20,000 km / 100 days)
    Vehicle.objects.filter(pk=vehicle.pk).update(category="motorcycle")
    last = delivered_repair(days=50, km=12_000, work_class="overhaul")

    found = checks_at(tenant, vehicle, 13_000)

    assert found.comeback == last
    assert (found.comeback_period.km, found.comeback_period.days) == (7_000, 80)
    assert (found.comeback_days_left, found.comeback_km_left) == (30, 6_000)


def test_the_stores_longer_period_is_the_one_left_to_run(tenant, vehicle, delivered_repair, store):
    StoreQualityWarranty.objects.create(store=store, category="car", work_class="minor", km=3_000, days=30)
    last = delivered_repair(days=5, km=12_000)

    found = checks_at(tenant, vehicle, 12_800)

    assert found.comeback == last
    assert (found.comeback_days_left, found.comeback_km_left) == (25, 2_200)


def test_the_card_shows_what_is_left(sa_client, vehicle, delivered_repair, store):
    from dms.reception.tests.test_pages import WALK, begin, covered

    StoreQualityWarranty.objects.create(store=store, category="car", work_class="minor", km=3_000, days=30)
    delivered_repair(days=5, km=12_000)
    begin(sa_client, vehicle)
    checkin = CheckIn.objects.get()
    covered(sa_client, checkin)
    sa_client.post(f"/reception/{checkin.pk}/walkaround/", {**WALK, "mileage_km": "12800"})

    page = sa_client.get(f"/reception/{checkin.pk}/checks/").content.decode()

    assert "保证期还剩 25 天、2,200 km" in page
