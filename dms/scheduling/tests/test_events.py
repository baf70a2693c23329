"""What an appointment publishes: booked, and one event per step, in the step's transaction."""

from datetime import timedelta

import pytest

from dms.core.errors import Conflict, DomainError
from dms.core.models import Event
from dms.scheduling import services, workflow

from .conftest import at


def events_of(appointment) -> list[Event]:
    return list(Event.objects.filter(subject_type="appointment", subject_id=appointment.pk).order_by("id"))


@pytest.fixture
def booked(workshop, tenant, vehicle):
    return services.appointment_create(tenant=tenant, vehicle_id=vehicle.pk, start=at(9), job="maintenance")


def test_booking_publishes_appointment_booked(booked, tenant, vehicle, store):
    [event] = events_of(booked)

    assert (event.type, event.store_id, event.actor_id) == ("appointment.booked", store.pk, tenant.user.pk)
    assert event.payload["vehicle_id"] == vehicle.pk and event.payload["start"] == booked.start.isoformat()


def test_an_online_booking_has_no_actor(workshop, store, vehicle, customer):
    a = services.appointment_book_online(store=store, plate="粤B12345", mobile=customer.mobile, start=at(10))

    [event] = events_of(a)
    assert (event.type, event.actor_id, event.payload["channel"]) == ("appointment.booked", None, "web")


@pytest.mark.parametrize(
    ("action", "type"),
    [
        ("confirm", "appointment.confirmed"),
        ("arrive", "appointment.arrived"),
        ("cancel", "appointment.cancelled"),
    ],
)
def test_each_step_publishes_one_event(booked, tenant, action, type):
    workflow.appointment_transition(tenant=tenant, appointment_id=booked.pk, action=action, reason="客户来电")

    steps = events_of(booked)[1:]
    assert [e.type for e in steps] == [type] and steps[0].actor_id == tenant.user.pk
    assert steps[0].payload["from_state"] == "booked" and steps[0].payload["version"] == 2


def test_a_no_show_is_published_once_the_time_has_passed(booked, tenant, clock):
    with pytest.raises(Conflict):
        workflow.appointment_transition(tenant=tenant, appointment_id=booked.pk, action="no-show")
    clock.shift(timedelta(days=1, hours=2))

    workflow.appointment_transition(tenant=tenant, appointment_id=booked.pk, action="no-show")

    assert [e.type for e in events_of(booked)] == ["appointment.booked", "appointment.no_show"]


def test_rescheduling_publishes_rescheduled_and_a_new_booking(booked, tenant):
    new = services.appointment_reschedule(
        tenant=tenant, appointment_id=booked.pk, start=at(14), reason="客户改时间"
    )

    old_events = [e.type for e in events_of(booked)]
    [new_booked] = events_of(new)
    assert old_events == ["appointment.booked", "appointment.rescheduled"]
    assert events_of(booked)[-1].payload["rescheduled_to"] == new.pk
    assert (new_booked.type, new_booked.payload["rescheduled_from"]) == ("appointment.booked", booked.pk)


def test_a_cancellation_without_a_reason_publishes_nothing(booked, tenant):
    with pytest.raises(DomainError):
        workflow.appointment_transition(tenant=tenant, appointment_id=booked.pk, action="cancel", reason=" ")

    assert [e.type for e in events_of(booked)] == ["appointment.booked"]


# --- The confirmation text (dms.scheduling.subscribers) ---------------------------------------------


def test_booking_queues_a_chinese_confirmation_text_with_the_store_time_and_plate(
    booked, store, customer, clock
):
    from dms.messaging import outbox
    from dms.messaging.models import Message

    [sms] = Message.objects.filter(subject_type="appointment", subject_id=booked.pk)

    # booked at 08:00: inside the store's quiet hours, so it waits for 08:30
    assert (sms.kind, sms.channel, sms.purpose, sms.customer, sms.address, sms.state) == (
        "appointment_confirmation", "sms", "service", customer, customer.mobile, "scheduled",
    )  # fmt: skip
    assert sms.send_after == at(8, 30, day=at(8).date() - timedelta(days=1))
    start = f"{at(9):%Y-%m-%d %H:%M}"
    assert (
        sms.body.startswith(f"【{store.name}】")
        and "粤B12345" in sms.body
        and f"已预约 {start} 到店" in sms.body
    )
    clock.move_to(at(8, 31, day=at(8).date() - timedelta(days=1)))
    outbox.run()
    sms.refresh_from_db()
    assert sms.state == "sent" and sms.recorded_only  # no SMS provider: recorded, nothing sent


def test_a_customer_without_a_mobile_gets_no_confirmation(workshop, tenant, vehicle, customer):
    from dms.customers.models import Customer
    from dms.messaging.models import Message

    Customer.objects.filter(pk=customer.pk).update(mobile="")
    a = services.appointment_create(tenant=tenant, vehicle_id=vehicle.pk, start=at(9), job="maintenance")

    assert events_of(a)[0].type == "appointment.booked"
    assert not Message.objects.filter(subject_type="appointment").exists()


def test_a_booking_refused_queues_no_text(workshop, tenant, vehicle):
    from dms.messaging.models import Message

    with pytest.raises(DomainError):
        services.appointment_create(tenant=tenant, vehicle_id=vehicle.pk, start=at(9), job="no-such-job")

    assert not Message.objects.exists()
