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
    repairprojectlist    repair items: [{repairproject, workinghours, feecategory}]
                         the labor lines the customer did not decline, hours as "1.50"
    vehiclepartslist     parts: [{partsname, partscode, partsquantity, feecategory}]
                         the part and material lines not declined: the catalogue's name and
                         number where the line names a part, else the line's description

and two of the settlement list (维修结算清单) that the law asks the store to issue with the car:

    certificatecode      completion certificate    RepairOrder.certificate_number (机动车维修竣工
                         number                    出厂合格证: level-2 maintenance, overhauls); ""
                                                   where none was issued
    costlist             the fees: [{feecategory, feename, amount}], the six the regulation names
                         (诊断费 检测费 材料费 工时费 加工费 其他费用) in its order, each the total of
                         the lines it counts (before discounts, declined lines left out: the
                         settlement list's `charges`, dms.workshop.documents.charge_totals)

`feecategory` is the line's fee (dms.workshop.models.FeeCategory: diagnosis, inspection,
materials, labor, processing, other), chosen when the line was added and fixed at settlement; a
part or material is always `materials`. `feename` is the regulation's Chinese name, whatever
language the record was built in. A province platform that takes only the national fields ignores
these (they are OpenDMS's, in the interface's style).

Declined lines stay on the order as recommendations: they were not done, so they are not in the
record. Fee lines (diagnosis, inspection) are neither work items nor parts: their amounts are in
`costlist` under their fee.
"""

from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from dms.workshop.documents import charge_totals
from dms.workshop.models import FeeCategory, LineKind, LineState, RepairOrder

DATE = "%Y%m%d"

# The fees as 机动车维修管理规定 names them on the settlement list: the platform's words, never
# translated (the labels of FeeCategory are the reader's language).
FEE_NAMES = {
    FeeCategory.DIAGNOSIS: "诊断费",
    FeeCategory.INSPECTION: "检测费",
    FeeCategory.MATERIALS: "材料费",
    FeeCategory.LABOR: "工时费",
    FeeCategory.PROCESSING: "加工费",
    FeeCategory.OTHER: "其他费用",
}


def _quantity(value: Decimal) -> str:
    return f"{value:.2f}"


def local_date(order: RepairOrder, moment):
    zone = ZoneInfo(order.store.time_zone or settings.TIME_ZONE)
    return timezone.localtime(moment, zone).date()


def record_data(order: RepairOrder) -> dict:
    """The record of a settled order (see the module doc). Two queries: the order's lines with
    their labor operation and part."""
    projects, parts = [], []
    lines = list(
        order.lines.exclude(state=LineState.DECLINED)
        .select_related("part", "labor_operation")
        .order_by("created_at", "id")
    )
    for line in lines:
        if line.kind == LineKind.LABOR:
            projects.append(
                {
                    "repairproject": line.description,
                    "workinghours": _quantity(line.quantity),
                    "feecategory": line.fee_category,
                }
            )
        elif line.kind in (LineKind.PART, LineKind.MATERIAL):
            parts.append(
                {
                    "partsname": line.part.name if line.part_id else line.description,
                    "partscode": line.part.number if line.part_id else "",
                    "partsquantity": _quantity(line.quantity),
                    "feecategory": line.fee_category,
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
        "certificatecode": order.certificate_number,
        "faultdescription": order.complaint,
        "repairprojectlist": projects,
        "vehiclepartslist": parts,
        "costlist": cost_list(charge_totals(lines)),
    }


def cost_list(totals: dict) -> list[dict]:
    """The settlement list's fees as the record carries them: each of the six, in the regulation's
    order, with its total as "120.00"."""
    return [
        {"feecategory": fee, "feename": FEE_NAMES[fee], "amount": f"{totals.get(fee, 0):.2f}"}
        for fee in FeeCategory.values
    ]


def labor_hours(data: dict) -> Decimal:
    return sum(
        (Decimal(p.get("workinghours") or "0") for p in data.get("repairprojectlist", [])), Decimal("0")
    )
