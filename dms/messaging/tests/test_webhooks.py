"""Webhooks: a dealer group's integrator receives its events, signed, in order, again after a 500;
a subscription that keeps failing is paused and the administrator sees why."""

import hashlib
import hmac
import json
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import Client

from conftest import ApiClient, make_user
from dms.core.events import publish
from dms.core.roles import Role
from dms.messaging import outbox, webhooks
from dms.messaging.models import DeliveryState, WebhookDelivery, WebhookSubscription

from .conftest import at

SECRET = "integrator-secret-0123456789"


@pytest.fixture
def admin_api(store):
    return ApiClient(make_user("admin1", store, Role.ADMINISTRATOR, is_staff=True))


@pytest.fixture
def hook(admin_api, receiver, clock):
    r = admin_api.post(
        "/webhooks", {"url": receiver.url + "hooks", "events": ["quotation.*"], "secret": SECRET}
    )
    assert r.status_code == 201, r.content
    return WebhookSubscription.objects.get(pk=r.json()["id"])


def happen(store, type="quotation.sent", subject=None, **payload):
    with transaction.atomic():
        return publish(type=type, store=store, subject=subject, payload=payload)


def signed_ok(request) -> bool:
    expected = "sha256=" + hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
    return hmac.compare_digest(request["headers"]["x-opendms-signature"], expected)


# --- Subscribing through the API --------------------------------------------------------------------


def test_a_subscription_is_made_and_shown_with_its_secret_once(admin_api, receiver, clock):
    r = admin_api.post(
        "/webhooks", {"url": "https://erp.example.cn/opendms", "events": ["repair_order.delivered"]}
    )

    assert r.status_code == 201
    made = r.json()
    assert {k: made[k] for k in ("url", "events", "active")} == {
        "url": "https://erp.example.cn/opendms", "events": ["repair_order.delivered"], "active": True,
    }  # fmt: skip
    assert len(made["secret"]) >= 32
    listed = admin_api.get("/webhooks").json()
    assert (
        listed["count"] == 1 and listed["items"][0]["id"] == made["id"] and "secret" not in listed["items"][0]
    )


def test_a_subscription_is_removed(admin_api, hook):
    assert admin_api.delete(f"/webhooks/{hook.pk}").status_code == 204
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize(
    "payload, field, message",
    [
        (
            {"url": "ftp://erp.example.cn/in", "events": ["*"]},
            "url",
            "请输入以 http:// 或 https:// 开头的网址。",
        ),
        ({"url": "javascript:alert(1)", "events": ["*"]}, "url", "请输入以 http:// 或 https:// 开头的网址。"),
        ({"url": "erp.example.cn", "events": ["*"]}, "url", "请输入以 http:// 或 https:// 开头的网址。"),
        ({"url": "https://erp.example.cn", "events": []}, "events", None),
        ({"url": "https://erp.example.cn", "events": ["RepairOrder Delivered"]}, "events", None),
        (
            {"url": "https://erp.example.cn", "events": ["*"], "secret": "short"},
            "secret",
            "密钥须为 16 到 100 个字符。",
        ),
        ({"events": ["*"]}, "url", "此项为必填项。"),
    ],
    ids=["ftp", "javascript", "no scheme", "no events", "bad event type", "short secret", "no url"],
)
def test_bad_subscriptions_are_refused_with_a_sentence(admin_api, payload, field, message):
    r = admin_api.post("/webhooks", payload)

    assert r.status_code in (400, 422), r.content
    assert r.json()["errors"][0]["field"] == field
    if message:
        assert r.json()["errors"][0]["message"] == message
    assert not WebhookSubscription.objects.exists()


def test_a_service_advisor_may_not_subscribe(api):
    r = api.post("/webhooks", {"url": "https://erp.example.cn", "events": ["*"]})

    assert r.status_code == 403 and not WebhookSubscription.objects.exists()


def test_another_groups_subscription_is_not_found(hook, outsider, other_group_store):
    theirs = ApiClient(make_user("admin9", other_group_store, Role.ADMINISTRATOR))

    assert theirs.delete(f"/webhooks/{hook.pk}").status_code == 404
    assert theirs.get(f"/webhooks/{hook.pk}/deliveries").status_code == 404
    assert theirs.get("/webhooks").json() == {"count": 0, "items": []}
    assert WebhookSubscription.objects.filter(pk=hook.pk).exists()


# --- Deliveries -----------------------------------------------------------------------------------


def test_the_receiver_gets_signed_events_in_order_again_after_its_500(hook, receiver, store, customer, clock):
    receiver.answers = [500]
    first = happen(store, "quotation.sent", subject=customer, number="SZ01-2026-00001")
    second = happen(store, "quotation.accepted", subject=customer, total="1280.00")

    outbox.run()  # the first answers 500: the second waits behind it
    assert receiver.sent == [] and len(receiver.requests) == 1
    clock.move_to(at(10, 1))
    outbox.run()

    assert [json.loads(r["body"])["id"] for r in receiver.sent] == [first.pk, second.pk]
    assert all(signed_ok(r) for r in receiver.sent)
    body = json.loads(receiver.sent[0]["body"])
    assert body == {"id": first.pk, "type": "quotation.sent", "at": "2026-05-04T02:00:00+00:00", "store": "SZ01",
                    "subject_id": customer.pk, "payload": {"number": "SZ01-2026-00001"}}  # fmt: skip
    assert receiver.sent[1]["headers"]["x-opendms-event-id"] == str(second.pk)
    assert receiver.requests[0]["headers"]["x-opendms-event-id"] == str(first.pk)


def test_the_deliveries_log_shows_status_attempts_and_the_last_error(admin_api, hook, receiver, store, clock):
    receiver.answers = [500, 502]
    event = happen(store)
    outbox.run()
    clock.move_to(at(10, 1))
    outbox.run()

    log = admin_api.get(f"/webhooks/{hook.pk}/deliveries").json()
    assert log["count"] == 1
    assert {k: log["items"][0][k] for k in ("event_id", "type", "status", "attempts", "last_error", "http_status")} == {
        "event_id": event.pk, "type": "quotation.sent", "status": "queued", "attempts": 2,
        "last_error": "HTTP 502", "http_status": 502,
    }  # fmt: skip
    clock.move_to(at(10, 3))
    outbox.run()
    delivered = admin_api.get(f"/webhooks/{hook.pk}/deliveries").json()["items"][0]
    assert (delivered["status"], delivered["attempts"], delivered["last_error"]) == ("delivered", 3, "")


def test_only_the_event_types_asked_for_are_delivered(hook, receiver, store, clock):
    happen(store, "lead.created")
    happen(store, "quotation.accepted")

    outbox.run()

    assert [json.loads(r["body"])["type"] for r in receiver.sent] == ["quotation.accepted"]


def test_each_subscription_gets_the_types_its_patterns_name_and_a_group_without_any_pays_one_read(
    admin_api, receiver, store, other_group_store, clock, django_assert_num_queries
):
    wanted = {}
    for events in (["trial.*"], ["*"], ["probe.made", "trial.ended"]):
        r = admin_api.post("/webhooks", {"url": receiver.url + "hooks", "events": events, "secret": SECRET})
        assert r.status_code == 201, r.content
        wanted[r.json()["id"]] = events
    first, everything, exact = wanted

    def deliveries(type):
        event = happen(store, type)
        return set(WebhookDelivery.objects.filter(event=event).values_list("subscription_id", flat=True))

    assert deliveries("trial.started") == {first, everything}
    assert deliveries("trial.ended") == {first, everything, exact}
    assert deliveries("probe.made") == {everything, exact}
    assert deliveries("probe.lost") == {everything}
    with django_assert_num_queries(
        4
    ):  # savepoint and release (the test's transaction), the event, the subscriptions
        happen(other_group_store, "trial.started")


def test_another_groups_events_never_reach_the_subscription(hook, receiver, other_group_store, clock):
    happen(other_group_store, "quotation.sent")

    outbox.run()

    assert receiver.requests == [] and not WebhookDelivery.objects.exists()


def test_the_delivery_is_written_in_the_events_transaction(hook, store, clock):
    with pytest.raises(RuntimeError), transaction.atomic():
        publish(type="quotation.sent", store=store, payload={})
        assert WebhookDelivery.objects.count() == 1
        raise RuntimeError("the step failed")

    assert not WebhookDelivery.objects.exists()


def test_a_receiver_that_is_down_is_retried_with_backoff(hook, receiver, store, clock):
    receiver.answers = [503, 503, 503]
    happen(store)

    times = []
    for minute in range(0, 10):
        clock.move_to(at(10, minute))
        before = len(receiver.requests)
        outbox.run()
        if len(receiver.requests) > before:
            times.append(minute)

    assert times == [0, 1, 3, 7] and len(receiver.sent) == 1


# --- Pausing --------------------------------------------------------------------------------------


def test_a_subscription_failing_again_and_again_is_paused_with_the_reason(
    hook, receiver, store, clock, settings
):
    settings.DMS_WEBHOOK_PAUSE_AFTER_FAILURES = 3
    receiver.answers = [500] * 10
    happen(store)

    for minute in (0, 1, 3, 7, 15):
        clock.move_to(at(10, minute))
        outbox.run()

    hook.refresh_from_db()
    assert not hook.active and hook.consecutive_failures == 3
    assert hook.paused_reason == "连续 3 次推送失败后已暂停（最近一次：HTTP 500）。"
    assert len(receiver.requests) == 3  # nothing more once paused


def test_a_subscription_failing_for_a_day_is_paused(hook, receiver, store, clock, settings):
    settings.DMS_WEBHOOK_PAUSE_AFTER_FAILURES = 1000
    receiver.answers = [500] * 100
    happen(store)
    outbox.run()

    clock.move_to(at(10) + timedelta(hours=24, minutes=1))
    outbox.run()

    hook.refresh_from_db()
    assert not hook.active and hook.consecutive_failures == 2


def test_events_keep_being_kept_while_paused_and_go_in_order_once_resumed(
    hook, receiver, store, clock, settings
):
    settings.DMS_WEBHOOK_PAUSE_AFTER_FAILURES = 1
    receiver.answers = [500]
    first = happen(store)
    outbox.run()
    second = happen(store)
    clock.move_to(at(10, 5))
    outbox.run()
    assert receiver.sent == []

    webhooks.webhook_resume(subscription=hook)
    outbox.run()

    assert [json.loads(r["body"])["id"] for r in receiver.sent] == [first.pk, second.pk]
    hook.refresh_from_db()
    assert hook.active and hook.paused_reason == "" and hook.consecutive_failures == 0


def test_the_administrator_sees_why_a_subscription_was_paused_and_resumes_it(
    hook, receiver, store, clock, settings
):
    settings.DMS_WEBHOOK_PAUSE_AFTER_FAILURES = 1
    receiver.answers = [500]
    happen(store)
    outbox.run()
    admin = Client()
    admin.force_login(make_user("admin2", store, Role.ADMINISTRATOR, is_staff=True))

    page = admin.get("/admin/messaging/webhooksubscription/").content.decode()
    assert "连续 1 次推送失败后已暂停（最近一次：HTTP 500）。" in page

    admin.post("/admin/messaging/webhooksubscription/", {"action": "resume", "_selected_action": [hook.pk]})
    outbox.run()

    hook.refresh_from_db()
    assert hook.active and len(receiver.sent) == 1


def test_the_administrator_sets_a_stores_sms_provider_and_sees_its_callback_urls(store, clock):
    from dms.messaging.models import ChannelConfig

    admin = Client()
    admin.force_login(make_user("admin3", store, Role.ADMINISTRATOR, is_staff=True))

    r = admin.post(
        "/admin/messaging/channelconfig/add/",
        {"store": store.pk, "channel": "sms", "provider": "aliyun", "active": "on",
         "settings": json.dumps({"access_key_id": "LTAI", "access_key_secret": "s", "sign_name": "深圳一店"})},
    )  # fmt: skip

    assert r.status_code == 302, r.content.decode()[-2000:]
    config = ChannelConfig.objects.get(store=store)
    page = admin.get(f"/admin/messaging/channelconfig/{config.pk}/change/").content.decode()
    assert f"http://127.0.0.1:8000/m/sms/replies/{config.pk}/{config.inbound_token}/" in page
    assert "上行回复（退订）：" in page


def test_a_provider_that_cannot_carry_the_channel_is_refused_in_the_admin(store, clock):
    from dms.messaging.models import ChannelConfig

    admin = Client()
    admin.force_login(make_user("admin3", store, Role.ADMINISTRATOR, is_staff=True))

    r = admin.post("/admin/messaging/channelconfig/add/",
                   {"store": store.pk, "channel": "email", "provider": "aliyun", "settings": "{}"})  # fmt: skip

    assert r.status_code == 200 and "该服务商不能用于此渠道。" in r.content.decode()
    assert not ChannelConfig.objects.exists()


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1:5432/", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/hook",
     "http://localhost:8000/admin/", "http://[::1]/hook", "http://db.internal/hook"],
    ids=["loopback", "cloud metadata", "private network", "localhost", "IPv6 loopback", "internal name"],
)  # fmt: skip
def test_a_subscription_to_the_installation_s_own_network_is_refused(admin_api, url):
    r = admin_api.post("/webhooks", {"url": url, "events": ["*"]})

    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "url" and "公网" in r.json()["detail"]
    assert not WebhookSubscription.objects.exists()


def test_a_name_that_resolves_to_a_private_address_is_not_delivered_to(
    hook, receiver, store, settings, monkeypatch
):
    # The subscription was made to a public name; by delivery time the name points inside.
    settings.DMS_WEBHOOK_ALLOW_PRIVATE = False
    WebhookSubscription.objects.filter(pk=hook.pk).update(url="https://erp.example.cn/hooks")
    monkeypatch.setattr(
        "socket.getaddrinfo", lambda host, port, **kw: [(2, 1, 6, "", ("192.168.1.20", port))]
    )  # the resolver as the attacker set it up
    happen(store)

    outbox.run()

    delivery = WebhookDelivery.objects.get()
    assert receiver.requests == []
    assert delivery.state == DeliveryState.QUEUED and delivery.attempts == 1
    assert "192.168.1.20" in delivery.last_error
