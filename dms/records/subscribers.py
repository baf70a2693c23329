"""What the records app does when a repair order is settled (subscribed in apps.py): the record is
built inside the settle step's transaction (phase "transaction"), so it exists exactly when the
settlement commits and its upload is queued with it — messaging's outbox worker uploads it after
the commit, so a platform that is down never undoes or slows the settlement."""

from dms.core.models import Event
from dms.workshop.models import RepairOrder

from .services import record_build


def on_repair_order_settled(event: Event) -> None:
    # Read in the step's transaction: the settlement fields as the workflow saved them just now.
    order = RepairOrder.objects.select_related("store", "vehicle").get(pk=event.subject_id)
    record_build(order=order)
