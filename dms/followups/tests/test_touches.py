"""Touches made by events (a new car delivered, a complaint closed, a referral) and touches that
send themselves through the outbox (consent and quiet hours respected)."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone

from conftest import make_user
from dms.core.events import publish
from dms.core.roles import Role
from dms.customers.models import Customer
from dms.followups.models import FollowUp
from dms.followups.sending import touches_send_due
from dms.messaging.models import Message, MessagingSettings, State

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def cms(store):
    busy, free = (
        make_user("cm1", store, Role.CUSTOMER_MANAGER),
        make_user("cm2", store, Role.CUSTOMER_MANAGER),
    )
    for i in range(3):
        Customer.objects.create(group=store.group, home_store=store, name=f"老客{i}", mobile=f"1390000000{i}",
                                customer_manager=busy)  # fmt: skip
    return busy, free


def deliver_new_car(store, vehicle, *, at=None, order_id=501):
    with transaction.atomic():
        publish(
            type="sales_order.delivered", store=store, actor=None,
            payload={"sales_order_id": order_id, "customer_id": vehicle.owner_id, "vehicle_id": vehicle.pk,
                     "consultant_id": None, "delivered_at": (at or timezone.now()).isoformat()},
        )  # fmt: skip


def test_a_new_car_gets_a_manager_and_its_touches_once(store, vehicle, cms):
    busy, free = cms
    delivered = timezone.now()

    deliver_new_car(store, vehicle, at=delivered)
    deliver_new_car(store, vehicle, at=delivered)  # the same order's event handled twice

    customer = Customer.objects.get(pk=vehicle.owner_id)
    assert customer.customer_manager == free  # the least loaded manager
    touches = FollowUp.objects.filter(customer=customer).order_by("due_at", "rule__code")
    assert [(t.rule.code, t.channel, t.due_at - delivered) for t in touches] == [
        ("new_car_call_2h", "call", timedelta(hours=2)),
        ("new_car_sms_2h", "sms", timedelta(hours=2)),
        ("new_car_sms_2d", "sms", timedelta(days=2)),
        ("new_car_call_1w", "call", timedelta(days=7)),
        ("first_maintenance", "call", timedelta(days=80)),
    ]
    assert {t.assigned_to for t in touches} == {free}


def test_a_customer_who_has_a_manager_keeps_them(store, vehicle, cms):
    busy, free = cms
    Customer.objects.filter(pk=vehicle.owner_id).update(customer_manager=busy)

    deliver_new_car(store, vehicle)

    assert Customer.objects.get(pk=vehicle.owner_id).customer_manager == busy
    assert set(FollowUp.objects.values_list("assigned_to", flat=True)) == {busy.pk}


def test_the_2_hour_sms_goes_through_the_outbox_with_the_rendered_text(store, vehicle, cms):
    deliver_new_car(store, vehicle, at=timezone.now() - timedelta(hours=2))

    assert touches_send_due() == 1

    sms = FollowUp.objects.get(rule__code="new_car_sms_2h")
    message = Message.objects.get(pk=sms.message_id)
    assert (sms.state, sms.outcome) == ("done", "sent")
    assert message.channel == "sms" and message.purpose == "service" and message.state == State.QUEUED
    assert "张先生" in message.body and "恭喜" in message.body and "cm2" in message.body
    assert touches_send_due() == 0  # never twice


def test_in_quiet_hours_the_sms_waits_for_the_morning(store, vehicle, cms, time_machine):
    MessagingSettings.objects.create(store=store, quiet_start=time(21), quiet_end=time(8, 30))
    late = datetime.combine(timezone.localdate() + timedelta(days=1), time(22, 30), tzinfo=BEIJING)
    time_machine.move_to(late)
    deliver_new_car(store, vehicle, at=late - timedelta(hours=2))

    touches_send_due()

    message = Message.objects.get(pk=FollowUp.objects.get(rule__code="new_car_sms_2h").message_id)
    assert message.state == State.SCHEDULED
    assert message.send_after == datetime.combine(
        late.date() + timedelta(days=1), time(8, 30), tzinfo=BEIJING
    )


def test_a_marketing_touch_without_consent_is_not_sent(store, vehicle, cms):
    from dms.followups.plans import ensure_defaults

    ensure_defaults(store.group_id)
    Customer.objects.filter(pk=vehicle.owner_id).update(marketing_consent=True)
    f = FollowUp.objects.create(
        store=store, kind="insurance", customer=vehicle.owner, vehicle=vehicle, due_at=timezone.now(),
        channel="sms", rule=__import__("dms.followups.models", fromlist=["TouchRule"]).TouchRule.objects.get(
            code="insurance_30"),
    )  # fmt: skip
    Customer.objects.filter(pk=vehicle.owner_id).update(marketing_consent=False)  # withdrawn since

    touches_send_due()

    f.refresh_from_db()
    assert (f.state, f.outcome, f.message_id) == ("done", "withheld", None)
    assert "同意" in f.note
    assert not Message.objects.exists()


def test_a_referral_gives_the_referrer_a_thank_you_gift_task(store, vehicle, cms):
    busy, _free = cms
    Customer.objects.filter(pk=vehicle.owner_id).update(customer_manager=busy)
    with transaction.atomic():
        publish(
            type="lead.created",
            store=store,
            payload={"lead_id": 77, "referrer_customer_id": vehicle.owner_id},
        )

    gift = FollowUp.objects.get(kind="referral")
    assert (gift.channel, gift.assigned_to, gift.customer_id) == ("gift", busy, vehicle.owner_id)


def test_a_lead_without_a_referrer_makes_no_task(store, vehicle, cms):
    with transaction.atomic():
        publish(type="lead.created", store=store, payload={"lead_id": 78, "referrer_customer_id": None})
    assert not FollowUp.objects.exists()


def test_a_closed_complaint_gets_a_call_a_week_later(store, vehicle, cms):
    from dms.satisfaction.services import complaint_open

    busy, _free = cms
    Customer.objects.filter(pk=vehicle.owner_id).update(customer_manager=busy)
    case = complaint_open(store=store, customer=vehicle.owner, category="waiting", severity="low",
                          description="等待时间太长")  # fmt: skip
    closed_at = timezone.now()
    with transaction.atomic():
        publish(
            type="complaint.closed", store=store, subject=case, at=closed_at, payload={"to_state": "closed"}
        )

    call = FollowUp.objects.get(kind="complaint")
    assert (call.rule.code, call.assigned_to, call.due_at) == (
        "complaint_closed_call",
        busy,
        closed_at + timedelta(days=7),
    )
