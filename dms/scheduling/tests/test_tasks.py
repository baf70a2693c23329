"""The confirmation call one hour before: queued when booked, raised if the customer has not confirmed."""

from django_tasks_db.models import DBTaskResult

from dms.scheduling import services, workflow
from dms.scheduling.models import Appointment
from dms.scheduling.tasks import confirmation_call_due

from .conftest import at


def test_booking_queues_the_confirmation_call_for_one_hour_before(
    tenant, workshop, vehicle, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        a = services.appointment_create(tenant=tenant, vehicle_id=vehicle.pk, start=at(9))

    queued = DBTaskResult.objects.exclude(task_path__startswith="dms.messaging.").get()
    assert queued.run_after == at(8) and queued.args_kwargs["args"] == [a.pk]
    # and the outbox's worker, for the confirmation text (booked in the quiet hours: at 08:30)
    monday = at(8).date().replace(day=at(8).day - 1)
    assert DBTaskResult.objects.get(task_path__startswith="dms.messaging.").run_after == at(8, 30, day=monday)


def test_the_call_is_raised_when_the_customer_has_not_confirmed(tenant, workshop, vehicle, clock):
    a = services.appointment_create(tenant=tenant, vehicle_id=vehicle.pk, start=at(9))
    clock.move_to(at(8))

    assert confirmation_call_due.call(a.pk) is True

    a.refresh_from_db()
    assert a.call_due_at == at(8)
    assert list(a.events.values_list("action", flat=True)) == ["book", "call-due"]


def test_no_call_once_confirmed_or_cancelled(tenant, workshop, vehicle, second_vehicle, clock):
    confirmed = services.appointment_create(tenant=tenant, vehicle_id=vehicle.pk, start=at(9))
    workflow.appointment_transition(tenant=tenant, appointment_id=confirmed.pk, action="confirm")
    cancelled = services.appointment_create(tenant=tenant, vehicle_id=second_vehicle.pk, start=at(9))
    workflow.appointment_transition(tenant=tenant, appointment_id=cancelled.pk, action="cancel", reason="x")
    clock.move_to(at(8))

    assert confirmation_call_due.call(confirmed.pk) is False
    assert confirmation_call_due.call(cancelled.pk) is False
    assert not Appointment.objects.filter(call_due_at__isnull=False).exists()


def test_a_booking_within_the_hour_is_due_for_its_call_at_once(tenant, workshop, vehicle, clock):
    clock.move_to(at(8, 40))

    a = services.appointment_create(tenant=tenant, vehicle_id=vehicle.pk, start=at(9))

    assert a.call_due_at == at(8, 40)
