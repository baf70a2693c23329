"""Comebacks (返修): a car back inside the repair-quality warranty of an earlier repair.

The warranty (质量保证期, 机动车维修管理规定 art. 37) runs from delivery, by days or km, whichever
ends first, for the vehicle's category (car, motorcycle, other) and the kind of work (rules.py); a
store may promise longer (StoreQualityWarranty), never shorter.

- Detection looks at every earlier delivered order of the vehicle (any store of the group) whose
  warranty still runs at this visit, not only the last one: an overhaul inside its 100 days is not
  hidden by a later oil change. The order opened is flagged "possible comeback" with the most
  recent of them; `candidates` compares the fault of each (the labor operations in common and
  their systems, i.e. the operations' skills) for the advisor.
- The advisor decides, with a reason, before the customer signs: `confirm-comeback` (the lines the
  customer would pay are paid by the store, marked 返修; the order is linked to the original order,
  its technician and its QC inspector) or `overrule-comeback`. Both are steps of the workflow's
  table, taken through actions.take.
- Counted per store, technician, advisor and month (`report`): the first-time-fix rate is the share
  of a month's delivered orders that did not come back as a confirmed comeback.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.collation import pinyin_key
from dms.core.errors import DomainError
from dms.core.tenancy import Tenant

from . import workflow
from .models import (
    ComebackStatus,
    LineKind,
    LineState,
    Payer,
    RepairOrder,
    RepairOrderEvent,
    State,
    StoreQualityWarranty,
)
from .rules import LONGEST, QualityWarranty, quality_warranty

COMEBACK_FIELDS = ("id", "store_id", "vehicle_id", "number", "state", "work_class", "delivered_at", "mileage_in",
                   "mileage_out", "complaint", "technician_id")  # fmt: skip


@dataclass
class Candidate:
    order: RepairOrder
    period: QualityWarranty
    days_left: int
    km_left: int
    same_operations: list[str]
    same_systems: list[str]

    @property
    def matches(self) -> bool:
        return bool(self.same_operations or self.same_systems)


def _store_period(field: str):
    return Subquery(
        StoreQualityWarranty.objects.filter(
            store_id=OuterRef("store_id"),
            category=OuterRef("vehicle__category"),
            work_class=OuterRef("work_class"),
        ).values(field)[:1]
    )


def period_of(order: RepairOrder, category: str) -> QualityWarranty:
    """The repair-quality warranty of `order` for a vehicle of `category`: the law's, the group's
    setting or the store's own periods, the longest (the order's store decides, not the reader's).
    An order found by `in_warranty` carries its store's periods already; any other costs one query."""
    if hasattr(order, "store_days"):
        return quality_warranty(order.work_class, category, order.store_km, order.store_days)
    own = (
        StoreQualityWarranty.objects.filter(store_id=order.store_id, category=category, work_class=order.work_class)
        .values_list("km", "days").first()
    )  # fmt: skip
    return quality_warranty(order.work_class, category, *(own or (None, None)))


def days_and_km_left(
    order: RepairOrder, period: QualityWarranty, mileage: int, now: datetime
) -> tuple[int, int]:
    """What is left of `order`'s warranty at `now` and the odometer's `mileage`: days, km."""
    return (
        period.days - (now - order.delivered_at).days,
        period.km - (mileage - (order.mileage_out or order.mileage_in)),
    )


def _delivered_lately(vehicle_id, now: datetime):
    """The vehicle's delivered orders whose warranty may still run at `now` (the longest a store
    may promise): where in_warranty looks."""
    return RepairOrder.objects.filter(
        vehicle_id=vehicle_id, state=State.DELIVERED, delivered_at__isnull=False,
        delivered_at__gte=now - timedelta(days=LONGEST.days), delivered_at__lte=now,
    )  # fmt: skip


def any_in_warranty(now: datetime) -> Exists:
    """Whether the vehicle (OuterRef "pk") may have an order in warranty at `now`: an annotation
    for the read of its file, so that a car without one (a first visit) skips in_warranty's query."""
    return Exists(_delivered_lately(OuterRef("pk"), now))


def in_warranty(
    vehicle_id: int, mileage_in: int, now: datetime, *, exclude: int | None = None
) -> list[Candidate]:
    """Every delivered order of the vehicle whose repair-quality warranty still runs at `now` and
    `mileage_in`, most recent first (one query; the store's own periods and the vehicle's category
    read in it)."""
    qs = (
        _delivered_lately(vehicle_id, now)
        .only(*COMEBACK_FIELDS)
        .annotate(category=F("vehicle__category"), store_km=_store_period("km"), store_days=_store_period("days"))
        .order_by("-delivered_at", "-pk")
    )  # fmt: skip
    if exclude:
        qs = qs.exclude(pk=exclude)
    found = []
    for order in qs:
        period = quality_warranty(order.work_class, order.category, order.store_km, order.store_days)
        days_left, km_left = days_and_km_left(order, period, mileage_in, now)
        if now <= order.delivered_at + timedelta(days=period.days) and km_left >= 0:
            found.append(Candidate(order, period, days_left, km_left, [], []))
    return found


def find(vehicle_id: int, mileage_in: int, now: datetime) -> RepairOrder | None:
    """The earlier order a visit at `mileage_in` may come back to: the most recent still inside
    its warranty (the advisor may choose another when confirming)."""
    found = in_warranty(vehicle_id, mileage_in, now)
    return found[0].order if found else None


def _faults(order_ids) -> dict[int, tuple[set, set]]:
    """Per order: its labor operations ("code name") and their systems (skills), declined lines left out."""
    out: dict[int, tuple[set, set]] = {pk: (set(), set()) for pk in order_ids}
    from .models import RepairOrderLine

    rows = (
        RepairOrderLine.objects.filter(order_id__in=order_ids, kind=LineKind.LABOR, labor_operation__isnull=False)
        .exclude(state=LineState.DECLINED)
        .values_list("order_id", "labor_operation__code", "labor_operation__name", "labor_operation__skill")
    )  # fmt: skip
    for order_id, code, name, skill in rows:
        out[order_id][0].add(f"{code} {name}")
        if skill not in ("general", "maintenance", "diagnosis"):
            out[order_id][1].add(skill)
    return out


def candidates(order: RepairOrder) -> list[Candidate]:
    """The earlier orders `order` may come back to, each with the fault in common (labor
    operations and their systems); those in common first, then the most recent."""
    found = in_warranty(order.vehicle_id, order.mileage_in, order.opened_at, exclude=order.pk)
    faults = _faults([order.pk, *(c.order.pk for c in found)])
    ops, systems = faults[order.pk]
    for c in found:
        c.same_operations = sorted(ops & faults[c.order.pk][0])
        c.same_systems = sorted(systems & faults[c.order.pk][1])
    found.sort(key=lambda c: (not c.matches, -len(c.same_operations), -c.order.delivered_at.timestamp()))
    return found


# --- The advisor's decision (steps of the workflow: actions.take) ------------------------------------


def _inspector_of(order_id: int):
    return (
        RepairOrderEvent.objects.filter(order_id=order_id, action="qc-pass")
        .order_by("-at", "-id")
        .values_list("by_id", flat=True)
        .first()
    )


def confirm(
    *, tenant: Tenant, order_id: int, reason: str = "", original_order_id: int | None = None,
    version: int | None = None,
) -> RepairOrder:  # fmt: skip
    """A comeback (返修): the store pays what the customer would have (those lines are marked
    payer "store"), the order is linked to the original order, its technician and QC inspector."""
    from .services import _recompute

    def effect(order):
        found = candidates(order)
        wanted = original_order_id or order.comeback_of_id
        chosen = (
            next((c for c in found if c.order.pk == wanted), None)
            if wanted
            else (found[0] if found else None)
        )
        if chosen is None:
            raise DomainError(
                _("Choose an earlier repair of this vehicle still inside its repair-quality warranty."),
                field="original_order_id",
            )
        original = chosen.order
        now = timezone.now()
        order.is_comeback, order.comeback_status, order.comeback_of = True, ComebackStatus.CONFIRMED, original
        order.comeback_reason, order.comeback_decided_at, order.comeback_decided_by = (
            reason.strip()[:300],
            now,
            tenant.user,
        )
        order.comeback_technician_id = original.technician_id
        order.comeback_inspector_id = _inspector_of(original.pk)
        moved = (
            order.lines.filter(payer=Payer.CUSTOMER)
            .exclude(state=LineState.DECLINED)
            .update(payer=Payer.STORE)
        )
        return {
            "original": original.number, "same_operations": chosen.same_operations, "lines_paid_by_store": moved,
            "_fields": ["is_comeback", "comeback_status", "comeback_of", "comeback_reason", "comeback_decided_at",
                        "comeback_decided_by", "comeback_technician", "comeback_inspector", *_recompute(order)],
        }  # fmt: skip

    return workflow.apply(
        tenant=tenant,
        order_id=order_id,
        action="confirm-comeback",
        version=version,
        effect=effect,
        reason=reason,
    )


def overrule(*, tenant: Tenant, order_id: int, reason: str = "", version: int | None = None) -> RepairOrder:
    """Not a comeback (a different fault, or caused by the customer): the customer pays as usual;
    the earlier order stays named on the order, with the reason."""
    from .services import _recompute

    def effect(order):
        order.is_comeback, order.comeback_status = False, ComebackStatus.OVERRULED
        order.comeback_reason, order.comeback_decided_at, order.comeback_decided_by = (
            reason.strip()[:300], timezone.now(), tenant.user,
        )  # fmt: skip
        order.comeback_technician_id = order.comeback_inspector_id = None
        order.lines.filter(payer=Payer.STORE).update(payer=Payer.CUSTOMER)
        return {"_fields": ["is_comeback", "comeback_status", "comeback_reason", "comeback_decided_at",
                            "comeback_decided_by", "comeback_technician", "comeback_inspector", *_recompute(order)]}  # fmt: skip

    return workflow.apply(
        tenant=tenant,
        order_id=order_id,
        action="overrule-comeback",
        version=version,
        effect=effect,
        reason=reason,
    )


# --- Reading them --------------------------------------------------------------------------------------


def month_bounds(month: str) -> tuple[date, date]:
    """'2026-12' -> (first day, first day of the next month); DomainError on anything else."""
    try:
        year, m = (int(p) for p in month.split("-"))
        start = date(year, m, 1)
    except (ValueError, AttributeError):
        raise DomainError(_("Give the month as YYYY-MM."), field="month") from None
    if not 2000 <= year <= 2100 or len(month) != 7:
        raise DomainError(_("Give the month as YYYY-MM."), field="month")
    end = date(year + (m == 12), m % 12 + 1, 1)
    return start, end


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day))


def _stores(tenant: Tenant) -> list[int]:
    return [s.id for s in (tenant.stores or (tenant.store,))]


def confirmed(tenant: Tenant, month: str):
    """The confirmed comebacks decided in `month`, in the stores the tenant works in, with the
    original order, its technician and its QC inspector."""
    start, end = month_bounds(month)
    return (
        RepairOrder.objects.filter(store_id__in=_stores(tenant), comeback_status=ComebackStatus.CONFIRMED,
                                   comeback_decided_at__gte=_aware(start), comeback_decided_at__lt=_aware(end))
        .select_related("comeback_of", "comeback_technician__user", "comeback_inspector", "advisor", "store")
        .order_by("comeback_decided_at", "pk")
    )  # fmt: skip


BY = {"store": "store__code", "technician": "technician__user__username", "advisor": "advisor__username"}
# What a row of each breakdown shows: the person's name (the username when none is set), the store's code.
LABEL = {
    "store": "store__code",
    "technician": "technician__user__display_name",
    "advisor": "advisor__display_name",
}


def delivered_in(tenant: Tenant, month: str):
    """The orders delivered in `month` in the tenant's stores, each marked `back` when a confirmed
    comeback came back to it."""
    start, end = month_bounds(month)
    came_back = RepairOrder.objects.filter(
        comeback_status=ComebackStatus.CONFIRMED, comeback_of_id=OuterRef("pk")
    )
    return RepairOrder.objects.filter(
        store_id__in=_stores(tenant), state=State.DELIVERED, delivered_at__gte=_aware(start),
        delivered_at__lt=_aware(end),
    ).annotate(back=Exists(came_back))  # fmt: skip


def report(tenant: Tenant, month: str) -> dict[str, list[dict]]:
    """Per store, technician and advisor of the orders delivered in `month`: how many, how many
    came back as a confirmed comeback, and the first-time-fix rate (the share that did not). One
    query per breakdown; `name` is the key of the list behind each number,
    `came_back(tenant, month, by, name)`, and `label` what the row shows (a person's name)."""
    rows = {}
    delivered = delivered_in(tenant, month)
    for by, field in BY.items():
        label = LABEL[by]
        rows[by] = sorted(
            ({"name": r[field] or "", "label": r[label] or r[field] or "", "delivered": r["n"], "comebacks": r["b"],
              "first_time_fix": round(100 * (r["n"] - r["b"]) / r["n"], 1)}
             for r in delivered.values(*dict.fromkeys((field, label)))
             .annotate(n=Count("pk"), b=Count("pk", filter=Q(back=True))).order_by()),
            key=lambda row: (pinyin_key(row["label"]), row["name"]),
        )  # fmt: skip
    return rows


def came_back(tenant: Tenant, month: str, by: str = "", name: str = ""):
    """The orders delivered in `month` (of one store, technician or advisor) that came back."""
    qs = delivered_in(tenant, month).filter(back=True)
    if by in BY:
        qs = qs.filter(**{BY[by]: name}) if name else qs.filter(**{f"{BY[by]}__isnull": True})
    return qs.select_related("store", "advisor", "technician__user", "vehicle").order_by("delivered_at", "pk")
