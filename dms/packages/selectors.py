"""Reads: the packages and canned jobs, and what the service advisor should offer a vehicle.

`recommendations_for` answers in a fixed number of queries, whatever the vehicle's history.
"""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from dms.core.roles import Perm
from dms.core.tenancy import Tenant
from dms.parts import units
from dms.vehicles.models import MileageReading, ServiceRecord, Vehicle
from dms.workshop.models import LineState, RepairOrder, RepairOrderLine, State

from .models import (
    Application,
    CannedJob,
    CannedJobItem,
    MaintenancePackage,
    PackageItem,
    Powertrain,
    powertrain_of,
)

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
SOON_KM = 1000  # due within this many km: "due soon"
SOON_DAYS = 30  # or within this many days (by the calendar or at the vehicle's average km a day)
DECLINED_SHOWN = 10


# The repair order's events these services write, in words, for the order page's history.
EVENT_LABELS = {
    "package-apply": _l("Maintenance package added"),
    "canned-job-apply": _l("Canned job added"),
    "recommendation-accept": _l("Declined item taken up again"),
}


class Due:
    OVERDUE = "overdue"
    SOON = "due_soon"


def due_label(due: str) -> str:
    return _("Overdue") if due == Due.OVERDUE else _("Due soon")


@dataclass
class Recommendation:
    kind: str  # "maintenance_due" | "declined_earlier"
    title: str
    reason: str
    due: str  # Due.OVERDUE | Due.SOON
    amount: Decimal
    package: MaintenancePackage | None = None
    line: RepairOrderLine | None = None

    @property
    def due_label(self) -> str:
        return due_label(self.due)


# --- Prices --------------------------------------------------------------------------------------------


@dataclass
class ItemLine:
    """A package's item as the line it will become on the repair order."""

    kind: str  # "labor" | "part"
    description: str
    code: str
    quantity: Decimal  # hours for labor
    unit_price: Decimal
    amount: Decimal
    quantity_text: str = ""  # with its unit, in the reader's language: "0.80 hours", "4.50 升"
    labor_operation_id: int | None = None
    part_id: int | None = None
    active: bool = True


def _cents(d: Decimal) -> Decimal:
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


def item_line(item, labor_rate: Decimal) -> ItemLine:
    if item.labor_operation_id:
        op = item.labor_operation
        hours = _cents(item.quantity * op.standard_hours)
        return ItemLine("labor", op.name, op.code, hours, labor_rate, _cents(hours * labor_rate),
                        units.spell(hours, units.HOURS),
                        labor_operation_id=op.pk, active=op.active)  # fmt: skip
    part = item.part
    return ItemLine("part", part.name, part.number, item.quantity, part.price, _cents(item.quantity * part.price),
                    units.quantity_text(item.quantity, part.unit), part_id=part.pk, active=part.active)  # fmt: skip


def priced(record, labor_rate: Decimal):
    """The record with `.lines` (ItemLine) and `.estimate` set from its prefetched items."""
    record.lines = [item_line(i, labor_rate) for i in record.items.all()]
    record.estimate = sum((ln.amount for ln in record.lines), ZERO)
    return record


def _items(model):
    return Prefetch("items", queryset=model.objects.select_related("labor_operation", "part"))


def package_list(tenant: Tenant, *, q: str = "", vehicle: Vehicle | None = None) -> list[MaintenancePackage]:
    qs = (
        MaintenancePackage.objects.for_tenant(tenant)
        .filter(active=True)
        .select_related("brand")
        .prefetch_related(_items(PackageItem))
    )
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(model__icontains=q) | Q(brand__name__icontains=q))
    if vehicle is not None:
        return fitting(qs, vehicle, tenant)
    return [priced(p, tenant.store.labor_rate) for p in qs]


def canned_job_list(tenant: Tenant, *, q: str = "", vehicle: Vehicle | None = None) -> list[CannedJob]:
    qs = (
        CannedJob.objects.for_tenant(tenant)
        .filter(active=True)
        .select_related("brand")
        .prefetch_related(_items(CannedJobItem))
    )
    if vehicle is not None:
        qs = qs.filter(Q(brand__isnull=True) | Q(brand_id=vehicle.brand_id))
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    return [priced(j, tenant.store.labor_rate) for j in qs]


def fitting(qs, vehicle: Vehicle, tenant: Tenant) -> list[MaintenancePackage]:
    """The packages that fit the vehicle: for each service (interval, first or not), the most
    specific one: for its model, else for its brand, else for any brand."""
    qs = qs.filter(
        Q(brand__isnull=True) | Q(brand_id=vehicle.brand_id),
        Q(model="") | Q(model__iexact=vehicle.model),
        powertrain__in=[Powertrain.ANY, powertrain_of(vehicle.energy)],
    )

    def rank(p):
        return (bool(p.model), p.brand_id is not None, p.powertrain != Powertrain.ANY)

    best: dict[tuple, MaintenancePackage] = {}
    for p in qs:
        slot = (p.first_only, p.interval_km, p.interval_months)
        if slot not in best or rank(p) > rank(best[slot]):
            best[slot] = p
    return [priced(p, tenant.store.labor_rate) for p in best.values()]


# --- Maintenance due ------------------------------------------------------------------------------------


def add_months(d: date, months: int) -> date:
    y, m = divmod(d.month - 1 + months, 12)
    year, month = d.year + y, m + 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def months_between(start: date, end: date) -> int:
    n = (end.year - start.year) * 12 + end.month - start.month
    return n - 1 if end.day < start.day else n


@dataclass
class Odometer:
    km_now: int
    per_day: Decimal | None  # average km a day, when it can be told
    estimated: bool  # km_now extrapolated from an old reading


def odometer(vehicle: Vehicle, today: date) -> Odometer:
    """The vehicle's mileage today: the last reading, carried forward at its average km a day."""
    first = (
        MileageReading.objects.filter(vehicle=vehicle, is_correction=False)
        .order_by("read_at", "id")
        .values("km", "read_at")
        .first()
    )
    last_day = timezone.localdate(vehicle.mileage_read_at) if vehicle.mileage_read_at else today
    per_day = None
    if first:
        span = (last_day - timezone.localdate(first["read_at"])).days
        if span >= 30 and vehicle.mileage_km > first["km"]:
            per_day = Decimal(vehicle.mileage_km - first["km"]) / span
    bought = vehicle.purchase_date or vehicle.registration_date
    if per_day is None and bought and (last_day - bought).days >= 30 and vehicle.mileage_km:
        per_day = Decimal(vehicle.mileage_km) / (last_day - bought).days
    km_now, estimated = vehicle.mileage_km, False
    if per_day and (today - last_day).days > 7:
        km_now, estimated = int(vehicle.mileage_km + per_day * (today - last_day).days), True
    return Odometer(km_now, per_day.quantize(Decimal("1")) if per_day else None, estimated)


@dataclass
class LastService:
    day: date | None
    km: int
    package: MaintenancePackage | None = None
    reference: str = ""


def last_maintenance(vehicle: Vehicle, exclude_order: RepairOrder | None = None) -> LastService | None:
    """The last maintenance: from the service history (kind maintenance) or a settled or delivered
    repair order a maintenance package was applied to, whichever is later."""
    record = (
        ServiceRecord.objects.filter(vehicle=vehicle, kind=ServiceRecord.Kind.MAINTENANCE)
        .order_by("-date", "-mileage_km", "-id")
        .values("date", "mileage_km", "reference")
        .first()
    )
    applied = Application.objects.filter(
        order__vehicle=vehicle, package__isnull=False, order__state__in=[State.SETTLED, State.DELIVERED]
    )
    if exclude_order is not None:
        applied = applied.exclude(order=exclude_order)
    applied = (
        applied.select_related("package", "order")
        .order_by("-order__settled_at", "-id")
        .only(
            "package__name",
            "package__interval_km",
            "order__settled_at",
            "order__delivered_at",
            "order__mileage_in",
            "order__number",
        )  # fmt: skip
        .first()
    )
    found = []
    if record:
        found.append(LastService(record["date"], record["mileage_km"], reference=record["reference"]))
    if applied:
        at = applied.order.settled_at or applied.order.delivered_at
        found.append(
            LastService(
                timezone.localdate(at) if at else None,
                applied.order.mileage_in,
                applied.package,
                applied.order.number,
            )  # fmt: skip
        )
    if not found:
        return None
    return max(found, key=lambda s: (s.day or date.min, s.km))


def _sentences(first: str, second: str) -> str:
    """Two sentences: Chinese ones follow each other without a space."""
    return first + ("" if first.endswith(("。", "）", "：")) else " ") + second


def _crossed(start: int, end: int, every: int) -> bool:
    return every > 0 and end // every > start // every


def _maintenance(vehicle: Vehicle, packages: list, today: date, odo: Odometer, last: LastService | None):
    first_only = [p for p in packages if p.first_only]
    regular = [p for p in packages if not p.first_only]
    bought = vehicle.purchase_date or vehicle.registration_date
    if last is None:
        base_day, base_km = bought, 0
        schedule = (
            first_only if first_only and odo.km_now < 2 * min(p.interval_km for p in first_only) else regular
        )
    else:
        base_day, base_km, schedule = last.day, last.km, regular
    if not schedule:
        return None
    base = min(schedule, key=lambda p: (p.interval_km, p.interval_months))
    driven = max(odo.km_now - base_km, 0)
    months = months_between(base_day, today) if base_day else None
    due_day = add_months(base_day, base.interval_months) if base_day else None
    km_left = base.interval_km - driven
    if km_left <= 0 or (due_day and today >= due_day):
        due = Due.OVERDUE
    elif (
        km_left <= SOON_KM
        or (due_day and (due_day - today).days <= SOON_DAYS)
        or (odo.per_day and odo.per_day * SOON_DAYS >= km_left)
    ):
        due = Due.SOON
    else:
        return None
    # Which service: the largest whose km (or, from the purchase date, months) milestone falls
    # between the last maintenance and now.
    chosen = base
    if last is not None:
        since_bought = (
            (months_between(bought, base_day), months_between(bought, today)) if bought and base_day else None
        )
        for p in sorted(regular, key=lambda p: p.interval_km):
            if _crossed(base_km, odo.km_now, p.interval_km) or (
                since_bought and _crossed(*since_bought, p.interval_months)
            ):
                chosen = p
    numbers = {
        "interval_km": f"{base.interval_km:,}",
        "interval_months": base.interval_months,
        "driven": f"{driven:,}",
        "months": months,
    }
    if last is not None:
        reason = _("Last maintenance %(km)s km / %(date)s; %(driven)s km and %(months)s months since; "
                   "maintenance is every %(interval_km)s km or %(interval_months)s months.") % {
            **numbers, "km": f"{last.km:,}", "date": last.day.isoformat() if last.day else "—",
            "months": months if months is not None else "—",
        }  # fmt: skip
    elif base_day:
        reason = _("No maintenance on file; bought %(date)s, %(km)s km now; the first maintenance is at "
                   "%(interval_km)s km or %(interval_months)s months.") % {
            **numbers, "date": base_day.isoformat(), "km": f"{odo.km_now:,}",
        }  # fmt: skip
    else:
        reason = _("No maintenance on file and %(km)s km now; maintenance is every %(interval_km)s km or "
                   "%(interval_months)s months.") % {**numbers, "km": f"{odo.km_now:,}"}  # fmt: skip
    if odo.estimated:
        reason = _sentences(
            reason,
            _("Estimated %(km)s km today at about %(per_day)s km a day.")
            % {
                "km": f"{odo.km_now:,}",
                "per_day": odo.per_day,
            },
        )
    return Recommendation(
        kind="maintenance_due",
        title=chosen.name,
        reason=reason,
        due=due,
        amount=chosen.estimate,
        package=chosen,
    )


# --- Declined earlier -------------------------------------------------------------------------------------


def _key(line) -> tuple:
    if line["labor_operation_id"]:
        return ("op", line["labor_operation_id"])
    if line["part_id"]:
        return ("part", line["part_id"])
    return ("text", "".join(line["description"].split()).lower())


def line_price(line: RepairOrderLine, labor_rate: Decimal) -> Decimal:
    """What the item costs today: the labor rate or the part's price now, else the price then."""
    if line.labor_operation_id:
        unit = labor_rate
    elif line.part_id:
        unit = line.part.price
    else:
        unit = line.unit_price
    return _cents(line.quantity * unit)


def _declined(tenant: Tenant, vehicle: Vehicle, order: RepairOrder | None) -> list[Recommendation]:
    lines = (
        RepairOrderLine.objects.filter(
            order__vehicle=vehicle, order__store__group_id=tenant.group_id, state=LineState.DECLINED
        )
        .exclude(order__state=State.CANCELLED)
        .select_related("order", "labor_operation", "part")
        .order_by("-order__opened_at", "id")
    )
    if order is not None:
        lines = lines.exclude(order=order)
    lines = list(lines[:100])
    if not lines:
        return []
    since = min(ln.order.opened_at for ln in lines)
    taken = (
        RepairOrderLine.objects.filter(order__vehicle=vehicle, order__store__group_id=tenant.group_id)
        .exclude(state=LineState.DECLINED)
        .exclude(order__state=State.CANCELLED)
        .filter(order__opened_at__gte=since)
        .values("labor_operation_id", "part_id", "description", "order__opened_at")
    )
    done_at: dict[tuple, list] = {}
    for t in taken:
        done_at.setdefault(_key(t), []).append(t["order__opened_at"])
    out, seen = [], set()
    for ln in lines:
        key = _key(
            {
                "labor_operation_id": ln.labor_operation_id,
                "part_id": ln.part_id,
                "description": ln.description,
            }
        )
        if key in seen or any(at >= ln.order.opened_at for at in done_at.get(key, [])):
            seen.add(key)
            continue
        seen.add(key)
        reason = _("Declined on %(date)s (%(number)s, %(km)s km).") % {
            "date": timezone.localdate(ln.order.opened_at).isoformat(),
            "number": ln.order.number,
            "km": f"{ln.order.mileage_in:,}",
        }
        if ln.note:
            reason = _sentences(reason, _("Technician's note: %(note)s") % {"note": ln.note})
        out.append(Recommendation(kind="declined_earlier", title=ln.description, reason=reason, due=Due.OVERDUE,
                                  amount=line_price(ln, tenant.store.labor_rate), line=ln))  # fmt: skip
        if len(out) >= DECLINED_SHOWN:
            break
    return out


# --- Together ----------------------------------------------------------------------------------------------


def _recommendations(tenant: Tenant, vehicle: Vehicle, order: RepairOrder | None = None):
    today = timezone.localdate()
    packages = package_list(tenant, vehicle=vehicle)
    out = []
    already = order is not None and Application.objects.filter(order=order, package__isnull=False).exists()
    if packages and not already:
        found = _maintenance(
            vehicle, packages, today, odometer(vehicle, today), last_maintenance(vehicle, order)
        )
        if found:
            out.append(found)
    return out + _declined(tenant, vehicle, order), packages


def recommendations_for(
    tenant: Tenant, vehicle: Vehicle, *, order: RepairOrder | None = None
) -> list[Recommendation]:
    """What to offer the vehicle's owner: the maintenance due (by km or months since the last one)
    and the items declined at earlier visits and not done since. With `order`, that order's own
    lines and packages are left out."""
    tenant.require(Perm.RO_VIEW)
    return _recommendations(tenant, vehicle, order)[0]


def order_page_context(tenant: Tenant, order: RepairOrder) -> dict:
    """The context of packages/_recommendations.html on the repair order page."""
    from dms.workshop.services import EDITABLE

    if not tenant.can(Perm.RO_VIEW):
        return {
            "recommendations": [],
            "canned_jobs": [],
            "maintenance_packages": [],
            "packages_can_apply": False,
        }
    recommendations, packages = _recommendations(tenant, order.vehicle, order)
    applied = list(
        Application.objects.filter(order=order).select_related("package", "canned_job").order_by("at", "id")
    )
    return {
        "recommendations": recommendations,
        "canned_jobs": canned_job_list(tenant, vehicle=order.vehicle),
        "maintenance_packages": packages,
        "applied_packages": applied,
        "packages_can_apply": order.state in EDITABLE and tenant.can(Perm.RO_EDIT),
    }
