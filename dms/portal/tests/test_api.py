"""/api/v1/customer-links, /api/v1/outbound-messages (the outbox's texts about orders),
/api/v1/order-promises."""

from datetime import datetime

import pytest
from django.test import Client

from conftest import ApiClient
from dms.messaging.models import Message
from dms.portal.models import PromiseChange

from .conftest import SHANGHAI


@pytest.fixture
def sa_api(sa):
    return ApiClient(sa)


def test_the_links_of_an_order_open_the_customers_pages(awaiting, sa_api):
    r = sa_api.get(f"/customer-links/{awaiting.pk}")

    assert r.status_code == 200
    body = r.json()
    assert body["number"] == awaiting.number and body["state"] == "awaiting_approval"
    assert "/c/s/" in body["status_url"] and "/c/a/" in body["approval_url"]
    assert datetime.fromisoformat(body["approval_expires_at"]) == datetime(2026, 5, 5, 9, 0, tzinfo=SHANGHAI)
    browser = Client()
    for url in (body["status_url"], body["approval_url"]):
        assert browser.get(url.removeprefix("http://testserver")).status_code == 200


def test_no_approval_link_while_nothing_awaits(order, sa_api):
    body = sa_api.get(f"/customer-links/{order.pk}").json()

    assert body["approval_url"] is None and body["approval_expires_at"] is None


def test_sending_the_status_link_again_queues_the_text(order, sa_api):
    r = sa_api.post(f"/customer-links/{order.pk}/send", {"kind": "status"})

    assert r.status_code == 201
    assert r.json()["kind"] == "status_link" and r.json()["state"] == "queued"
    assert r.json()["mobile"] == "13812345678" and r.json()["by"] == "sa1"
    # the first one when the order was opened, and this one
    assert Message.objects.filter(subject_id=order.pk, kind="status_link").count() == 2


def test_the_approval_link_is_only_sent_while_extra_work_awaits(order, sa_api):
    r = sa_api.post(f"/customer-links/{order.pk}/send", {"kind": "approval"})

    assert r.status_code == 409 and "请先发起追加确认" in r.json()["detail"]
    assert not Message.objects.filter(kind="approval_link").exists()


def test_a_link_kind_not_offered_is_a_field_error(order, sa_api):
    r = sa_api.post(f"/customer-links/{order.pk}/send", {"kind": "invoice"})

    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "kind"


def test_a_technician_sees_the_links_but_cannot_text_the_customer(order, people, tech_user):
    api = ApiClient(tech_user)

    assert api.get(f"/customer-links/{order.pk}").status_code == 200
    assert api.post(f"/customer-links/{order.pk}/send", {"kind": "status"}).status_code == 403


def test_the_messages_list_masks_the_mobile_for_roles_without_contact_rights(order, sa_api, tech_user):
    sa_api.post(f"/customer-links/{order.pk}/send", {"kind": "status"})

    mine = sa_api.get("/outbound-messages", {"order_id": order.pk}).json()
    theirs = ApiClient(tech_user).get("/outbound-messages").json()

    assert mine["count"] == 2 and mine["items"][0]["mobile"] == "13812345678"
    assert [m["state"] for m in mine["items"]] == ["queued", "queued"]
    assert theirs["items"][0]["mobile"] == "138****5678"


def test_the_messages_of_another_groups_order_are_not_found(order, sa_api, outsider):
    sa_api.post(f"/customer-links/{order.pk}/send", {"kind": "status"})

    r = ApiClient(outsider).get("/outbound-messages", {"order_id": order.pk})

    assert r.status_code == 404
    assert ApiClient(outsider).get("/outbound-messages").json()["count"] == 0


def test_a_delay_moves_the_promise_and_texts_the_customer(order, sa_api, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        r = sa_api.post(
            f"/order-promises/{order.pk}/delay",
            {"promised_at": "2026-05-04T16:30:00", "reason": "配件下午到货"},
        )

    assert r.status_code == 201, r.content
    body = r.json()
    assert datetime.fromisoformat(body["promised_at"]) == datetime(2026, 5, 4, 16, 30, tzinfo=SHANGHAI)
    assert body["first_promised_at"] is not None and body["changes"][0]["reason"] == "配件下午到货"
    assert PromiseChange.objects.get().promised_at == datetime(2026, 5, 4, 16, 30, tzinfo=SHANGHAI)
    assert Message.objects.get(kind="delay").body.count("2026-05-04 16:30") == 1


def test_a_delay_into_the_past_is_a_field_error(order, sa_api):
    r = sa_api.post(
        f"/order-promises/{order.pk}/delay", {"promised_at": "2026-05-04T08:00:00", "reason": "x"}
    )

    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "new_promised_at"


def test_the_orders_at_risk(order, sa_api, clock):
    clock.shift(3 * 3600 + 5 * 60)  # 12:05

    body = sa_api.get("/order-promises/at-risk").json()

    assert body["count"] == 1
    assert body["items"][0]["number"] == order.number and body["items"][0]["minutes_left"] == -5
