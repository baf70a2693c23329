"""What covers a vehicle today: the brand's warranty, the 三包 periods, and its age tier.

三包 periods follow 家用汽车产品修理、更换、退货责任规定 (2021 revision): they apply to private
passenger cars and count from the invoice (purchase) date.
"""

from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext_lazy as _

SANBAO_REPAIR_YEARS, SANBAO_REPAIR_KM = 3, 60_000  # 包修期
SANBAO_YEARS, SANBAO_KM = 2, 50_000  # 三包有效期
SANBAO_EARLY_DAYS, SANBAO_EARLY_KM = 60, 3_000  # free engine/gearbox, exchange or return
SANBAO_REFUND_DAYS = 7  # refund for a quality problem (2021 revision)
SANBAO_MAX_REPAIR_DAYS, SANBAO_MAX_SAME_FAULT = 35, 5


def add_years(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:  # 29 February
        return start.replace(year=start.year + years, day=28)


@dataclass(frozen=True)
class Coverage:
    code: str
    label: str
    ends_on: date | None
    ends_km: int | None
    active: bool
    note: str = ""

    @property
    def days_left(self) -> int | None:
        return None if self.ends_on is None else (self.ends_on - date.today()).days


def _period(code, label, start, days_or_years, km, mileage, today, *, in_days=False, note="") -> Coverage:
    from datetime import timedelta

    ends_on = start + timedelta(days=days_or_years) if in_days else add_years(start, days_or_years)
    # `ends_on` is the last day covered: a period counts from the day after the invoice and ends
    # at the end of its last day (民法典 art. 201-203), and the pages show it as "until <ends_on>".
    active = today <= ends_on and (km is None or mileage < km)
    return Coverage(code, str(label), ends_on, km, active, str(note))


def start_date(vehicle) -> date | None:
    return vehicle.purchase_date or vehicle.registration_date


def manufacturer_warranty(vehicle, today: date) -> Coverage | None:
    start = start_date(vehicle)
    if start is None:
        return None
    brand = vehicle.brand
    return _period(
        "warranty",
        _("%(brand)s warranty %(years)d years / %(km)s km")
        % {"brand": brand.name, "years": brand.warranty_years, "km": f"{brand.warranty_km:,}"},
        start,
        brand.warranty_years,
        brand.warranty_km,
        vehicle.mileage_km,
        today,
    )


def sanbao_periods(vehicle, today: date) -> list[Coverage]:
    """The 三包 periods; empty when they do not apply (not a private car, or no purchase date)."""
    from .models import Usage

    if vehicle.usage != Usage.PRIVATE or vehicle.purchase_date is None:
        return []
    start, km = vehicle.purchase_date, vehicle.mileage_km
    return [
        _period(
            "sanbao_refund",
            _("7-day refund for a quality problem"),
            start,
            SANBAO_REFUND_DAYS,
            None,
            km,
            today,
            in_days=True,
        ),
        _period(
            "sanbao_early",
            _(
                "60 days / 3,000 km: free engine or gearbox; exchange or return for steering, brake, body or fuel-leak failures"
            ),
            start,
            SANBAO_EARLY_DAYS,
            SANBAO_EARLY_KM,
            km,
            today,
            in_days=True,
        ),
        _period(
            "sanbao",
            _("三包 period 2 years / 50,000 km"),
            start,
            SANBAO_YEARS,
            SANBAO_KM,
            km,
            today,
            note=_(
                "Exchange or return when repairs exceed 35 days in total or the same serious fault is repaired more than 5 times."
            ),
        ),
        _period(
            "sanbao_repair",
            _("Repair period (包修期) 3 years / 60,000 km"),
            start,
            SANBAO_REPAIR_YEARS,
            SANBAO_REPAIR_KM,
            km,
            today,
        ),
    ]


class AgeTier:
    IN_WARRANTY = "in_warranty"
    TWO_TO_FIVE = "two_to_five"
    OVER_FIVE = "over_five"
    UNKNOWN = "unknown"


AGE_TIER_LABELS = {
    AgeTier.IN_WARRANTY: _("In warranty"),
    AgeTier.TWO_TO_FIVE: _("2–5 years"),
    AgeTier.OVER_FIVE: _("Over 5 years"),
    AgeTier.UNKNOWN: _("Age unknown"),
}


def age_tier(vehicle, today: date) -> str:
    """Seed 001's vehicle-age tier: in warranty, then 2–5 years, then over 5 years."""
    start = start_date(vehicle)
    if start is None:
        return AgeTier.UNKNOWN
    warranty = manufacturer_warranty(vehicle, today)
    if warranty is not None and warranty.active:
        return AgeTier.IN_WARRANTY
    if today < add_years(start, 5):
        return AgeTier.TWO_TO_FIVE
    return AgeTier.OVER_FIVE
