"""Repair-quality warranty (质量保证期) of 机动车维修管理规定 art. 37, by vehicle category and kind of work.

Counted from delivery; by km or days, whichever comes first. A store may give longer, never
shorter. A car back inside that period is a comeback (返修)."""

import re
from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _


class WorkClass(models.TextChoices):
    MINOR = "minor", _("Level-1 maintenance, minor or special repair")
    LEVEL2 = "level2", _("Level-2 maintenance")
    OVERHAUL = "overhaul", _("Whole-vehicle or assembly overhaul")


@dataclass(frozen=True)
class QualityWarranty:
    km: int
    days: int


# (vehicle category, kind of work) -> the legal minimum. Cars (and dangerous-goods vehicles): overhaul
# 20,000 km / 100 days, level-2 maintenance 5,000 km / 30 days, level-1, minor and special repairs
# 2,000 km / 10 days. Motorcycles: overhaul 7,000 km / 80 days, any maintenance or minor repair
# 800 km / 10 days. Other motor vehicles: 6,000 km / 60 days and 700 km / 7 days.
LEGAL = {
    ("car", WorkClass.OVERHAUL): QualityWarranty(20_000, 100),
    ("car", WorkClass.LEVEL2): QualityWarranty(5_000, 30),
    ("car", WorkClass.MINOR): QualityWarranty(2_000, 10),
    ("motorcycle", WorkClass.OVERHAUL): QualityWarranty(7_000, 80),
    ("motorcycle", WorkClass.LEVEL2): QualityWarranty(800, 10),
    ("motorcycle", WorkClass.MINOR): QualityWarranty(800, 10),
    ("other", WorkClass.OVERHAUL): QualityWarranty(6_000, 60),
    ("other", WorkClass.LEVEL2): QualityWarranty(700, 7),
    ("other", WorkClass.MINOR): QualityWarranty(700, 7),
}
QUALITY_WARRANTY = {wc: p for (cat, wc), p in LEGAL.items() if cat == "car"}  # cars, by kind of work
# What a store may promise at most (a typing error of a zero is not a promise).
LONGEST = QualityWarranty(200_000, 1_095)


def legal_warranty(work_class: str, category: str = "car") -> QualityWarranty:
    return LEGAL.get((str(category), str(work_class))) or LEGAL[("car", str(work_class))]


def quality_warranty(
    work_class: str, category: str = "car", store_km: int | None = None, store_days: int | None = None
) -> QualityWarranty:
    """The period that applies: the legal minimum for the vehicle's category, or longer where the
    dealer group promises more (setting DMS_QUALITY_WARRANTY, e.g. {"minor": {"km": 3000, "days": 30}},
    for cars; "motorcycle.minor" for a motorcycle's) or the store does (its own periods,
    StoreQualityWarranty: `store_km`, `store_days`). Never shorter."""
    from django.conf import settings

    legal = legal_warranty(work_class, category)
    key = str(work_class) if str(category) == "car" else f"{category}.{work_class}"
    extra = settings.DMS_QUALITY_WARRANTY.get(key) or {}
    return QualityWarranty(
        max(legal.km, int(extra.get("km", 0)), store_km or 0),
        max(legal.days, int(extra.get("days", 0)), store_days or 0),
    )


# --- The completion certificate (机动车维修竣工出厂合格证) ------------------------------------------------
# 机动车维修管理规定: after level-2 maintenance, an assembly or a whole-vehicle overhaul, the QC
# inspector who passes the completion inspection issues the certificate, and a vehicle without one
# is not handed back. The order is settled (before delivery) only with its number, which the
# settlement list prints.
CERTIFICATE_WORK = (WorkClass.LEVEL2, WorkClass.OVERHAUL)
# As printed on the form: letters, digits, Chinese characters (a province's prefix) and hyphens.
CERTIFICATE_NUMBER = re.compile(r"[0-9A-Za-z\u4e00-\u9fff-]{4,30}")  # fullmatch


def certificate_required(work_class: str) -> bool:
    return str(work_class) in CERTIFICATE_WORK
