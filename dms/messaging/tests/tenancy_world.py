"""This app's part of the cross-group walks (tests/test_tenancy_api.py, tests/test_tenancy_pages.py).

The API's routes name a webhook subscription ({subscription_id}) of the world's dealer group.
The pages under /m/ open by a signed token (the unsubscribe link) or the provider's secret in the
URL (the SMS replies callback), whoever holds it: the walk gives a forged one and must get 404
(dms/messaging/tests/test_unsubscribe.py proves a real one works and a forged one does not).
"""

import itertools

_keys = itertools.count(1)


def subscription(world) -> int:
    if "subscription" not in world.built:
        from dms.messaging.webhooks import webhook_create

        world.built["subscription"] = webhook_create(
            tenant=world.tenant, url="https://integrator.example.cn/hooks", events=["repair_order.*"]
        ).pk
    return world.built["subscription"]


RECORDS: dict = {"subscription_id": subscription}
BODIES: dict = {
    ("POST", "/messages"): lambda w: {
        "customer_id": w.customer.pk, "channel": "sms", "purpose": "service", "body": "您的爱车已保养完毕",
        "idempotency_key": f"walk-{next(_keys)}",
    },
    ("POST", "/webhooks"): lambda w: {"url": "https://integrator.example.cn/hooks", "events": ["*"]},
}  # fmt: skip
PATH_VALUES: dict = {}


def page_ids(vehicle, manager) -> dict:
    from dms.messaging.models import ChannelConfig

    config = ChannelConfig.objects.create(
        store=manager.store, channel="sms", provider="aliyun", inbound_token="our-secret-token"
    )
    return {"messaging": "forged-token", "config_id": config.pk}
