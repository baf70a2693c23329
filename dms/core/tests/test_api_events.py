"""GET /api/v1/events: an integrator pages through its store's events in order, after the last id
it read, of the types it cares about; nobody sees another group's (or another store's) events.
On PostgreSQL, transactions that commit out of id order (real threads, their own connections): a
client paging on never misses an event."""

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection, connections, transaction

from conftest import ApiClient, make_user
from dms.core import events
from dms.core.models import Event
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
        ({"after": 999999}, "after"),
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


def test_an_after_that_is_not_an_event_of_the_store_is_a_422(admin_api, happened, second_store):
    with transaction.atomic():
        elsewhere = events.publish(type="widget.signed", store=second_store)

    r = admin_api.get("/events", {"after": elsewhere.pk})

    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["after"] and str(elsewhere.pk) in r.json()["detail"]


# --- Transactions that commit out of id order (PostgreSQL) ---------------------------------------

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite runs one write transaction at a time: ids are in commit order",
)


def test_an_event_carries_the_id_of_the_transaction_that_writes_it_on_postgresql(store):
    with transaction.atomic():
        first = events.publish(type="widget.opened", store=store)
        with transaction.atomic():  # a savepoint: still the same transaction
            second = events.publish(type="widget.signed", store=store)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_current_xact_id()::text::bigint")
                (writing,) = cursor.fetchone()
        else:
            writing = None  # SQLite: ids are in commit order already

    assert first.txid == second.txid == writing
    assert (
        list(Event.objects.filter(pk__in=[first.pk, second.pk]).values_list("txid", flat=True))
        == [writing] * 2
    )


def page_from(api, last: int, *, until: int, limit: int = 100) -> list[int]:
    """The ids after `last`, read as a client does (page after page), once there are `until` of
    them: the log holds an event back while any write transaction older than it runs on the server
    (other test runs on this PostgreSQL too), so the test waits for it as a client would."""
    deadline = time.monotonic() + 60
    while True:
        received, cursor = [], last
        while page := api.get("/events", {"after": cursor, "limit": limit}).json()["items"]:
            received += [i["id"] for i in page]
            cursor = received[-1]
        if len(received) >= until or time.monotonic() > deadline:
            return received
        time.sleep(0.05)


def in_a_thread(body):
    """Run `body` in a thread with its own database connection; the future of its result."""

    def run():
        try:
            return body()
        finally:
            connections.close_all()

    pool = ThreadPoolExecutor(1)
    future = pool.submit(run)
    pool.shutdown(wait=False)
    return future


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_event_that_commits_after_a_later_id_is_not_skipped(admin_api, store):
    with transaction.atomic():
        seen = events.publish(type="widget.opened", store=store)
    assert page_from(admin_api, 0, until=1) == [seen.pk]  # the client's last id
    a_wrote, a_may_commit = threading.Event(), threading.Event()

    def transaction_a():
        with transaction.atomic():
            event = events.publish(type="widget.signed", store=store)
            a_wrote.set()
            assert a_may_commit.wait(10)
        return event

    a = in_a_thread(transaction_a)
    assert a_wrote.wait(10)
    with transaction.atomic():  # transaction B: a later id, committed while A still runs
        b = events.publish(type="widget.delivered", store=store)
    while_a_runs = admin_api.get("/events", {"after": seen.pk}).json()
    a_may_commit.set()
    a = a.result(timeout=10)

    assert a.pk < b.pk  # a client paging by id would have read B, asked after it, and lost A
    assert while_a_runs == {"count": 0, "items": []}  # B waits for A, which began writing before it
    assert page_from(admin_api, seen.pk, until=2) == [a.pk, b.pk]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_events_come_in_the_order_of_their_transactions_not_of_their_ids(admin_api, store):
    b_began, b_may_go = threading.Event(), threading.Event()

    def transaction_b():
        with transaction.atomic():
            with connection.cursor() as cursor:  # B writes something else first: it has its id
                cursor.execute("SELECT pg_current_xact_id()")
            b_began.set()
            assert b_may_go.wait(10)
            return events.publish(type="widget.delivered", store=store)

    b = in_a_thread(transaction_b)
    assert b_began.wait(10)
    with transaction.atomic():  # A: a later transaction, the lower id, committed first
        a = events.publish(type="widget.signed", store=store)
    while_b_runs = admin_api.get("/events").json()
    b_may_go.set()
    b = b.result(timeout=10)

    assert a.pk < b.pk and while_b_runs["count"] == 0
    assert page_from(admin_api, 0, until=2, limit=1) == [b.pk, a.pk]
    assert admin_api.get("/events", {"after": b.pk}).json()["items"][0]["id"] == a.pk
    assert admin_api.get("/events", {"after": a.pk}).json() == {"count": 0, "items": []}


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_client_paging_while_writers_commit_out_of_order_receives_every_event_once(admin_api, store):
    rng = random.Random(11)
    pauses = [[rng.random() / 50 for _ in range(8)] for _ in range(3)]  # before each commit

    def writer(n):
        written = []
        for pause in pauses[n]:
            with transaction.atomic():
                written.append(events.publish(type="widget.signed", store=store, payload={"w": n}).pk)
                time.sleep(pause)
        return written

    writers = [in_a_thread(lambda n=n: writer(n)) for n in range(3)]
    received, last = [], 0
    while not all(w.done() for w in writers):  # the client pages on while they write
        if page := admin_api.get("/events", {"after": last, "limit": 3}).json()["items"]:
            received += [i["id"] for i in page]
            last = received[-1]
        time.sleep(0.005)
    written = [pk for w in writers for pk in w.result()]
    received += page_from(admin_api, last, until=len(written) - len(received))

    assert sorted(received) == sorted(written)  # every event, none twice
