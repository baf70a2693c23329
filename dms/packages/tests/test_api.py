"""/api/v1/maintenance-packages, /api/v1/canned-jobs, /api/v1/recommendations."""

import pytest

from conftest import ApiClient
from dms.workshop.models import LineState, RepairOrder, RepairOrderLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def sa_api(people):
    return ApiClient(people["sa"].user)


def test_packages_are_listed_with_their_items_priced_at_this_store(sa_api, schedule, vehicle):
    r = sa_api.get("/maintenance-packages", {"vehicle_id": vehicle.pk})

    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 3
    ten = next(p for p in body["items"] if p["name"] == "10,000 km 保养")
    assert (ten["brand"], ten["interval_km"], ten["interval_months"], ten["estimate"]) == (
        "东风本田",
        10000,
        6,
        "710.00",
    )
    assert ten["items"][0] == {
        "kind": "labor", "code": "M10", "description": "更换机油机滤", "quantity": "0.80", "unit_price": "300.00",
        "amount": "240.00", "labor_operation_id": schedule["10k"].items.first().labor_operation_id, "part_id": None,
    }  # fmt: skip


def test_a_limit_over_200_is_refused_with_the_fields_message(sa_api, schedule):
    r = sa_api.get("/maintenance-packages", {"limit": 500})

    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "limit", "message": "不能大于 200。"}]


def test_canned_jobs_are_listed(sa_api, brake_job):
    r = sa_api.get("/canned-jobs", {"q": "刹车"})

    assert r.json()["count"] == 1
    assert r.json()["items"][0]["code"] == "CJ01" and r.json()["items"][0]["estimate"] == "860.00"


def test_recommendations_need_a_vehicle(sa_api):
    r = sa_api.get("/recommendations")

    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "vehicle_id"


def test_recommendations_of_a_vehicle(sa_api, vehicle, schedule):
    r = sa_api.get("/recommendations", {"vehicle_id": vehicle.pk})

    [rec] = r.json()["items"]
    assert (
        rec["kind"] == "maintenance_due"
        and rec["package_id"] == schedule["10k"].pk
        and rec["due"] == "overdue"
    )
    assert rec["amount"] == "710.00" and rec["declined_line_id"] is None


def test_recommendations_with_an_order_of_another_vehicle_are_refused(sa_api, people, order, customer, brand):
    from conftest import valid_vin
    from dms.vehicles.services import vehicle_create

    other = vehicle_create(tenant=people["sa"], owner_id=customer.pk, vin=valid_vin(3), brand_id=brand.pk,
                           model="CR-V").record  # fmt: skip

    r = sa_api.get("/recommendations", {"vehicle_id": other.pk, "order_id": order.pk})

    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "order_id"


def test_an_outsider_gets_404_for_our_vehicles_recommendations(outsider_api, vehicle, schedule):
    assert outsider_api.get("/recommendations", {"vehicle_id": vehicle.pk}).status_code == 404


def test_applying_a_package_answers_the_whole_order(sa_api, order, schedule):
    r = sa_api.post(f"/maintenance-packages/{schedule['10k'].pk}/apply", {"order_id": order.pk, "version": 1})

    assert r.status_code == 201
    assert [ln["description"] for ln in r.json()["lines"]] == [
        "更换机油机滤",
        "机油 0W-20",
        "机油滤清器",
        "多项目检查",
    ]
    assert r.json()["total"] == "710.00" and r.json()["version"] == 5


def test_applying_without_an_order_is_refused_with_the_fields_message(sa_api, schedule):
    r = sa_api.post(f"/maintenance-packages/{schedule['10k'].pk}/apply", {"order_id": "RO-1"})

    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "order_id", "message": "请输入整数。"}]


def test_applying_twice_or_with_a_stale_version_is_a_conflict(sa_api, order, schedule):
    url = f"/maintenance-packages/{schedule['10k'].pk}/apply"
    sa_api.post(url, {"order_id": order.pk})

    again = sa_api.post(url, {"order_id": order.pk})
    stale = sa_api.post(
        f"/maintenance-packages/{schedule['20k'].pk}/apply", {"order_id": order.pk, "version": 1}
    )

    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "package_id"
    assert stale.status_code == 409 and stale.json()["current_version"] == 5


def test_a_package_for_another_brand_is_refused_in_english_too(people, order, schedule, group):
    from dms.core.models import Brand

    schedule["10k"].brand = Brand.objects.create(group=group, name="广汽丰田")
    schedule["10k"].save()

    r = ApiClient(people["sa"].user, language="en").post(
        f"/maintenance-packages/{schedule['10k'].pk}/apply", {"order_id": order.pk}
    )

    assert r.status_code == 400
    assert r.json()["errors"] == [
        {"field": "package_id", "message": "This package is for 广汽丰田; the vehicle is a 东风本田 思域."}
    ]


def test_a_canned_job_applied_over_the_api(sa_api, order, brake_job):
    r = sa_api.post(f"/canned-jobs/{brake_job.pk}/apply", {"order_id": order.pk})

    assert r.status_code == 201 and r.json()["total"] == "860.00"


def test_an_outsider_cannot_apply_our_package_to_our_order(outsider_api, order, schedule):
    r = outsider_api.post(f"/maintenance-packages/{schedule['10k'].pk}/apply", {"order_id": order.pk})

    assert r.status_code == 404
    assert not RepairOrderLine.objects.filter(order=order).exists()


def test_a_declined_item_taken_up_over_the_api(sa_api, people, order, vehicle, catalogue):
    from dms.workshop.services import line_add, repair_order_create

    line = line_add(
        tenant=people["sa"], order_id=order.pk, kind="labor", labor_operation_id=catalogue["pads_labor"].pk
    )
    RepairOrderLine.objects.filter(pk=line.pk).update(state=LineState.DECLINED)
    RepairOrder.objects.filter(pk=order.pk).update(state="delivered")
    now = repair_order_create(
        tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15000, complaint="刹车异响"
    )

    [rec] = [x for x in sa_api.get("/recommendations", {"vehicle_id": vehicle.pk, "order_id": now.pk}).json()["items"]
             if x["kind"] == "declined_earlier"]  # fmt: skip
    r = sa_api.post(f"/recommendations/{rec['declined_line_id']}/accept", {"order_id": now.pk})

    assert rec["declined_on"] == order.number
    assert r.status_code == 201 and [ln["description"] for ln in r.json()["lines"]] == ["更换前刹车片"]
    assert sa_api.post(f"/recommendations/{line.pk}/accept", {"order_id": now.pk}).status_code == 409
