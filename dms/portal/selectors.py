"""Reads of the customer pages and of the store's promises."""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import CharField, DateTimeField, Exists, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from dms.core.tenancy import Tenant, get_scoped
from dms.messaging.models import Message
from dms.workshop.models import FindingPhoto, LineState, Payer, RepairOrder, RepairOrderEvent, State

from .models import PromiseChange, PromiseWarning

AT_RISK_WINDOW = timedelta(minutes=30)
# The sweep warns of a promise that passed without a warning (the worker was stopped) only this
# long after: later, the customer is not texted "may be late" any more (the list still shows it late).
CATCH_UP = timedelta(hours=2)
# Not ready yet: the car is still being worked on (or not even started).
NOT_READY = [
    State.DRAFT,
    State.SIGNED,
    State.DISPATCHED,
    State.IN_PROGRESS,
    State.AWAITING_APPROVAL,
    State.FINISHED,
]


def order_for_link(order_id: int) -> RepairOrder | None:
    """The order a signed link names. The one read without a tenant: the link's signature (checked
    by links.read_token) is the authority, and it names exactly one order."""
    return (
        RepairOrder.objects.select_related("store", "customer", "vehicle", "vehicle__brand", "advisor")
        .prefetch_related("lines")
        .filter(pk=order_id)
        .first()
    )


def _latest_promise():
    return Subquery(
        PromiseChange.objects.filter(order=OuterRef("pk")).order_by("-at", "-id").values("promised_at")[:1],
        output_field=DateTimeField(),
    )


def with_promise(queryset):
    """Annotates `promise`: the latest announced change, else the order's first promise."""
    return queryset.annotate(promise=Coalesce(_latest_promise(), "promised_at"))


def current_promise(order: RepairOrder) -> datetime | None:
    if hasattr(order, "promise"):
        return order.promise
    change = PromiseChange.objects.filter(order=order).order_by("-at", "-id").first()
    return change.promised_at if change else order.promised_at


def promise_moved(order: RepairOrder) -> bool:
    """Was the customer given a new time since the first promise?"""
    return PromiseChange.objects.filter(order=order).exists()


def _at_risk(store, now: datetime):
    qs = with_promise(RepairOrder.objects.filter(store=store, state__in=NOT_READY))
    return qs.filter(promise__isnull=False, promise__lte=now + AT_RISK_WINDOW)


def _warning(field: str):
    """The sweep's warning for the order's promise in force (None if not warned yet)."""
    warnings = PromiseWarning.objects.filter(order=OuterRef("pk"), promised_at=OuterRef("promise"))
    return warnings.values(field)[:1]


def orders_at_risk(store, now: datetime) -> list[RepairOrder]:
    """Open orders not ready yet whose promised time is within 30 minutes or has passed: the SA
    warns the customer before the promise is broken. Earliest first, each with `warned_at` (when
    the sweep warned of this promise), `told` (the state of its text to the customer, "" if
    none) and `told_by` (the provider that took it, "recording" when nothing left); one query."""
    qs = _at_risk(store, now).select_related("customer", "vehicle", "advisor")
    qs = qs.annotate(
        warned_at=Subquery(_warning("at"), output_field=DateTimeField()),
        told=Subquery(_warning("message__state"), output_field=CharField()),
        told_by=Subquery(_warning("message__provider"), output_field=CharField()),
    )
    return list(qs.order_by("promise", "pk"))


def promises_to_warn(store, now: datetime) -> list[RepairOrder]:
    """The orders of `store` at risk whose promise in force has not been warned of yet (passed no
    longer than CATCH_UP ago), with what the warning and the text need."""
    qs = _at_risk(store, now).filter(promise__gte=now - CATCH_UP).exclude(Exists(_warning("pk")))
    return list(qs.select_related("store", "customer", "vehicle").order_by("promise", "pk"))


def warnings_open(store, now: datetime, *, advisor=None) -> int:
    """How many orders of `store` (of `advisor`'s, when given) are at risk and were warned of: the
    top bar's badge. One query."""
    qs = _at_risk(store, now).filter(Exists(_warning("pk")))
    if advisor is not None:
        qs = qs.filter(advisor=advisor)
    return qs.count()


def promise_history(tenant: Tenant, order_id: int) -> tuple[RepairOrder, list[PromiseChange]]:
    order = get_scoped(with_promise(RepairOrder.objects.all()), tenant, pk=order_id)
    return order, list(PromiseChange.objects.filter(order=order).select_related("by"))


def messages_for(tenant: Tenant, *, order_id: int | None = None, limit: int = 50, offset: int = 0):
    """The current store's messages about repair orders (messaging's outbox), newest first."""
    qs = Message.objects.for_tenant(tenant).filter(store=tenant.store, subject_type="repair_order")
    if order_id is not None:
        order = get_scoped(RepairOrder.objects.only("pk"), tenant, pk=order_id)
        qs = qs.filter(subject_id=order.pk)
    qs = qs.select_related("by").order_by("-created_at", "-id")
    return qs.count(), list(qs[offset : offset + limit])


# --- The customer's status page -------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    label: str
    at: datetime | None
    done: bool
    current: bool


STEPS = [
    (_("Car received"), "opened_at"),
    (_("Job assigned"), "dispatched_at"),
    (_("Being repaired"), "started_at"),
    (_("Quality check"), "finished_at"),
    (_("Ready for collection"), "qc_passed_at"),
    (_("Collected"), "delivered_at"),
]
STATE_STEP = {
    State.DRAFT: 0, State.SIGNED: 0, State.DISPATCHED: 1, State.IN_PROGRESS: 2, State.AWAITING_APPROVAL: 2,
    State.FINISHED: 3, State.READY: 4, State.SETTLED: 4, State.DELIVERED: 5,
}  # fmt: skip


HEADLINES = [
    _("We have your car; a technician will be assigned soon."),
    _("A technician is assigned; the work starts soon."),
    _("Your car is being repaired."),
    _("The work is done; quality check in progress."),
    _("Your car is ready: you can collect it."),
    _("Collected. Thank you for coming!"),
]


def headline(order: RepairOrder) -> str:
    step = STATE_STEP.get(order.state)
    return str(HEADLINES[step]) if step is not None else ""


def progress(order: RepairOrder) -> list[Step]:
    """接车 → 派工 → 维修 → 质检 → 待交车 → 已交车, with when each step was reached."""
    reached = STATE_STEP.get(order.state, -1)
    last = len(STEPS) - 1
    steps = []
    for i, (label, stamp) in enumerate(STEPS):
        done = i < reached or i == reached == last
        steps.append(
            Step(str(label), getattr(order, stamp) if i <= reached else None, done, i == reached and not done)
        )
    return steps


def on_time(order: RepairOrder, promise: datetime | None, now: datetime) -> bool | None:
    """Whether the car is (or was) ready by the promised time; None without a promise."""
    if promise is None or order.state == State.CANCELLED:
        return None
    if order.qc_passed_at and order.state not in NOT_READY:
        return order.qc_passed_at <= promise
    return now <= promise


def customer_lines(order: RepairOrder) -> dict:
    """The items the customer sees: agreed (and done), awaiting their decision, and declined ones
    kept as recommendations, and once the order is settled what was paid. Never the technician's internal notes (they are on the approval page
    only for the items they explain)."""
    lines = list(order.lines.all())
    agreed = [ln for ln in lines if ln.state in (LineState.APPROVED, LineState.DONE)]
    return {
        "agreed": agreed,
        # What the customer pays for the work agreed (the order's total also counts proposals).
        "agreed_total": sum((ln.amount for ln in agreed if ln.payer == Payer.CUSTOMER), Decimal("0.00")),
        "proposed": [ln for ln in lines if ln.state == LineState.PROPOSED],
        "declined": [ln for ln in lines if ln.state == LineState.DECLINED],
        # Once settled, what the customer paid at the cashier (discounts and fees included).
        "paid": sum((p.amount for p in order.payments.all()), Decimal("0.00"))
        if order.state in (State.SETTLED, State.DELIVERED)
        else None,
    }


def last_decision(order: RepairOrder) -> dict | None:
    """The latest decision on extra work: when, how, and which items were agreed or declined."""
    event = RepairOrderEvent.objects.filter(order=order, action="approve").order_by("-at", "-id").first()
    if event is None:
        return None
    decisions = event.data.get("decisions", {}) if isinstance(event.data, dict) else {}
    by_id = {str(ln.pk): ln for ln in order.lines.all()}
    return {
        "at": event.at,
        "by_customer": bool(event.data.get("by_customer")),
        "method": event.data.get("method", ""),
        "approved": [by_id[k] for k, v in decisions.items() if v == "approve" and k in by_id],
        "declined": [by_id[k] for k, v in decisions.items() if v == "decline" and k in by_id],
    }


def awaiting_approval(order: RepairOrder) -> bool:
    return order.state == State.AWAITING_APPROVAL and any(
        ln.state == LineState.PROPOSED for ln in order.lines.all()
    )


# --- The technician's photos on the approval page ---------------------------------------------------


def finding_photos(order: RepairOrder) -> dict[int, list[FindingPhoto]]:
    """The photos of the order's extra items, by line: one query."""
    shots: dict[int, list[FindingPhoto]] = {}
    for shot in FindingPhoto.objects.filter(order=order, line__is_additional=True).order_by("at", "pk"):
        shots.setdefault(shot.line_id, []).append(shot)
    return shots


def finding_photo(order: RepairOrder, photo_id: int) -> FindingPhoto | None:
    """One photo of an extra item of this order (the order the link names), else None."""
    return FindingPhoto.objects.filter(order=order, line__is_additional=True, pk=photo_id).first()
