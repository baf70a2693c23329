"""Reads of reception: today's arrivals, drafts to resume, the comeback and warranty checks, and
what the printed repair order shows of the check-in."""

import base64
import copy
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Prefetch
from django.utils import timezone

from dms.core.tenancy import Tenant, get_scoped
from dms.customers.selectors import customer_search
from dms.scheduling.models import Appointment
from dms.scheduling.selectors import appointment_list, local_today
from dms.vehicles.models import ServiceRecord, Vehicle
from dms.vehicles.warranty import Coverage, manufacturer_warranty, sanbao_periods
from dms.workshop.comebacks import days_and_km_left, period_of
from dms.workshop.models import RepairOrder, State
from dms.workshop.services import find_comeback

from .models import CheckIn, CheckInPhoto


def _base():
    return CheckIn.objects.select_related(
        "store",
        "vehicle",
        "vehicle__brand",
        "customer",
        "appointment",
        "repair_order",
        "repair_order__comeback_of",
        "comeback_of",
        "created_by",
    ).prefetch_related(Prefetch("photos", queryset=CheckInPhoto.objects.order_by("at", "id")))


def checkin_get(tenant: Tenant, checkin_id) -> CheckIn:
    return get_scoped(_base(), tenant, pk=checkin_id)


def checkin_answer(tenant: Tenant, checkin: CheckIn) -> CheckIn:
    """The check-in a write has just returned, ready for the API's answer without being read again:
    its store and author from the tenant when they are the same, its photos in one query (none
    when it has none)."""
    if checkin.store_id == tenant.store.pk:
        checkin.store = tenant.store
    if checkin.created_by_id == tenant.user.pk:
        checkin.created_by = tenant.user
    if not checkin.photo_count:  # none (a new check-in has none): nothing to ask
        return checkin
    photos = CheckInPhoto.objects.filter(checkin=checkin).order_by("at", "id")
    len(photos)  # read now: the answer lists them
    checkin._prefetched_objects_cache = {"photos": photos}
    return checkin


def photo_get(tenant: Tenant, checkin_id, photo_id) -> CheckInPhoto:
    checkin = get_scoped(CheckIn.objects, tenant, pk=checkin_id)
    photo = CheckInPhoto.objects.filter(checkin=checkin, pk=photo_id).first()
    if photo is None:
        from dms.core.errors import NotFound

        raise NotFound()
    return photo


def drafts(tenant: Tenant, *, limit: int = 20) -> list[CheckIn]:
    """Check-ins of this store not signed yet, latest first: to be resumed."""
    qs = _base().for_tenant(tenant).filter(signed_at__isnull=True).order_by("-updated_at", "-pk")
    return list(qs[:limit])


def checkin_list(
    tenant: Tenant, *, state: str = "", limit: int = 50, offset: int = 0
) -> tuple[int, list[CheckIn]]:
    qs = _base().for_tenant(tenant)
    if state == "draft":
        qs = qs.filter(signed_at__isnull=True)
    elif state == "signed":
        qs = qs.filter(signed_at__isnull=False)
    return qs.count(), list(qs.order_by("-created_at", "-pk")[offset : offset + limit])


@dataclass
class Arrival:
    appointment: Appointment
    checkin: CheckIn | None
    order: dict | None = None  # {"pk", "number"}: an order opened for it without a check-in here


def todays_arrivals(tenant: Tenant, now: datetime | None = None) -> list[Arrival]:
    """Today's appointments of the store that are still expected or have arrived, each with its
    check-in if one was started today, or else the repair order opened for it (from the order page
    or the API): such a car is in the workshop, not to be received again. Four queries."""
    day = local_today(tenant.store, now)
    _count, items = appointment_list(tenant, day=day, limit=200)
    items = [a for a in items if a.state in Appointment.HOLDING]
    ids = [a.pk for a in items]
    by_appointment = {
        c.appointment_id: c
        for c in CheckIn.objects.for_tenant(tenant).filter(appointment__in=ids).order_by("created_at")
    }
    orders = {
        o["appointment_id"]: o
        for o in RepairOrder.objects.for_tenant(tenant)
        .filter(appointment__in=ids)
        .exclude(state=State.CANCELLED)
        .order_by("opened_at")
        .values("pk", "number", "appointment_id")
    }
    return [Arrival(a, by_appointment.get(a.pk), orders.get(a.pk)) for a in items]


@dataclass
class Found:
    vehicle: Vehicle
    customer_name: str
    customer_id: int
    mobile: str
    draft: CheckIn | None = None


def find_vehicles(tenant: Tenant, q: str, *, limit: int = 12) -> tuple[list[Found], list]:
    """Vehicles for the search box (plate, VIN or its last digits, mobile, name), through the
    customer file's one search; and the customers found without any vehicle (to add one)."""
    result = customer_search(tenant, q, limit=limit)
    rows, carless = [], []
    for customer in result.items:
        vehicles = list(customer.vehicles.all())
        if not vehicles:
            carless.append(customer)
        for v in vehicles:
            rows.append(Found(v, customer.name, customer.pk, customer.mobile))
    open_drafts = {
        c.vehicle_id: c
        for c in CheckIn.objects.for_tenant(tenant).filter(
            vehicle_id__in=[r.vehicle.pk for r in rows], signed_at__isnull=True
        )
    }
    for r in rows:
        r.draft = open_drafts.get(r.vehicle.pk)
    return rows, carless


@dataclass
class Checks:
    """What the advisor must see before opening the order (seed 004: 接车员应检查车辆是否属于返修项目)."""

    comeback: RepairOrder | None
    comeback_period: object
    comeback_days_left: int | None
    comeback_km_left: int | None
    warranty: Coverage | None
    sanbao: list[Coverage]
    history: list[ServiceRecord] = field(default_factory=list)
    last_order: RepairOrder | None = None

    @property
    def active_sanbao(self) -> list[Coverage]:
        return [c for c in self.sanbao if c.active]


def comeback_for(checkin: CheckIn, now: datetime | None = None) -> RepairOrder | None:
    """The delivered repair this visit comes back within the warranty of: as recorded on the
    order once it is open, else as checked at the walk-around's mileage and kept on the check-in
    (no query either), else by the workshop's rule now."""
    if checkin.repair_order_id:
        return checkin.repair_order.comeback_of
    if checkin.mileage_km is None:
        return None
    if checkin.comeback_km == checkin.mileage_km:  # checked at this mileage already
        return checkin.comeback_of
    return find_comeback(checkin.vehicle, checkin.mileage_km, now or timezone.now())


def checks(tenant: Tenant, checkin: CheckIn, now: datetime | None = None) -> Checks:
    """The comeback check (the workshop's rule and periods) and the vehicle's coverage, both at
    the mileage read at the walk-around."""
    now = now or timezone.now()
    vehicle = checkin.vehicle
    km = checkin.mileage_km if checkin.mileage_km is not None else vehicle.mileage_km
    comeback = (
        comeback_for(checkin, now) if checkin.mileage_km is not None else find_comeback(vehicle, km, now)
    )
    period = days_left = km_left = None
    if comeback is not None:
        # for this vehicle's category, with the periods of the store that did the earlier repair
        period = period_of(comeback, vehicle.category)
        days_left, km_left = days_and_km_left(comeback, period, km, now)
    at_reading = copy.copy(vehicle)  # coverage at today's reading, not at the file's last one
    at_reading.mileage_km = km
    today = timezone.localdate(now)
    last_order = (
        RepairOrder.objects.for_group(tenant).filter(vehicle=vehicle).exclude(pk=checkin.repair_order_id or 0)
        .select_related("store").order_by("-opened_at").first()
    )  # fmt: skip
    return Checks(
        comeback=comeback,
        comeback_period=period,
        comeback_days_left=days_left,
        comeback_km_left=km_left,
        warranty=manufacturer_warranty(at_reading, today),
        sanbao=sanbao_periods(at_reading, today),
        history=list(ServiceRecord.objects.filter(vehicle=vehicle).select_related("store")[:3]),
        last_order=last_order,
    )


# --- For the repair order's page and printout -----------------------------------------------------------


def checkin_for_order(order: RepairOrder) -> CheckIn | None:
    """The check-in the order was opened from (the caller has already fetched the order within its
    tenancy), with its photos; None for an order opened without one."""
    return _base().filter(repair_order=order).first()


def signature_data_url(checkin: CheckIn | None) -> str | None:
    """The customer's signature as a data URL for an <img> (the printed order, WeasyPrint)."""
    if checkin is None or not checkin.signature:
        return None
    try:
        with checkin.signature.open("rb") as f:
            raw = f.read()
    except (FileNotFoundError, OSError):
        return None
    return "data:image/png;base64," + base64.b64encode(raw).decode("ascii")


# --- What reception adds to the workshop's pages (registered in apps.py) ----------------------------


def order_card(tenant, order) -> dict | None:
    """The check-in sheet on the repair order's page, when the order was opened from one."""
    checkin = checkin_for_order(order)
    return {"checkin": checkin} if checkin is not None else None


def printed_order_part(order) -> dict:
    """The walk-around of the check-in and the customer's signature, on the printed order."""
    checkin = checkin_for_order(order)
    return {"checkin": checkin, "signature_data_url": signature_data_url(checkin)}
