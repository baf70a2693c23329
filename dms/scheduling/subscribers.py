"""What scheduling does when an appointment is booked (subscribed in apps.py): the customer gets a
confirmation text with the store, the time and the plate, queued on messaging's outbox in the
booking's own transaction (phase "transaction": the text exists exactly when the booking commits;
the outbox worker sends it). Once per appointment (a rescheduled one is a new appointment, and
confirmed again); nothing when the customer has no valid mobile number."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from dms.core.models import Event
from dms.messaging.models import Channel, Purpose
from dms.messaging.services import MOBILE, message_queue

from .models import Appointment


def text_confirmation(event: Event):
    appointment = Appointment.objects.select_related("store", "customer", "vehicle").get(pk=event.subject_id)
    customer, store = appointment.customer, appointment.store
    if not MOBILE.match((customer.mobile or "").strip()):
        return None
    start = timezone.localtime(appointment.start, ZoneInfo(store.time_zone or settings.TIME_ZONE))
    return message_queue(
        store=store, customer=customer, channel=Channel.SMS, purpose=Purpose.SERVICE,
        kind="appointment_confirmation",
        params={"plate": appointment.vehicle.plate or appointment.vehicle.model, "time": f"{start:%Y-%m-%d %H:%M}"},
        subject=appointment, idempotency_key=f"appointment-confirmation:{appointment.pk}", by=event.actor,
    )  # fmt: skip
