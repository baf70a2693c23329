"""Input a fuzzer of the OpenAPI document sends (issue 12): every answer is a 4xx with the API's
error shape {"detail": sentence, "errors": [...]}, never a 500, and nothing is written."""

import pytest

pytestmark = pytest.mark.django_db


def assert_error(r, status: int, field: str | None = None) -> dict:
    assert r.status_code == status, r.content
    body = r.json()
    assert body["detail"] and isinstance(body["errors"], list)
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


# --- null for a field that may not be null -------------------------------------------------------


def test_a_vehicle_patch_with_null_notes_is_422_and_changes_nothing(api, vehicle):
    r = api.patch(f"/vehicles/{vehicle.pk}", {"version": vehicle.version, "notes": None, "colour": "白"})

    assert_error(r, 422, "notes")
    vehicle.refresh_from_db()
    assert (vehicle.colour, vehicle.version) == ("", 1)


def test_a_vehicle_patch_clears_notes_with_an_empty_text_and_a_date_with_null(api, vehicle):
    r = api.patch(
        f"/vehicles/{vehicle.pk}", {"version": vehicle.version, "notes": "", "insurance_expiry": None}
    )

    assert r.status_code == 200, r.content
    assert r.json()["notes"] == "" and r.json()["insurance_expiry"] is None


@pytest.mark.parametrize("field", ["name", "mobile", "notes", "marketing_consent", "source"])
def test_a_customer_patch_with_null_for_a_field_that_may_not_be_null_is_422(api, customer, field):
    r = api.patch(f"/customers/{customer.pk}", {"version": customer.version, field: None})

    assert_error(r, 422, field)


def test_a_customer_patch_may_clear_the_birthday_with_null(api, customer):
    r = api.patch(f"/customers/{customer.pk}", {"version": customer.version, "birthday": None})

    assert r.status_code == 200, r.content


@pytest.mark.parametrize("field", ["name", "price", "notes", "active"])
def test_a_part_patch_with_null_for_a_field_that_may_not_be_null_is_422(manager_api, field):
    created = manager_api.post("/parts", {"number": "15400-RTA-003", "name": "机油滤清器", "price": "48.00"})
    assert created.status_code == 201, created.content
    part = created.json()

    r = manager_api.patch(f"/parts/{part['id']}", {"version": part["version"], field: None})

    assert_error(r, 422, field)


# --- amounts beyond what money can be ------------------------------------------------------------


@pytest.mark.parametrize("price", [3e307, "1e10", "NaN"])
def test_a_part_with_an_absurd_price_is_422_and_not_created(manager_api, price):
    r = manager_api.post("/parts", {"number": "15400-RTA-003", "name": "机油滤清器", "price": price})

    assert_error(r, 422, "price")
    assert manager_api.get("/parts").json()["count"] == 0


# --- bodies that cannot be read ------------------------------------------------------------------


@pytest.fixture
def quiet_client(settings):
    from django.test import Client

    settings.DEBUG = False
    return Client(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="zh-hans")


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary="])
def test_signing_in_with_a_multipart_body_without_its_boundary_answers_the_apis_400(
    quiet_client, content_type
):
    r = quiet_client.post(
        "/api/v1/auth/token", data=b'{"username": "sa1", "password": "x"}', content_type=content_type
    )

    assert r["Content-Type"].startswith("application/json")
    assert "Content-Type" in assert_error(r, 400)["detail"]


@pytest.mark.parametrize("content_type", ["multipart/form-data", "application/x-unknown", "text/plain"])
def test_a_json_endpoint_with_a_broken_or_unknown_content_type_answers_the_apis_error(
    api, vehicle, content_type
):
    api.client.raise_request_exception = False
    r = api.client.post("/api/v1/vehicles", data=b"not json", content_type=content_type, **api.headers)

    assert r.status_code == 400 and r["Content-Type"].startswith("application/json")
    assert_error(r, 400)


# --- absurd years --------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["0548-03-01", "1999-12-31", "2101-01-01", "9999-12-31"])
def test_slots_on_a_day_of_an_absurd_year_are_422(api, day):
    r = api.get("/appointments/slots", {"date": day})

    assert_error(r, 422, "date")


def test_slots_on_the_first_and_last_days_accepted_answer_the_stores_offset(api):
    for day in ("2000-01-01", "2100-12-31"):
        r = api.get("/appointments/slots", {"date": day, "include_full": "true"})

        assert r.status_code == 200, r.content
        assert all(s["start"].endswith("+08:00") for s in r.json()["items"])


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/appointments", {"start": "0548-05-05T09:00:00"}),
        ("/appointments", {"start": "3000-05-05T09:00:00+08:00"}),
    ],
)
def test_a_booking_at_an_absurd_time_is_422(api, vehicle, path, body):
    r = api.post(path, {"vehicle_id": vehicle.pk, **body})

    assert_error(r, 422, "start")


@pytest.mark.parametrize(
    ("field", "value", "status"),
    [
        ("insurance_expiry", "0548-01-01", 422),
        ("inspection_due", "9999-01-01", 422),
        ("purchase_date", "1899-12-31", 422),
        ("registration_date", "1985-06-01", 200),  # a classic car's history is older than 2000
    ],
)
def test_vehicle_dates_of_absurd_years_are_422(api, vehicle, field, value, status):
    r = api.patch(f"/vehicles/{vehicle.pk}", {"version": vehicle.version, field: value})

    assert r.status_code == status, r.content
    if status == 422:
        assert_error(r, 422, field)


def test_a_mileage_read_in_year_548_is_422(api, vehicle):
    r = api.post(f"/vehicles/{vehicle.pk}/mileage", {"km": 13000, "read_at": "0548-01-01T10:00:00"})

    assert_error(r, 422, "read_at")


# --- a page beyond any list ----------------------------------------------------------------------


def _paged_lists() -> list[str]:
    from config.api import api as ninja_api

    paths = ninja_api.get_openapi_schema()["paths"]
    return sorted(
        path.removeprefix("/api/v1")
        for path, ops in paths.items()
        if "get" in ops
        and "{" not in path
        and any(p["name"] == "offset" for p in ops["get"].get("parameters", []))
    )


def test_every_list_is_walked_for_the_offset():
    assert {"/customers", "/vehicles", "/repair-orders", "/parts", "/outbound-messages"} <= set(
        _paged_lists()
    )


@pytest.mark.parametrize("path", _paged_lists())
def test_an_offset_beyond_any_list_is_422_not_a_500(manager_api, path):
    # Found by schemathesis: offset=360024418420477604896279119542616064 overflowed SQLite's integer (500).
    r = manager_api.get(path, {"offset": str(10**36), "limit": "10"})

    assert_error(r, 422, "offset")


def test_a_far_but_possible_offset_is_an_empty_page(manager_api):
    r = manager_api.get("/repair-orders", {"offset": "1000000000"})

    assert r.status_code == 200, r.content
    assert r.json()["items"] == []


def test_a_nul_character_in_text_is_a_400_with_a_sentence_and_changes_nothing(api, vehicle):
    # Found by schemathesis on PostgreSQL (which stores no NUL in text): a brand name and a colour
    # with a NUL character answered 500.
    before = api.get(f"/vehicles/{vehicle.pk}").json()

    for body in (
        {"brand": "东风\x00本田", "version": vehicle.version},
        {"colour": "白\x00色", "version": vehicle.version},
    ):
        r = api.patch(f"/vehicles/{vehicle.pk}", body)
        assert r.status_code in (400, 422), r.content
        assert r.json()["detail"]
    assert api.get(f"/vehicles/{vehicle.pk}").json() == before
