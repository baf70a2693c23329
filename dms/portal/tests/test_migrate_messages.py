"""The portal's own SMS record (OutboundMessage) moves into messaging's outbox on upgrade: each
text is a Message about its order, with what the customer was told and how it went."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dms.messaging.models import Message

BEFORE = [("portal", "0002_promise_warning")]
AFTER = [("portal", "0005_remove_outboundmessage")]
AT = datetime(2026, 5, 4, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_the_texts_recorded_before_the_outbox_move_into_it(order):
    # `order` was opened through the outbox already (its progress link, keyed once per order)
    assert Message.objects.filter(idempotency_key=f"status-link:{order.pk}").count() == 1
    old = migrate(BEFORE)
    try:
        Outbound = old.get_model("portal", "OutboundMessage")
        common = {"store_id": order.store_id, "order_id": order.pk, "mobile": "13812345678", "at": AT}
        Outbound.objects.create(**common, kind="status_link", text="【深圳一店】进度链接", state="recorded")
        failed = Outbound.objects.create(
            **common, kind="promise_at_risk", text="【深圳一店】可能延误", state="failed", error="网关拒绝"
        )
        old.get_model("portal", "PromiseWarning").objects.create(
            store_id=order.store_id, order_id=order.pk, promised_at=AT, at=AT, message=failed
        )

        new = migrate(AFTER)

        moved = new.get_model("messaging", "Message").objects.filter(created_at=AT)
        link, risk = moved.get(kind="status_link"), moved.get(kind="promise_at_risk")
        assert (link.state, link.provider, link.reason, link.body, link.address) == (
            "sent", "recording", "仅记录：未实际发送", "【深圳一店】进度链接", "13812345678",
        )  # fmt: skip
        assert (link.subject_type, link.subject_id, link.customer_id, link.group_id, link.channel) == (
            "repair_order", order.pk, order.customer_id, order.store.group_id, "sms",
        )  # fmt: skip
        assert link.idempotency_key is None  # the order's key is the outbox's own text already
        assert (risk.state, risk.reason, risk.sent_at) == ("failed", "网关拒绝", None)
        assert new.get_model("portal", "PromiseWarning").objects.get().message_id == risk.pk
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
