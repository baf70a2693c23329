"""Telling the customer by SMS: each message is kept, whatever the adapter, so that staff see
exactly what the customer was told. Without an SMS provider, messages are recorded, not sent."""

import pytest
from django.test import Client

from dms.core.errors import DomainError
from dms.portal import notify
from dms.portal.models import OutboundMessage


def test_by_default_a_message_is_recorded_with_everything_staff_need(order, store):
    m = notify.send_sms(store=store, mobile="13812345678", text="您好", order=order, kind="status_link")

    m = OutboundMessage.objects.get(pk=m.pk)
    assert (m.store, m.order, m.mobile, m.kind, m.text, m.state) == (
        store,
        order,
        "13812345678",
        "status_link",
        "您好",
        "recorded",
    )
    assert m.at is not None


def test_a_number_that_cannot_take_a_text_is_refused(order, store):
    for bad in ("", "0755-88886666", "1381234567", "23812345678"):
        with pytest.raises(DomainError) as exc:
            notify.send_sms(store=store, mobile=bad, text="x", order=order, kind="status_link")
        assert exc.value.field == "mobile"
    assert not OutboundMessage.objects.exists()


def test_the_provider_adapter_without_credentials_refuses_clearly(order, store, settings):
    settings.DMS_SMS_BACKEND = "provider"

    with pytest.raises(notify.SmsNotConfigured, match="DMS_SMS_ACCESS_KEY"):
        notify.send_sms(store=store, mobile="13812345678", text="x", order=order, kind="status_link")
    assert not OutboundMessage.objects.exists()


def test_the_provider_adapter_is_a_placeholder_that_says_it_sent_nothing(order, store, settings):
    settings.DMS_SMS_BACKEND = "provider"
    settings.DMS_SMS_ACCESS_KEY, settings.DMS_SMS_ACCESS_SECRET, settings.DMS_SMS_SIGN_NAME = "k", "s", "示范"

    m = notify.send_sms(store=store, mobile="13812345678", text="x", order=order, kind="status_link")

    assert m.state == "failed" and "placeholder" in m.error


def test_an_unknown_adapter_name_is_a_configuration_error(order, store, settings):
    settings.DMS_SMS_BACKEND = "nowhere.Backend"

    with pytest.raises(notify.SmsNotConfigured):
        notify.send_sms(store=store, mobile="13812345678", text="x", order=order, kind="status_link")


def test_the_status_link_text_is_chinese_signed_and_opens_the_page(order, settings):
    settings.DMS_PUBLIC_BASE_URL = "https://dms.example.cn"

    m = notify.notify_status_link(order)

    assert m.text.startswith(
        "【深圳一店】张先生您好，您的爱车 粤B12345 已在我店接车（委托书 RO-SZ01-2026-000001）"
    )
    url = m.text.split("：")[-1]
    assert url.startswith("https://dms.example.cn/c/s/")
    assert Client().get(url.removeprefix("https://dms.example.cn")).status_code == 200


def test_the_status_link_is_texted_once_even_if_the_workflow_asks_twice(order):
    assert notify.notify_status_link(order) is not None  # opened
    assert notify.notify_status_link(order) is None  # signed: already told
    assert notify.notify_status_link(order, again=True) is not None  # the SA's "send again"
    assert OutboundMessage.objects.filter(order=order, kind="status_link").count() == 2


def test_the_approval_text_carries_a_working_approval_link_and_the_stores_phone(awaiting):
    m = notify.notify_approval_requested(awaiting)

    assert "需追加的项目" in m.text and "24 小时内有效" in m.text and "0755-88886666" in m.text
    path = "/c/a/" + m.text.split("/c/a/")[1].split("/")[0] + "/"
    assert Client().get(path).status_code == 200


def test_the_text_is_chinese_even_when_the_advisor_works_in_english(order, sa):
    from django.utils import translation

    with translation.override("en"):
        m = notify.notify_status_link(order)

    assert "您好" in m.text


def test_a_customer_without_a_mobile_is_not_texted(order):
    order.customer.mobile = ""
    assert notify.notify_status_link(order) is None
    assert not OutboundMessage.objects.exists()
