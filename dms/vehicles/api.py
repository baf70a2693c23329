"""/api/v1/vehicles: the vehicle file over HTTP."""

from datetime import date, datetime
from decimal import Decimal
from urllib.parse import urlencode

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dms.core.errors import DomainError
from dms.core.models import Brand
from dms.core.roles import Perm
from dms.core.validation import PAGE_OFFSET_MAX, ApiDate, ApiDateTime, HistoryDate, choices_of
from dms.customers import services as customer_services

from . import sanbao, selectors, services
from .models import Category, Energy, MileageReading, ServiceRecord, Usage
from .warranty import age_tier, manufacturer_warranty, sanbao_periods

router = Router(tags=["vehicles"])


class CoverageOut(Schema):
    code: str
    label: str
    active: bool
    ends_on: date | None
    ends_km: int | None


class VehicleOut(Schema):
    id: int
    vin: str
    plate: str
    customer_id: int = Field(description="The current owner.")
    brand: str
    model: str
    trim: str
    colour: str
    engine_no: str
    energy: choices_of(Energy)
    purchase_date: date | None
    registration_date: date | None
    selling_store: str | None
    usage: choices_of(Usage)
    category: choices_of(Category) = Field(description="For the repair-quality warranty's periods (art. 37).")
    mileage_km: int
    mileage_read_at: datetime | None
    insurance_company: str
    insurance_policy_no: str
    insurance_expiry: date | None
    inspection_due: date | None
    notes: str
    age_tier: str
    coverage: list[CoverageOut]
    version: int


class Warning(Schema):
    field: str | None
    message: str


class VehicleWritten(VehicleOut):
    warnings: list[Warning] = []


class VehiclePage(Schema):
    count: int
    items: list[VehicleOut]


def vehicle_out(v) -> dict:
    today = timezone.localdate()
    coverage = [c for c in [manufacturer_warranty(v, today), *sanbao_periods(v, today)] if c]
    return {
        **{
            f: getattr(v, f)
            for f in (
                "id",
                "vin",
                "plate",
                "model",
                "trim",
                "colour",
                "engine_no",
                "energy",
                "purchase_date",
                "registration_date",
                "usage",
                "category",
                "mileage_km",
                "mileage_read_at",
                "insurance_company",
                "insurance_policy_no",
                "insurance_expiry",
                "inspection_due",
                "notes",
                "version",
            )
        },  # fmt: skip
        "customer_id": v.owner_id,
        "brand": v.brand.name,
        "selling_store": v.selling_store.code if v.selling_store_id else None,
        "age_tier": age_tier(v, today),
        "coverage": [c.__dict__ for c in coverage],
    }


def _brand(tenant, name: str | None) -> Brand | None:
    """The group's brand of this name (the service takes the instance: no second read)."""
    if name is None:
        return None
    brand = Brand.objects.for_tenant(tenant).filter(name=name.strip()).first()
    if brand is None:
        names = "、".join(Brand.objects.for_tenant(tenant).values_list("name", flat=True))
        raise DomainError(
            _("Unknown brand %(b)s; your group's brands: %(names)s.") % {"b": name, "names": names},
            field="brand",
        )
    return brand


def _store_id(tenant, code: str | None) -> int | None:
    if not code:
        return None
    from dms.core.models import Store

    store = Store.objects.filter(group_id=tenant.group_id, code=code).first()
    if store is None:
        raise DomainError(_("Unknown store %(c)s.") % {"c": code}, field="selling_store")
    return store.pk


class VehicleIn(Schema):
    customer_id: int = Field(description="The owner.")
    vin: str = Field(max_length=30)
    plate: str = Field("", max_length=12)
    brand: str = Field(description="One of GET /brands.")
    model: str = Field(max_length=50)
    trim: str = ""
    colour: str = ""
    engine_no: str = ""
    energy: choices_of(Energy) = "petrol"
    purchase_date: HistoryDate | None = None
    registration_date: HistoryDate | None = None
    selling_store: str | None = Field(None, description="Code of the store that sold it, if one of yours.")
    usage: choices_of(Usage) = "private"
    category: choices_of(Category) = "car"
    mileage_km: int = Field(0, ge=0, le=2_000_000)
    insurance_company: str = ""
    insurance_policy_no: str = ""
    insurance_expiry: ApiDate | None = None
    inspection_due: ApiDate | None = None
    notes: str = ""


class VehiclePatch(Schema):
    """Only the fields sent change. A text that may be empty is cleared with ""; null is for the fields
    that may be empty (dates, links) and answers 422 for any other."""

    version: int
    vin: str = Field(None)
    plate: str = Field(None)
    brand: str = Field(None)
    model: str = Field(None)
    trim: str = Field(None)
    colour: str = Field(None)
    engine_no: str = Field(None)
    energy: choices_of(Energy) = Field(None)
    purchase_date: HistoryDate | None = None
    registration_date: HistoryDate | None = None
    selling_store: str | None = None
    usage: choices_of(Usage) = Field(None)
    category: choices_of(Category) = Field(None)
    mileage_km: int = Field(None, ge=0, le=2_000_000, description="A new reading; never lower than the last.")
    insurance_company: str = Field(None)
    insurance_policy_no: str = Field(None)
    insurance_expiry: ApiDate | None = None
    inspection_due: ApiDate | None = None
    notes: str = Field(None)


def _fields(tenant, data: dict) -> dict:
    if "brand" in data:
        data["brand"] = _brand(tenant, data["brand"])
    if "selling_store" in data:
        data["selling_store_id"] = _store_id(tenant, data.pop("selling_store"))
    return data


class VehicleParams(Schema):
    q: str = Field("", description="Any part of a plate, a VIN or its last digits.")
    limit: int = Field(
        50, ge=1, le=200,
        description="Page size. More than 50, or any row beyond the first 200 (offset + limit > 200), is a "
        "bulk read of the customers' cars: it needs the export permission (else 403) and is recorded like "
        "an export.",
    )  # fmt: skip
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


@router.get("", response=VehiclePage)
def vehicle_list(request, params: Query[VehicleParams]):
    t = request.auth
    t.require(Perm.VEHICLE_VIEW)
    bulk = customer_services.bulk_read_allow(tenant=t, limit=params.limit, offset=params.offset)
    count, items = selectors.vehicle_list(t, q=params.q, limit=params.limit, offset=params.offset)
    if bulk:
        query = urlencode({k: v for k, v in params.dict().items() if v != ""})
        customer_services.bulk_read_record(tenant=t, query=f"GET /api/v1/vehicles?{query}", rows=len(items))
    return {"count": count, "items": [vehicle_out(v) for v in items]}


@router.post("", response={201: VehicleWritten})
def vehicle_create(request, payload: VehicleIn):
    """Register a vehicle to its owner. A VIN or plate already on file is a warning, not an error."""
    t = request.auth
    data = _fields(t, payload.dict())
    result = services.vehicle_create(tenant=t, owner_id=data.pop("customer_id"), **data)
    # Answered from the record just written (its brand and owner are the instances the service
    # checked): no second read.
    return Status(201, {**vehicle_out(result.record), "warnings": result.warnings})


@router.get("/{vehicle_id}", response=VehicleOut)
def vehicle_detail(request, vehicle_id: int):
    t = request.auth
    t.require(Perm.VEHICLE_VIEW)
    return vehicle_out(selectors.vehicle_get(t, vehicle_id))


@router.patch("/{vehicle_id}", response=VehicleWritten)
def vehicle_update(request, vehicle_id: int, payload: VehiclePatch):
    t = request.auth
    data = _fields(t, payload.dict(exclude_unset=True))
    version = data.pop("version")
    result = services.vehicle_update(tenant=t, vehicle_id=vehicle_id, version=version, **data)
    return {**vehicle_out(selectors.vehicle_get(t, result.record.pk)), "warnings": result.warnings}


class MileageIn(Schema):
    km: int = Field(ge=0, le=2_000_000)
    read_at: ApiDateTime | None = None
    correction: bool = Field(False, description="Allowed to go backwards; needs a note and the permission.")
    note: str = Field("", max_length=200)


class MileageOut(Schema):
    id: int
    km: int
    read_at: datetime
    source: choices_of(MileageReading.Source)
    is_correction: bool
    note: str
    by: str | None


def mileage_out(r) -> dict:
    return {"id": r.id, "km": r.km, "read_at": r.read_at, "source": r.source, "is_correction": r.is_correction,
            "note": r.note, "by": str(r.by) if r.by_id else None}  # fmt: skip


@router.get("/{vehicle_id}/mileage", response=list[MileageOut])
def mileage_list(request, vehicle_id: int):
    t = request.auth
    t.require(Perm.VEHICLE_VIEW)
    return [mileage_out(r) for r in selectors.mileage_history(t, vehicle_id)]


@router.post("/{vehicle_id}/mileage", response={201: MileageOut})
def mileage_create(request, vehicle_id: int, payload: MileageIn):
    """Record an odometer reading; lower than an earlier one is refused unless it is a correction."""
    reading = services.mileage_record(
        tenant=request.auth, vehicle_id=vehicle_id, km=payload.km, read_at=payload.read_at,
        correction=payload.correction, note=payload.note, source="customer",
    )  # fmt: skip
    return Status(201, mileage_out(reading))


class TransferIn(Schema):
    new_owner_id: int
    on_date: ApiDate | None = None
    note: str = Field("", max_length=200)


@router.post("/{vehicle_id}/transfer", response=VehicleOut)
def vehicle_transfer(request, vehicle_id: int, payload: TransferIn):
    """Change the owner; the previous owner keeps the service history of their time."""
    t = request.auth
    services.vehicle_transfer(tenant=t, vehicle_id=vehicle_id, **payload.dict())
    return vehicle_out(selectors.vehicle_get(t, vehicle_id))


class ServiceRecordIn(Schema):
    date: HistoryDate
    mileage_km: int = Field(ge=0, le=2_000_000)
    kind: choices_of(ServiceRecord.Kind)
    summary: str = Field(max_length=300)
    amount_paid: Decimal = Field(Decimal("0.00"), ge=0, max_digits=10, decimal_places=2)
    amount_covered: Decimal = Field(Decimal("0.00"), ge=0, max_digits=10, decimal_places=2)
    reference: str = Field("", max_length=30)


class ServiceRecordOut(Schema):
    id: int
    date: date
    store: str
    customer_id: int
    mileage_km: int
    kind: choices_of(ServiceRecord.Kind)
    summary: str
    amount_paid: str
    amount_covered: str
    reference: str


def record_out(r) -> dict:
    return {"id": r.id, "date": r.date, "store": r.store.code, "customer_id": r.customer_id, "mileage_km": r.mileage_km,
            "kind": r.kind, "summary": r.summary, "amount_paid": f"{r.amount_paid:.2f}",
            "amount_covered": f"{r.amount_covered:.2f}", "reference": r.reference}  # fmt: skip


@router.get("/{vehicle_id}/service-records", response=list[ServiceRecordOut])
def service_record_list(request, vehicle_id: int):
    t = request.auth
    t.require(Perm.VEHICLE_VIEW)
    return [record_out(r) for r in selectors.service_history(t, vehicle_id)]


@router.post("/{vehicle_id}/service-records", response={201: ServiceRecordOut})
def service_record_create(request, vehicle_id: int, payload: ServiceRecordIn):
    """Add a visit from an earlier system to the history (the store's own visits come from repair orders)."""
    t = request.auth
    t.require(Perm.VEHICLE_EDIT)
    record = services.service_record_add(tenant=t, vehicle_id=vehicle_id, **payload.dict())
    return Status(201, record_out(record))


class FaultCount(Schema):
    fault: str
    count: int


class SystemCount(Schema):
    system: choices_of(sanbao.MajorSystem)
    count: int


class SanbaoOut(Schema):
    in_period: bool = Field(
        description="Inside its 三包 period (a private passenger car, from the invoice date)."
    )
    period_ends_on: date | None
    period_ends_km: int | None
    repair_days: int = Field(
        description="Days in repair within the 三包 period (more than 35: exchange or return)."
    )
    same_fault_repairs: list[FaultCount] = Field(
        description="Repairs per fault (more than 5: exchange or return)."
    )
    major_replacements: list[SystemCount]
    warnings: list[str] = Field(description="Thresholds near or past, in the reader's language.")


@router.get("/{vehicle_id}/sanbao", response=SanbaoOut)
def vehicle_sanbao(request, vehicle_id: int):
    """The vehicle's 三包 counters (家用汽车产品修理、更换、退货责任规定, 2021 revision), counted from its
    settled repairs, with a warning before each threshold."""
    t = request.auth
    t.require(Perm.VEHICLE_VIEW)
    return sanbao.counters(selectors.vehicle_get(t, vehicle_id)).as_dict()
