"""/api/v1/customers: the customer file over HTTP, as the front desk and integrations use it."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import ApiClient, valid_vin
from dms.core.roles import Role
from dms.customers.api import CustomerOut
from dms.customers.models import ConsentEvent, Customer, CustomerContact
from dms.customers.services import customer_create
from dms.vehicles.services import vehicle_create


def new_customer(tenant, name, mobile, **fields):
    return customer_create(tenant=tenant, name=name, mobile=mobile, **fields).record


def new_vehicle(tenant, owner, brand, *, serial, plate=""):
    return vehicle_create(
        tenant=tenant, owner_id=owner.pk, vin=valid_vin(serial), plate=plate, brand_id=brand.pk, model="雅阁"
    ).record


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def field_errors(response) -> dict[str, str]:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


# --- Create ------------------------------------------------------------------------------------------


def test_sa_opens_a_customer_file(api, sa):
    # when the SA registers a customer
    r = api.post("/customers", {"name": "李四", "mobile": "139 0000 1111", "title": "mr", "region": "南山区"})

    # then the file exists with a normalised mobile, version 1 and a salutation for letters
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["name"], body["mobile"], body["title"], body["version"]) == ("李四", "13900001111", "mr", 1)
    assert body["salutation"] == "李先生"
    assert body["store"] == "SZ01"
    assert body["warnings"] == []
    saved = Customer.objects.get(pk=body["id"])
    assert (saved.name, saved.mobile, saved.region) == ("李四", "13900001111", "南山区")


def test_a_customer_who_consents_at_registration_has_a_consent_event(api, sa):
    r = api.post("/customers", {"name": "李四", "mobile": "13900001111", "marketing_consent": True})

    assert r.status_code == 201
    events = list(ConsentEvent.objects.filter(customer_id=r.json()["id"]))
    assert [(e.granted, e.by) for e in events] == [(True, sa)]


def test_a_mobile_already_on_file_is_a_warning_not_an_error(api, customer):
    # given 张三 is on file with 13812345678
    # when his wife is registered with the same household mobile
    r = api.post("/customers", {"name": "王芳", "mobile": "13812345678", "title": "ms"})

    # then she is registered, and the SA is warned who else has that number
    assert r.status_code == 201, r.content
    warnings = r.json()["warnings"]
    assert [w["field"] for w in warnings] == ["mobile"]
    assert "张三" in warnings[0]["message"]
    assert Customer.objects.filter(mobile="13812345678").count() == 2


def test_a_company_with_a_fifty_character_name_is_registered_and_found(api):
    # Company cars are registered to the company (公务车); their names are long.
    name = (
        "深圳市前海深港现代服务业合作区某某汽车租赁服务有限公司第一分公司华南区域运营中心车队管理部门车辆一组"
    )
    assert len(name) == 50

    r = api.post("/customers", {"name": name, "mobile": "13900001111"})

    assert r.status_code == 201, r.content
    assert [c["name"] for c in api.get("/customers", {"q": "szsqh"}).json()["items"]] == [name]


def test_a_technician_cannot_open_a_customer_file(technician):
    r = ApiClient(technician).post("/customers", {"name": "李四", "mobile": "13900001111"})

    assert r.status_code == 403
    assert r.json()["detail"]
    assert not Customer.objects.filter(name="李四").exists()


# --- Bad input -----------------------------------------------------------------------------------


def test_a_missing_name_is_answered_422_on_field_name(api):
    r = api.post("/customers", {"mobile": "13900001111"})

    assert r.status_code == 422
    assert "name" in field_errors(r)
    assert r.json()["detail"]
    assert not Customer.objects.exists()


def test_a_blank_name_is_answered_on_field_name(api):
    r = api.post("/customers", {"name": "   ", "mobile": "13900001111"})

    assert r.status_code == 400
    assert list(field_errors(r)) == ["name"]
    assert not Customer.objects.exists()


def test_a_bad_mobile_is_answered_on_field_mobile(api):
    r = api.post("/customers", {"name": "李四", "mobile": "12345"})

    assert r.status_code == 400
    assert list(field_errors(r)) == ["mobile"]
    assert "12345" in r.json()["detail"]
    assert not Customer.objects.exists()


def test_a_landline_is_refused_as_a_mobile_saying_it_is_a_landline(api_en):
    r = api_en.post("/customers", {"name": "李四", "mobile": "020-12345678"})

    assert r.status_code == 400
    assert "landline" in field_errors(r)["mobile"]
    assert not Customer.objects.exists()


def test_a_birthday_in_the_future_is_refused(api):
    tomorrow = timezone.localdate() + timezone.timedelta(days=1)

    r = api.post("/customers", {"name": "李四", "mobile": "13900001111", "birthday": tomorrow.isoformat()})

    assert r.status_code == 400
    assert list(field_errors(r)) == ["birthday"]
    assert not Customer.objects.exists()


def test_a_birthday_that_is_not_a_date_is_answered_422(api):
    r = api.post("/customers", {"name": "李四", "mobile": "13900001111", "birthday": "31/12/1980"})

    assert r.status_code == 422
    assert list(field_errors(r)) == ["birthday"]


@pytest.mark.parametrize("birthday", ["0548-03-01", "1899-12-31", "2101-01-01"])
def test_a_birthday_in_an_absurd_year_is_answered_422(api, birthday):
    r = api.post("/customers", {"name": "李四", "mobile": "13900001111", "birthday": birthday})

    assert r.status_code == 422
    assert list(field_errors(r)) == ["birthday"]
    assert "1900" in field_errors(r)["birthday"]
    assert not Customer.objects.exists()


def test_a_birthday_in_a_year_of_five_digits_is_answered_422(api, customer):
    r = api.patch(f"/customers/{customer.pk}", {"version": customer.version, "birthday": "99999-01-01"})

    assert r.status_code == 422
    assert list(field_errors(r)) == ["birthday"]


def test_a_birthday_long_ago_is_kept(api):
    r = api.post("/customers", {"name": "李四", "mobile": "13900001111", "birthday": "1931-05-04"})

    assert r.status_code == 201
    assert r.json()["birthday"] == "1931-05-04"


def test_customer_since_an_absurd_year_is_answered_422(api, customer):
    r = api.patch(f"/customers/{customer.pk}", {"version": customer.version, "known_since": "0548-01-01"})

    assert r.status_code == 422
    assert list(field_errors(r)) == ["known_since"]


def test_an_unknown_choice_value_is_answered_on_its_field_with_the_choices(api):
    r = api.post("/customers", {"name": "李四", "mobile": "13900001111", "preferred_channel": "fax"})

    assert r.status_code == 422
    assert list(field_errors(r)) == ["preferred_channel"]
    message = field_errors(r)["preferred_channel"]
    assert message.startswith(("请从以下选项中选择", "Choose one of"))
    assert "'wechat'" in message
    assert not Customer.objects.exists()


def test_every_bad_choice_is_named_in_one_answer(api):
    r = api.post("/customers", {"name": "李四", "mobile": "13900001111", "title": "dr", "source": "tv"})

    assert r.status_code == 422
    assert set(field_errors(r)) == {"title", "source"}


def test_every_bad_field_is_named_in_one_answer(api):
    r = api.post("/customers", {"name": "李四", "mobile": "12345", "email": "not-mail"})

    assert r.status_code == 400
    assert set(field_errors(r)) == {"mobile", "email"}


def test_a_body_that_is_not_json_is_answered_400_with_a_sentence(api):
    r = api.client.post(
        "/api/v1/customers", data='{"name": "李四",', content_type="application/json", **api.headers
    )

    assert r.status_code == 400
    body = r.json()
    assert body["detail"] and "Traceback" not in body["detail"]
    assert [e["message"] for e in body["errors"]] == [body["detail"]]
    assert not Customer.objects.exists()


def test_a_json_list_instead_of_an_object_is_answered_422(api):
    r = api.client.post("/api/v1/customers", data="[1, 2]", content_type="application/json", **api.headers)

    assert r.status_code == 422
    assert r.json()["errors"]


def test_error_messages_are_in_chinese_by_default(api):
    r = api.post("/customers", {"name": "李四", "mobile": "12345"})

    assert has_chinese(r.json()["detail"]), r.json()
    assert has_chinese(field_errors(r)["mobile"])


def test_error_messages_are_in_english_with_accept_language_en(api_en):
    r = api_en.post("/customers", {"name": "李四", "mobile": "12345"})

    assert not has_chinese(r.json()["detail"]), r.json()
    assert "mobile" in field_errors(r)["mobile"]


def test_validation_messages_are_in_chinese_by_default(api):
    r = api.post("/customers", {"mobile": "13900001111"})

    assert has_chinese(field_errors(r)["name"])


def test_validation_messages_are_in_english_with_accept_language_en(api_en):
    r = api_en.post("/customers", {"mobile": "13900001111"})

    assert "required" in field_errors(r)["name"]


def test_a_not_json_sentence_is_in_chinese_by_default(api):
    r = api.client.post("/api/v1/customers", data="{", content_type="application/json", **api.headers)

    assert has_chinese(r.json()["detail"]), r.json()


# --- List and detail -----------------------------------------------------------------------------


@pytest.fixture
def three_customers(tenant):
    return [
        new_customer(tenant, "李四", "13900001111"),
        new_customer(tenant, "王五", "13700002222"),
        new_customer(tenant, "赵六", "13600003333"),
    ]


def test_the_list_gives_the_count_and_a_page_of_items(api, three_customers):
    r = api.get("/customers", {"limit": 2})

    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 3
    assert len(body["items"]) == 2


def test_pages_follow_each_other_without_overlap(api, three_customers):
    first = api.get("/customers", {"limit": 2, "offset": 0}).json()["items"]
    second = api.get("/customers", {"limit": 2, "offset": 2}).json()["items"]

    ids = [c["id"] for c in first + second]
    assert len(second) == 1
    assert sorted(ids) == sorted(c.pk for c in three_customers)


def test_a_limit_over_200_is_answered_422_on_field_limit(api, three_customers):
    r = api.get("/customers", {"limit": 201})

    assert r.status_code == 422
    assert list(field_errors(r)) == ["limit"]


def test_a_limit_of_200_is_accepted_from_a_role_that_may_export(manager_api, three_customers):
    # (a bulk read: the advisor's is refused, see test_bulk_reads.py)
    r = manager_api.get("/customers", {"limit": 200})

    assert r.status_code == 200
    assert r.json()["count"] == 3


def test_a_negative_offset_is_answered_422(api):
    r = api.get("/customers", {"offset": -1})

    assert r.status_code == 422
    assert list(field_errors(r)) == ["offset"]


def test_a_limit_that_is_not_a_number_is_answered_422(api):
    r = api.get("/customers", {"limit": "many"})

    assert r.status_code == 422
    assert list(field_errors(r)) == ["limit"]


def test_the_detail_shows_the_customer_and_their_vehicles(api, customer, vehicle):
    r = api.get(f"/customers/{customer.pk}")

    assert r.status_code == 200
    body = r.json()
    assert (body["id"], body["name"], body["mobile"], body["version"]) == (
        customer.pk,
        "张三",
        "13812345678",
        1,
    )
    assert [(v["id"], v["plate"]) for v in body["vehicles"]] == [(vehicle.pk, "粤B12345")]


def test_an_unknown_customer_is_answered_404(api, customer):
    r = api.get(f"/customers/{customer.pk + 1}")

    assert r.status_code == 404
    assert r.json()["detail"]


# --- Masking -------------------------------------------------------------------------------------


def test_a_technician_sees_the_mobile_masked_in_the_list(technician, customer):
    r = ApiClient(technician).get("/customers")

    assert r.status_code == 200
    assert [c["mobile"] for c in r.json()["items"]] == ["138****5678"]
    assert "13812345678" not in r.content.decode()


def test_a_technician_sees_the_mobile_masked_in_the_detail_and_search(technician, customer):
    tech = ApiClient(technician)

    detail = tech.get(f"/customers/{customer.pk}")
    found = tech.get("/customers", {"q": "5678"})

    assert detail.json()["mobile"] == "138****5678"
    assert [c["mobile"] for c in found.json()["items"]] == ["138****5678"]


def test_the_sa_sees_the_mobile_in_full(api, customer):
    r = api.get("/customers")

    assert [c["mobile"] for c in r.json()["items"]] == ["13812345678"]


def test_a_technician_does_not_see_the_other_phone(technician, tenant):
    new_customer(tenant, "李四", "13900001111", phone2="075512345678")

    r = ApiClient(technician).get("/customers")

    assert "075512345678" not in r.content.decode()


# --- Update --------------------------------------------------------------------------------------


def test_a_patch_with_the_current_version_changes_the_fields_and_the_version(api, customer):
    r = api.patch(f"/customers/{customer.pk}", {"version": 1, "mobile": "13912345678", "region": "福田区"})

    assert r.status_code == 200, r.content
    assert (r.json()["mobile"], r.json()["region"], r.json()["version"]) == ("13912345678", "福田区", 2)
    customer.refresh_from_db()
    assert (customer.mobile, customer.region, customer.version) == ("13912345678", "福田区", 2)


def test_a_patch_leaves_the_fields_it_does_not_name(api, tenant):
    c = new_customer(tenant, "李四", "13900001111", region="南山区", notes="喜欢早上来")

    api.patch(f"/customers/{c.pk}", {"version": 1, "occupation": "教师"})

    c.refresh_from_db()
    assert (c.region, c.notes, c.occupation) == ("南山区", "喜欢早上来", "教师")


def test_a_patch_with_a_stale_version_is_409_and_changes_nothing(api, customer):
    # given the SA's colleague saved a change after the SA read version 1
    assert api.patch(f"/customers/{customer.pk}", {"version": 1, "region": "福田区"}).status_code == 200

    # when the SA saves their change with version 1
    r = api.patch(f"/customers/{customer.pk}", {"version": 1, "region": "罗湖区", "name": "张叁"})

    # then it is refused with a sentence, and the colleague's change stands
    assert r.status_code == 409
    assert r.json()["detail"]
    assert "version" in field_errors(r)
    customer.refresh_from_db()
    assert (customer.name, customer.region, customer.version) == ("张三", "福田区", 2)


def test_a_patch_without_a_version_is_answered_422(api, customer):
    r = api.patch(f"/customers/{customer.pk}", {"region": "福田区"})

    assert r.status_code == 422
    assert list(field_errors(r)) == ["version"]
    customer.refresh_from_db()
    assert customer.region == ""


def test_a_bad_patch_changes_nothing(api, customer):
    r = api.patch(f"/customers/{customer.pk}", {"version": 1, "region": "福田区", "mobile": "12345"})

    assert r.status_code == 400
    customer.refresh_from_db()
    assert (customer.region, customer.mobile, customer.version) == ("", "13812345678", 1)


def test_another_groups_customer_and_the_customer_itself_are_no_duplicates(api, customer, outsider_tenant):
    new_customer(outsider_tenant, "赵六", "13900002222")

    r = api.post("/customers", {"name": "王芳", "mobile": "13900002222", "title": "ms"})
    same = api.patch(f"/customers/{r.json()['id']}", {"version": 1, "mobile": "139 0000 2222"})

    assert r.status_code == 201 and r.json()["warnings"] == []
    assert same.status_code == 200 and same.json()["warnings"] == []


def test_a_patch_to_a_mobile_already_on_file_warns(api, customer, tenant):
    li = new_customer(tenant, "李四", "13900001111")

    r = api.patch(f"/customers/{li.pk}", {"version": 1, "mobile": "13812345678"})

    assert r.status_code == 200
    assert [w["field"] for w in r.json()["warnings"]] == ["mobile"]


def test_a_technician_cannot_change_a_customer(technician, customer):
    r = ApiClient(technician).patch(f"/customers/{customer.pk}", {"version": 1, "name": "张叁"})

    assert r.status_code == 403
    customer.refresh_from_db()
    assert (customer.name, customer.version) == ("张三", 1)


# --- Contacts ------------------------------------------------------------------------------------


def test_the_sa_records_a_call_on_the_customer_card(api, customer, sa):
    r = api.post(
        f"/customers/{customer.pk}/contacts", {"kind": "phone", "summary": "提醒首保", "direction": "out"}
    )

    assert r.status_code == 201, r.content
    assert (r.json()["kind"], r.json()["summary"], r.json()["by"], r.json()["store"]) == (
        "phone",
        "提醒首保",
        "sa1",
        "SZ01",
    )
    assert CustomerContact.objects.get(customer=customer).by == sa
    assert r.json()["id"] >= 1 << 40  # an opaque id (dms.core.ids), like the customer's


def test_consent_events_have_opaque_ids(api, customer):
    api.post(f"/customers/{customer.pk}/consent", {"granted": True, "how": "到店当面同意"})

    assert ConsentEvent.objects.get(customer=customer).pk >= 1 << 40


def test_contacts_are_listed_newest_first(api, customer):
    now = timezone.now()
    api.post(f"/customers/{customer.pk}/contacts",
             {"kind": "phone", "summary": "第一次", "at": (now - timezone.timedelta(days=2)).isoformat()})  # fmt: skip
    api.post(f"/customers/{customer.pk}/contacts", {"kind": "wechat", "summary": "第二次"})

    r = api.get(f"/customers/{customer.pk}/contacts")

    assert r.status_code == 200
    assert [c["summary"] for c in r.json()] == ["第二次", "第一次"]


def test_a_contact_time_without_an_offset_is_the_stores_local_time(api, customer):
    r = api.post(f"/customers/{customer.pk}/contacts",
                 {"kind": "visit", "summary": "到店咨询", "at": "2026-05-01T09:30:00"})  # fmt: skip

    assert r.status_code == 201, r.content
    assert r.json()["at"] == "2026-05-01T09:30:00+08:00"
    saved = CustomerContact.objects.get(customer=customer).at
    assert saved.isoformat() == "2026-05-01T01:30:00+00:00"


def test_a_contact_without_a_summary_is_refused(api, customer):
    r = api.post(f"/customers/{customer.pk}/contacts", {"kind": "phone", "summary": "  "})

    assert r.status_code == 400
    assert list(field_errors(r)) == ["summary"]
    assert not CustomerContact.objects.exists()


def test_a_contact_of_an_unknown_kind_is_refused(api, customer):
    r = api.post(f"/customers/{customer.pk}/contacts", {"kind": "pigeon", "summary": "飞鸽传书"})

    assert r.status_code == 422
    assert list(field_errors(r)) == ["kind"]
    assert not CustomerContact.objects.exists()


@pytest.mark.parametrize("at", ["0548-03-01T09:00:00", "1999-12-31T23:00:00+08:00"])
def test_a_contact_in_an_absurd_year_is_answered_422_not_an_odd_offset(api, customer, at):
    r = api.post(f"/customers/{customer.pk}/contacts", {"kind": "phone", "summary": "回访", "at": at})

    assert r.status_code == 422
    assert list(field_errors(r)) == ["at"]
    assert not CustomerContact.objects.exists()


def test_a_contact_in_the_future_is_refused(api, customer):
    later = timezone.now() + timezone.timedelta(days=1)

    r = api.post(f"/customers/{customer.pk}/contacts",
                 {"kind": "phone", "summary": "回访", "at": later.isoformat()})  # fmt: skip

    assert r.status_code == 400
    assert list(field_errors(r)) == ["at"]


def test_a_technician_cannot_record_a_contact(technician, customer):
    r = ApiClient(technician).post(f"/customers/{customer.pk}/contacts", {"kind": "phone", "summary": "x"})

    assert r.status_code == 403
    assert not CustomerContact.objects.exists()


# --- Consent -------------------------------------------------------------------------------------


def test_granting_consent_records_who_when_and_how(api, customer, sa):
    r = api.post(f"/customers/{customer.pk}/consent", {"granted": True, "how": "到店签字"})

    assert r.status_code == 200, r.content
    assert r.json()["marketing_consent"] is True
    event = ConsentEvent.objects.get(customer=customer)
    assert (event.granted, event.by, event.how) == (True, sa, "到店签字")
    customer.refresh_from_db()
    assert customer.marketing_consent and customer.consent_changed_at == event.at


def test_withdrawing_consent_is_kept_beside_the_grant(api, customer):
    api.post(f"/customers/{customer.pk}/consent", {"granted": True, "how": "到店签字"})

    r = api.post(f"/customers/{customer.pk}/consent", {"granted": False, "how": "电话要求退订"})

    assert r.json()["marketing_consent"] is False
    events = ConsentEvent.objects.filter(customer=customer).order_by("at", "id")
    assert [(e.granted, e.how) for e in events] == [(True, "到店签字"), (False, "电话要求退订")]


def test_granting_consent_twice_records_it_once(api, customer):
    api.post(f"/customers/{customer.pk}/consent", {"granted": True})
    api.post(f"/customers/{customer.pk}/consent", {"granted": True})

    assert ConsentEvent.objects.filter(customer=customer).count() == 1


def test_a_consent_change_in_a_patch_is_recorded_too(api, customer):
    r = api.patch(f"/customers/{customer.pk}", {"version": 1, "marketing_consent": True})

    assert r.status_code == 200
    assert r.json()["marketing_consent"] is True
    assert [e.granted for e in ConsentEvent.objects.filter(customer=customer)] == [True]


# --- History -------------------------------------------------------------------------------------


def test_the_history_shows_who_created_and_who_changed_what(api, api_en, sa):
    # given the SA opened a file and later corrected the mobile
    created = api.post("/customers", {"name": "李四", "mobile": "13900001111"}).json()
    api.patch(f"/customers/{created['id']}", {"version": 1, "mobile": "13900002222"})

    # when the history is read
    r = api_en.get(f"/customers/{created['id']}/history")

    # then it shows the change, then the creation, both by the SA
    assert r.status_code == 200
    entries = r.json()
    assert [(e["action"], e["actor"]) for e in entries] == [("changed", "sa1"), ("created", "sa1")]
    assert ["13900001111", "13900002222"] in entries[0]["changes"].values()


def test_the_history_shows_the_customers_vehicles_changes(api_en, customer, vehicle):
    api_en.patch(f"/vehicles/{vehicle.pk}", {"version": 1, "colour": "珍珠白"})

    entries = api_en.get(f"/customers/{customer.pk}/history").json()

    assert any(["", "珍珠白"] in e["changes"].values() and e["actor"] == "sa1" for e in entries), entries


# --- Search --------------------------------------------------------------------------------------


@pytest.fixture
def customer_file(tenant, brand):
    """Four customers the front desk will look for, in as many ways."""
    zhang = new_customer(tenant, "张三", "13812345678")
    new_vehicle(tenant, zhang, brand, serial=1, plate="粤B12345")
    li = new_customer(tenant, "李四", "13900001111")
    new_vehicle(tenant, li, brand, serial=222222, plate="粤A8K2M5")
    ouyang = new_customer(tenant, "欧阳娜娜", "13700002222")
    wang = new_customer(tenant, "王小明", "13600003333")
    new_vehicle(tenant, wang, brand, serial=246810, plate="京N7P9R1")
    return {"张三": zhang, "李四": li, "欧阳娜娜": ouyang, "王小明": wang}


SEARCHES = [
    ("name", "张三", "张三"),
    ("given name", "三", "张三"),
    ("given name after a compound surname", "娜娜", "欧阳娜娜"),
    ("full pinyin", "zhangsan", "张三"),
    ("pinyin in capitals", "ZhangSan", "张三"),
    ("initials", "zs", "张三"),
    ("initials of a compound surname", "oynn", "欧阳娜娜"),
    ("full mobile", "13900001111", "李四"),
    ("mobile with spaces", "139 0000 1111", "李四"),
    ("last 4 of the mobile", "1111", "李四"),
    ("part of a plate", "8K2M", "李四"),
    ("whole plate", "粤A8K2M5", "李四"),
    ("full VIN", valid_vin(246810), "王小明"),
    ("VIN in lowercase", valid_vin(246810).lower(), "王小明"),
    ("last 6 of the VIN", "246810", "王小明"),
]


@pytest.mark.parametrize(("kind", "q", "expected"), SEARCHES, ids=[s[0] for s in SEARCHES])
def test_search_finds_the_right_customer_and_no_other(api, customer_file, kind, q, expected):
    r = api.get("/customers", {"q": q})

    assert r.status_code == 200
    assert [c["name"] for c in r.json()["items"]] == [expected]
    assert r.json()["count"] == 1


def test_search_by_a_mobile_pasted_with_the_country_code(api, customer_file):
    # A number copied from a phone's contact card reads +86 139 0000 1111
    r = api.get("/customers", {"q": "+86 139 0000 1111"})

    assert [c["name"] for c in r.json()["items"]] == ["李四"]


def test_search_by_the_family_name_of_a_name_in_latin_letters(api, tenant):
    new_customer(tenant, "John Smith", "13911112222")

    r = api.get("/customers", {"q": "smith"})

    assert [c["name"] for c in r.json()["items"]] == ["John Smith"]


def test_a_latin_family_name_finds_the_name_written_either_way_round(api, tenant):
    new_customer(tenant, "Smith John", "13911113333")
    new_customer(tenant, "Mary Smithers", "13911114444")

    r = api.get("/customers", {"q": "smith"})

    assert sorted(c["name"] for c in r.json()["items"]) == ["Mary Smithers", "Smith John"]


def test_a_search_item_is_the_customer_as_the_detail_shows_it(api, customer_file):
    li = customer_file["李四"]

    item = api.get("/customers", {"q": "李四"}).json()["items"][0]
    detail = api.get(f"/customers/{li.pk}").json()

    assert item == detail
    assert item["vehicles"][0]["plate"] == "粤A8K2M5"
    CustomerOut.model_validate(item)  # the shape the OpenAPI document promises


def test_a_search_item_hides_the_phones_from_a_technician(technician, tenant):
    new_customer(tenant, "李四", "13900001111", phone2="075512345678")

    item = ApiClient(technician).get("/customers", {"q": "lisi"}).json()["items"][0]

    assert (item["mobile"], item["phone2"]) == ("139****1111", "****")


def test_a_page_of_50_hits_is_read_in_two_queries(api, tenant, brand, django_assert_max_num_queries):
    for i in range(60):
        owner = new_customer(tenant, f"张{chr(0x4E00 + i)}", f"138{i:08d}")
        new_vehicle(tenant, owner, brand, serial=1000 + i, plate=f"粤B{i:05d}")
    api.get("/customers", {"q": "zhang"})  # the bearer token is read once, then kept a few seconds

    with django_assert_max_num_queries(2):  # the hits of every kind at once, then the page
        r = api.get("/customers", {"q": "zhang", "limit": 50})

    assert r.json()["count"] == 60 and len(r.json()["items"]) == 50
    assert all(len(c["vehicles"]) == 1 for c in r.json()["items"])


# --- Bearer tokens, kept a few seconds between requests -------------------------------------------


def test_a_revoked_token_is_refused_at_once(api, sa):
    assert api.get("/customers").status_code == 200

    sa.api_tokens.all().delete()

    assert api.get("/customers").status_code == 401


def test_a_deactivated_user_is_refused_at_once(api, sa):
    assert api.get("/customers").status_code == 200

    sa.is_active = False
    sa.save()

    assert api.get("/customers").status_code == 401


def test_a_role_change_applies_to_the_next_request(technician, tenant):
    new_customer(tenant, "李四", "13900001111")
    tech = ApiClient(technician)
    assert tech.get("/customers", {"q": "lisi"}).json()["items"][0]["mobile"] == "139****1111"

    membership = technician.memberships.get()
    membership.role = Role.SERVICE_ADVISOR
    membership.save()

    assert tech.get("/customers", {"q": "lisi"}).json()["items"][0]["mobile"] == "13900001111"


def test_an_expired_token_is_refused_even_when_kept(api, sa, time_machine):
    assert api.get("/customers").status_code == 200

    time_machine.move_to(sa.api_tokens.get().expires_at + timedelta(seconds=1))

    assert api.get("/customers").status_code == 401


def test_search_for_someone_not_on_file_finds_nobody(api, customer_file):
    r = api.get("/customers", {"q": "诸葛亮"})

    assert r.status_code == 200
    assert (r.json()["count"], r.json()["items"]) == (0, [])


def test_search_by_pinyin_follows_the_surname_reading(api, tenant):
    # 曾 reads zēng as a surname (céng otherwise)
    new_customer(tenant, "曾小贤", "13500004444")

    r = api.get("/customers", {"q": "zengxiaoxian"})

    assert [c["name"] for c in r.json()["items"]] == ["曾小贤"]


def test_search_finds_a_customer_renamed_by_their_new_name(api, customer):
    api.patch(f"/customers/{customer.pk}", {"version": 1, "name": "李雷"})

    by_new = api.get("/customers", {"q": "lilei"}).json()["items"]
    by_old = api.get("/customers", {"q": "zhangsan"}).json()["items"]

    assert [c["id"] for c in by_new] == [customer.pk]
    assert by_old == []


def test_search_pages_with_limit_and_offset(api, tenant):
    for i in range(3):
        new_customer(tenant, f"张{'一二三'[i]}", f"1380000000{i}")

    first = api.get("/customers", {"q": "zhang", "limit": 2}).json()
    rest = api.get("/customers", {"q": "zhang", "limit": 2, "offset": 2}).json()

    assert first["count"] == rest["count"] == 3
    assert len(first["items"]) == 2 and len(rest["items"]) == 1
    assert len({c["id"] for c in first["items"] + rest["items"]}) == 3


def test_the_customer_json_is_plain_json(api, customer):
    # Integrations parse this with any JSON library: ids are integers, dates ISO strings.
    body = json.loads(api.get(f"/customers/{customer.pk}").content)

    assert isinstance(body["id"], int)
    assert isinstance(body["version"], int)
    assert body["created_at"].endswith(("Z", "+00:00", "+08:00"))
