"""/api/v1/repair-records: the electronic repair records (汽车维修电子健康档案) of the store's settled
orders and their upload to the province's platform; the store's platform settings."""

import io
from datetime import date, datetime

from django.http import HttpResponse
from ninja import Field, Query, Router, Schema

from dms.core.roles import Perm
from dms.core.validation import PAGE_OFFSET_MAX, choices_of
from dms.workshop.models import FeeCategory

from . import exports, selectors, services
from .build import labor_hours
from .links import owner_url
from .models import RepairRecord, UploadAttempt, UploadState

router = Router(tags=["repair records"])

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class RecordOut(Schema):
    id: int
    store: str
    repair_order_id: int
    settlement_number: str
    certificate_number: str = Field(
        description="The completion certificate's number (机动车维修竣工出厂合格证) as given at settlement; empty "
        "where none was issued."
    )
    vin: str
    plate: str
    settled_on: date
    state: choices_of(UploadState) = Field(
        description="pending: queued for upload (being retried after a failure); sent: on the platform; failed: "
        "not uploaded, `reason` says why; manual: the store has no platform set (upload it by hand: the export)."
    )
    state_label: str
    reason: str = Field(description="Why the upload failed (empty otherwise).")
    attempts: int
    last_error: str = Field(description="The last attempt's error, also while it is being retried.")
    next_attempt_at: datetime | None
    sent_at: datetime | None


FEE_DESCRIPTION = (
    "What the settlement list counts the line as (the order line's fee_category): diagnosis 诊断费, inspection "
    "检测费, materials 材料费 (every part and material), labor 工时费, processing 加工费, other 其他费用. Empty in a "
    "record kept before fees were recorded."
)


class ProjectOut(Schema):
    repairproject: str = Field(description="Repair item.")
    workinghours: str = Field(description='Labor hours, e.g. "1.50".')
    feecategory: choices_of(FeeCategory, blank=True) = Field("", description=FEE_DESCRIPTION)


class RecordPartOut(Schema):
    partsname: str
    partscode: str = Field(description="Part number (empty for a material without one).")
    partsquantity: str
    feecategory: choices_of(FeeCategory, blank=True) = Field("", description=FEE_DESCRIPTION)


class RecordFeeOut(Schema):
    feecategory: choices_of(FeeCategory)
    feename: str = Field(
        description="The regulation's name of the fee (诊断费 …), in Chinese whatever the language."
    )
    amount: str = Field(description='The lines counted as this fee, before discounts, e.g. "120.00".')


class RecordDataOut(Schema):
    """The record as uploaded, in the platform's field names (dates YYYYMMDD, mileage in km)."""

    companyname: str
    vehicleplatenumber: str
    vin: str
    repairdate: str
    repairmileage: str
    settledate: str
    costlistcode: str
    certificatecode: str = Field(
        "",
        description="The completion certificate's number (机动车维修竣工出厂合格证); empty where none was issued.",
    )
    faultdescription: str
    repairprojectlist: list[ProjectOut]
    vehiclepartslist: list[RecordPartOut]
    costlist: list[RecordFeeOut] = Field(
        default_factory=list,
        description="The settlement list's six fees in the regulation's order (declined lines left out); empty in a "
        "record kept before fees were recorded.",
    )


class AttemptOut(Schema):
    at: datetime
    outcome: choices_of(UploadAttempt.Outcome)
    http_status: int | None
    message: str


class RecordDetailOut(RecordOut):
    record: RecordDataOut
    labor_hours: str
    owner_url: str = Field(description="The owner's signed link to the car's record (no login; two years).")
    attempt_log: list[AttemptOut] = Field(description="The upload attempts, newest first.")


class RecordPage(Schema):
    count: int
    items: list[RecordOut]


class RecordParams(Schema):
    state: choices_of(UploadState) | None = None
    month: str | None = Field(None, pattern=MONTH, description="YYYY-MM: records settled then.")
    q: str = Field("", max_length=50, description="Part of a plate, VIN or settlement list number.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


class ExportParams(Schema):
    month: str | None = Field(None, pattern=MONTH, description="YYYY-MM (default: this month).")
    format: choices_of(("csv", "xlsx")) = Field("csv", description="csv (UTF-8 with a BOM) or xlsx.")


class PlatformOut(Schema):
    store: str
    configured: bool = Field(
        description="Whether the store has a platform set; without one, records are kept for upload by hand."
    )
    active: bool
    base_url: str
    company_code: str
    password_set: bool = Field(description="The password is never shown: only whether one is set.")
    token_path: str
    upload_path: str
    updated_at: datetime | None


class PlatformIn(Schema):
    base_url: str = Field(
        max_length=300, description="The platform's address, e.g. https://platform.example.gov.cn"
    )
    company_code: str = Field(max_length=50, description="The company code the platform issued to the store.")
    password: str | None = Field(
        None, max_length=200, description="Write-only. Left out or empty: the password set before is kept."
    )
    active: bool = Field(True, description="Upload each settled order's record automatically.")
    token_path: str | None = Field(
        None, max_length=200, description="Default: the national interface's path."
    )
    upload_path: str | None = Field(
        None, max_length=200, description="Default: the national interface's path."
    )


def record_out(r: RepairRecord) -> dict:
    return {
        "id": r.pk, "store": r.store.code, "repair_order_id": r.order_id, "settlement_number": r.settlement_number,
        "certificate_number": r.certificate_number, "vin": r.vin, "plate": r.plate, "settled_on": r.settled_on,
        "state": r.state, "state_label": str(r.get_state_display()), "reason": r.reason, "attempts": r.attempts,
        "last_error": r.last_error, "next_attempt_at": r.next_attempt_at, "sent_at": r.sent_at,
    }  # fmt: skip


def record_detail(r: RepairRecord) -> dict:
    return {
        **record_out(r), "record": r.data, "labor_hours": f"{labor_hours(r.data):.2f}", "owner_url": owner_url(r),
        "attempt_log": [
            {"at": a.at, "outcome": a.outcome, "http_status": a.http_status, "message": a.message}
            for a in r.attempt_log.all()[:50]
        ],
    }  # fmt: skip


def platform_out(tenant, config) -> dict:
    from .models import TOKEN_PATH, UPLOAD_PATH

    return {
        "store": tenant.store.code, "configured": config is not None, "active": bool(config and config.active),
        "base_url": config.base_url if config else "", "company_code": config.company_code if config else "",
        "password_set": bool(config and config.password), "token_path": config.token_path if config else TOKEN_PATH,
        "upload_path": config.upload_path if config else UPLOAD_PATH, "updated_at": config.updated_at if config else None,
    }  # fmt: skip


@router.get("", response=RecordPage)
def record_list(request, params: Query[RecordParams]):
    """The store's electronic repair records, newest settlement first, with their upload state."""
    t = request.auth
    t.require(Perm.RO_VIEW)
    qs = selectors.records(t, state=params.state, month=params.month, q=params.q).select_related("store")
    return {
        "count": qs.count(),
        "items": [record_out(r) for r in qs[params.offset : params.offset + params.limit]],
    }


@router.get(
    "/export",
    openapi_extra={
        "responses": {
            200: {
                "description": "The month's records: one row each, Chinese headings.",
                "content": {
                    "text/csv": {"schema": {"type": "string"}},
                    XLSX: {"schema": {"type": "string", "format": "binary"}},
                },
            }
        }
    },
)
def record_export(request, params: Query[ExportParams]):
    """The records settled in a month, as a file for uploading by hand (every upload state).
    Administrators."""
    t = request.auth
    t.require(Perm.RECORD_MANAGE)
    month = params.month or selectors.this_month()
    items = list(selectors.records(t, month=month).select_related("store"))
    if params.format == "xlsx":
        out = io.BytesIO()
        exports.write_xlsx(items, out)
        response = HttpResponse(out.getvalue(), content_type=XLSX)
    else:
        response = HttpResponse(exports.write_csv(items), content_type="text/csv; charset=utf-8")
    services.records_mark_exported(records=items)
    response["Content-Disposition"] = (
        f'attachment; filename="{exports.filename(t.store.code, month, params.format)}"'
    )
    return response


@router.get("/platform", response=PlatformOut)
def platform_get(request):
    """The store's platform settings (the password is never shown). Administrators."""
    t = request.auth
    t.require(Perm.RECORD_MANAGE)
    return platform_out(t, selectors.platform_settings(t))


@router.put("/platform", response=PlatformOut)
def platform_put(request, payload: PlatformIn):
    """Set the store's platform: address, company code, password (write-only), whether to upload
    automatically. Only public addresses are accepted. Administrators."""
    t = request.auth
    config = services.platform_settings_save(
        tenant=t, base_url=payload.base_url, company_code=payload.company_code, password=payload.password,
        active=payload.active, token_path=payload.token_path, upload_path=payload.upload_path,
    )  # fmt: skip
    return platform_out(t, config)


@router.get("/{record_id}", response=RecordDetailOut)
def record_get(request, record_id: int):
    """One record: what was (or is to be) uploaded, its upload state and attempts, the owner's link."""
    return record_detail(selectors.record_get(request.auth, record_id))


@router.post("/{record_id}/actions/retry", response=RecordDetailOut)
def record_retry(request, record_id: int):
    """Queue a failed record (or one kept for upload by hand, once the store has a platform) for
    upload again: the worker takes it at once, its attempts start over. 409 for a record uploaded or
    queued already, or while the store has no active platform. Administrators."""
    t = request.auth
    services.record_retry(tenant=t, record_id=record_id)
    return record_detail(selectors.record_get(t, record_id))


ROUTERS = [("/repair-records", router)]
