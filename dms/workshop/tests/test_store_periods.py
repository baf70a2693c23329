"""The store's own repair-quality warranty periods: the service manager sets them longer than the
law's (never shorter, never beyond 200,000 km / 1,095 days) on a page linked from the comebacks
page or through the API; what is set is what comebacks count."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dms.workshop import comebacks
from dms.workshop.models import RepairOrder, State, StoreQualityWarranty

pytestmark = pytest.mark.django_db

URL = "/quality-warranty-periods"


def put(client, periods):
    return client._call("put", URL, {"periods": periods})


@pytest.fixture
def manager_client(manager):
    c = Client()
    c.force_login(manager)
    return c


def period(answer, category, work_class):
    return next(p for p in answer["periods"] if (p["category"], p["work_class"]) == (category, work_class))


def test_the_api_lists_the_laws_period_for_every_category_and_kind_of_work(api):
    body = api.get(URL).json()

    assert body["store"] == "SZ01" and len(body["periods"]) == 9
    assert period(body, "car", "overhaul") == {"category": "car", "work_class": "overhaul", "legal_km": 20_000,
        "legal_days": 100, "store_km": None, "store_days": None, "km": 20_000, "days": 100}  # fmt: skip
    assert (period(body, "motorcycle", "overhaul")["days"], period(body, "other", "minor")["km"]) == (80, 700)


def test_the_manager_promises_longer_and_comebacks_count_it(
    manager_api, api, tenant, vehicle, customer, store, sa
):
    r = put(manager_api, [{"category": "car", "work_class": "minor", "km": 3_000, "days": 30}])

    assert r.status_code == 200
    assert period(r.json(), "car", "minor") == {"category": "car", "work_class": "minor", "legal_km": 2_000,
        "legal_days": 10, "store_km": 3_000, "store_days": 30, "km": 3_000, "days": 30}  # fmt: skip
    assert period(api.get(URL).json(), "car", "minor")["store_days"] == 30  # the advisor reads them
    # a minor repair delivered 20 days ago is inside the store's 30 days (the law's 10 are over)
    earlier = RepairOrder.objects.create(
        store=store, number="RO-Q1", state=State.DELIVERED, customer=customer, vehicle=vehicle, advisor=sa,
        complaint="异响", mileage_in=11_000, mileage_out=11_000, delivered_at=timezone.now() - timedelta(days=20),
    )  # fmt: skip
    assert comebacks.find(vehicle.pk, 12_000, timezone.now()) == earlier


def test_a_period_shorter_than_the_laws_or_beyond_the_longest_is_refused_and_nothing_is_written(manager_api):
    r = put(manager_api, [
        {"category": "car", "work_class": "overhaul", "km": 30_000, "days": 120},
        {"category": "car", "work_class": "level2", "km": 4_000, "days": 30},
        {"category": "motorcycle", "work_class": "minor", "km": 800, "days": 2_000},
    ])  # fmt: skip

    assert r.status_code == 400
    assert [e["field"] for e in r.json()["errors"]] == ["periods.1.km", "periods.2.days"]
    assert "5000" in r.json()["errors"][0]["message"] and "1095" in r.json()["errors"][1]["message"]
    assert not StoreQualityWarranty.objects.exists()


def test_the_same_kind_of_work_twice_is_refused(manager_api):
    one = {"category": "car", "work_class": "overhaul", "km": 30_000, "days": 120}

    r = put(manager_api, [one, one])

    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "periods.1"
    assert not StoreQualityWarranty.objects.exists()


def test_kinds_left_out_follow_the_law_again(manager_api, store):
    put(manager_api, [{"category": "car", "work_class": "overhaul", "km": 30_000, "days": 120},
                      {"category": "other", "work_class": "minor", "km": 1_000, "days": 10}])  # fmt: skip

    r = put(manager_api, [{"category": "other", "work_class": "minor", "km": 1_500, "days": 15}])

    assert period(r.json(), "car", "overhaul")["store_km"] is None
    assert list(StoreQualityWarranty.objects.filter(store=store).values_list("category", "km", "days")) == [
        ("other", 1_500, 15)]  # fmt: skip


def test_an_advisor_reads_the_periods_but_may_not_set_them(api):
    r = put(api, [{"category": "car", "work_class": "minor", "km": 3_000, "days": 30}])

    assert r.status_code == 403
    assert not StoreQualityWarranty.objects.exists()


def test_the_managers_page_shows_the_law_and_sets_the_stores_periods(manager_client, sa_client, store):
    comebacks_page = manager_client.get("/orders/comebacks/").content.decode()
    assert 'href="/orders/quality-warranty/"' in comebacks_page

    page = manager_client.get("/orders/quality-warranty/").content.decode()
    assert "质量保证期" in page and "摩托车" in page and "20,000 km / 100 天" in page

    r = manager_client.post(
        "/orders/quality-warranty/", {"km_car.overhaul": "30000", "days_car.overhaul": "120"}
    )
    assert r.status_code == 302
    saved = StoreQualityWarranty.objects.get(store=store)
    assert (saved.category, saved.work_class, saved.km, saved.days) == ("car", "overhaul", 30_000, 120)
    assert "30,000 km / 120 天" in manager_client.get("/orders/quality-warranty/").content.decode()

    assert sa_client.get("/orders/quality-warranty/").status_code == 403


def test_the_page_says_what_is_wrong_on_its_row_and_keeps_what_was_typed(manager_client, store):
    StoreQualityWarranty.objects.create(
        store=store, category="car", work_class="overhaul", km=30_000, days=120
    )

    r = manager_client.post("/orders/quality-warranty/", {
        "km_car.overhaul": "30000", "days_car.overhaul": "120", "km_car.minor": "1000", "days_car.minor": "10",
        "km_other.level2": "900",
    })  # fmt: skip

    assert r.status_code == 400
    page = r.content.decode()
    assert "至少为法定的 2000 公里" in page and "公里数和天数都填写" in page and 'value="1000"' in page
    assert StoreQualityWarranty.objects.filter(store=store).count() == 1  # nothing changed
