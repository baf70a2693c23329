"""The message's status on the customer's page and on a record's (the repair order's) page."""

from django.template import Context, Template
from django.test import RequestFactory

from dms.customers.models import Customer
from dms.messaging import outbox
from dms.messaging.models import Message, State
from dms.messaging.selectors import messages_for
from dms.messaging.services import message_queue

from .conftest import STATUS, aliyun_config, at


def queue(store, customer, **kw):
    args = {"channel": "sms", "purpose": "service", "kind": "status_link", "params": STATUS} | kw
    return message_queue(store=store, customer=customer, **args)


def test_the_customer_page_shows_each_message_with_its_status(sa_client, store, customer, clock):
    queue(store, customer, subject=("repair_order", 7))
    outbox.run()
    clock.move_to(at(22))
    queue(store, customer, kind="note", params={"text": "明早请带上行驶证"})
    Customer.objects.filter(pk=customer.pk).update(email="")
    queue(store, customer, channel="email", kind="note", params={"text": "保养提醒"})

    html = sa_client.get(f"/customers/{customer.pk}/").content.decode()

    assert "消息" in html
    assert "已发送" in html and "仅记录：未实际发送" in html  # the recording channel says so
    assert "已排期" in html and "将于 2026-05-05 08:30 发送" in html
    assert "未发送" in html and "客户没有电子邮件地址。" in html
    assert "【深圳一店】明早请带上行驶证" in html
    assert "13812345678" in html  # the SA may see contact details


def test_a_failed_attempt_says_it_will_be_tried_again(sa_client, store, customer, clock, aliyun):
    aliyun_config(store, aliyun)
    aliyun.fail_with = [500]
    queue(store, customer)
    outbox.run()

    html = sa_client.get(f"/customers/{customer.pk}/").content.decode()

    assert "第 1 次发送失败（aliyun: HTTP 500），稍后将重试。" in html


def test_a_customer_without_messages_says_so(sa_client, customer):
    assert "尚未发送消息。" in sa_client.get(f"/customers/{customer.pk}/").content.decode()


def test_the_order_page_partial_lists_the_messages_about_the_order(store, customer, tenant, clock):
    about = queue(store, customer, subject=("repair_order", 7))
    queue(store, customer, subject=("repair_order", 8))
    request = RequestFactory().get("/")
    request.tenant = tenant

    html = Template('{% load messaging %}{% subject_messages "repair_order" 7 %}').render(
        Context({"request": request})
    )

    assert html.count('class="message ') == 1 and "待发送" in html
    assert [m.pk for m in messages_for(tenant, subject=("repair_order", 7))] == [about.pk]


def test_the_timeline_is_read_in_one_query(store, customer, tenant, clock, django_assert_num_queries):
    for _ in range(3):
        queue(store, customer)

    with django_assert_num_queries(1):
        rows = messages_for(tenant, customer_id=customer.pk)
        assert [m.store.code for m in rows] == ["SZ01"] * 3


def test_another_groups_messages_are_not_in_the_timeline(store, customer, outsider_tenant, clock):
    queue(store, customer)

    assert messages_for(outsider_tenant, customer_id=customer.pk) == []
    assert Message.objects.get().state == State.QUEUED
