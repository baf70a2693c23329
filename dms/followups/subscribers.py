"""What the relationship engine does when something happens elsewhere (subscribed in apps.py).

Each handler runs inside the publishing transaction (phase "transaction"): the touches commit or
roll back with the step that called for them, and a touch is never lost. Each event's touches are
keyed by the event's subject (a repair order, a sales order, a complaint, a lead): an event handled
twice creates nothing twice."""

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from dms.core.models import Event
from dms.customers.models import Customer
from dms.vehicles.models import Vehicle
from dms.workshop.models import RepairOrder

from .generation import touches_for_event
from .models import ToolkitEntry, Trigger
from .services import customer_manager_assign_default, followup_create_for_delivery


def on_repair_order_delivered(event: Event) -> None:
    order = RepairOrder.objects.select_related("store", "customer", "vehicle").get(pk=event.subject_id)
    answers = event.payload
    followup_create_for_delivery(
        order=order, consent=answers.get("followup_consent", True), channel=answers.get("followup_channel", "phone"),
        time=answers.get("followup_time", "any"),
    )  # fmt: skip


def _when(value, default: datetime) -> datetime:
    parsed = parse_datetime(value) if isinstance(value, str) else value
    return parsed if isinstance(parsed, datetime) else default


def on_sales_order_delivered(event: Event) -> None:
    """A new car delivered: the buyer gets a customer manager (the store's least loaded) unless
    they have one, and the new-car touches (SMS and call after 2 hours, running-in SMS after 2
    days, call after a week, the first-maintenance reminder). The delivery photo texted to the buyer
    (sales queued it: `photo_message_id`) counts in the toolkit as 一照."""
    p = event.payload
    customer = Customer.objects.filter(pk=p.get("customer_id"), group_id=event.group_id).first()
    if customer is None or event.store is None:
        return
    vehicle = Vehicle.objects.filter(pk=p.get("vehicle_id"), group_id=event.group_id).first()
    customer_manager_assign_default(customer=customer, store=event.store)
    at = _when(p.get("delivered_at"), event.at or timezone.now())
    touches_for_event(
        store=event.store, trigger=Trigger.NEW_CAR_DELIVERED, customer=customer, vehicle=vehicle,
        at=at, subject=f"so:{p.get('sales_order_id') or event.subject_id}",
    )  # fmt: skip
    if p.get("photo_message_id"):
        ToolkitEntry.objects.get_or_create(
            store=event.store, customer=customer, tool=ToolkitEntry.Tool.PHOTO, at=at,
            defaults={"note": gettext("Texted to the customer at the delivery")[:200]},
        )  # fmt: skip


def on_complaint_closed(event: Event) -> None:
    """A complaint closed: a call a week later to make sure it stays resolved."""
    from dms.satisfaction.models import Complaint

    case = Complaint.objects.select_related("customer", "store").filter(pk=event.subject_id).first()
    if case is None:
        return
    vehicle = case.repair_order.vehicle if case.repair_order_id else None
    touches_for_event(
        store=case.store, trigger=Trigger.COMPLAINT_CLOSED, customer=case.customer, vehicle=vehicle,
        at=event.at or timezone.now(), subject=f"complaint:{case.pk}",
    )  # fmt: skip


def on_lead_created(event: Event) -> None:
    """A prospect referred by a customer (lead.created with referrer_customer_id): the referrer's
    thank-you gift, a task for their manager."""
    referrer_id = event.payload.get("referrer_customer_id")
    if not referrer_id or event.store is None:
        return
    referrer = Customer.objects.filter(pk=referrer_id, group_id=event.group_id).first()
    if referrer is None:
        return
    touches_for_event(
        store=event.store, trigger=Trigger.REFERRAL_MADE, customer=referrer, at=event.at or timezone.now(),
        subject=f"lead:{event.payload.get('lead_id') or event.subject_id}",
    )  # fmt: skip
