"""/api/v1/quality-warranty-periods: the store's repair-quality warranty periods (质量保证期),
the law's and its own, per vehicle category and kind of work."""

from ninja import Field, Router, Schema

from dms.core.roles import Perm
from dms.core.validation import choices_of
from dms.vehicles.models import Category

from . import quality
from .rules import LONGEST, WorkClass

router = Router(tags=["repair orders"])


class PeriodOut(Schema):
    category: choices_of(Category)
    work_class: choices_of(WorkClass)
    legal_km: int = Field(description="The law's minimum (机动车维修管理规定 art. 37).")
    legal_days: int
    store_km: int | None = Field(description="The store's own promise; null: the law's.")
    store_days: int | None
    km: int = Field(description="What applies: the longest of the law's, the group's and the store's.")
    days: int


class PeriodsOut(Schema):
    store: str
    periods: list[PeriodOut]


class PeriodIn(Schema):
    category: choices_of(Category)
    work_class: choices_of(WorkClass)
    km: int = Field(ge=0, le=10 * LONGEST.km, description=f"At least the law's, at most {LONGEST.km}.")
    days: int = Field(ge=0, le=10 * LONGEST.days, description=f"At least the law's, at most {LONGEST.days}.")


class PeriodsIn(Schema):
    periods: list[PeriodIn] = Field(
        max_length=len(quality.KINDS),
        description="The store's own periods; a vehicle category and kind of work not listed follows the law.",
    )


def _answer(store, rows) -> dict:
    return {
        "store": store.code,
        "periods": [
            {"category": p.category, "work_class": p.work_class, "legal_km": p.legal.km,
             "legal_days": p.legal.days, "store_km": p.store.km if p.store else None,
             "store_days": p.store.days if p.store else None, "km": p.applies.km, "days": p.applies.days}
            for p in rows
        ],
    }  # fmt: skip


@router.get("", response=PeriodsOut)
def periods_get(request):
    """The store's repair-quality warranty for every vehicle category and kind of work: the law's
    period, the store's own and the one that applies."""
    t = request.auth
    t.require(Perm.RO_VIEW)
    return _answer(t.store, quality.periods(t.store))


@router.put("", response=PeriodsOut)
def periods_put(request, payload: PeriodsIn):
    """Set the store's own, longer periods (service and general managers). Each lies between the
    law's minimum and 200,000 km / 1,095 days, else 400 naming the field; the kinds not listed
    follow the law again."""
    t = request.auth
    rows = quality.periods_set(tenant=t, items=[p.dict() for p in payload.periods])
    return _answer(t.store, rows)


ROUTERS = [("/quality-warranty-periods", router)]
