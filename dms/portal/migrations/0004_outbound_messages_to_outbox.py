"""The portal's OutboundMessage rows move into messaging's outbox (step 2 of 3).

Each text becomes a Message about its repair order (subject "repair_order"/<id>) to the order's
customer: "recorded" (no provider was connected) → sent through the recording channel, with the
reason "recorded only"; "sent" → sent; "failed" → failed with its error. The first progress link
of each order takes the key notify.py uses, so that signing an order after the upgrade does not
text it again. A message without an order is matched to the group's customer with that mobile,
or dropped when there is none (the portal always texted about an order). Promise warnings point at
the moved message."""

from django.db import migrations

RECORDED_ONLY = "仅记录：未实际发送"  # "Recorded only: nothing was sent", as the pages say


def forwards(apps, schema_editor):
    OutboundMessage = apps.get_model("portal", "OutboundMessage")
    Message = apps.get_model("messaging", "Message")
    PromiseWarning = apps.get_model("portal", "PromiseWarning")
    RepairOrder = apps.get_model("workshop", "RepairOrder")
    Customer = apps.get_model("customers", "Customer")
    Store = apps.get_model("core", "Store")

    groups = dict(Store.objects.values_list("pk", "group_id"))
    moved: dict[int, int] = {}
    keyed: set[int] = set(
        int(key.split(":")[1])
        for key in Message.objects.filter(idempotency_key__startswith="status-link:").values_list(
            "idempotency_key", flat=True
        )
        if key.count(":") == 1
    )
    for old in OutboundMessage.objects.order_by("at", "pk").iterator():
        group_id = groups[old.store_id]
        customer_id = None
        if old.order_id is not None:
            customer_id = (
                RepairOrder.objects.filter(pk=old.order_id).values_list("customer_id", flat=True).first()
            )
        if customer_id is None:
            customer_id = (
                Customer.objects.filter(group_id=group_id, mobile=old.mobile)
                .values_list("pk", flat=True)
                .first()
            )
        if customer_id is None:
            continue
        key = None
        if old.kind == "status_link" and old.order_id is not None and old.order_id not in keyed:
            key = f"status-link:{old.order_id}"
            keyed.add(old.order_id)
        state, reason, provider, error = "sent", "", "", ""
        if old.state == "recorded":
            reason, provider = RECORDED_ONLY, "recording"
        elif old.state == "failed":
            state, reason, error = "failed", (old.error or "")[:200], (old.error or "")[:300]
        message = Message.objects.create(
            group_id=group_id, store_id=old.store_id, customer_id=customer_id, channel="sms", purpose="service",
            kind=old.kind, params={}, body=old.text, address=old.mobile,
            subject_type="repair_order" if old.order_id else "", subject_id=old.order_id, idempotency_key=key,
            state=state, reason=reason, provider=provider, last_error=error,
            attempts=1, sent_at=old.at if state == "sent" else None, by_id=old.by_id,
        )  # fmt: skip
        Message.objects.filter(pk=message.pk).update(created_at=old.at)
        moved[old.pk] = message.pk
    for warning in PromiseWarning.objects.filter(message__isnull=False):
        PromiseWarning.objects.filter(pk=warning.pk).update(outbox_message_id=moved.get(warning.message_id))


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_document_sequence"),
        ("customers", "0001_initial"),
        ("messaging", "0001_outbox"),
        ("portal", "0003_promise_warning_outbox_message"),
        ("workshop", "0002_findingphoto_jobclock_progressreview"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
