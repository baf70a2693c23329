"""What the portal does when a repair order moves (subscribed in apps.py): it queues the
customer's texts on messaging's outbox inside the step's transaction (phase "transaction": the
text exists exactly when the step commits, nothing for a step that rolled back; the outbox worker
sends it afterwards, so a provider that is down never undoes or slows the step).

- `repair_order.opened`, `repair_order.signed`: the progress link (once per order:
  notify_status_link does not repeat it);
- `repair_order.approval_requested`: the approval link, while extra work awaits the decision."""

from dms.core.events import subject_of
from dms.core.models import Event
from dms.workshop.models import RepairOrder

from . import notify


def _order(event: Event) -> RepairOrder:
    return subject_of(event, RepairOrder) or RepairOrder.objects.select_related(
        "store", "customer", "vehicle"
    ).get(pk=event.subject_id)


def text_status_link(event: Event) -> None:
    opened = event.type == "repair_order.opened"  # the order was made in this transaction
    notify.notify_status_link(_order(event), by=event.actor, opened=opened)


def text_approval_link(event: Event) -> None:
    notify.notify_approval_requested(_order(event), by=event.actor)
