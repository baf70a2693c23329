"""The record of one settled repair order, as the province's platform takes it.

What 交办运〔2021〕82号 asks of each order (DOMAIN.md, "Electronic repair record"), in the field
names of the national platform's interface:

    companyname          the store's name          (the company code is added when uploading:
                                                    it is the store's platform account)
    vehicleplatenumber   plate                     as it was at settlement (RepairOrder.plate)
    vin                  VIN                       idem (RepairOrder.vin)
    repairdate           date in, YYYYMMDD         the order's opening, in the store's time zone
    repairmileage        mileage in, km            RepairOrder.mileage_in
    settledate           settlement date, YYYYMMDD RepairOrder.settled_at
    costlistcode         settlement list number    RepairOrder.settlement_number (JS-…)
    faultdescription     fault description         the customer's words (RepairOrder.complaint)
    repairprojectlist    repair items: [{repairproject, workinghours}]
                         the labor lines the customer did not decline, hours as "1.50"
    vehiclepartslist     parts: [{partsname, partscode, partsquantity}]
                         the part and material lines not declined: the catalogue's name and
                         number where the line names a part, else the line's description

Declined lines stay on the order as recommendations: they were not done, so they are not in the
record. Fee lines (diagnosis, inspection) are neither work items nor parts.
"""

from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from dms.workshop.models import LineKind, LineState, RepairOrder

DATE = "%Y%m%d"


def _quantity(value: Decimal) -> str:
    return f"{value:.2f}"


def local_date(order: RepairOrder, moment):
    zone = ZoneInfo(order.store.time_zone or settings.TIME_ZONE)
    return timezone.localtime(moment, zone).date()


def record_data(order: RepairOrder) -> dict:
    """The record of a settled order (see the module doc). Two queries: the order's lines with
    their labor operation and part."""
    projects, parts = [], []
    lines = (
        order.lines.exclude(state=LineState.DECLINED)
        .select_related("part", "labor_operation")
        .order_by("created_at", "id")
    )
    for line in lines:
        if line.kind == LineKind.LABOR:
            projects.append({"repairproject": line.description, "workinghours": _quantity(line.quantity)})
        elif line.kind in (LineKind.PART, LineKind.MATERIAL):
            parts.append(
                {
                    "partsname": line.part.name if line.part_id else line.description,
                    "partscode": line.part.number if line.part_id else "",
                    "partsquantity": _quantity(line.quantity),
                }
            )
    return {
        "companyname": order.store.name,
        "vehicleplatenumber": order.plate or order.vehicle.plate,
        "vin": order.vin or order.vehicle.vin,
        "repairdate": local_date(order, order.opened_at).strftime(DATE),
        "repairmileage": str(order.mileage_in),
        "settledate": local_date(order, order.settled_at).strftime(DATE),
        "costlistcode": order.settlement_number,
        "faultdescription": order.complaint,
        "repairprojectlist": projects,
        "vehiclepartslist": parts,
    }


def labor_hours(data: dict) -> Decimal:
    return sum(
        (Decimal(p.get("workinghours") or "0") for p in data.get("repairprojectlist", [])), Decimal("0")
    )
