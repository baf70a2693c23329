"""What queueing a message costs the caller's transaction, and its idempotency key without a
savepoint: the key taken by the insert itself (ON CONFLICT DO NOTHING; SQLite: INSERT OR IGNORE),
met again in the same transaction or by two transactions at once."""

from datetime import time

import pytest
from django.db import IntegrityError, connection, transaction

from conftest import at_once
from dms.core.tenancy import resolve_tenant
from dms.messaging.models import Message, MessagingSettings, Recipient, State
from dms.messaging.services import message_queue

from .conftest import STATUS, at


def queue(store, customer, **kw):
    args = {"channel": "sms", "purpose": "service", "kind": "status_link", "params": STATUS} | kw
    return message_queue(store=store, customer=customer, **args)


def test_a_keyed_message_takes_three_statements_and_no_savepoint(
    store, customer, clock, django_assert_num_queries
):
    with transaction.atomic(), django_assert_num_queries(3) as captured:
        queue(store, customer, idempotency_key="ro-1-status")  # recipient and quiet hours, insert, key

    assert not any("SAVEPOINT" in q["sql"] for q in captured.captured_queries)


def test_a_key_the_caller_vouches_is_new_takes_two_statements_and_a_taken_one_fails_the_transaction(
    store, customer, clock, django_assert_num_queries
):
    with transaction.atomic(), django_assert_num_queries(2):  # recipient and quiet hours, insert
        first = queue(store, customer, idempotency_key="ro-1-status", key_is_new=True)

    with pytest.raises(IntegrityError), transaction.atomic():  # the vouch was wrong: nothing queued twice
        queue(store, customer, idempotency_key="ro-1-status", key_is_new=True)

    assert list(Message.objects.filter(idempotency_key="ro-1-status").values_list("pk", flat=True)) == [
        first.pk
    ]


def test_a_message_without_a_key_takes_two_statements(store, customer, clock, django_assert_num_queries):
    with transaction.atomic(), django_assert_num_queries(2):
        queue(store, customer)


def test_the_recipient_and_the_quiet_hours_read_in_one_statement_still_decide(store, customer, clock):
    MessagingSettings.objects.create(store=store, quiet_start=time(9, 0), quiet_end=time(12, 0))
    Recipient.objects.create(customer=customer, wechat_openid="o-linked")

    text = queue(store, customer)
    wechat = queue(store, customer, channel="wechat")
    Recipient.objects.filter(customer=customer).update(opted_out=True)
    withheld = queue(store, customer, channel="wechat")

    assert text.state == State.SCHEDULED and text.send_after == at(12)  # the store's own hours
    assert wechat.address == "o-linked"
    assert withheld.state == State.SUPPRESSED and withheld.reason == "客户已退订全部消息。"


def test_a_key_met_again_in_the_same_transaction_replays_and_the_transaction_goes_on(store, customer, clock):
    with transaction.atomic():
        first = queue(store, customer, idempotency_key="k")
        again = queue(store, customer, idempotency_key="k")
        later = queue(store, customer, idempotency_key="k2")  # the transaction is still usable

    assert again.pk == first.pk and again.replayed and not first.replayed
    assert Message.objects.filter(pk__in=[first.pk, later.pk]).count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_same_key_queued_by_two_transactions_at_once_is_one_message(store, customer, sa, clock):
    def queue_in_a_step():
        with transaction.atomic():
            tenant = resolve_tenant(sa)  # each thread its own connection
            return queue(tenant.store, customer, idempotency_key="ro-9-status")

    results = at_once([queue_in_a_step, queue_in_a_step])

    assert all(isinstance(r, Message) for r in results), results
    assert results[0].pk == results[1].pk
    assert sorted(r.replayed for r in results) == [False, True]
    assert Message.objects.filter(idempotency_key="ro-9-status").count() == 1


def test_another_customers_opt_out_and_another_stores_hours_are_not_this_messages(
    store, second_store, customer, tenant, clock
):
    from dms.customers.services import customer_create

    neighbour = customer_create(tenant=tenant, name="李四", mobile="13812340000").record
    Recipient.objects.create(customer=neighbour, wechat_openid="o-neighbour", opted_out=True)
    MessagingSettings.objects.create(store=second_store, quiet_start=time(9, 0), quiet_end=time(12, 0))

    text = queue(store, customer)  # 10:00, within the other store's quiet hours only
    wechat = queue(store, customer, channel="wechat")

    assert (text.state, text.address, text.send_after) == (State.QUEUED, "13812345678", None)
    assert wechat.state == State.SUPPRESSED and wechat.reason == "客户尚未绑定微信。"
