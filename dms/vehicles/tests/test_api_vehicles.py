"""/api/v1/vehicles: the vehicle file over HTTP: identity, changes, mileage, ownership, history, cover."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from conftest import ApiClient, valid_vin
from dms.customers.services import customer_create
from dms.vehicles.models import MileageReading, ServiceRecord, Vehicle, VehicleOwnership

SHANGHAI = ZoneInfo("Asia/Shanghai")


def field_errors(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def new_vehicle_body(customer, **overrides) -> dict:
    body = {
        "customer_id": customer.pk,
        "vin": valid_vin(4711),
        "plate": "粤B8K2M5",
        "brand": "东风本田",
        "model": "雅阁",
        "mileage_km": 500,
    }
    return {**body, **overrides}


def with_wrong_check_digit(vin: str) -> str:
    return vin[:8] + ("1" if vin[8] != "1" else "2") + vin[9:]


@pytest.fixture
def li_si(tenant):
    """A second customer, who buys 张三's car."""
    return customer_create(tenant=tenant, name="李四", mobile="13900001111", title="mr").record


# --- Create ------------------------------------------------------------------------------------------


def test_sa_registers_a_vehicle_to_its_owner(api, customer, brand):
    r = api.post("/vehicles", new_vehicle_body(customer))

    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["vin"], body["plate"], body["customer_id"], body["brand"], body["mileage_km"]) == (
        valid_vin(4711),
        "粤B8K2M5",
        customer.pk,
        "东风本田",
        500,
    )
    assert body["version"] == 1 and body["warnings"] == []
    vehicle = Vehicle.objects.get(pk=body["id"])
    assert [r.km for r in vehicle.mileage_readings.all()] == [500]
    assert [o.customer_id for o in vehicle.ownerships.all()] == [customer.pk]


def test_the_vin_and_plate_are_normalised(api, customer):
    r = api.post(
        "/vehicles", new_vehicle_body(customer, vin=" " + valid_vin(4711).lower(), plate="粤b 8k2m5")
    )

    assert r.status_code == 201, r.content
    assert (r.json()["vin"], r.json()["plate"]) == (valid_vin(4711), "粤B8K2M5")


def test_a_wrong_vin_check_digit_is_refused_on_field_vin_saying_so(api_en, customer):
    r = api_en.post("/vehicles", new_vehicle_body(customer, vin=with_wrong_check_digit(valid_vin(4711))))

    assert r.status_code == 400
    assert list(field_errors(r)) == ["vin"]
    assert "check digit" in field_errors(r)["vin"]
    assert valid_vin(4711)[8] in field_errors(r)["vin"]  # it says what the digit should be
    assert not Vehicle.objects.exists()


def test_the_check_digit_message_is_in_chinese_by_default(api, customer):
    r = api.post("/vehicles", new_vehicle_body(customer, vin=with_wrong_check_digit(valid_vin(4711))))

    assert "校验位" in field_errors(r)["vin"]


@pytest.mark.parametrize("letter", ["I", "O", "Q"])
def test_a_vin_with_i_o_or_q_is_refused_naming_the_letter(api_en, customer, letter):
    vin = valid_vin(4711)
    r = api_en.post("/vehicles", new_vehicle_body(customer, vin=vin[:3] + letter + vin[4:]))

    assert r.status_code == 400
    assert list(field_errors(r)) == ["vin"]
    assert letter in field_errors(r)["vin"].split(":")[-1]
    assert not Vehicle.objects.exists()


@pytest.mark.parametrize("vin", [valid_vin(4711)[:16], valid_vin(4711) + "1"], ids=["16", "18"])
def test_a_vin_of_the_wrong_length_is_refused_saying_17(api_en, customer, vin):
    r = api_en.post("/vehicles", new_vehicle_body(customer, vin=vin))

    assert r.status_code == 400
    assert list(field_errors(r)) == ["vin"]
    assert "17" in field_errors(r)["vin"]
    assert not Vehicle.objects.exists()


def test_a_vin_far_too_long_is_refused_without_a_500(api, customer):
    r = api.post("/vehicles", new_vehicle_body(customer, vin="L" * 40))

    assert r.status_code in (400, 422)
    assert "vin" in field_errors(r)


GOOD_PLATES = [
    ("ordinary", "粤B12345", "粤B12345"),
    ("letters and digits", "京A8K2M5", "京A8K2M5"),
    ("new-energy small car", "粤BD12345", "粤BD12345"),
    ("new-energy large vehicle", "粤B12345D", "粤B12345D"),
    ("new-energy hybrid", "沪AF12345", "沪AF12345"),
    ("trailer", "粤B1234挂", "粤B1234挂"),
    ("driving school", "粤B1234学", "粤B1234学"),
    ("lowercase with a space and a dot", "粤b·12 345", "粤B12345"),
]


@pytest.mark.parametrize(("kind", "plate", "stored"), GOOD_PLATES, ids=[p[0] for p in GOOD_PLATES])
def test_mainland_plates_are_accepted(api, customer, kind, plate, stored):
    r = api.post("/vehicles", new_vehicle_body(customer, plate=plate))

    assert r.status_code == 201, r.content
    assert Vehicle.objects.get(pk=r.json()["id"]).plate == stored


BAD_PLATES = [
    ("too short", "粤B1234"),
    ("too long", "粤B1234567"),
    ("letter I", "粤BI2345"),
    ("letter O", "粤B12O45"),
    ("no province", "AB12345"),
    ("not a mainland province", "台B12345"),
    ("digit after the province", "粤112345"),
    ("8 characters but not new-energy", "粤B123456"),
    ("new-energy letter in the wrong place", "粤B1D2345"),
]


@pytest.mark.parametrize(("kind", "plate"), BAD_PLATES, ids=[p[0] for p in BAD_PLATES])
def test_bad_plates_are_refused_on_field_plate(api, customer, kind, plate):
    r = api.post("/vehicles", new_vehicle_body(customer, plate=plate))

    assert r.status_code in (400, 422), r.content
    assert list(field_errors(r)) == ["plate"]
    assert not Vehicle.objects.exists()


def test_a_vehicle_may_be_registered_before_it_has_a_plate(api, customer):
    r = api.post("/vehicles", new_vehicle_body(customer, plate=""))

    assert r.status_code == 201
    assert r.json()["plate"] == ""


def test_an_unknown_brand_is_refused_naming_the_groups_brands(api, customer):
    r = api.post("/vehicles", new_vehicle_body(customer, brand="特斯拉"))

    assert r.status_code == 400
    assert list(field_errors(r)) == ["brand"]
    assert "东风本田" in field_errors(r)["brand"]
    assert not Vehicle.objects.exists()


def test_another_groups_brand_is_refused_like_an_unknown_one(api, customer, other_brand):
    r = api.post("/vehicles", new_vehicle_body(customer, brand=other_brand.name))

    assert r.status_code == 400
    assert list(field_errors(r)) == ["brand"]
    assert other_brand.name not in field_errors(r)["brand"].split("：")[-1].split(":")[-1]


@pytest.mark.parametrize("given", ["other group's", "a name"])
def test_a_brand_handed_to_the_service_must_be_one_of_the_groups(tenant, customer, other_brand, given):
    # The API hands the service the brand it found by name (no second read); the service checks it.
    from dms.core.errors import DomainError
    from dms.vehicles.services import vehicle_create

    brand = other_brand if given == "other group's" else other_brand.name
    with pytest.raises(DomainError) as refused:
        vehicle_create(tenant=tenant, owner_id=customer.pk, vin=valid_vin(4712), brand=brand, model="雅阁")

    assert [e["field"] for e in refused.value.errors] == ["brand_id"]
    assert not Vehicle.objects.filter(vin=valid_vin(4712)).exists()


def test_a_vin_already_on_file_is_a_warning_not_an_error(api, customer, vehicle, li_si):
    # given 张三's car is on file
    # when the same car is registered again to 李四 (say, bought second-hand elsewhere)
    r = api.post("/vehicles", new_vehicle_body(li_si, vin=vehicle.vin, plate="粤B99999"))

    # then it is registered, with a warning naming the record already on file
    assert r.status_code == 201, r.content
    warnings = r.json()["warnings"]
    assert [w["field"] for w in warnings] == ["vin"]
    assert "张三" in warnings[0]["message"]
    assert Vehicle.objects.filter(vin=vehicle.vin).count() == 2


def test_a_plate_already_on_file_is_a_warning(api, customer, vehicle):
    r = api.post("/vehicles", new_vehicle_body(customer, plate=vehicle.plate))

    assert r.status_code == 201
    assert [w["field"] for w in r.json()["warnings"]] == ["plate"]


def test_another_groups_car_and_the_car_itself_are_no_duplicates(api, customer, outsider_tenant, other_brand):
    from dms.vehicles.services import vehicle_create

    stranger = customer_create(tenant=outsider_tenant, name="赵六", mobile="13700001111").record
    vehicle_create(tenant=outsider_tenant, owner_id=stranger.pk, vin=valid_vin(4711), plate="粤B8K2M5",
                   brand=other_brand, model="锋驭")  # fmt: skip

    r = api.post("/vehicles", new_vehicle_body(customer))  # the same VIN and plate, in our group
    same = api.patch(
        f"/vehicles/{r.json()['id']}", {"version": 1, "vin": valid_vin(4711), "plate": "粤B8K2M5"}
    )

    assert r.status_code == 201 and r.json()["warnings"] == []
    assert same.status_code == 200 and same.json()["warnings"] == []


def test_a_purchase_date_in_the_future_is_refused(api, customer):
    r = api.post("/vehicles", new_vehicle_body(customer, purchase_date="2099-01-01"))

    assert r.status_code == 400
    assert list(field_errors(r)) == ["purchase_date"]


def test_a_registration_before_the_purchase_is_refused(api, customer):
    r = api.post(
        "/vehicles", new_vehicle_body(customer, purchase_date="2024-05-01", registration_date="2024-04-01")
    )

    assert r.status_code == 400
    assert list(field_errors(r)) == ["registration_date"]


def test_an_unknown_usage_is_refused_on_field_usage(api, customer):
    r = api.post("/vehicles", new_vehicle_body(customer, usage="racing"))

    assert r.status_code == 422
    assert list(field_errors(r)) == ["usage"]
    assert "'private'" in field_errors(r)["usage"]


def test_a_negative_mileage_is_answered_422(api, customer):
    r = api.post("/vehicles", new_vehicle_body(customer, mileage_km=-5))

    assert r.status_code == 422
    assert list(field_errors(r)) == ["mileage_km"]


def test_a_technician_cannot_register_a_vehicle(technician, customer):
    r = ApiClient(technician).post("/vehicles", new_vehicle_body(customer))

    assert r.status_code == 403
    assert not Vehicle.objects.exists()


# --- List and detail -----------------------------------------------------------------------------


def test_the_list_gives_the_count_and_items(api, vehicle):
    r = api.get("/vehicles")

    assert r.status_code == 200
    assert r.json()["count"] == 1
    assert [v["id"] for v in r.json()["items"]] == [vehicle.pk]


def test_a_limit_over_200_is_answered_422(api, vehicle):
    r = api.get("/vehicles", {"limit": 201})

    assert r.status_code == 422
    assert list(field_errors(r)) == ["limit"]


def test_the_list_searches_by_plate_part_and_vin_tail(api, customer, vehicle):
    other = api.post("/vehicles", new_vehicle_body(customer)).json()

    by_plate = api.get("/vehicles", {"q": "8K2M"}).json()["items"]
    by_vin_tail = api.get("/vehicles", {"q": vehicle.vin[-6:]}).json()["items"]

    assert [v["id"] for v in by_plate] == [other["id"]]
    assert [v["id"] for v in by_vin_tail] == [vehicle.pk]


def test_the_detail_shows_the_vehicle(api, vehicle, customer):
    r = api.get(f"/vehicles/{vehicle.pk}")

    assert r.status_code == 200
    body = r.json()
    assert (body["vin"], body["plate"], body["customer_id"], body["model"], body["mileage_km"]) == (
        vehicle.vin,
        "粤B12345",
        customer.pk,
        "思域",
        12000,
    )


# --- Update --------------------------------------------------------------------------------------


def test_a_patch_with_the_current_version_changes_the_vehicle(api, vehicle):
    r = api.patch(f"/vehicles/{vehicle.pk}", {"version": 1, "colour": "珍珠白", "plate": "粤B54321"})

    assert r.status_code == 200, r.content
    assert (r.json()["colour"], r.json()["plate"], r.json()["version"]) == ("珍珠白", "粤B54321", 2)
    vehicle.refresh_from_db()
    assert (vehicle.colour, vehicle.plate, vehicle.version) == ("珍珠白", "粤B54321", 2)


def test_a_patch_with_a_stale_version_is_409_and_changes_nothing(api, vehicle):
    api.patch(f"/vehicles/{vehicle.pk}", {"version": 1, "colour": "珍珠白"})

    r = api.patch(f"/vehicles/{vehicle.pk}", {"version": 1, "colour": "黑色", "plate": "粤B54321"})

    assert r.status_code == 409
    assert "version" in field_errors(r)
    vehicle.refresh_from_db()
    assert (vehicle.colour, vehicle.plate, vehicle.version) == ("珍珠白", "粤B12345", 2)


def test_a_patch_with_a_bad_vin_changes_nothing(api, vehicle):
    original = vehicle.vin

    r = api.patch(
        f"/vehicles/{vehicle.pk}", {"version": 1, "colour": "黑色", "vin": with_wrong_check_digit(original)}
    )

    assert r.status_code == 400
    assert list(field_errors(r)) == ["vin"]
    vehicle.refresh_from_db()
    assert (vehicle.vin, vehicle.colour, vehicle.version) == (original, "", 1)


def test_a_patch_to_another_brand_of_the_group(api, vehicle, group):
    from dms.core.models import Brand

    Brand.objects.create(group=group, name="广汽丰田")

    r = api.patch(f"/vehicles/{vehicle.pk}", {"version": 1, "brand": "广汽丰田"})

    assert r.status_code == 200
    assert r.json()["brand"] == "广汽丰田"


def test_a_patch_with_a_lower_mileage_is_refused_and_changes_nothing(api, vehicle):
    r = api.patch(f"/vehicles/{vehicle.pk}", {"version": 1, "colour": "黑色", "mileage_km": 9000})

    assert r.status_code == 400
    assert list(field_errors(r)) == ["mileage_km"]
    vehicle.refresh_from_db()
    assert (vehicle.mileage_km, vehicle.colour, vehicle.version) == (12000, "", 1)
    assert vehicle.mileage_readings.count() == 1


# --- Mileage -------------------------------------------------------------------------------------


def test_a_higher_reading_is_recorded_and_the_vehicle_follows(api, vehicle):
    r = api.post(f"/vehicles/{vehicle.pk}/mileage", {"km": 15000})

    assert r.status_code == 201, r.content
    assert api.get(f"/vehicles/{vehicle.pk}").json()["mileage_km"] == 15000
    assert [m["km"] for m in api.get(f"/vehicles/{vehicle.pk}/mileage").json()] == [15000, 12000]


def test_a_reading_lower_than_the_last_is_refused_with_a_sentence(api_en, vehicle):
    r = api_en.post(f"/vehicles/{vehicle.pk}/mileage", {"km": 11000})

    assert r.status_code == 400
    assert list(field_errors(r)) == ["mileage_km"]
    assert "12,000" in r.json()["detail"] and "correction" in r.json()["detail"]
    vehicle.refresh_from_db()
    assert vehicle.mileage_km == 12000
    assert vehicle.mileage_readings.count() == 1


def test_a_correction_by_the_sa_is_forbidden(api, vehicle):
    r = api.post(f"/vehicles/{vehicle.pk}/mileage", {"km": 1200, "correction": True, "note": "多打了一个0"})

    assert r.status_code == 403
    vehicle.refresh_from_db()
    assert vehicle.mileage_km == 12000
    assert vehicle.mileage_readings.count() == 1


def test_a_correction_without_a_note_is_refused(manager_api, vehicle):
    r = manager_api.post(f"/vehicles/{vehicle.pk}/mileage", {"km": 1200, "correction": True, "note": "  "})

    assert r.status_code == 400
    assert list(field_errors(r)) == ["note"]
    vehicle.refresh_from_db()
    assert vehicle.mileage_km == 12000


def test_a_correction_by_the_manager_with_a_note_sets_the_mileage(manager_api, vehicle, manager):
    r = manager_api.post(
        f"/vehicles/{vehicle.pk}/mileage", {"km": 1200, "correction": True, "note": "多打了一个0"}
    )

    assert r.status_code == 201, r.content
    assert (r.json()["is_correction"], r.json()["note"], r.json()["by"]) == (True, "多打了一个0", "manager1")
    vehicle.refresh_from_db()
    assert vehicle.mileage_km == 1200
    assert manager_api.get(f"/vehicles/{vehicle.pk}").json()["mileage_km"] == 1200


def test_after_a_correction_readings_continue_from_the_corrected_value(api, manager_api, vehicle):
    # given 12,000 km was a typo for 1,200 km, and the manager corrected it
    manager_api.post(
        f"/vehicles/{vehicle.pk}/mileage", {"km": 1200, "correction": True, "note": "多打了一个0"}
    )

    # when the car comes back at 3,000 km
    r = api.post(f"/vehicles/{vehicle.pk}/mileage", {"km": 3000})

    # then the reading is accepted: the wrong reading no longer counts
    assert r.status_code == 201, r.content
    vehicle.refresh_from_db()
    assert vehicle.mileage_km == 3000


def test_after_a_correction_a_reading_below_it_is_still_refused(api, manager_api, vehicle):
    manager_api.post(
        f"/vehicles/{vehicle.pk}/mileage", {"km": 1200, "correction": True, "note": "多打了一个0"}
    )

    r = api.post(f"/vehicles/{vehicle.pk}/mileage", {"km": 1100})

    assert r.status_code == 400
    assert list(field_errors(r)) == ["mileage_km"]


def test_a_reading_in_the_future_is_refused(api, vehicle):
    r = api.post(f"/vehicles/{vehicle.pk}/mileage", {"km": 13000, "read_at": "2099-01-01T09:00:00+08:00"})

    assert r.status_code == 400
    assert list(field_errors(r)) == ["read_at"]


def test_a_reading_time_without_an_offset_is_the_stores_local_time(clock, api, vehicle):
    on(clock, "2026-05-01")
    fresh = api.post("/vehicles", new_vehicle_body(vehicle.owner, vin=valid_vin(777), mileage_km=100)).json()
    on(clock, "2026-05-02")

    r = api.post(f"/vehicles/{fresh['id']}/mileage", {"km": 300, "read_at": "2026-05-02T08:00:00"})

    assert r.status_code == 201, r.content
    assert r.json()["read_at"] == "2026-05-02T08:00:00+08:00"


def test_a_late_entry_above_a_later_reading_is_refused(api, vehicle):
    # given a reading of 15,000 km now, and the registration reading of 12,000 km before it
    api.post(f"/vehicles/{vehicle.pk}/mileage", {"km": 15000})
    earlier = vehicle.mileage_readings.get(km=12000).read_at

    # when a reading taken between the two is entered with 16,000 km
    between = earlier + (MileageReading.objects.get(km=15000).read_at - earlier) / 2
    r = api.post(f"/vehicles/{vehicle.pk}/mileage", {"km": 16000, "read_at": between.isoformat()})

    assert r.status_code == 400
    assert list(field_errors(r)) == ["mileage_km"]


# --- Transfer ------------------------------------------------------------------------------------


def add_record(api, vehicle, day: str, km: int, summary: str, paid: str = "380.00"):
    r = api.post(
        f"/vehicles/{vehicle.pk}/service-records",
        {"date": day, "mileage_km": km, "kind": "maintenance", "summary": summary, "amount_paid": paid},
    )
    assert r.status_code == 201, r.content
    return r.json()


def test_after_a_transfer_the_new_owner_file_lists_the_vehicle(api, vehicle, customer, li_si):
    r = api.post(f"/vehicles/{vehicle.pk}/transfer", {"new_owner_id": li_si.pk, "note": "二手转让"})

    assert r.status_code == 200, r.content
    assert r.json()["customer_id"] == li_si.pk
    assert [v["id"] for v in api.get(f"/customers/{li_si.pk}").json()["vehicles"]] == [vehicle.pk]
    assert api.get(f"/customers/{customer.pk}").json()["vehicles"] == []


def test_a_transfer_closes_the_old_ownership_and_opens_a_new_one(api, vehicle, customer, li_si):
    api.post(f"/vehicles/{vehicle.pk}/transfer", {"new_owner_id": li_si.pk})

    rows = VehicleOwnership.objects.filter(vehicle=vehicle).order_by("id")
    assert [(o.customer_id, o.ended_on is None) for o in rows] == [(customer.pk, False), (li_si.pk, True)]


@pytest.fixture
def clock(settings):
    """A frozen clock that starts on 5 January 2026, before the car below is registered.

    These stories span months; the API tokens of the day are made to last through them."""
    settings.API_TOKEN_LIFETIME_HOURS = 24 * 365
    with time_machine.travel(datetime(2026, 1, 5, 10, tzinfo=SHANGHAI), tick=False) as traveller:
        yield traveller


def on(clock, day: str):
    clock.move_to(datetime.fromisoformat(day).replace(hour=10, tzinfo=SHANGHAI))


def transfer(api, vehicle, new_owner, **extra):
    r = api.post(f"/vehicles/{vehicle.pk}/transfer", {"new_owner_id": new_owner.pk, **extra})
    assert r.status_code == 200, r.content
    return r.json()


def test_the_old_owner_keeps_the_service_records_of_their_time(clock, api, sa, vehicle, customer, li_si):
    # given 张三 had his car serviced, then sold it to 李四, who had it serviced too
    on(clock, "2026-03-01")
    add_record(api, vehicle, "2026-03-01", 13000, "张三的首保")
    on(clock, "2026-04-01")
    transfer(api, vehicle, li_si)
    on(clock, "2026-05-01")
    add_record(api, vehicle, "2026-05-01", 15000, "李四的二保")

    # when the SA opens each owner's customer 360 page
    pages = Client()
    pages.force_login(sa)
    old_360 = pages.get(f"/customers/{customer.pk}/")
    new_360 = pages.get(f"/customers/{li_si.pk}/")

    # then each shows the visits of their own time with the car
    assert [s.summary for s in old_360.context["service_records"]] == ["张三的首保"]
    assert [s.summary for s in new_360.context["service_records"]] == ["李四的二保"]


def test_the_vehicle_history_keeps_who_owned_it_at_each_visit(clock, api, vehicle, customer, li_si):
    on(clock, "2026-03-01")
    add_record(api, vehicle, "2026-03-01", 13000, "张三的首保")
    on(clock, "2026-04-01")
    transfer(api, vehicle, li_si)
    add_record(api, vehicle, "2026-04-01", 14000, "李四的检查")

    r = api.get(f"/vehicles/{vehicle.pk}/service-records")

    assert [(s["summary"], s["customer_id"]) for s in r.json()] == [
        ("李四的检查", li_si.pk),
        ("张三的首保", customer.pk),
    ]


def test_a_visit_entered_late_belongs_to_the_owner_of_that_day(clock, api, vehicle, customer, li_si):
    # given the car passed from 张三 to 李四 on 1 April
    on(clock, "2026-04-01")
    transfer(api, vehicle, li_si, on_date="2026-04-01")

    # when a visit of 1 March, from the old system, is entered afterwards
    on(clock, "2026-05-01")
    record = add_record(api, vehicle, "2026-03-01", 13000, "旧系统导入")

    # then it belongs to 张三, who owned the car then
    assert record["customer_id"] == customer.pk
    assert ServiceRecord.objects.get(pk=record["id"]).customer_id == customer.pk


def test_a_visit_on_the_day_of_the_transfer_belongs_to_the_new_owner(clock, api, vehicle, li_si):
    on(clock, "2026-04-01")
    transfer(api, vehicle, li_si, on_date="2026-04-01")

    record = add_record(api, vehicle, "2026-04-01", 13000, "过户当天的检查")

    assert record["customer_id"] == li_si.pk


def test_a_transfer_before_the_current_owner_had_the_car_is_refused(clock, api, vehicle, customer, li_si):
    on(clock, "2026-04-01")

    r = api.post(f"/vehicles/{vehicle.pk}/transfer", {"new_owner_id": li_si.pk, "on_date": "2025-12-31"})

    assert r.status_code == 400
    assert list(field_errors(r)) == ["on_date"]
    vehicle.refresh_from_db()
    assert vehicle.owner_id == customer.pk


def test_a_transfer_to_the_current_owner_is_refused(api, vehicle, customer):
    r = api.post(f"/vehicles/{vehicle.pk}/transfer", {"new_owner_id": customer.pk})

    assert r.status_code == 400
    assert list(field_errors(r)) == ["new_owner_id"]


def test_a_transfer_dated_in_the_future_is_refused(api, vehicle, li_si):
    r = api.post(f"/vehicles/{vehicle.pk}/transfer", {"new_owner_id": li_si.pk, "on_date": "2099-01-01"})

    assert r.status_code == 400
    vehicle.refresh_from_db()
    assert vehicle.owner_id != li_si.pk


def test_a_technician_cannot_transfer_a_vehicle(technician, vehicle, customer, li_si):
    r = ApiClient(technician).post(f"/vehicles/{vehicle.pk}/transfer", {"new_owner_id": li_si.pk})

    assert r.status_code == 403
    vehicle.refresh_from_db()
    assert vehicle.owner_id == customer.pk


# --- Service records -----------------------------------------------------------------------------


def test_service_records_are_added_and_listed_newest_first(api, vehicle, customer):
    add_record(api, vehicle, "2026-01-10", 12500, "更换机油机滤", "380.00")
    add_record(api, vehicle, "2026-02-10", 13000, "四轮定位", "200")

    r = api.get(f"/vehicles/{vehicle.pk}/service-records")

    assert r.status_code == 200
    assert [(s["date"], s["summary"], s["amount_paid"], s["store"]) for s in r.json()] == [
        ("2026-02-10", "四轮定位", "200.00", "SZ01"),
        ("2026-01-10", "更换机油机滤", "380.00", "SZ01"),
    ]


def test_a_service_record_of_an_unknown_kind_is_refused(api, vehicle):
    r = api.post(
        f"/vehicles/{vehicle.pk}/service-records",
        {"date": "2026-01-10", "mileage_km": 12500, "kind": "magic", "summary": "x"},
    )

    assert r.status_code == 422
    assert list(field_errors(r)) == ["kind"]
    assert not ServiceRecord.objects.exists()


def test_a_service_record_dated_in_the_future_is_refused(api, vehicle):
    r = api.post(
        f"/vehicles/{vehicle.pk}/service-records",
        {"date": "2099-01-10", "mileage_km": 12500, "kind": "repair", "summary": "x"},
    )

    assert r.status_code == 400
    assert list(field_errors(r)) == ["date"]
    assert not ServiceRecord.objects.exists()


def test_an_amount_with_three_decimals_is_refused(api, vehicle):
    r = api.post(
        f"/vehicles/{vehicle.pk}/service-records",
        {"date": "2026-01-10", "mileage_km": 12500, "kind": "repair", "summary": "x", "amount_paid": "1.005"},
    )

    assert r.status_code == 422
    assert list(field_errors(r)) == ["amount_paid"]


def test_a_technician_cannot_add_a_service_record(technician, vehicle):
    r = ApiClient(technician).post(
        f"/vehicles/{vehicle.pk}/service-records",
        {"date": "2026-01-10", "mileage_km": 12500, "kind": "repair", "summary": "x"},
    )

    assert r.status_code == 403
    assert not ServiceRecord.objects.exists()


# --- Coverage ------------------------------------------------------------------------------------

TODAY = datetime(2026, 6, 15, 10, tzinfo=SHANGHAI)


def coverage_of(api, customer, **vehicle):
    with time_machine.travel(TODAY):
        r = api.post("/vehicles", new_vehicle_body(customer, **vehicle))
        assert r.status_code == 201, r.content
        return {c["code"]: c for c in api.get(f"/vehicles/{r.json()['id']}").json()["coverage"]}


def test_a_private_car_bought_recently_shows_the_brand_warranty_and_the_sanbao_periods(api, customer):
    # given a private car invoiced 45 days ago with 1,200 km
    coverage = coverage_of(api, customer, usage="private", purchase_date="2026-05-01", mileage_km=1200)

    # then the brand's 3 years / 100,000 km run, and so do the 三包 periods, but not the 7-day refund
    assert coverage["warranty"]["active"] and coverage["warranty"]["ends_on"] == "2029-05-01"
    assert coverage["warranty"]["ends_km"] == 100_000
    assert coverage["sanbao_early"]["active"] and coverage["sanbao_early"]["ends_km"] == 3000
    assert coverage["sanbao"]["active"] and coverage["sanbao"]["ends_on"] == "2028-05-01"
    assert coverage["sanbao_repair"]["active"] and coverage["sanbao_repair"]["ends_km"] == 60_000
    assert coverage["sanbao_refund"]["active"] is False


def test_a_company_car_has_the_brand_warranty_but_no_sanbao(api, customer):
    coverage = coverage_of(api, customer, usage="company", purchase_date="2026-05-01", mileage_km=1200)

    assert list(coverage) == ["warranty"]
    assert coverage["warranty"]["active"]


def test_a_car_without_a_purchase_or_registration_date_shows_no_coverage(api, customer):
    coverage = coverage_of(api, customer, usage="private")

    assert coverage == {}


def test_the_early_sanbao_period_ends_at_3000_km(api, customer):
    coverage = coverage_of(api, customer, usage="private", purchase_date="2026-05-01", mileage_km=3500)

    assert coverage["sanbao_early"]["active"] is False
    assert coverage["sanbao"]["active"] is True


def test_the_age_tier_of_a_recent_car_is_in_warranty(api, customer):
    with time_machine.travel(TODAY):
        r = api.post("/vehicles", new_vehicle_body(customer, purchase_date="2026-05-01"))

    assert r.json()["age_tier"] == "in_warranty"


def test_dates_are_shown_as_iso_dates(api, customer):
    with time_machine.travel(TODAY):
        r = api.post("/vehicles", new_vehicle_body(customer, purchase_date="2026-05-01"))

    assert date.fromisoformat(r.json()["purchase_date"]) == date(2026, 5, 1)


# --- Ids ---------------------------------------------------------------------------------------------

OPAQUE = 1 << 40  # dms.core.ids: random 52-bit ids, never a sequence shared by the groups


def test_readings_and_service_records_have_opaque_ids_like_the_vehicle(api, vehicle):
    reading = api.post(f"/vehicles/{vehicle.pk}/mileage", {"km": 13000}).json()
    record = add_record(api, vehicle, "2026-01-10", 12500, "更换机油机滤", "380.00")

    listed = [r["id"] for r in api.get(f"/vehicles/{vehicle.pk}/mileage").json()]

    assert reading["id"] >= OPAQUE and record["id"] >= OPAQUE
    assert reading["id"] in listed and all(i >= OPAQUE for i in listed)


def test_a_reading_taken_at_the_same_moment_as_the_last_one_is_the_vehicles_mileage(
    api, vehicle, time_machine
):
    time_machine.move_to(vehicle.mileage_read_at + timedelta(minutes=10), tick=False)
    for km in (13000, 13050, 13100):  # random ids: the newest reading is not the highest id
        assert api.post(f"/vehicles/{vehicle.pk}/mileage", {"km": km}).status_code == 201

    assert api.get(f"/vehicles/{vehicle.pk}").json()["mileage_km"] == 13100


def test_a_reading_entered_days_after_it_was_taken_says_when_it_was_entered(api, vehicle, client, sa):
    taken = timezone.now() - timedelta(days=3)
    r = api.post(f"/vehicles/{vehicle.pk}/mileage", {"km": 11500, "read_at": taken.isoformat()})
    assert r.status_code == 201, r.content

    reading = MileageReading.objects.get(km=11500)
    assert reading.read_at == taken.replace(microsecond=taken.microsecond)
    assert reading.entered_later and timezone.now() - reading.recorded_at < timedelta(minutes=1)
    client.force_login(sa)
    page = client.get(f"/vehicles/{vehicle.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"录入于 {timezone.localtime(reading.recorded_at):%Y-%m-%d %H:%M}" in page
