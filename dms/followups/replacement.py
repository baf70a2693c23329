"""Replacement opportunities: a service customer whose car is old or worn becomes a sales lead.

Once a day, per store, the cars serviced there in the last SERVICE_WITHIN_MONTHS whose age passed
REPLACEMENT_YEARS (seed 001: over 5 years, low spend, "find new interests") or whose odometer
passed REPLACEMENT_KM are handed to sales by the event `vehicle.replacement_due` {customer_id,
vehicle_id, reason} (dms.sales subscribes and makes a lead). Each car once a year; at most
DAILY_LIMIT per store and day, the oldest first, so that the showroom is not flooded."""

from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import override

from dms.core.events import publish
from dms.core.models import Store
from dms.vehicles.models import ServiceRecord, Vehicle
from dms.vehicles.warranty import add_years

from .models import ReplacementSignal

REPLACEMENT_YEARS = 5
REPLACEMENT_KM = 150_000
SERVICE_WITHIN_MONTHS = 24
DAILY_LIMIT = 50


def candidates(store: Store, day: date):
    old_before = add_years(day, -REPLACEMENT_YEARS)
    serviced = ServiceRecord.objects.filter(
        vehicle=OuterRef("pk"), store=store, date__gte=day - timedelta(days=SERVICE_WITHIN_MONTHS * 30)
    )
    signalled = ReplacementSignal.objects.filter(vehicle=OuterRef("pk"), year=day.year)
    return (
        Vehicle.objects.filter(group_id=store.group_id)
        .annotate(start=Coalesce("purchase_date", "registration_date"))
        .filter(Exists(serviced), ~Exists(signalled))
        .filter(Q(start__lte=old_before) | Q(mileage_km__gte=REPLACEMENT_KM))
        .select_related("owner")
        .order_by("start", "pk")
    )


def reason_for(vehicle: Vehicle, day: date) -> str:
    with override("zh-hans"):
        parts = []
        if vehicle.start and vehicle.start <= add_years(day, -REPLACEMENT_YEARS):
            parts.append(_("Car %(y)d years old") % {"y": (day - vehicle.start).days // 365})
        if vehicle.mileage_km >= REPLACEMENT_KM:
            parts.append(_("%(km)s km") % {"km": f"{vehicle.mileage_km:,}"})
        return _("Replacement opportunity: %(why)s (%(plate)s %(model)s).") % {
            "why": ", ".join(parts), "plate": vehicle.plate or vehicle.vin, "model": vehicle.model,
        }  # fmt: skip


def replacement_sweep(*, store: Store, day: date, limit: int = DAILY_LIMIT) -> int:
    """Hand the store's new replacement opportunities to sales; returns how many."""
    handed = 0
    for vehicle in candidates(store, day)[:limit]:
        reason = reason_for(vehicle, day)
        try:
            with transaction.atomic():
                ReplacementSignal.objects.create(
                    store=store,
                    vehicle=vehicle,
                    customer_id=vehicle.owner_id,
                    year=day.year,
                    reason=reason[:200],
                )
                publish(
                    type="vehicle.replacement_due", store=store, subject=vehicle,
                    payload={"customer_id": vehicle.owner_id, "vehicle_id": vehicle.pk, "reason": reason},
                )  # fmt: skip
        except IntegrityError:  # another worker handed it meanwhile
            continue
        handed += 1
    return handed
