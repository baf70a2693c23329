"""Taking an order over the API, as the peer-comparison workload of `make bench` does
(bench/api_orders.py): a new customer, their vehicle, a repair order and a part line. Each call runs
a fixed number of queries, whatever the store already holds (so that no N+1 creeps in), and each
answer is what reading the record again gives."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import valid_vin

# Queries per call, SQLite and PostgreSQL alike. In a test the call's transaction is a savepoint (2
# statements) where the server runs BEGIN and COMMIT; the bearer token's lookup is kept per process
# for a few seconds (dms/core/middleware.py), none here.
# - customer: the insert and its audit row; the mobile's duplicates;
# - vehicle: the brand by its name (the service takes it, no second read), the owner; the vehicle,
#   its audit row, the first reading, the ownership (part of the registration: no audit row of its
#   own, dms/core/audit.py); VIN and plate duplicates;
# - repair order: the vehicle locked, with its owner (the status link's customer) and whether an
#   order of it may still be in warranty (else the comeback query); the number, the order, its
#   history row, the event; in its transaction the subscribers of repair_order.opened: the status
#   link's message (the recipient with the store's quiet hours, the insert: the key names the new
#   order, so no text holds it yet) and the webhook subscriptions;
# - part line: the order locked, the part; the line (its creation is in the history row, not in the
#   audit log), the lines summed, the totals, the history row; the answer is built from these,
#   nothing read again.
# (The outbox worker's check, 4 more, runs after the commit, at most once a second per process:
# DMS_OUTBOX_WAKE_SECONDS; on_commit callbacks do not run in these tests.)
QUERIES = {"/customers": 5, "/vehicles": 9, "/repair-orders": 10, "/repair-orders/{id}/lines": 8}


@pytest.fixture
def oil_filter(manager_tenant):
    from dms.parts.services import part_create, stock_receive

    part = part_create(tenant=manager_tenant, number="15400-RTA-003", name="机油滤清器", price="68.00")
    stock_receive(tenant=manager_tenant, part_id=part.pk, quantity="100")
    return part


def take_order(api, brand, part, n: int, *, at_most=None) -> tuple[dict, dict]:
    """The four calls; returns the answers and the queries each ran, by path. `at_most`:
    pytest-django's django_assert_max_num_queries, each call held to its QUERIES."""
    bodies = {
        "/customers": lambda ids: {"name": "王五", "title": "mr", "mobile": f"1390000{n:04d}"},
        "/vehicles": lambda ids: {"customer_id": ids[0], "vin": valid_vin(100 + n), "plate": f"粤B8{n:04d}",
                                  "brand": brand.name, "model": "雅阁", "mileage_km": 10_000},
        "/repair-orders": lambda ids: {"vehicle_id": ids[1], "mileage_km": 10_000, "complaint": "保养"},
        "/repair-orders/{id}/lines": lambda ids: {"kind": "part", "part_id": part.pk, "quantity": "1"},
    }  # fmt: skip
    ids, answers, queries = [], {}, {}
    for path, body in bodies.items():
        counting = CaptureQueriesContext(connection) if at_most is None else at_most(QUERIES[path], info=path)
        with counting as captured:
            r = api.post(path.replace("{id}", str(ids[-1]) if ids else ""), body(ids))
        assert r.status_code == 201, r.content
        ids.append(r.json()["id"])
        answers[path] = r.json()
        queries[path] = [q["sql"] for q in captured.captured_queries]
    return answers, queries


def test_each_call_of_an_order_runs_at_most_its_queries(
    api, brand, oil_filter, django_assert_max_num_queries
):
    take_order(api, brand, oil_filter, 1)  # the first of the store (its document sequence, say)
    for n in range(2, 7):  # the 2nd, ..., the 6th: no more whatever the store holds
        take_order(api, brand, oil_filter, n, at_most=django_assert_max_num_queries)


def test_each_call_of_an_order_runs_a_fixed_number_of_queries(api, brand, oil_filter):
    take_order(api, brand, oil_filter, 1)  # the first of the store (its document sequence, say)
    _, second = take_order(api, brand, oil_filter, 2)
    for n in range(3, 6):
        take_order(api, brand, oil_filter, n)
    _, later = take_order(api, brand, oil_filter, 6)

    counts = {path: len(sql) for path, sql in second.items()}
    assert counts == QUERIES, "\n\n".join(
        f"{p}:\n" + "\n".join(s[:200] for s in sql) for p, sql in second.items()
    )
    assert {path: len(sql) for path, sql in later.items()} == counts


def test_the_answers_of_the_writes_are_what_reading_them_again_gives(api, brand, oil_filter):
    answers, _ = take_order(api, brand, oil_filter, 1)

    customer = answers["/customers"]
    assert customer["warnings"] == [] and customer["vehicles"] == []
    assert {**customer, "warnings": []} == {**api.get(f"/customers/{customer['id']}").json(), "vehicles": [],
                                            "warnings": []}  # fmt: skip
    vehicle = answers["/vehicles"]
    assert vehicle["warnings"] == [] and vehicle["brand"] == brand.name
    assert {**vehicle, "warnings": []} == {**api.get(f"/vehicles/{vehicle['id']}").json(), "warnings": []}
    order = answers["/repair-orders"]
    assert order["lines"] == [] and order["customer_id"] == customer["id"]
    detail = api.get(f"/repair-orders/{order['id']}").json()
    assert order == {**detail, "lines": [], "version": order["version"], "total": order["total"],
                     "parts_total": order["parts_total"], "customer_total": order["customer_total"],
                     "charges": order["charges"]}  # fmt: skip
    assert answers["/repair-orders/{id}/lines"] == detail
    assert [(ln["kind"], ln["description"]) for ln in detail["lines"]] == [("part", "机油滤清器")]


def test_a_vehicle_already_on_file_is_still_a_warning_in_the_answer(api, brand, oil_filter, customer):
    first, _ = take_order(api, brand, oil_filter, 1)
    again = api.post("/vehicles", {"customer_id": customer.pk, "vin": valid_vin(101), "plate": "粤B80001",
                                   "brand": brand.name, "model": "雅阁"})  # fmt: skip

    assert again.status_code == 201
    assert [w["field"] for w in again.json()["warnings"]] == ["vin", "plate"]
    assert all("王五" in w["message"] for w in again.json()["warnings"])
