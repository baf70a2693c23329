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
