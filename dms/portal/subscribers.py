"""What the portal does when a repair order moves (subscribed in apps.py): it texts the customer
their links once the step has committed (phase "commit": nothing is sent for a step that rolled
back, and a text that cannot be sent never undoes the step).

- `repair_order.opened`, `repair_order.signed`: the progress link (sent once per order:
  notify_status_link does not repeat it);
- `repair_order.approval_requested`: the approval link, while extra work awaits the decision."""

from dms.core.models import Event
from dms.workshop.models import RepairOrder

from . import notify


def _order(event: Event) -> RepairOrder:
    return RepairOrder.objects.select_related("store", "customer", "vehicle").get(pk=event.subject_id)


def text_status_link(event: Event) -> None:
    notify.notify_status_link(_order(event), by=event.actor)


def text_approval_link(event: Event) -> None:
    notify.notify_approval_requested(_order(event), by=event.actor)
