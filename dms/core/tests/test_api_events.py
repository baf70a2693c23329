"""GET /api/v1/events: an integrator pages through its store's events in order, after the last id
it read, of the types it cares about; nobody sees another group's (or another store's) events."""

import pytest
from django.db import transaction

from conftest import ApiClient, make_user
from dms.core import events
from dms.core.roles import Role


@pytest.fixture
def admin(store):
    return make_user("admin1", store, Role.ADMINISTRATOR)


@pytest.fixture
def admin_api(admin):
    return ApiClient(admin)


@pytest.fixture
def happened(store, second_store, other_group_store, sa):
    """Five events in the store, one in the group's other store, one in another group (of made-up
    records: no app reacts to them)."""
    with transaction.atomic():
        mine = [
            events.publish(type=t, store=store, subject=store, actor=sa, payload={"n": i})
            for i, t in enumerate(
                ["widget.opened", "widget.signed", "gadget.booked", "widget.delivered", "widget.signed"]
            )  # fmt: skip
        ]
        events.publish(type="widget.signed", store=second_store, payload={"n": 98})
        events.publish(type="widget.signed", store=other_group_store, payload={"n": 99})
    return mine


def test_events_come_in_order_with_their_store_subject_and_payload(admin_api, happened, store):
    r = admin_api.get("/events")

    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 5
    assert [i["id"] for i in body["items"]] == [e.pk for e in happened]
    first = body["items"][0]
    assert set(first) == {"id", "type", "at", "store", "subject_id", "payload"}
    assert (first["type"], first["store"], first["subject_id"], first["payload"]) == (
        "widget.opened", "SZ01", store.pk, {"n": 0},
    )  # fmt: skip


def test_a_client_pages_on_after_the_last_id_it_read(admin_api, happened):
    page1 = admin_api.get("/events", {"limit": 2}).json()
    page2 = admin_api.get("/events", {"after": page1["items"][-1]["id"], "limit": 2}).json()
    page3 = admin_api.get("/events", {"after": page2["items"][-1]["id"], "limit": 2}).json()
    done = admin_api.get("/events", {"after": page3["items"][-1]["id"]}).json()

    ids = [i["id"] for p in (page1, page2, page3) for i in p["items"]]
    assert ids == [e.pk for e in happened]
    assert (page1["count"], page2["count"], page3["count"]) == (5, 3, 1)
    assert done == {"count": 0, "items": []}


def test_a_type_or_a_records_types_filter_the_log(admin_api, happened):
    signed = admin_api.get("/events", {"type": "widget.signed"}).json()
    orders = admin_api.get("/events", {"type": "widget.*"}).json()

    assert [i["payload"]["n"] for i in signed["items"]] == [1, 4]
    assert [i["payload"]["n"] for i in orders["items"]] == [0, 1, 3, 4]


def test_the_service_manager_reads_the_log_and_an_advisor_may_not(manager_api, api, happened):
    assert manager_api.get("/events").json()["count"] == 5

    r = api.get("/events")
    assert r.status_code == 403 and r.json()["detail"]


def test_another_groups_administrator_sees_nothing_of_this_group(other_group_store, happened):
    outsider_admin = ApiClient(make_user("admin9", other_group_store, Role.ADMINISTRATOR))

    body = outsider_admin.get("/events").json()

    assert body["count"] == 1 and [i["payload"]["n"] for i in body["items"]] == [99]
    assert outsider_admin.get("/events", {"after": 0, "type": "widget.opened"}).json()["count"] == 0


def test_the_other_store_of_the_group_is_read_by_acting_in_it(second_store, happened):
    both = make_user("admin2", second_store, Role.ADMINISTRATOR)

    body = ApiClient(both).get("/events").json()

    assert [i["payload"]["n"] for i in body["items"]] == [98]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"after": "abc"}, "after"),
        ({"after": -1}, "after"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"type": "Repair Order"}, "type"),
        ({"type": "*"}, "type"),
        ({"type": "x" * 61}, "type"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(admin_api, happened, query, field):
    r = admin_api.get("/events", query)

    assert r.status_code == 422
    body = r.json()
    assert body["detail"] and [e["field"] for e in body["errors"]] == [field]


def test_without_a_token_the_log_is_closed(anonymous_api, happened):
    assert anonymous_api.get("/events").status_code == 401
