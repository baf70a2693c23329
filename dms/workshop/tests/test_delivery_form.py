"""Delivery (交车) from the order page: the advisor asks whether the old parts were handed over
(when the customer chose to take them), whether the customer agrees to a follow-up call or
message, and by which channel and at what time; the follow-up customer care works from carries
the answers. A wrong answer is refused on its field, in Chinese, and changes nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from dms.customers.models import Customer
from dms.followups.models import FollowUp
from dms.workshop import services
from dms.workshop.models import OldParts, RepairOrder, RepairOrderEvent, State


def settled(people, vehicle, oil_change, tech, *, old_parts=OldParts.TAKE) -> RepairOrder:
    """张三's car, serviced, passed QC and paid: ready to be handed back."""
    o = services.repair_order_create(
        tenant=people["sa"],
        vehicle_id=vehicle.pk,
        mileage_km=15000,
        complaint="做一次常规保养",
        old_parts=old_parts,
    )
    services.line_add(tenant=people["sa"], order_id=o.pk, kind="labor", labor_operation_id=oil_change.pk)
    services.order_sign(tenant=people["sa"], order_id=o.pk)
    services.order_dispatch(tenant=people["foreman"], order_id=o.pk, technician_id=tech.pk)
    services.order_start(tenant=people["tech"], order_id=o.pk)
    services.order_finish(tenant=people["tech"], order_id=o.pk)
    services.order_qc_pass(tenant=people["qc"], order_id=o.pk)
    o = RepairOrder.objects.get(pk=o.pk)
    services.order_settle(
        tenant=people["cashier"],
        order_id=o.pk,
        payments=[{"method": "wechat", "amount": f"{o.customer_total:.2f}"}],
    )
    return RepairOrder.objects.get(pk=o.pk)


@pytest.fixture
def order(people, vehicle, oil_change, tech):
    """The customer chose at consultation to take the old parts; their file says WeChat, evenings."""
    Customer.objects.filter(pk=vehicle.owner_id).update(preferred_channel="wechat", preferred_time="evening")
    return settled(people, vehicle, oil_change, tech)


def page(client, order) -> str:
    return client.get(reverse("workshop:detail", args=[order.pk])).content.decode()


def deliver(client, order, **answers):
    data = {"version": order.version, "mileage_out": "15003", "old_parts_returned": "yes",
            "followup_consent": "yes", "followup_channel": "wechat", "followup_time": "evening"}  # fmt: skip
    data.update(answers)
    return client.post(
        reverse("workshop:action", args=[order.pk, "deliver"]),
        {k: v for k, v in data.items() if v is not None},
    )


def test_the_form_asks_each_answer_prefilled_from_the_customers_file(sa_client, order):
    html = page(sa_client, order)

    assert "客户选择带走旧件" in html  # why the old-parts question is asked
    assert 'name="old_parts_returned" value="yes"' in html and 'name="old_parts_returned" value="no"' in html
    assert 'name="followup_consent" value="yes" id="id_followup_consent_0" required checked' in html
    assert '<option value="wechat" selected>微信</option>' in html  # from the customer's file
    assert '<option value="evening" selected>晚上</option>' in html
    assert '<option value="sms">短信</option>' in html and '<option value="phone">电话</option>' in html
    assert 'name="mileage_out" value="15000"' in html


def test_the_old_parts_question_is_not_asked_when_the_store_disposes_of_them(
    sa_client, people, vehicle, oil_change, tech
):
    o = settled(people, vehicle, oil_change, tech, old_parts=OldParts.LEAVE)

    html = page(sa_client, o)

    assert 'name="old_parts_returned"' not in html
    assert "旧件由本店处理" in html and 'name="followup_consent"' in html


def test_delivering_records_each_answer_and_the_follow_up_carries_channel_and_time(sa_client, order):
    r = deliver(sa_client, order, old_parts_returned="no", followup_channel="sms", followup_time="morning")

    assert r.status_code == 302 and r["Location"] == reverse("workshop:detail", args=[order.pk])
    o = RepairOrder.objects.get(pk=order.pk)
    assert o.state == State.DELIVERED and o.mileage_out == 15003
    event = RepairOrderEvent.objects.get(order=o, action="deliver")
    assert event.data["old_parts_returned"] is False and event.data["followup_consent"] is True
    f = FollowUp.objects.get(repair_order=o)
    assert (f.consent, f.channel, f.preferred_time) == (True, "sms", "morning")


def test_care_sees_the_chosen_channel_and_time_in_the_queue(sa_client, order, care):
    deliver(sa_client, order, followup_channel="phone", followup_time="morning")
    care_client = Client()
    care_client.force_login(care)

    queue = care_client.get(reverse("followups:queue") + "?bucket=later").content.decode()

    assert order.number in queue and "电话 · 上午" in queue


def test_without_consent_the_follow_up_is_kept_as_do_not_call(sa_client, order, care):
    deliver(sa_client, order, followup_consent="no")

    f = FollowUp.objects.get(repair_order=order)
    assert f.consent is False and f.state == FollowUp.State.OPEN  # care closes it without calling
    care_client = Client()
    care_client.force_login(care)
    queue = care_client.get(reverse("followups:queue") + "?bucket=later").content.decode()
    assert "请勿致电" in queue


def test_the_last_answer_of_the_customer_is_the_starting_point(
    sa_client, order, people, vehicle, oil_change, tech
):
    deliver(sa_client, order, followup_consent="no")
    again = settled(people, vehicle, oil_change, tech)

    html = page(sa_client, again)

    assert 'name="followup_consent" value="no" id="id_followup_consent_1" required checked' in html
    assert "上次交车时客户不希望被联系" in html


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        ({"followup_channel": "carrier_pigeon"}, "请选择客户希望的联系方式"),
        ({"followup_channel": ""}, "请选择客户希望的联系方式"),
        ({"followup_time": "midnight"}, "请选择客户希望的联系时间"),
        ({"followup_consent": None}, "请确认客户是否同意交车后回访"),
        ({"followup_consent": "maybe"}, "请确认客户是否同意交车后回访"),
        ({"old_parts_returned": None}, "请确认旧件是否已交还客户"),
        ({"mileage_out": "abc"}, "整数"),
        ({"mileage_out": "14000"}, "出厂里程须在进厂里程至进厂里程加 500 km 之间"),
    ],
)
def test_a_wrong_answer_is_shown_on_the_form_and_changes_nothing(sa_client, order, answers, message):
    r = deliver(sa_client, order, **answers)

    assert r.status_code == 400
    html = r.content.decode()
    assert message in html and "field-error" in html
    assert 'id="deliver-form"' in html  # the form again, with what was typed
    o = RepairOrder.objects.get(pk=order.pk)
    assert o.state == State.SETTLED and o.version == order.version and o.mileage_out is None
    assert not FollowUp.objects.filter(repair_order=order).exists()


def test_a_stale_page_is_refused_and_changes_nothing(sa_client, order):
    r = deliver(sa_client, order, version=str(order.version - 1))

    assert r.status_code == 302
    assert RepairOrder.objects.get(pk=order.pk).state == State.SETTLED
    assert not FollowUp.objects.filter(repair_order=order).exists()


def test_a_technician_may_not_deliver(order, tech_user):
    c = Client()
    c.force_login(tech_user)

    r = deliver(c, order)

    assert r.status_code == 302
    assert RepairOrder.objects.get(pk=order.pk).state == State.SETTLED
    assert "您的岗位无权" in c.get(r["Location"]).content.decode()


def test_the_api_takes_the_same_answers_and_refuses_an_unknown_channel(order, api):
    path = f"/repair-orders/{order.pk}/actions/deliver"

    bad = api.post(path, {"followup_channel": "pigeon", "followup_time": "evening"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "followup_channel"
    assert RepairOrder.objects.get(pk=order.pk).state == State.SETTLED

    ok = api.post(path, {"old_parts_returned": True, "followup_channel": "wechat", "followup_time": "noon"})
    assert ok.status_code == 200 and ok.json()["state"] == State.DELIVERED
    assert RepairOrderEvent.objects.get(order=order, action="deliver").data["old_parts_returned"] is True
    f = FollowUp.objects.get(repair_order=order)
    assert (f.channel, f.preferred_time) == ("wechat", "noon")
