"""三包 counters (家用汽车产品修理、更换、退货责任规定, 2021 revision) per vehicle.

For a private passenger car, within its 三包 period (2 years / 50,000 km from the invoice date,
warranty.sanbao_periods), the store counts from the vehicle's service history (each settled repair
order writes its record with the day the car came in, its repair days, the faults repaired and the
major systems replaced):

- the total repair days: more than 35 gives the customer the right to exchange or return the car;
- the repairs of the same fault: more than 5 gives the same right;
- the replacements of the engine, gearbox, traction battery or drive motor (or their main parts):
  a second one that does not cure the car gives the same right;
- within 60 days / 3,000 km of purchase, a failure of the engine's or gearbox's main parts gives a
  free replacement; within 7 days, a quality problem gives a refund.

The advisor is warned before a threshold is reached (at 25 repair days, at the 4th repair of one
fault, at the first major replacement). Reads are set-based: one query for one vehicle, one for a
group's list of vehicles near or past a threshold.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .warranty import (
    SANBAO_EARLY_DAYS,
    SANBAO_EARLY_KM,
    SANBAO_KM,
    SANBAO_MAX_REPAIR_DAYS,
    SANBAO_MAX_SAME_FAULT,
    SANBAO_REFUND_DAYS,
    SANBAO_YEARS,
    add_years,
)

REPAIR_DAYS_WARN = 25  # warn from here; more than 35 is past
SAME_FAULT_WARN = 4  # warn at the 4th repair of one fault; more than 5 is past
MAJOR_REPLACEMENTS_LIMIT = 2  # a second replacement of one major system is past; the first warns


class MajorSystem(models.TextChoices):
    ENGINE = "engine", gettext_lazy("Engine or its main parts")
    GEARBOX = "gearbox", gettext_lazy("Gearbox or its main parts")
    TRACTION_BATTERY = "traction_battery", gettext_lazy("Traction battery")
    DRIVE_MOTOR = "drive_motor", gettext_lazy("Drive motor")


class Level:
    OK, NEAR, PAST = "ok", "near", "past"


# The visits 三包 counts: repairs of the car (paid by the customer or the maker), not maintenance,
# accident repairs, campaigns or free checks.
COUNTED_KINDS = ("repair", "warranty")


@dataclass
class Counters:
    in_period: bool = False
    period_ends_on: date | None = None
    period_ends_km: int | None = None
    repair_days: int = 0
    same_fault_repairs: list[dict] = field(default_factory=list)
    major_replacements: list[dict] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    level: str = Level.OK

    def as_dict(self) -> dict:
        return {k: getattr(self, k) for k in ("in_period", "period_ends_on", "period_ends_km", "repair_days",
                                              "same_fault_repairs", "major_replacements", "warnings")}  # fmt: skip


def applies(vehicle) -> bool:
    return vehicle.usage == "private" and vehicle.purchase_date is not None


def period_end(purchase_date: date) -> date:
    return add_years(purchase_date, SANBAO_YEARS)


def _records(vehicle_ids, *, since: date):
    from .models import ServiceRecord

    return ServiceRecord.objects.filter(
        vehicle_id__in=vehicle_ids, kind__in=COUNTED_KINDS, date__gte=since, mileage_km__lt=SANBAO_KM
    ).values_list("vehicle_id", "date", "repair_days", "faults", "replaced_systems")


def _count(vehicle, rows, today: date) -> Counters:
    """The counters of one vehicle from its history rows (vehicle_id, date, days, faults, systems)."""
    if not applies(vehicle):
        return Counters()
    start, ends_on = vehicle.purchase_date, period_end(vehicle.purchase_date)
    c = Counters(
        in_period=start <= today <= ends_on and vehicle.mileage_km < SANBAO_KM,
        period_ends_on=ends_on,
        period_ends_km=SANBAO_KM,
    )
    faults, systems = Counter(), Counter()
    for _vid, day, days, fault_list, system_list in rows:
        if not start <= day <= ends_on:
            continue
        c.repair_days += days or 0
        faults.update(set(fault_list or []))  # a fault counts once per visit
        systems.update(system_list or [])
    c.same_fault_repairs = [
        {"fault": f, "count": n} for f, n in sorted(faults.items(), key=lambda x: (-x[1], x[0]))
    ]
    c.major_replacements = [
        {"system": s, "count": n} for s, n in sorted(systems.items(), key=lambda x: (-x[1], x[0]))
    ]
    _warn(c, vehicle, today, faults, systems)
    return c


def _warn(c: Counters, vehicle, today: date, faults: Counter, systems: Counter) -> None:
    levels = []

    def warn(level, sentence):
        levels.append(level)
        c.warnings.append(sentence)

    if c.repair_days > SANBAO_MAX_REPAIR_DAYS:
        warn(Level.PAST, _("%(n)s repair days in the 三包 period: more than %(max)s, the customer may ask for an "
                           "exchange or a refund.") % {"n": c.repair_days, "max": SANBAO_MAX_REPAIR_DAYS})  # fmt: skip
    elif c.repair_days >= REPAIR_DAYS_WARN:
        warn(Level.NEAR, _("%(n)s repair days in the 三包 period: more than %(max)s gives the customer the right to "
                           "an exchange or a refund.") % {"n": c.repair_days, "max": SANBAO_MAX_REPAIR_DAYS})  # fmt: skip
    for fault, n in faults.items():
        if n > SANBAO_MAX_SAME_FAULT:
            warn(Level.PAST, _("“%(fault)s” repaired %(n)s times in the 三包 period: more than %(max)s, the customer "
                               "may ask for an exchange or a refund.") % {"fault": fault, "n": n, "max": SANBAO_MAX_SAME_FAULT})  # fmt: skip
        elif n >= SAME_FAULT_WARN:
            warn(Level.NEAR, _("“%(fault)s” repaired %(n)s times in the 三包 period: more than %(max)s gives the "
                               "customer the right to an exchange or a refund.") % {"fault": fault, "n": n, "max": SANBAO_MAX_SAME_FAULT})  # fmt: skip
    for system, n in systems.items():
        label = MajorSystem(system).label if system in MajorSystem.values else system
        if n >= MAJOR_REPLACEMENTS_LIMIT:
            warn(Level.PAST, _("%(system)s replaced %(n)s times in the 三包 period: if the car still fails, the "
                               "customer may ask for an exchange or a refund.") % {"system": label, "n": n})  # fmt: skip
        else:
            warn(Level.NEAR, _("%(system)s replaced once in the 三包 period: a second replacement that does not cure "
                               "the car gives the customer the right to an exchange or a refund.") % {"system": label})  # fmt: skip
    start = vehicle.purchase_date
    if today <= start + timedelta(days=SANBAO_REFUND_DAYS):
        warn(Level.NEAR, _("Within %(days)s days of purchase: a quality problem gives the customer the right to a "
                           "refund or an exchange.") % {"days": SANBAO_REFUND_DAYS})  # fmt: skip
    if today <= start + timedelta(days=SANBAO_EARLY_DAYS) and vehicle.mileage_km < SANBAO_EARLY_KM:
        warn(Level.NEAR, _("Within %(days)s days / %(km)s km of purchase: a failure of the engine's or gearbox's main "
                           "parts gives a free replacement engine or gearbox; a steering or brake failure, a cracked "
                           "body or a fuel leak, an exchange or a refund.") % {"days": SANBAO_EARLY_DAYS,
                                                                             "km": f"{SANBAO_EARLY_KM:,}"})  # fmt: skip
    c.level = Level.PAST if Level.PAST in levels else Level.NEAR if levels else Level.OK


def counters(vehicle, today: date | None = None) -> Counters:
    """The 三包 counters of one vehicle (one query; none when 三包 does not apply)."""
    today = today or timezone.localdate()
    if not applies(vehicle):
        return Counters()
    return _count(vehicle, list(_records([vehicle.pk], since=vehicle.purchase_date)), today)


def watch_list(vehicles, today: date | None = None) -> list[tuple[object, Counters]]:
    """The vehicles of `vehicles` (a queryset: the tenant's group) inside their 三包 period that are
    near or past a threshold, most urgent first: two queries whatever their number."""
    today = today or timezone.localdate()
    earliest = add_years(today, -SANBAO_YEARS)
    candidates = vehicles.filter(usage="private", purchase_date__gte=earliest, purchase_date__lte=today,
                                 mileage_km__lt=SANBAO_KM)  # fmt: skip
    rows: dict[int, list] = {}
    for row in _records(candidates.values("pk"), since=earliest):
        rows.setdefault(row[0], []).append(row)
    # A car with no repair counted is not on the list: there is nothing to watch yet.
    ids = set(rows)
    out = []
    for vehicle in candidates.filter(pk__in=ids).select_related("owner"):
        c = _count(vehicle, rows.get(vehicle.pk, []), today)
        if c.level != Level.OK and (c.repair_days or c.same_fault_repairs or c.major_replacements):
            out.append((vehicle, c))
    out.sort(key=lambda vc: (vc[1].level != Level.PAST, -vc[1].repair_days, vc[0].pk))
    return out
