"""A store's own repair-quality warranty periods (质量保证期): longer than the law's, never shorter.

机动车维修管理规定 art. 37 sets the minimum per vehicle category and kind of work (rules.LEGAL); a
store may promise more (StoreQualityWarranty), up to rules.LONGEST. The period that applies to an
order is the longest of the law's, the dealer group's setting (DMS_QUALITY_WARRANTY) and the
store's (rules.quality_warranty): comebacks, the settlement list and reception's checks read it.

`periods(store)` is the table the service manager reads (one query); `periods_set` replaces the
store's own periods with those given (the rest follow the law), every row checked at once.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from dms.core.models import Store
from dms.core.roles import Perm
from dms.core.tenancy import Tenant
from dms.core.validation import invalid
from dms.vehicles.models import Category

from .models import StoreQualityWarranty
from .rules import LONGEST, QualityWarranty, WorkClass, legal_warranty, quality_warranty

__all__ = ["KINDS", "LONGEST", "MANAGE", "Period", "as_items", "periods", "periods_set"]

# The managers of after-sales (service manager, general manager, administrator) set what the store
# promises: those who read the comebacks and the 三包 watch list (quality.manage).
MANAGE = Perm.QUALITY_MANAGE

KINDS = [(category, work_class) for category in Category.values for work_class in WorkClass.values]


@dataclass(frozen=True)
class Period:
    """One row of the table: a vehicle category and kind of work, the law's period, the store's
    own (None: the law's), and the one that applies (the group's setting may be longer still)."""

    category: str
    work_class: str
    legal: QualityWarranty
    store: QualityWarranty | None
    applies: QualityWarranty

    @property
    def category_label(self) -> str:
        return Category(self.category).label

    @property
    def work_class_label(self) -> str:
        return WorkClass(self.work_class).label

    @property
    def key(self) -> str:
        return f"{self.category}.{self.work_class}"


def periods(store: Store) -> list[Period]:
    """The store's periods for every vehicle category and kind of work, in one query."""
    own = {
        (row.category, row.work_class): QualityWarranty(row.km, row.days)
        for row in StoreQualityWarranty.objects.filter(store=store)
    }
    out = []
    for category, work_class in KINDS:
        mine = own.get((category, work_class))
        applies = quality_warranty(work_class, category, *((mine.km, mine.days) if mine else (None, None)))
        out.append(Period(category, work_class, legal_warranty(work_class, category), mine, applies))
    return out


def _whole(value, field: str, errors: list[dict]) -> int | None:
    if value is None or value == "":  # a page's row with one of the two left empty
        errors.append({"field": field, "message": _("Give both the km and the days, or leave both empty for the law's.")})  # fmt: skip
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    errors.append({"field": field, "message": _("Enter a whole number.")})
    return None


def periods_set(*, tenant: Tenant, items: Iterable[Mapping]) -> list[Period]:
    """Replace the store's own periods with `items` ({category, work_class, km, days} each); a
    kind of work not listed follows the law again. Each km and days lies between the law's minimum
    and rules.LONGEST; every problem is answered at once (fields `periods.<i>.<name>`), nothing
    is written then. Changes are in the audit log (StoreQualityWarranty is registered)."""
    tenant.require(MANAGE)
    store = tenant.store
    errors: list[dict] = []
    rows: dict[tuple[str, str], StoreQualityWarranty] = {}
    for i, item in enumerate(items):
        at = f"periods.{i}"
        category, work_class = item.get("category"), item.get("work_class")
        if category not in Category.values:
            errors.append({"field": f"{at}.category", "message": _("Choose one of: %(v)s.") % {"v": ", ".join(Category.values)}})  # fmt: skip
            continue
        if work_class not in WorkClass.values:
            errors.append({"field": f"{at}.work_class", "message": _("Choose one of: %(v)s.") % {"v": ", ".join(WorkClass.values)}})  # fmt: skip
            continue
        if (category, work_class) in rows:
            errors.append({"field": at, "message": _("%(category)s, %(work)s is given twice.")
                           % {"category": Category(category).label, "work": WorkClass(work_class).label}})  # fmt: skip
            continue
        km, days = _whole(item.get("km"), f"{at}.km", errors), _whole(item.get("days"), f"{at}.days", errors)
        row = StoreQualityWarranty(store=store, category=category, work_class=work_class, km=km, days=days)
        rows[(category, work_class)] = row
        if km is None or days is None:
            continue
        legal = legal_warranty(work_class, category)
        if not legal.km <= km <= LONGEST.km:
            errors.append({"field": f"{at}.km", "message": _("%(kind)s: at least the law's %(min)s km and at most %(max)s km.")
                           % {"kind": _label(category, work_class), "min": legal.km, "max": LONGEST.km}})  # fmt: skip
        if not legal.days <= days <= LONGEST.days:
            errors.append({"field": f"{at}.days", "message": _("%(kind)s: at least the law's %(min)s days and at most %(max)s days.")
                           % {"kind": _label(category, work_class), "min": legal.days, "max": LONGEST.days}})  # fmt: skip
    if errors:
        raise invalid(errors)
    with transaction.atomic():
        existing = {
            (r.category, r.work_class): r
            for r in StoreQualityWarranty.objects.select_for_update().filter(store=store)
        }
        for key, old in existing.items():
            if key not in rows:
                old.delete()
        for key, row in rows.items():
            old = existing.get(key)
            if old is None:
                row.save()
            elif (old.km, old.days) != (row.km, row.days):
                old.km, old.days = row.km, row.days
                old.save(update_fields=["km", "days"])
    return periods(store)


def _label(category: str, work_class: str) -> str:
    return f"{Category(category).label} · {WorkClass(work_class).label}"


def as_items(data: Mapping, kinds=KINDS) -> tuple[list[dict], list[str]]:
    """A page's form (km_<category>.<kind>, days_<category>.<kind>) as `periods_set`'s items: a
    kind with both left empty follows the law. Returns the items and, per item, its key."""
    items, keys = [], []
    for category, work_class in kinds:
        key = f"{category}.{work_class}"
        km, days = (data.get(f"km_{key}") or "").strip(), (data.get(f"days_{key}") or "").strip()
        if not km and not days:
            continue
        items.append({"category": category, "work_class": work_class, "km": km, "days": days})
        keys.append(key)
    return items, keys
