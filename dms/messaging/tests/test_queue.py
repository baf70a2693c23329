"""Queueing a message: consent by purpose, quiet hours, addresses, idempotency."""

from datetime import time

import pytest
from django.db import transaction

from dms.core.errors import Conflict, DomainError, NotFound
from dms.customers.models import Customer
from dms.customers.services import consent_set, customer_create
from dms.messaging.models import Message, MessagingSettings, Recipient, State
from dms.messaging.services import message_queue, opt_out_all

from .conftest import STATUS, at


def queue(store, customer, **kw):
    args = {"channel": "sms", "purpose": "service", "kind": "status_link", "params": STATUS} | kw
    return message_queue(store=store, customer=customer, **args)


def test_a_service_text_is_queued_with_its_chinese_text(store, customer, clock):
    message = queue(store, customer, idempotency_key="k1")

    assert message.state == State.QUEUED and message.address == "13812345678"
    assert message.body == (
        "【深圳一店】张先生您好，您的爱车 粤B12345 已在我店接车（委托书 SZ01-2026-00001）。"
        "维修进度请点击查看：https://dms.example.cn/c/s/abc/"
    )
    assert message.next_attempt_at == at(10) and message.send_after is None


def test_marketing_without_consent_is_refused_and_nothing_is_queued(store, customer, clock):
    with pytest.raises(Conflict) as refused:
        queue(store, customer, purpose="marketing", kind="note", params={"text": "五一保养八折"})

    assert "未同意接收营销信息" in str(refused.value.message)
    assert not Message.objects.exists()


def test_marketing_with_recorded_consent_is_queued_with_the_way_to_unsubscribe(
    store, customer, tenant, clock
):
    consent_set(tenant=tenant, customer_id=customer.pk, granted=True, how="到店时口头同意")
    customer.refresh_from_db()

    message = queue(store, customer, purpose="marketing", kind="note", params={"text": "五一保养八折"})

    assert message.state == State.QUEUED
    assert message.body == "【深圳一店】五一保养八折 回T退订"


@pytest.mark.parametrize(
    "now, morning",
    [(at(21, 30), at(8, 30, day=5)), (at(2, 0), at(8, 30)), (at(8, 29), at(8, 30))],
    ids=["evening", "night", "just before the end"],
)
def test_a_text_in_quiet_hours_is_scheduled_for_the_morning_not_dropped(store, customer, clock, now, morning):
    clock.move_to(now)

    message = queue(store, customer)

    assert message.state == State.SCHEDULED
    assert message.send_after == morning and message.next_attempt_at == morning
    assert message.reason == "免打扰时段：将于 08:30 发送。"


def test_an_email_is_not_held_back_by_quiet_hours(store, customer, clock):
    Customer.objects.filter(pk=customer.pk).update(email="zhang@example.cn")
    customer.refresh_from_db()
    clock.move_to(at(23))

    assert queue(store, customer, channel="email").state == State.QUEUED


def test_a_store_sets_its_own_quiet_hours(store, customer, clock):
    MessagingSettings.objects.create(store=store, quiet_start=time(20), quiet_end=time(9))
    clock.move_to(at(20, 15))

    message = queue(store, customer)

    assert message.state == State.SCHEDULED and message.send_after == at(9, day=5)


def test_quiet_hours_follow_the_stores_time_zone(store, customer, clock):
    store.time_zone = "Asia/Urumqi"  # two hours behind Beijing time
    store.save()
    clock.move_to(at(22, 30))  # 20:30 in Urumqi

    assert queue(store, customer).state == State.QUEUED


def test_without_a_mobile_number_the_text_is_kept_suppressed_with_the_reason(store, customer, clock):
    Customer.objects.filter(pk=customer.pk).update(mobile="")
    customer.refresh_from_db()

    message = queue(store, customer)

    assert message.state == State.SUPPRESSED and message.reason == "该客户没有可接收短信的有效手机号。"
    assert message.next_attempt_at is None


def test_wechat_needs_a_linked_openid(store, customer, clock):
    message = queue(store, customer, channel="wechat")

    assert message.state == State.SUPPRESSED and message.reason == "客户尚未绑定微信。"


def test_a_customer_who_opted_out_of_everything_gets_no_service_notice(store, customer, clock):
    opt_out_all(customer=customer, how="电话中要求不再接收任何消息")

    message = queue(store, customer)

    assert message.state == State.SUPPRESSED and message.reason == "客户已退订全部消息。"
    assert Recipient.objects.get(customer=customer).opted_out


def test_the_same_idempotency_key_returns_the_first_message_and_queues_nothing(store, customer, clock):
    first = queue(store, customer, idempotency_key="ro-1-status")
    again = queue(store, customer, idempotency_key="ro-1-status")

    assert again.pk == first.pk and again.replayed and not first.replayed
    assert Message.objects.count() == 1


def test_an_idempotency_key_used_for_another_customer_is_refused(store, customer, tenant, clock):
    other = customer_create(tenant=tenant, name="李四", mobile="13900001111").record
    queue(store, customer, idempotency_key="k")

    with pytest.raises(Conflict):
        queue(store, other, idempotency_key="k")


def test_idempotency_keys_are_per_dealer_group(store, customer, other_group_store, outsider_tenant, clock):
    theirs = customer_create(tenant=outsider_tenant, name="王五", mobile="13700001111").record
    queue(store, customer, idempotency_key="same")

    assert queue(other_group_store, theirs, idempotency_key="same").replayed is False


def test_a_template_without_its_parameters_is_refused(store, customer, clock):
    with pytest.raises(DomainError) as refused:
        queue(store, customer, params={"plate": "粤B12345"})

    assert {e["field"] for e in refused.value.errors} == {"params.number", "params.url"}


def test_an_unknown_kind_is_refused(store, customer, clock):
    with pytest.raises(DomainError) as refused:
        queue(store, customer, kind="birthday_card")

    assert refused.value.field == "template"


def test_a_customer_of_another_group_is_not_found(store, other_group_store, outsider_tenant, clock):
    theirs = customer_create(tenant=outsider_tenant, name="王五", mobile="13700001111").record

    with pytest.raises(NotFound):
        queue(store, theirs)


def test_the_message_is_written_in_the_callers_transaction(store, customer, clock):
    with pytest.raises(RuntimeError), transaction.atomic():
        queue(store, customer)
        raise RuntimeError("the change that caused it failed")

    assert not Message.objects.exists()


def test_the_worker_is_woken_once_the_transaction_commits(
    store, customer, clock, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        queue(store, customer)

    assert len(callbacks) == 1
    assert DBTaskResult.objects.filter(task_path="dms.messaging.tasks.send_due").count() == 1


def test_the_subject_is_kept_without_a_foreign_key(store, customer, clock):
    message = queue(store, customer, subject=("repair_order", 42))

    assert (message.subject_type, message.subject_id) == ("repair_order", 42)
