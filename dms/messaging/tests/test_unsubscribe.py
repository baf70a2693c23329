"""Unsubscribing: the e-mail's link and the SMS reply 退订 are recorded (ConsentEvent) and honoured."""

import json

import pytest
from django.test import Client

from dms.customers.models import ConsentEvent, Customer
from dms.customers.services import consent_set, customer_create
from dms.messaging import links
from dms.messaging.models import Message, Recipient, State
from dms.messaging.services import message_queue

from .conftest import STATUS, aliyun_config, at


@pytest.fixture
def consenting(customer, tenant):
    Customer.objects.filter(pk=customer.pk).update(email="zhang@example.cn")
    consent_set(tenant=tenant, customer_id=customer.pk, granted=True, how="门店登记")
    customer.refresh_from_db()
    return customer


@pytest.fixture
def email(store, consenting, clock):
    return message_queue(store=store, customer=consenting, channel="email", purpose="marketing", kind="note",
                         params={"text": "五一保养八折"})  # fmt: skip


def unsubscribe_path(message) -> str:
    return links.unsubscribe_url(message).removeprefix("http://127.0.0.1:8000")


def test_the_unsubscribe_link_starts_with_the_public_base_url(email, settings):
    settings.DMS_PUBLIC_BASE_URL = "https://dms.example.cn"

    assert links.unsubscribe_url(email).startswith("https://dms.example.cn/m/u/")


def test_opening_the_link_asks_before_changing_anything(email, client):
    r = client.get(unsubscribe_path(email))

    assert r.status_code == 200
    html = r.content.decode()
    assert "深圳一店发送至 z***@example.cn 的消息。" in html
    assert "退订优惠和促销信息" in html and "退订全部消息（包括爱车服务通知）" in html
    assert Customer.objects.get(pk=email.customer_id).marketing_consent
    assert r["X-Robots-Tag"] == "noindex, nofollow"


def test_the_page_wears_the_customers_shell_and_speaks_english_when_asked(email, client):
    """The same store bar and big buttons as the portal's pages (core/customer.css), and English one
    tap away, the choice kept through the answer."""
    html = client.get(unsubscribe_path(email)).content.decode()
    assert "/static/core/customer" in html and 'class="storebar"' in html and 'href="?lang=en"' in html

    english = client.get(unsubscribe_path(email) + "?lang=en").content.decode()
    assert "Stop offers and promotions" in english and 'href="?lang=zh-hans"' in english
    done = client.post(unsubscribe_path(email) + "?lang=en", {"what": "marketing"}).content.decode()
    assert "no more offers or promotions" in done


def test_the_customer_stops_marketing_and_it_is_recorded_and_honoured(email, store, client, clock):
    r = client.post(unsubscribe_path(email), {"what": "marketing"})

    assert "已退订：我们将不再向您发送优惠和促销信息" in r.content.decode()
    customer = Customer.objects.get(pk=email.customer_id)
    assert not customer.marketing_consent
    event = ConsentEvent.objects.get(customer=customer, granted=False)
    assert (event.granted, event.how, event.by) == (False, "邮件中的退订链接", None)
    # honoured: the marketing message not yet sent is withheld, a new one refused
    from dms.messaging import outbox

    outbox.run()
    assert Message.objects.get(pk=email.pk).state == State.SUPPRESSED
    from dms.core.errors import Conflict

    with pytest.raises(Conflict):
        message_queue(store=store, customer=customer, channel="email", purpose="marketing", kind="note",
                      params={"text": "再来一次"})  # fmt: skip
    # service notices still go
    service = message_queue(store=store, customer=customer, channel="sms", purpose="service", kind="status_link",
                            params=STATUS)  # fmt: skip
    assert service.state == State.QUEUED


def test_one_click_unsubscribe_from_the_mail_program(email):
    # RFC 8058: the mail program POSTs "List-Unsubscribe=One-Click", without a CSRF token.
    client = Client(enforce_csrf_checks=True)

    r = client.post(unsubscribe_path(email), {"List-Unsubscribe": "One-Click"})

    assert r.status_code == 200 and not Customer.objects.get(pk=email.customer_id).marketing_consent


def test_stopping_all_messages_withholds_service_notices_too(email, store, client, clock):
    client.post(unsubscribe_path(email), {"what": "all"})

    customer = Customer.objects.get(pk=email.customer_id)
    assert Recipient.objects.get(customer=customer).opted_out and not customer.marketing_consent
    service = message_queue(store=store, customer=customer, channel="sms", purpose="service", kind="status_link",
                            params=STATUS)  # fmt: skip
    assert service.state == State.SUPPRESSED and service.reason == "客户已退订全部消息。"


def test_a_forged_or_altered_link_opens_nothing(email, client):
    token = links.unsubscribe_token(email.pk)

    assert client.get(f"/m/u/{token}x/").status_code == 404
    assert client.post(f"/m/u/{links.unsubscribe_token(email.pk + 1)}/", {"what": "all"}).status_code == 404
    assert client.get("/m/u/123:abc/").status_code == 404
    assert Customer.objects.get(pk=email.customer_id).marketing_consent


# --- SMS replies ----------------------------------------------------------------------------------


@pytest.fixture
def sms_config(store, aliyun):
    return aliyun_config(store, aliyun)


def replies_url(config, token="replies-token") -> str:
    return f"/m/sms/replies/{config.pk}/{token}/"


@pytest.mark.parametrize("text", ["退订", "TD", "t", " T ", "退订。"])
def test_an_sms_reply_to_unsubscribe_withdraws_marketing_consent(consenting, sms_config, client, text, clock):
    # Alibaba Cloud pushes replies as a JSON list.
    r = client.post(
        replies_url(sms_config),
        json.dumps([{"phone_number": "13812345678", "content": text, "send_time": "2026-05-04 10:00:00",
                     "sign_name": "深圳一店", "dest_code": "1234", "sequence_id": 1}]),
        content_type="application/json",
    )  # fmt: skip

    assert r.status_code == 200 and r.json() == {"code": 0, "msg": "成功"}
    customer = Customer.objects.get(pk=consenting.pk)
    assert not customer.marketing_consent
    event = ConsentEvent.objects.get(customer=customer, granted=False)
    assert event.granted is False and event.how.startswith("短信回复“")


def test_a_tencent_reply_callback_is_understood(consenting, store, tencent, client, clock):
    from .conftest import tencent_config

    config = tencent_config(store, tencent)

    r = client.post(
        replies_url(config),
        json.dumps({"extend": "", "mobile": "13812345678", "nationcode": "86", "sign": "深圳一店", "text": "TD",
                    "time": 1777860000}),
        content_type="application/json",
    )  # fmt: skip

    assert r.json() == {"result": 0, "errmsg": "OK"}
    assert not Customer.objects.get(pk=consenting.pk).marketing_consent


def test_another_reply_changes_nothing(consenting, sms_config, client, clock):
    client.post(replies_url(sms_config), json.dumps([{"phone_number": "13812345678", "content": "好的，谢谢"}]),
                content_type="application/json")  # fmt: skip

    assert Customer.objects.get(pk=consenting.pk).marketing_consent


def test_a_reply_unsubscribes_every_customer_of_the_group_with_that_mobile_only(
    consenting, sms_config, tenant, outsider_tenant, client, clock
):
    theirs = customer_create(
        tenant=outsider_tenant, name="外人", mobile="13812345678", marketing_consent=True
    ).record

    client.post(replies_url(sms_config), json.dumps([{"phone_number": "+86 138 1234 5678", "content": "退订"}]),
                content_type="application/json")  # fmt: skip

    assert not Customer.objects.get(pk=consenting.pk).marketing_consent
    assert Customer.objects.get(pk=theirs.pk).marketing_consent  # another group's customer


def test_the_replies_callback_needs_the_configs_token(consenting, sms_config, client):
    r = client.post(replies_url(sms_config, token="guess"), json.dumps([{"phone_number": "13812345678",
                    "content": "退订"}]), content_type="application/json")  # fmt: skip

    assert r.status_code == 404 and Customer.objects.get(pk=consenting.pk).marketing_consent


def test_a_reply_that_is_not_json_answers_400(sms_config, client):
    r = client.post(replies_url(sms_config), "退订", content_type="text/plain")

    assert r.status_code == 400


def test_a_reply_at_night_is_honoured_at_once(consenting, sms_config, client, clock):
    clock.move_to(at(23))

    client.post(replies_url(sms_config), json.dumps([{"phone_number": "13812345678", "content": "TD"}]),
                content_type="application/json")  # fmt: skip

    assert not Customer.objects.get(pk=consenting.pk).marketing_consent
