"""Repair-quality warranty (质量保证期) of 机动车维修管理规定 art. 37, for cars, by the kind of work.

Counted from delivery; by km or days, whichever comes first. A store may give longer, never
shorter. A car back inside that period is a comeback (返修)."""

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


QUALITY_WARRANTY = {
    WorkClass.MINOR: QualityWarranty(2_000, 10),
    WorkClass.LEVEL2: QualityWarranty(5_000, 30),
    WorkClass.OVERHAUL: QualityWarranty(20_000, 100),
}


def quality_warranty(work_class: str) -> QualityWarranty:
    """The period that applies: the legal minimum above, or longer where the dealer group promises
    more (setting DMS_QUALITY_WARRANTY, e.g. {"minor": {"km": 3000, "days": 30}}). Never shorter."""
    from django.conf import settings

    legal = QUALITY_WARRANTY[work_class]
    extra = settings.DMS_QUALITY_WARRANTY.get(str(work_class)) or {}
    return QualityWarranty(max(legal.km, int(extra.get("km", 0))), max(legal.days, int(extra.get("days", 0))))
