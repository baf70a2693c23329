"""POST and GET /api/v1/messages (../shared/API.md "Events, messages and webhooks")."""

import pytest

from conftest import ApiClient, make_user
from dms.core.roles import Role
from dms.customers.services import consent_set, customer_create
from dms.messaging.models import Message

from .conftest import at


def body(customer, **kw):
    return {"customer_id": customer.pk, "channel": "sms", "purpose": "service", "body": "您的爱车已保养完毕，可随时取车。",
            "idempotency_key": "k-1"} | kw  # fmt: skip


def test_a_message_is_queued_and_answered_201(api, customer, clock):
    r = api.post("/messages", body(customer))

    assert r.status_code == 201
    answer = r.json()
    assert {k: answer[k] for k in ("state", "channel", "purpose", "send_after", "reason")} == {
        "state": "queued", "channel": "sms", "purpose": "service", "send_after": None, "reason": "",
    }  # fmt: skip
    assert answer["body"] == "【深圳一店】您的爱车已保养完毕，可随时取车。" and answer["template"] == "note"
    assert (
        answer["to"] == "13812345678" and answer["customer_id"] == customer.pk and answer["store"] == "SZ01"
    )
    assert Message.objects.get(pk=answer["id"]).by.username == "sa1"


def test_the_same_idempotency_key_answers_200_with_the_same_message(api, customer, clock):
    first = api.post("/messages", body(customer)).json()

    again = api.post("/messages", body(customer))

    assert again.status_code == 200 and again.json()["id"] == first["id"]
    assert Message.objects.count() == 1


def test_marketing_without_consent_answers_409_and_queues_nothing(api, customer, clock):
    r = api.post("/messages", body(customer, purpose="marketing"))

    assert r.status_code == 409
    assert r.json()["detail"] == "客户未同意接收营销信息：未排队发送。"
    assert r.json()["errors"] == [{"field": "purpose", "message": "客户未同意接收营销信息：未排队发送。"}]
    assert not Message.objects.exists()


def test_marketing_with_consent_is_queued(api, customer, tenant, clock):
    consent_set(tenant=tenant, customer_id=customer.pk, granted=True, how="门店登记")

    r = api.post("/messages", body(customer, purpose="marketing"))

    assert r.status_code == 201 and r.json()["body"].endswith("回T退订")


def test_inside_quiet_hours_the_answer_is_scheduled_with_the_morning_time(api, customer, clock):
    clock.move_to(at(22))

    r = api.post("/messages", body(customer))

    assert r.json()["state"] == "scheduled"
    assert r.json()["send_after"] == "2026-05-05T08:30:00+08:00"
    assert r.json()["reason"] == "免打扰时段：将于 08:30 发送。"


def test_a_template_with_its_parameters(api, customer, clock):
    r = api.post(
        "/messages",
        body(customer, body=None, template="status_link",
             params={"plate": "粤B12345", "number": "SZ01-2026-00001", "url": "https://dms.example.cn/c/s/x/"}),
    )  # fmt: skip

    assert r.status_code == 201 and r.json()["template"] == "status_link"
    assert "张先生您好，您的爱车 粤B12345 已在我店接车" in r.json()["body"]


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"idempotency_key": None}, "idempotency_key", "此项为必填项。"),
        ({"channel": "fax"}, "channel", None),
        ({"purpose": "spam"}, "purpose", None),
        ({"body": None}, "template", "请提供模板（template）或正文（body）。"),
        ({"body": None, "template": "birthday"}, "template", None),
        ({"body": None, "template": "status_link"}, "params.plate", "此项为必填项。"),
        ({"template": "status_link"}, "body", "正文（body）只能与模板“note”一起使用。"),
        ({"body": "长" * 501}, "body", "最多 500 个字符。"),
        ({"customer_id": "abc"}, "customer_id", "请输入整数。"),
    ],
    ids=[
        "no key",
        "channel",
        "purpose",
        "neither template nor body",
        "unknown template",
        "missing parameters",
        "body with another template",
        "body too long",
        "customer id",
    ],  # fmt: skip
)
def test_bad_input_answers_4xx_with_a_sentence(api, customer, clock, change, field, message):
    payload = {k: v for k, v in (body(customer) | change).items() if v is not None}
    if change.get("idempotency_key", "") is None:
        payload.pop("idempotency_key", None)

    r = api.post("/messages", payload)

    assert r.status_code in (400, 422), r.content
    assert field in [e["field"] for e in r.json()["errors"]], r.json()
    if message:
        assert message in [e["message"] for e in r.json()["errors"]], r.json()
    assert not Message.objects.exists()


def test_a_missing_key_answers_422_in_english_for_an_english_caller(api_en, customer, clock):
    payload = body(customer)
    payload.pop("idempotency_key")

    r = api_en.post("/messages", payload)

    assert r.status_code == 422 and r.json()["detail"] == "idempotency_key: This field is required."


def test_a_customer_of_another_group_is_not_found(api, outsider_tenant, clock):
    theirs = customer_create(tenant=outsider_tenant, name="王五", mobile="13700001111").record

    r = api.post("/messages", body(theirs))

    assert r.status_code == 404 and not Message.objects.exists()


def test_a_technician_may_not_message_customers(store, customer, clock):
    technician = ApiClient(make_user("tech9", store, Role.TECHNICIAN))

    r = technician.post("/messages", body(customer))

    assert r.status_code == 403 and not Message.objects.exists()


def test_customer_care_may_message_customers(store, customer, clock):
    care = ApiClient(make_user("care9", store, Role.CUSTOMER_CARE))

    assert care.post("/messages", body(customer)).status_code == 201


def test_the_list_filters_by_customer_and_state(api, customer, tenant, clock):
    other = customer_create(tenant=tenant, name="李四", mobile="13900001111").record
    api.post("/messages", body(customer, idempotency_key="a"))
    api.post("/messages", body(other, idempotency_key="b"))
    clock.move_to(at(22))
    api.post("/messages", body(customer, idempotency_key="c"))

    mine = api.get("/messages", {"customer_id": customer.pk}).json()
    scheduled = api.get("/messages", {"customer_id": customer.pk, "state": "scheduled"}).json()

    assert mine["count"] == 2 and {m["customer_id"] for m in mine["items"]} == {customer.pk}
    assert scheduled["count"] == 1 and scheduled["items"][0]["state"] == "scheduled"


def test_the_list_masks_the_mobile_for_roles_without_contact_rights(store, customer, api, clock):
    api.post("/messages", body(customer))
    technician = ApiClient(make_user("tech9", store, Role.TECHNICIAN))

    assert technician.get("/messages").json()["items"][0]["to"] == "138****5678"


def test_a_bad_state_filter_answers_422(api, clock):
    r = api.get("/messages", {"state": "lost"})

    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "state"


def test_another_groups_messages_are_not_listed(api, customer, outsider_api, clock):
    api.post("/messages", body(customer))

    assert outsider_api.get("/messages").json() == {"count": 0, "items": []}
    assert outsider_api.get("/messages", {"customer_id": customer.pk}).json()["count"] == 0


def test_the_openapi_document_describes_messages_and_webhooks(anonymous_api):
    paths = anonymous_api.get("/openapi.json").json()["paths"]

    assert {"post", "get"} <= set(paths["/api/v1/messages"])
    assert {"post", "get"} <= set(paths["/api/v1/webhooks"])
    assert "delete" in paths["/api/v1/webhooks/{subscription_id}"]
    assert "get" in paths["/api/v1/webhooks/{subscription_id}/deliveries"]
