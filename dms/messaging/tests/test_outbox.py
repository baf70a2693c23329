"""The worker sends the outbox: leases, retries with backoff, failures, and exactly once when a
worker died mid-send (in-process here; tests/test_killed_worker.py kills a real process)."""

import socket
from datetime import timedelta

from dms.customers.services import consent_set
from dms.messaging import outbox
from dms.messaging.models import Message, Recipient, State
from dms.messaging.services import message_queue, unsubscribe_marketing

from .conftest import STATUS, aliyun_config, at, tencent_config, wechat_config


def queue(store, customer, **kw):
    args = {"channel": "sms", "purpose": "service", "kind": "status_link", "params": STATUS} | kw
    return message_queue(store=store, customer=customer, **args)


def reload(message) -> Message:
    return Message.objects.get(pk=message.pk)


def die_mid_send(message, clock):
    """A worker claims the message, the provider gets it, and the worker dies before recording
    the answer: the lease stays until it lapses."""
    token = outbox.claim(message.pk, "", at(10))
    assert token is not None
    return token


# --- The recording channel ------------------------------------------------------------------------


def test_without_a_provider_the_message_is_recorded_and_marked_as_not_really_sent(
    store, customer, clock, send
):
    message = queue(store, customer)

    assert send() == 1

    message = reload(message)
    assert message.state == State.SENT and message.provider == "recording"
    assert message.reason == "仅记录，未实际发送" and message.recorded_only
    assert message.attempts == 1 and message.claimed_by == "" and message.sent_at == at(10)


# --- Retries --------------------------------------------------------------------------------------


def test_a_provider_answering_500_is_retried_with_backoff_then_the_message_goes(
    store, customer, clock, send, aliyun
):
    aliyun_config(store, aliyun)
    aliyun.fail_with = [500, 500]
    message = queue(store, customer)

    send()
    assert reload(message).next_attempt_at == at(10, 1) and reload(message).last_error == "aliyun: HTTP 500"
    clock.move_to(at(10) + timedelta(seconds=30))
    assert send() == 0  # not yet due
    clock.move_to(at(10, 1))
    send()
    assert reload(message).next_attempt_at == at(10, 3)  # 2 minutes after the second failure
    clock.move_to(at(10, 3))
    send()

    message = reload(message)
    assert message.state == State.SENT and message.attempts == 3 and message.provider_message_id == "biz-1"
    assert len(aliyun.sent) == 1


def test_a_provider_refusing_connections_is_retried_then_reached(store, customer, clock, send, aliyun):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    config = aliyun_config(store, aliyun)
    config.settings["endpoint"] = f"http://127.0.0.1:{closed_port}/"
    config.save()
    message = queue(store, customer)

    send()
    assert reload(message).state == State.QUEUED and "ConnectError" in reload(message).last_error

    config.settings["endpoint"] = aliyun.url  # the provider is back
    config.save()
    clock.move_to(at(10, 1))
    send()

    assert reload(message).state == State.SENT and len(aliyun.sent) == 1


def test_after_the_last_attempt_the_message_is_failed_with_the_reason(
    store, customer, clock, send, aliyun, settings
):
    settings.DMS_OUTBOX_MAX_ATTEMPTS = 3
    aliyun_config(store, aliyun)
    aliyun.fail_with = [503] * 5
    message = queue(store, customer)

    for minute in (0, 1, 3):
        clock.move_to(at(10, minute))
        send()

    message = reload(message)
    assert message.state == State.FAILED and message.attempts == 3 and message.reason == "aliyun: HTTP 503"
    assert message.next_attempt_at is None


def test_backoff_doubles_up_to_the_cap(settings):
    settings.DMS_OUTBOX_RETRY_BASE_SECONDS, settings.DMS_OUTBOX_RETRY_CAP_SECONDS = 60, 3600

    assert [outbox.backoff(n).total_seconds() / 60 for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]


def test_a_refusal_that_will_not_pass_fails_at_once(store, customer, clock, send, aliyun):
    config = aliyun_config(store, aliyun)
    config.settings["templates"]["status_link"]["code"] = "SMS_NOT_REGISTERED"
    config.save()
    message = queue(store, customer)

    send()

    message = reload(message)
    assert message.state == State.FAILED and message.attempts == 1
    assert message.reason == "aliyun: isv.SMS_TEMPLATE_ILLEGAL 模板不合法"


def test_a_kind_without_a_template_at_the_provider_fails_with_the_reason(
    store, customer, clock, send, aliyun
):
    aliyun_config(store, aliyun)
    message = queue(store, customer, kind="delay", params={**STATUS, "time": "2026-05-04 17:00"})

    send()

    assert reload(message).state == State.FAILED
    assert "delay" in reload(message).reason and not aliyun.requests


def test_a_retry_that_falls_in_quiet_hours_waits_for_the_morning(store, customer, clock, send, aliyun):
    aliyun_config(store, aliyun)
    aliyun.fail_with = [500]
    clock.move_to(at(20, 59))
    message = queue(store, customer)
    send()

    clock.move_to(at(21, 1))
    send()

    message = reload(message)
    assert message.state == State.SCHEDULED and message.next_attempt_at == at(8, 30, day=5)
    clock.move_to(at(8, 30, day=5))
    send()
    assert reload(message).state == State.SENT and len(aliyun.sent) == 1


# --- Checked again at send time -------------------------------------------------------------------


def test_marketing_whose_consent_was_withdrawn_meanwhile_is_withheld(
    store, customer, tenant, clock, send, aliyun
):
    consent_set(tenant=tenant, customer_id=customer.pk, granted=True, how="门店登记")
    customer.refresh_from_db()
    clock.move_to(at(22))
    message = queue(store, customer, purpose="marketing", kind="note", params={"text": "周末车主沙龙"})
    unsubscribe_marketing(customer=customer, how="短信回复“TD”")

    clock.move_to(at(8, 30, day=5))
    send()

    message = reload(message)
    assert message.state == State.SUPPRESSED and message.reason == "客户已撤回营销信息同意。"
    assert not aliyun.requests


# --- Leases and exactly once ----------------------------------------------------------------------


def test_a_message_held_by_a_live_worker_is_not_taken(store, customer, clock, send):
    message = queue(store, customer)
    die_mid_send(message, clock)

    clock.move_to(at(10, 1))  # lease of 120 s still running
    assert send() == 0
    assert reload(message).state == State.QUEUED


def test_a_worker_that_outlived_its_lease_records_nothing(store, customer, clock):
    message = queue(store, customer)
    stale = die_mid_send(message, clock)
    clock.move_to(at(10, 5))
    fresh = outbox.claim(message.pk, stale, at(10, 5))

    outbox.send_claimed(message.pk, stale, in_doubt=False)

    assert reload(message).claimed_by == fresh and reload(message).state == State.QUEUED


def test_a_lost_answer_from_alibaba_cloud_is_looked_up_not_sent_again(store, customer, clock, send, aliyun):
    aliyun_config(store, aliyun)
    message = queue(store, customer)
    token = die_mid_send(message, clock)
    aliyun.handle(_signed_request_of(message, token))  # Alibaba Cloud got it; the answer was lost

    clock.move_to(at(10, 3))
    send()

    message = reload(message)
    assert message.state == State.SENT and message.attempts == 2
    assert len(aliyun.sent) == 1
    assert [r["query"]["Action"] for r in aliyun.requests] == ["QuerySendDetails"]


def test_a_message_alibaba_cloud_never_got_is_sent_after_the_lookup(store, customer, clock, send, aliyun):
    aliyun_config(store, aliyun)
    message = queue(store, customer)
    die_mid_send(message, clock)  # killed before the call

    clock.move_to(at(10, 3))
    send()

    assert reload(message).state == State.SENT and len(aliyun.sent) == 1
    assert [r["query"]["Action"] for r in aliyun.requests] == ["QuerySendDetails", "SendSms"]


def test_a_failed_lookup_keeps_the_message_in_doubt(store, customer, clock, send, aliyun):
    aliyun_config(store, aliyun)
    message = queue(store, customer)
    die_mid_send(message, clock)
    aliyun.fail_with = [500]

    clock.move_to(at(10, 3))
    send()
    assert reload(message).claimed_by != "" and not aliyun.sent  # still in doubt, not sent blindly
    clock.move_to(at(10, 10))
    send()

    assert reload(message).state == State.SENT and len(aliyun.sent) == 1


def test_wechat_drops_the_repeat_of_a_message_whose_answer_was_lost(store, customer, clock, send, wechat):
    wechat_config(store, wechat)
    Recipient.objects.create(customer=customer, wechat_openid="o-openid-zhang")
    message = queue(store, customer, channel="wechat")
    token = die_mid_send(message, clock)
    from dms.messaging.channels import provider_for

    provider_for(store.pk, "wechat").send(reload(message))  # got there; the worker died after
    assert len(wechat.sent) == 1

    clock.move_to(at(10, 3))
    send()

    assert reload(message).state == State.SENT and len(wechat.sent) == 1
    assert token != reload(message).claimed_by


def test_tencent_cannot_be_asked_so_a_message_in_doubt_is_sent_again(store, customer, clock, send, tencent):
    tencent_config(store, tencent)
    message = queue(store, customer)
    die_mid_send(message, clock)

    clock.move_to(at(10, 3))
    send()

    assert reload(message).state == State.SENT and len(tencent.sent) == 1


def test_due_messages_go_oldest_first_and_each_once(store, customer, clock, send):
    first = queue(store, customer)
    clock.move_to(at(10) + timedelta(seconds=5))
    second = queue(store, customer)

    assert outbox.due() == [(first.pk, ""), (second.pk, "")]
    assert send() == 2 and send() == 0


def _signed_request_of(message, token):
    """What Alibaba Cloud receives for `message` (built by the real provider class)."""
    import json
    from urllib.parse import parse_qsl, urlsplit

    import httpx

    from dms.messaging.channels import provider_for

    provider = provider_for(message.store_id, message.channel)
    captured = {}

    class Capture(httpx.BaseTransport):
        def handle_request(self, request):
            captured["url"] = str(request.url)
            return httpx.Response(200, json={"Code": "OK", "BizId": "lost"})

    real_client = provider.client
    provider.client = lambda: httpx.Client(transport=Capture())
    try:
        provider.send(reload(message))
    finally:
        provider.client = real_client
    url = urlsplit(captured["url"])
    return {"method": "GET", "path": url.path, "query": dict(parse_qsl(url.query)), "headers": {},
            "body": json.dumps({}).encode()}  # fmt: skip


def test_a_scheduled_message_goes_when_its_time_comes(store, customer, clock, send):
    clock.move_to(at(23))
    message = queue(store, customer)

    assert send() == 0
    clock.move_to(at(8, 30, day=5) + timedelta(seconds=1))
    assert send() == 1 and reload(message).state == State.SENT
