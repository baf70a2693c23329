"""/api/v1/parts: every endpoint, as the parts counter, the front desk and integrations use it."""

from decimal import Decimal

import pytest

from dms.parts import services
from dms.parts.models import Part, Reservation, StockMove

from .conftest import APPOINTMENT_ID, RO2_ID, RO_ID, level_of

D = Decimal


def field_errors(response) -> dict:
    return {e["field"]: e["message"] for e in response.json()["errors"]}


def reserve(api, part, quantity="1", for_kind="appointment", for_id=APPOINTMENT_ID):
    return api.post(
        f"/parts/{part.pk}/reservations", {"quantity": quantity, "for_kind": for_kind, "for_id": for_id}
    )


# --- The catalogue -----------------------------------------------------------------------------------


def test_the_clerk_adds_a_part(clerk_api):
    r = clerk_api.post("/parts", {"number": "17220-r5a-a01", "name": "空气滤清器", "price": "128.5",
                                  "quality": "oem", "min_stock": 3})  # fmt: skip
    assert r.status_code == 201, r.content
    body = r.json()
    assert (
        body["number"],
        body["price"],
        body["quality"],
        body["min_stock"],
        body["unit"],
        body["version"],
    ) == ("17220-R5A-A01", "128.50", "oem", "3.00", "piece", 1)
    assert body["stock"] == {"store": "SZ01", "on_hand": "0.00", "reserved": "0.00", "available": "0.00",
                             "issued": "0.00", "minimum": "3.00"}  # fmt: skip
    assert [s["store"] for s in body["stores"]] == ["SZ01"]
    assert Part.objects.get(pk=body["id"]).name == "空气滤清器"


def test_bad_part_input_names_the_fields(clerk_api):
    r = clerk_api.post("/parts", {"number": "机滤", "name": "", "unit": "piece", "price": "-1"})
    assert r.status_code == 400
    assert set(field_errors(r)) == {"number", "name", "price"}
    r = clerk_api.post("/parts", {"number": "A-1", "name": "x", "unit": "barrel", "quality": "fake"})
    assert r.status_code == 422 and set(field_errors(r)) == {"unit", "quality"}
    r = clerk_api.post("/parts", {"number": "A-1", "name": "x", "price": "1.234"})
    assert r.status_code == 422 and set(field_errors(r)) == {"price"}
    r = clerk_api.post("/parts", {"name": "x"})
    assert r.status_code == 422 and set(field_errors(r)) == {"number"}
    assert not Part.objects.exists()


def test_a_duplicate_part_number_is_refused(clerk_api, oil_filter):
    r = clerk_api.post("/parts", {"number": "15400-RTA-003", "name": "机滤"})
    assert r.status_code == 400 and set(field_errors(r)) == {"number"}


def test_a_service_advisor_may_look_but_not_add(api, oil_filter):
    assert api.post("/parts", {"number": "X-1", "name": "雨刮片"}).status_code == 403
    assert api.get("/parts").json()["count"] == 1


def test_search_lists_parts_with_this_stores_stock(clerk_api, oil_filter, engine_oil, stock):
    stock(engine_oil, "20")
    r = clerk_api.get("/parts", {"q": "08232"})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 1
    assert body["items"][0]["stock"]["on_hand"] == "20.00"
    assert clerk_api.get("/parts", {"q": "机油"}).json()["count"] == 2
    assert clerk_api.get("/parts", {"limit": 1, "offset": 1}).json()["items"][0]["number"] == "15400-RTA-003"
    assert clerk_api.get("/parts", {"limit": 500}).status_code == 422


def test_a_part_and_its_stock_per_store(clerk_api, oil_filter, stock, second_store):
    stock(oil_filter, 4)
    r = clerk_api.get(f"/parts/{oil_filter.pk}")
    assert r.status_code == 200
    body = r.json()
    assert body["stock"]["available"] == "4.00"
    assert [(s["store"], s["on_hand"]) for s in body["stores"]] == [("SZ01", "4.00"), ("SZ02", "0.00")]


def test_patch_with_the_version_read(clerk_api, oil_filter):
    r = clerk_api.patch(f"/parts/{oil_filter.pk}", {"version": 1, "price": "75.00", "active": False})
    assert r.status_code == 200, r.content
    assert (r.json()["price"], r.json()["active"], r.json()["version"]) == ("75.00", False, 2)
    stale = clerk_api.patch(f"/parts/{oil_filter.pk}", {"version": 1, "price": "80.00"})
    assert stale.status_code == 409 and stale.json()["current_version"] == 2
    assert Part.objects.get(pk=oil_filter.pk).price == D("75.00")


def test_the_store_minimum_is_set_and_cleared(clerk_api, oil_filter):
    r = clerk_api._call("put", f"/parts/{oil_filter.pk}/minimum", {"min_qty": "6"})
    assert r.status_code == 200 and r.json()["stock"]["minimum"] == "6.00"
    r = clerk_api._call("put", f"/parts/{oil_filter.pk}/minimum", {"min_qty": None})
    assert r.json()["stock"]["minimum"] == "2.00"


# --- Stock -------------------------------------------------------------------------------------------


def test_receive_and_count(clerk_api, engine_oil, store):
    r = clerk_api.post(f"/parts/{engine_oil.pk}/receive", {"quantity": "20", "reference": "DN-0418"})
    assert r.status_code == 201, r.content
    assert {k: r.json()[k] for k in ("kind", "quantity", "on_hand_after", "reference", "by")} == {
        "kind": "receipt",
        "quantity": "20.00",
        "on_hand_after": "20.00",
        "reference": "DN-0418",
        "by": "parts1",
    }
    r = clerk_api.post(f"/parts/{engine_oil.pk}/adjust", {"counted": "19.5", "reason": "盘点"})
    assert r.status_code == 201 and r.json()["quantity"] == "-0.50"
    assert level_of(engine_oil, store)[0] == D("19.5")


def test_bad_stock_input_is_explained(clerk_api, oil_filter):
    cases = [
        ("receive", {"quantity": "0"}, 400, "quantity"),
        ("receive", {"quantity": "1.5"}, 400, "quantity"),  # filters are counted in pieces
        ("receive", {"quantity": "abc"}, 422, "quantity"),
        ("receive", {"quantity": "1.001"}, 422, "quantity"),
        ("receive", {}, 422, "quantity"),
        ("adjust", {"counted": "-1", "reason": "盘点"}, 400, "counted"),
        ("adjust", {"counted": "1", "reason": " "}, 400, "reason"),
    ]
    for action, body, status, field in cases:
        r = clerk_api.post(f"/parts/{oil_filter.pk}/{action}", body)
        assert r.status_code == status, (action, body, r.content)
        assert field in field_errors(r), (action, body, r.json())
        assert r.json()["detail"]
    assert not StockMove.objects.exists()


def test_the_moves_of_a_part_newest_first(clerk_api, oil_filter, stock):
    stock(oil_filter, 5)
    clerk_api.post(
        f"/parts/{oil_filter.pk}/issue", {"quantity": 2, "for_id": RO_ID, "reference": "RO2026000123"}
    )
    r = clerk_api.get(f"/parts/{oil_filter.pk}/moves")
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2
    assert [(m["kind"], m["quantity"], m["on_hand_after"]) for m in body["items"]] == [
        ("issue", "-2.00", "3.00"),
        ("receipt", "5.00", "5.00"),
    ]
    assert body["items"][0]["for_kind"] == "repair_order" and body["items"][0]["reference"] == "RO2026000123"


def test_low_stock_lists_what_to_order(clerk_api, oil_filter, engine_oil, stock):
    stock(oil_filter, 3)
    services.part_issue(tenant=services_tenant(clerk_api), part_id=oil_filter.pk, quantity=1, for_id=RO_ID)
    r = clerk_api.get("/parts/low-stock")
    assert r.status_code == 200
    body = r.json()
    assert [(p["number"], p["stock"]["available"], p["needed"]) for p in body["items"]] == [
        ("15400-RTA-003", "2.00", "0.00")
    ]


def services_tenant(api_client):
    from dms.core.models import User
    from dms.core.tenancy import resolve_tenant

    return resolve_tenant(User.objects.get(username="parts1"))


# --- Reservations ------------------------------------------------------------------------------------


def test_the_sa_reserves_and_releases(api, oil_filter, stock, store):
    stock(oil_filter, 1)
    r = reserve(api, oil_filter, "1")
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["state"], body["covered"], body["open_quantity"], body["for_id"]) == (
        "active",
        True,
        "1.00",
        APPOINTMENT_ID,
    )
    short = reserve(api, oil_filter, "2")
    assert short.status_code == 201 and short.json()["covered"] is False
    listed = api.get("/parts/reservations", {"for_kind": "appointment", "for_id": APPOINTMENT_ID}).json()
    assert [x["id"] for x in listed] == [body["id"], short.json()["id"]]

    released = api.post(f"/parts/reservations/{body['id']}/release")
    assert released.status_code == 200 and released.json()["state"] == "released"
    again = api.post(f"/parts/reservations/{body['id']}/release", {"note": "再次"})
    assert again.status_code == 409 and again.json()["state"] == "released"
    assert level_of(oil_filter, store)[1] == D(2)


def test_bad_reservations_are_explained(api, oil_filter):
    assert reserve(api, oil_filter, for_kind="lunch").status_code == 422
    r = reserve(api, oil_filter, for_id=0)
    assert r.status_code == 400 and set(field_errors(r)) == {"for_id"}
    r = reserve(api, oil_filter, quantity="-2")
    assert r.status_code == 400 and set(field_errors(r)) == {"quantity"}
    assert not Reservation.objects.exists()


def test_a_technician_may_not_reserve(technician, oil_filter):
    from conftest import ApiClient

    assert reserve(ApiClient(technician), oil_filter).status_code == 403


# --- Issues and returns ------------------------------------------------------------------------------


def test_issue_and_return(clerk_api, engine_oil, stock, store):
    stock(engine_oil, 10)
    r = clerk_api.post(
        f"/parts/{engine_oil.pk}/issue", {"quantity": "4.5", "for_id": RO_ID, "reference": "RO1"}
    )
    assert r.status_code == 201, r.content
    assert (r.json()["kind"], r.json()["quantity"], r.json()["on_hand_after"]) == ("issue", "-4.50", "5.50")
    r = clerk_api.post(f"/parts/{engine_oil.pk}/return", {"quantity": "0.5", "for_id": RO_ID})
    assert r.status_code == 201 and r.json()["on_hand_after"] == "6.00"
    r = clerk_api.post(f"/parts/{engine_oil.pk}/return", {"quantity": "5", "for_id": RO_ID})
    assert r.status_code == 400 and set(field_errors(r)) == {"quantity"}
    assert level_of(engine_oil, store) == (D(6), D(0), D(4))


def test_an_issue_beyond_stock_answers_409_and_changes_nothing(clerk_api, oil_filter, stock, store):
    stock(oil_filter, 1)
    r = clerk_api.post(f"/parts/{oil_filter.pk}/issue", {"quantity": 2, "for_id": RO_ID})
    assert r.status_code == 409
    assert set(field_errors(r)) == {"quantity"}
    assert (r.json()["on_hand"], r.json()["reserved"]) == ("1.00", "0.00")
    assert level_of(oil_filter, store) == (D(1), D(0), D(0))


def test_an_issue_consumes_the_orders_reservation(api, clerk_api, oil_filter, stock, store):
    stock(oil_filter, 2)
    held = reserve(api, oil_filter, "2", for_kind="repair_order", for_id=RO_ID).json()
    walk_in = clerk_api.post(f"/parts/{oil_filter.pk}/issue", {"quantity": 1, "for_id": RO2_ID})
    assert walk_in.status_code == 409  # both are held for the other order
    r = clerk_api.post(f"/parts/{oil_filter.pk}/issue", {"quantity": 2, "for_id": RO_ID})
    assert r.status_code == 201 and r.json()["reservation_id"] == held["id"]
    assert Reservation.objects.get(pk=held["id"]).state == "issued"
    assert level_of(oil_filter, store) == (D(0), D(0), D(2))


def test_issuing_is_for_the_parts_counter(api, oil_filter, stock):
    stock(oil_filter, 1)
    assert api.post(f"/parts/{oil_filter.pk}/issue", {"quantity": 1, "for_id": RO_ID}).status_code == 403
    r = api.post(f"/parts/{oil_filter.pk}/issue", {"quantity": 1, "for_kind": "appointment", "for_id": RO_ID})
    assert r.status_code == 422


# --- Another group -----------------------------------------------------------------------------------


def test_another_groups_parts_and_reservations_are_404(api, outsider_clerk, oil_filter, stock):
    from conftest import ApiClient

    stock(oil_filter, 2)
    reservation = reserve(api, oil_filter).json()
    outsider = ApiClient(outsider_clerk)
    pk = oil_filter.pk
    calls = [
        ("get", f"/parts/{pk}", None),
        ("patch", f"/parts/{pk}", {"version": 1, "name": "x"}),
        ("get", f"/parts/{pk}/moves", None),
        ("post", f"/parts/{pk}/receive", {"quantity": 1}),
        ("post", f"/parts/{pk}/adjust", {"counted": 0, "reason": "x"}),
        ("put", f"/parts/{pk}/minimum", {"min_qty": 1}),
        ("post", f"/parts/{pk}/reservations", {"quantity": 1, "for_kind": "appointment", "for_id": 1}),
        ("post", f"/parts/{pk}/issue", {"quantity": 1, "for_id": 1}),
        ("post", f"/parts/{pk}/return", {"quantity": 1, "for_id": 1}),
        ("post", f"/parts/reservations/{reservation['id']}/release", {}),
    ]
    for method, path, body in calls:
        r = getattr(outsider, method)(path) if method == "get" else outsider._call(method, path, body)
        assert r.status_code == 404, (method, path, r.status_code)
        assert r.json() == {"detail": r.json()["detail"], "errors": []}
    assert outsider.get("/parts").json()["count"] == 0
    assert outsider.get("/parts/reservations").json() == []
    assert outsider.get("/parts/low-stock").json()["count"] == 0
    assert Part.objects.get(pk=pk).version == 1 and StockMove.objects.count() == 2


@pytest.mark.parametrize("path", ["/parts", "/parts/low-stock", "/parts/reservations"])
def test_lists_need_a_token(anonymous_api, path):
    assert anonymous_api.get(path).status_code == 401
