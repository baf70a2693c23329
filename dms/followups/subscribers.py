"""What the follow-ups app does when something happens elsewhere (subscribed in apps.py).

A delivered repair order leaves the after-service call due within 2 days (step 10). It is written
in the delivery's own transaction (phase "transaction"): the call is never lost, and a delivery
that fails rolls it back with the rest."""

from dms.core.models import Event
from dms.workshop.models import RepairOrder

from .services import followup_create_for_delivery


def on_repair_order_delivered(event: Event) -> None:
    order = RepairOrder.objects.select_related("store", "customer", "vehicle").get(pk=event.subject_id)
    answers = event.payload
    followup_create_for_delivery(
        order=order, consent=answers.get("followup_consent", True), channel=answers.get("followup_channel", "phone"),
        time=answers.get("followup_time", "any"),
    )  # fmt: skip
