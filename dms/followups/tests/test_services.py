"""Recording the outcome of a follow-up call (followup_record, followup_close)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dms.core.errors import Conflict, DomainError, Forbidden
from dms.core.tenancy import resolve_tenant
from dms.customers.models import CustomerContact
from dms.followups.models import FollowUp
from dms.followups.services import followup_close, followup_create_for_delivery, followup_record

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
TUESDAY_10 = datetime(2026, 5, 12, 10, 0, tzinfo=TZ)


def test_a_reached_customer_closes_the_call_with_satisfaction_and_a_contact_on_the_card(
    care_tenant, followup
):
    f = followup_record(
        tenant=care_tenant, followup_id=followup.pk, reached=True, satisfaction=4, note="等候稍长"
    )

    assert (f.state, f.reached, f.satisfaction, f.attempts) == ("done", True, 4, 1)
    assert f.done_by == care_tenant.user
    contact = CustomerContact.objects.get(customer=followup.customer)
    assert "4/5" in contact.summary and "等候稍长" in contact.summary


def test_not_reached_stays_open_and_is_due_again_a_few_hours_later(care_tenant, followup):
    with time_machine.travel(TUESDAY_10, tick=False):
        f = followup_record(tenant=care_tenant, followup_id=followup.pk, reached=False, note="无人接听")

    assert (f.state, f.reached, f.attempts) == ("open", False, 1)
    assert f.due_at == TUESDAY_10 + timedelta(hours=3)


def test_a_late_failed_call_is_tried_again_the_next_morning(care_tenant, followup):
    with time_machine.travel(TUESDAY_10.replace(hour=18), tick=False):
        f = followup_record(tenant=care_tenant, followup_id=followup.pk, reached=False)

    assert f.due_at == TUESDAY_10.replace(day=13)


def test_the_third_failed_call_closes_it_as_unreachable(care_tenant, followup):
    for _ in range(3):
        f = followup_record(tenant=care_tenant, followup_id=followup.pk, reached=False)

    assert (f.state, f.reached, f.attempts) == ("done", False, 3)
    with pytest.raises(Conflict):
        followup_record(tenant=care_tenant, followup_id=followup.pk, reached=True, satisfaction=5)


def test_a_complaint_needs_the_customers_words_and_is_flagged(care_tenant, followup):
    with pytest.raises(DomainError) as exc:
        followup_record(
            tenant=care_tenant, followup_id=followup.pk, reached=True, satisfaction=2, complaint=True
        )
    assert exc.value.errors[0]["field"] == "note"

    f = followup_record(
        tenant=care_tenant, followup_id=followup.pk, reached=True, satisfaction=2, complaint=True,
        note="交车比承诺晚了两个小时",
    )  # fmt: skip
    assert f.complaint and FollowUp.objects.filter(complaint=True).count() == 1


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"reached": True}, "satisfaction"),
        ({"reached": True, "satisfaction": 6}, "satisfaction"),
        ({"reached": True, "satisfaction": 0}, "satisfaction"),
        ({"reached": False, "satisfaction": 3}, "reached"),
        ({"reached": True, "satisfaction": 5, "note": "长" * 2001}, "note"),
        ({"reached": True, "satisfaction": 1, "category": "weather"}, "category"),
    ],
)
def test_bad_outcomes_are_refused_with_the_field_and_change_nothing(care_tenant, followup, kwargs, field):
    with pytest.raises(DomainError) as exc:
        followup_record(tenant=care_tenant, followup_id=followup.pk, **kwargs)

    assert field in [e["field"] for e in exc.value.errors]
    followup.refresh_from_db()
    assert (followup.state, followup.attempts) == ("open", 0)


def test_a_technician_cannot_record_a_call(technician, followup):
    with pytest.raises(Forbidden):
        followup_record(
            tenant=resolve_tenant(technician), followup_id=followup.pk, reached=True, satisfaction=5
        )


def test_a_customer_without_consent_is_not_called_but_closed_without_a_call(care_tenant, make_followup):
    f = make_followup(consent=False)

    with pytest.raises(Conflict):
        followup_record(tenant=care_tenant, followup_id=f.pk, reached=True, satisfaction=5)
    closed = followup_close(tenant=care_tenant, followup_id=f.pk)

    assert closed.state == "cancelled" and closed.attempts == 0
    assert not CustomerContact.objects.filter(customer=f.customer).exists()


def test_closing_a_call_the_customer_agreed_to_needs_a_reason(care_tenant, followup):
    with pytest.raises(DomainError) as exc:
        followup_close(tenant=care_tenant, followup_id=followup.pk)
    assert exc.value.field == "reason"


def test_delivery_creates_the_call_due_within_two_days_for_the_care_agent(tenant, vehicle, care):
    from dms.workshop.services import repair_order_create

    order = repair_order_create(tenant=tenant, vehicle_id=vehicle.pk, mileage_km=13000, complaint="保养")

    with time_machine.travel(TUESDAY_10, tick=False):
        f = followup_create_for_delivery(
            tenant=tenant, order=order, consent=True, channel="sms", time="evening"
        )

    assert f.assigned_to == care
    assert f.due_at == TUESDAY_10 + timedelta(days=2)


def test_a_channel_and_time_asked_for_at_delivery_become_the_customers_preference(tenant, vehicle, care):
    from dms.workshop.services import repair_order_create

    order = repair_order_create(tenant=tenant, vehicle_id=vehicle.pk, mileage_km=13000, complaint="保养")
    customer = order.customer
    before = customer.version

    followup_create_for_delivery(tenant=tenant, order=order, consent=True, channel="wechat", time="evening")

    customer.refresh_from_db()
    assert (customer.preferred_channel, customer.preferred_time) == ("wechat", "evening")
    assert customer.version == before + 1  # an open edit of the file meets a 409, not a lost change


def test_the_contact_card_records_the_channel_the_follow_up_used(tenant, vehicle, care, care_tenant):
    from dms.workshop.services import repair_order_create

    order = repair_order_create(tenant=tenant, vehicle_id=vehicle.pk, mileage_km=13000, complaint="保养")
    f = followup_create_for_delivery(tenant=tenant, order=order, consent=True, channel="sms", time="any")

    followup_record(tenant=care_tenant, followup_id=f.pk, reached=True, satisfaction=5)

    assert CustomerContact.objects.get(customer=order.customer).kind == "sms"
