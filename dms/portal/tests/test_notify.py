"""The service loop's texts go on messaging's outbox: each is a Message about its repair order,
queued in the caller's transaction and sent by the outbox worker. Without an SMS provider the
store's recording channel keeps it and the pages say that nothing was sent."""

from django.test import Client

from dms.messaging import outbox
from dms.messaging.models import Message
from dms.portal import notify


def test_opening_the_order_queued_its_status_link_then_the_worker_recorded_it(order, store, sa):
    m = Message.objects.get(subject_type="repair_order", subject_id=order.pk)  # the fixture opened it

    assert (m.store, m.customer, m.address, m.channel, m.purpose, m.kind, m.state) == (
        store, order.customer, "13812345678", "sms", "service", "status_link", "queued",
    )  # fmt: skip
    assert m.by == sa and m.idempotency_key == f"status-link:{order.pk}"

    outbox.run()

    m.refresh_from_db()
    assert m.state == "sent" and m.recorded_only  # no SMS provider: kept, nothing sent


def test_the_status_link_text_is_chinese_signed_and_opens_the_page(order, settings):
    settings.DMS_PUBLIC_BASE_URL = "https://dms.example.cn"

    m = notify.notify_status_link(order, again=True)

    assert m.body.startswith(
        "【深圳一店】张先生您好，您的爱车 粤B12345 已在我店接车（委托书 RO-SZ01-2026-000001）"
    )
    url = m.body.split("：")[-1]
    assert url.startswith("https://dms.example.cn/c/s/")
    assert Client().get(url.removeprefix("https://dms.example.cn")).status_code == 200


def test_the_status_link_is_texted_once_even_if_the_workflow_asks_twice(order):
    # the fixture opened and signed the order: one text
    assert notify.notify_status_link(order) is None  # asked again: already told
    assert notify.notify_status_link(order, again=True) is not None  # the SA's "send again"
    assert notify.notify_status_link(order, again=True) is not None  # and again
    assert Message.objects.filter(subject_id=order.pk, kind="status_link").count() == 3


def test_the_approval_text_carries_a_working_approval_link_and_the_stores_phone(awaiting):
    m = Message.objects.get(subject_id=awaiting.pk, kind="approval_link")  # queued when asked

    assert "需追加的项目" in m.body and "24 小时内有效" in m.body and "0755-88886666" in m.body
    path = "/c/a/" + m.body.split("/c/a/")[1].split("/")[0] + "/"
    assert Client().get(path).status_code == 200


def test_the_text_is_chinese_even_when_the_advisor_works_in_english(order, sa):
    from django.utils import translation

    with translation.override("en"):
        m = notify.notify_status_link(order, again=True)

    assert "您好" in m.body


def test_a_customer_without_a_mobile_is_not_texted(order):
    order.customer.mobile = ""
    assert notify.notify_status_link(order, again=True) is None
    assert Message.objects.count() == 1  # the one of the fixture's opening


def test_a_customer_who_opted_out_gets_nothing_and_staff_see_why(order):
    from dms.messaging.models import Recipient

    Recipient.objects.create(customer=order.customer, opted_out=True)

    m = notify.notify_status_link(order, again=True)

    assert m.state == "suppressed" and m.reason == "客户已退订全部消息。"
    outbox.run()
    m.refresh_from_db()
    assert m.state == "suppressed" and not m.sent_at
