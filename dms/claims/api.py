"""/api/v1/warranty-claims (索赔), /api/v1/maker-rates and /api/v1/maker-part-prices; the insurance
claims' routers are in api_insurance.py.

The app's API routers: (prefix, router) pairs, mounted by config.api under /api/v1."""

import io
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status

from dms.core.api import ErrorOut, EventFields
from dms.core.models import Brand
from dms.core.roles import Perm
from dms.core.uploads import limit_route
from dms.core.validation import PAGE_OFFSET_MAX, ApiDate, Money, choices_of
from dms.workshop.models import LineKind
from dms.workshop.models import State as RoState

from . import api_insurance, exports, selectors, warranty
from .api_shared import file_response, history_out, one_of
from .api_shared import money as _m
from .models import ClaimState, MakerLaborRate, MakerPartPrice, OldPartStatus, PriceSource, WarrantyClaim
from .uploads import multipart_or_json, posted_files
from .workflow import WARRANTY, WARRANTY_ACTIONS

router = Router(tags=["warranty claims"])
rates_router = Router(tags=["warranty claims"])
prices_router = Router(tags=["warranty claims"])


class ClaimLineOut(Schema):
    id: int
    repair_order_id: int
    repair_order_number: str
    order_line_id: int
    kind: choices_of(LineKind)
    code: str = Field(description="The labor operation's code or the part number.")
    description: str
    quantity: str = Field(description="Standard hours for labor, else the quantity.")
    unit_price: str = Field(description="The maker's labor rate or part price.")
    amount: str
    price_source: choices_of(PriceSource) = Field(description="store: no maker's price was set; check it.")
    fault_code: str = Field(description="The line's own fault code; empty: the claim's.")
    old_part_tag: str
    old_part_status: choices_of(OldPartStatus, blank=True)
    approved_amount: str | None


class ClaimPhotoOut(Schema):
    id: int
    caption: str
    at: datetime
    url: str


class ClaimMissingOut(Schema):
    field: str
    message: str


class WarrantyClaimOut(Schema):
    id: int
    number: str
    store: str
    brand_id: int
    brand: str
    state: choices_of(ClaimState)
    state_label: str
    fault_code: str
    fault_description: str
    note: str
    repair_order_ids: list[int]
    lines: list[ClaimLineOut]
    photos: list[ClaimPhotoOut]
    claimed_total: str
    approved_total: str | None
    paid_total: str | None = Field(description="What the maker reimbursed.")
    maker_reference: str
    decision_reason: str
    paid_on: date | None
    payment_reference: str
    missing: list[ClaimMissingOut] = Field(description="What the maker needs that the claim lacks (submit).")
    created_at: datetime
    submitted_at: datetime | None
    decided_at: datetime | None
    paid_at: datetime | None
    version: int
    allowed_actions: list[str] = Field(description="Actions your role may take now.")


class WarrantyClaimPage(Schema):
    count: int
    items: list[WarrantyClaimOut]


def claim_out(c: WarrantyClaim, tenant) -> dict:
    lines = list(c.lines.all())
    photos = list(c.photos.all())
    return {
        "id": c.pk, "number": c.number, "store": tenant.store.code, "brand_id": c.brand_id, "brand": c.brand.name,
        "state": c.state, "state_label": str(c.get_state_display()), "fault_code": c.fault_code,
        "fault_description": c.fault_description, "note": c.note,
        "repair_order_ids": list(dict.fromkeys(ln.repair_order_id for ln in lines)),
        "lines": [
            {"id": ln.pk, "repair_order_id": ln.repair_order_id, "repair_order_number": ln.repair_order.number,
             "order_line_id": ln.order_line_id, "kind": ln.kind, "code": ln.code, "description": ln.description,
             "quantity": _m(ln.quantity), "unit_price": _m(ln.unit_price), "amount": _m(ln.amount),
             "price_source": ln.price_source, "fault_code": ln.fault_code, "old_part_tag": ln.old_part_tag,
             "old_part_status": ln.old_part_status, "approved_amount": _m(ln.approved_amount)}
            for ln in lines
        ],
        "photos": [
            {"id": p.pk, "caption": p.caption, "at": p.at,
             "url": f"/api/v1/warranty-claims/{c.pk}/photos/{p.pk}"}
            for p in photos
        ],
        "claimed_total": _m(c.claimed_total), "approved_total": _m(c.approved_total), "paid_total": _m(c.paid_total),
        "maker_reference": c.maker_reference, "decision_reason": c.decision_reason, "paid_on": c.paid_on,
        "payment_reference": c.payment_reference,
        "missing": [{"field": e["field"], "message": str(e["message"])}
                    for e in warranty.missing_for_submission(c, lines, len(photos))]
        if c.state == ClaimState.DRAFT else [],
        "created_at": c.created_at, "submitted_at": c.submitted_at, "decided_at": c.decided_at, "paid_at": c.paid_at,
        "version": c.version, "allowed_actions": WARRANTY.allowed_actions(c, tenant),
    }  # fmt: skip


class WarrantyClaimIn(Schema):
    repair_order_ids: list[int] = Field(
        min_length=1, max_length=warranty.MAX_ORDERS,
        description="Settled orders of one brand: their unclaimed warranty lines are collected.",
    )  # fmt: skip
    fault_code: str = Field("", max_length=warranty.FAULT_CODE_MAX, description="The maker's fault code.")
    fault_description: str = Field("", max_length=300)
    note: str = Field("", max_length=500)


@router.post("", response={201: WarrantyClaimOut, 404: ErrorOut})
def claim_create(request, payload: WarrantyClaimIn):
    """Collect the warranty lines (payer `warranty`) of settled orders into a draft claim: labor at
    the maker's rate and standard hours, parts at the maker's price. An order not settled, or whose
    lines are claimed already, answers 409."""
    t = request.auth
    claim = warranty.warranty_claim_create(tenant=t, **payload.dict())
    return Status(201, claim_out(selectors.claim_get(t, claim.pk), t))


class ClaimListParams(Schema):
    state: choices_of(ClaimState, blank=True) = Field("", description="Only the claims in this state.")
    q: str = Field("", max_length=60, description="A claim's or an order's number, a VIN or a plate.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


@router.get("", response=WarrantyClaimPage)
def claim_list(request, params: Query[ClaimListParams]):
    """The store's warranty claims, newest first."""
    t = request.auth
    warranty.require_read(t)
    count, rows = selectors.claim_list(
        t,
        states=[params.state] if params.state else None,
        q=params.q,
        limit=params.limit,
        offset=params.offset,
    )
    return {"count": count, "items": [claim_out(c, t) for c in rows]}


class ClaimableOut(Schema):
    id: int
    number: str
    settlement_number: str
    state: choices_of(RoState)
    vin: str
    plate: str
    brand_id: int
    brand: str
    settled_at: datetime | None
    unclaimed_lines: int
    unclaimed_amount: str = Field(description="At the order's prices (the claim prices them at the maker's).")


class ClaimablePage(Schema):
    count: int
    items: list[ClaimableOut]


class ClaimableParams(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


@router.get("/claimable", response=ClaimablePage)
def claimable(request, params: Query[ClaimableParams]):
    """Settled orders of the store with warranty lines not claimed yet, newest first."""
    t = request.auth
    t.require(Perm.CLAIM_WORK)
    count, rows = selectors.claimable_orders(t, limit=params.limit, offset=params.offset)
    return {
        "count": count,
        "items": [
            {"id": o.pk, "number": o.number, "settlement_number": o.settlement_number, "state": o.state,
             "vin": o.vin, "plate": o.plate, "brand_id": o.vehicle.brand_id, "brand": o.vehicle.brand.name,
             "settled_at": o.settled_at, "unclaimed_lines": o.unclaimed_lines or 0,
             "unclaimed_amount": _m(o.unclaimed_amount or Decimal("0"))}
            for o in rows
        ],
    }  # fmt: skip


class MonthSumsOut(Schema):
    month: str
    claims: int
    claimed: str
    pending: str = Field(description="Claimed on claims the maker has not decided yet.")
    approved: str
    rejected: str = Field(description="Claimed on rejected claims.")
    cut: str = Field(description="Claimed minus approved, on decided claims.")
    paid: str = Field(description="Reimbursed by the maker.")
    unpaid: str = Field(description="Approved, not paid yet.")
    short_paid: str = Field(description="Approved minus paid, on paid claims.")
    difference: str = Field(description="Claimed minus reimbursed.")


class ReconciliationItemOut(Schema):
    id: int
    number: str
    state: choices_of(ClaimState)
    brand: str
    submitted_at: datetime
    claimed_total: str
    approved_total: str | None
    paid_total: str | None
    paid_on: date | None
    difference: str = Field(description="Claimed minus reimbursed.")


class ReconciliationOut(Schema):
    month: str
    sums: MonthSumsOut
    months: list[MonthSumsOut] = Field(description="The twelve months up to `month`, oldest first.")
    items: list[ReconciliationItemOut] = Field(description="The claims submitted in `month`.")


def sums_out(s) -> dict:
    return {"month": s.month, "claims": s.claims, **{k: _m(getattr(s, k)) for k in (
        "claimed", "pending", "approved", "rejected", "cut", "paid", "unpaid", "short_paid", "difference")}}  # fmt: skip


class ReconciliationParams(Schema):
    month: str = Field("", max_length=7, description="YYYY-MM (default: this month), by submission date.")


@router.get("/reconciliation", response=ReconciliationOut)
def reconciliation(request, params: Query[ReconciliationParams]):
    """Claimed against reimbursed, per month of submission: the month's claims and the sums of the
    twelve months up to it."""
    t = request.auth
    t.require(Perm.CLAIM_MANAGE)
    data = selectors.reconciliation(t, params.month or timezone.localdate().strftime("%Y-%m"))
    return {
        "month": data["month"], "sums": sums_out(data["sums"]), "months": [sums_out(s) for s in data["months"]],
        "items": [
            {"id": c.pk, "number": c.number, "state": c.state, "brand": c.brand.name, "submitted_at": c.submitted_at,
             "claimed_total": _m(c.claimed_total), "approved_total": _m(c.approved_total),
             "paid_total": _m(c.paid_total), "paid_on": c.paid_on,
             "difference": _m(c.unreimbursed)}
            for c in data["sums"].items
        ],
    }  # fmt: skip


@router.get("/{claim_id}", response=WarrantyClaimOut)
def claim_detail(request, claim_id: int):
    t = request.auth
    claim = selectors.claim_get(t, claim_id)
    warranty.require_read(t)
    return claim_out(claim, t)


class ClaimPatch(Schema):
    version: int | None = Field(None, description="The version you read; stale answers 409.")
    fault_code: str | None = Field(None, max_length=warranty.FAULT_CODE_MAX)
    fault_description: str | None = Field(None, max_length=300)
    note: str | None = Field(None, max_length=500)


@router.patch("/{claim_id}", response=WarrantyClaimOut)
def claim_update(request, claim_id: int, payload: ClaimPatch):
    """Change the fault code, the fault and the note of a draft claim (fields left out keep theirs)."""
    t = request.auth
    warranty.warranty_claim_update(tenant=t, claim_id=claim_id, **payload.dict())
    return claim_out(selectors.claim_get(t, claim_id), t)


class ClaimLinePatch(Schema):
    version: int | None = Field(None, description="The claim's version you read; stale answers 409.")
    quantity: Decimal | None = Field(None, gt=0, le=10000, max_digits=7, decimal_places=2,
                                     description="Hours for labor (the maker's standard hours), else the quantity.")  # fmt: skip
    unit_price: Money | None = Field(None, description="The maker's rate or price.")
    fault_code: str | None = Field(None, max_length=warranty.FAULT_CODE_MAX)
    old_part_tag: str | None = Field(
        None, max_length=warranty.TAG_MAX, description="The tag on the old part."
    )
    old_part_status: choices_of(OldPartStatus) | None = Field(
        None, description="What became of the old part."
    )


@router.patch("/{claim_id}/lines/{claim_line_id}", response=WarrantyClaimOut)
def claim_line_update(request, claim_id: int, claim_line_id: int, payload: ClaimLinePatch):
    """Correct a line of a draft claim (hours, the maker's price, fault code, the old part's tag), or
    record what became of the old part (kept, returned to the maker, scrapped) later."""
    t = request.auth
    warranty.claim_line_update(tenant=t, claim_id=claim_id, line_id=claim_line_id, **payload.dict())
    return claim_out(selectors.claim_get(t, claim_id), t)


class ApprovedLineIn(Schema):
    line_id: int
    approved_amount: Money


class ClaimActionIn(Schema):
    version: int | None = Field(None, description="The version you read; stale answers 409.")
    reason: str = Field(
        "", max_length=300, description="partly-approve, reject: the maker's reason; cancel: why."
    )
    maker_reference: str = Field(
        "", max_length=60, description="approve, partly-approve, reject: the maker's number."
    )
    lines: list[ApprovedLineIn] = Field(
        default_factory=list, max_length=500,
        description="partly-approve: what the maker approved of the lines it cut (the others in full).",
    )  # fmt: skip
    amount: Money | None = Field(None, description="pay: what the maker paid (default: the approved total).")
    paid_on: ApiDate | None = Field(None, description="pay: when (default: today).")
    payment_reference: str = Field("", max_length=60, description="pay: the maker's payment reference.")


@router.post("/{claim_id}/actions/{action}", response=WarrantyClaimOut)
def claim_action(
    request, claim_id: int, action: choices_of(WARRANTY_ACTIONS), payload: ClaimActionIn | None = None
):
    """Take one step: submit (a fault code on every line, a tag on every old part, a photo),
    approve, partly-approve (`lines`, `reason`), reject (`reason`), pay (`amount`, `paid_on`),
    cancel (`reason`; its lines may be claimed again). The maker's decisions and its payment are
    recorded by a manager. A step not allowed now answers 409 with the state and the allowed actions."""
    t = request.auth
    data = payload.dict() if payload is not None else {}
    data["lines"] = [dict(x) for x in data.get("lines") or []]
    warranty.warranty_claim_act(tenant=t, claim_id=claim_id, action=action, **data)
    return claim_out(selectors.claim_get(t, claim_id), t)


class ClaimEventOut(EventFields):
    pass


@router.get("/{claim_id}/events", response=list[ClaimEventOut])
def claim_events(request, claim_id: int):
    """The claim's timeline: who, when, from, to, why."""
    t = request.auth
    claim = selectors.claim_get(t, claim_id)
    warranty.require_read(t)
    return history_out(claim)


@router.post(
    "/{claim_id}/photos", response={201: WarrantyClaimOut}, openapi_extra=multipart_or_json("photos")
)
def claim_photos(request, claim_id: int):
    """Add photos (the fault, the old part with its tag, the odometer): multipart files in `photos`
    (with an optional `caption`), or JSON `{"photos": [{"data_url", "caption"}]}`. Re-encoded as
    JPEG without metadata."""
    t = request.auth
    selectors.claim_get(t, claim_id)
    files, fields, _rest = posted_files(request, key="photos")
    warranty.claim_photos_add(tenant=t, claim_id=claim_id, photos=files, fields=fields)
    return Status(201, claim_out(selectors.claim_get(t, claim_id), t))


limit_route("api:claim_photos", warranty.PHOTOS_REQUEST_BYTES)

JPEG = {"description": "The photo as JPEG.", "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}}}  # fmt: skip


@router.get(
    "/{claim_id}/photos/{claim_photo_id}", response={404: ErrorOut}, openapi_extra={"responses": {200: JPEG}}
)
def claim_photo(request, claim_id: int, claim_photo_id: int):
    """A claim's photo (JPEG, no metadata), for users of the store only; never cached."""
    t = request.auth
    claim = selectors.claim_get(t, claim_id)
    warranty.require_read(t)
    return file_response(one_of(claim.photos.all(), claim_photo_id).image, "image/jpeg")


@router.delete("/{claim_id}/photos/{claim_photo_id}", response={204: None})
def claim_photo_delete(request, claim_id: int, claim_photo_id: int):
    """Remove a photo of a draft claim."""
    t = request.auth
    warranty.claim_photo_remove(tenant=t, claim_id=claim_id, photo_id=claim_photo_id)
    return Status(204, None)


XLSX_RESPONSE = {
    200: {"description": "The claim as an Excel workbook (Chinese headings).",
          "content": {exports.XLSX: {"schema": {"type": "string", "format": "binary"}}}},
}  # fmt: skip


@router.get("/{claim_id}/export.xlsx", openapi_extra={"responses": XLSX_RESPONSE})
def claim_export(request, claim_id: int):
    """The file the claim is sent to the maker with: one row per line with the order, the vehicle,
    the fault code, hours or quantity, the maker's price and the old part's tag."""
    t = request.auth
    claim = selectors.claim_get(t, claim_id)
    warranty.require_read(t)
    return xlsx_response(claim)


def xlsx_response(claim) -> HttpResponse:
    out = io.BytesIO()
    exports.claim_xlsx(claim, out)
    response = HttpResponse(out.getvalue(), content_type=exports.XLSX)
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(claim)}"'
    return response


# --- The maker's prices ----------------------------------------------------------------------------------


class MakerRateOut(Schema):
    brand_id: int
    brand: str
    rate: str | None = Field(
        description="The maker's labor rate per hour; null: not set (the store's rate is used)."
    )
    store_rate: str = Field(description="The store's own labor rate.")


class MakerRatePage(Schema):
    count: int
    items: list[MakerRateOut]


def rates_of(t) -> list[dict]:
    rates = dict(MakerLaborRate.objects.for_tenant(t).values_list("brand_id", "rate"))
    brands = Brand.objects.for_tenant(t).filter(pk__in=[*t.store.brands.values_list("pk", flat=True), *rates])
    return [
        {"brand_id": b.pk, "brand": b.name, "rate": _m(rates.get(b.pk)), "store_rate": _m(t.store.labor_rate)}
        for b in brands.order_by("name")
    ]


@rates_router.get("", response=MakerRatePage)
def maker_rates(request):
    """The maker's labor rate of the store for each brand it services."""
    t = request.auth
    warranty.require_read(t)
    items = rates_of(t)
    return {"count": len(items), "items": items}


class MakerRateIn(Schema):
    brand_id: int
    rate: Money


@rates_router.put("", response=MakerRateOut)
def maker_rate_set(request, payload: MakerRateIn):
    """Set the maker's labor rate of the store for a brand (claims collected afterwards use it)."""
    t = request.auth
    row = warranty.maker_rate_set(tenant=t, brand_id=payload.brand_id, rate=payload.rate)
    return {"brand_id": row.brand_id, "brand": row.brand.name, "rate": _m(row.rate), "store_rate": _m(t.store.labor_rate)}  # fmt: skip


class MakerPriceOut(Schema):
    brand_id: int
    brand: str
    part_id: int
    part_number: str
    part_name: str
    price: str = Field(description="The maker's price.")
    store_price: str = Field(description="The part's sale price in the catalogue.")


class MakerPricePage(Schema):
    count: int
    items: list[MakerPriceOut]


class MakerPriceParams(Schema):
    brand_id: int | None = None
    q: str = Field("", max_length=40, description="A part number or name.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


def price_out(row) -> dict:
    return {"brand_id": row.brand_id, "brand": row.brand.name, "part_id": row.part_id, "part_number": row.part.number,
            "part_name": row.part.name, "price": _m(row.price), "store_price": _m(row.part.price)}  # fmt: skip


@prices_router.get("", response=MakerPricePage)
def maker_prices(request, params: Query[MakerPriceParams]):
    """The maker's part prices of the group (per brand)."""
    t = request.auth
    warranty.require_read(t)
    qs = MakerPartPrice.objects.for_tenant(t)
    if params.brand_id is not None:
        qs = qs.filter(brand_id=params.brand_id)
    if params.q.strip():
        q = params.q.strip()
        qs = qs.filter(part__number__icontains=q) | qs.filter(part__name__icontains=q)
    count = qs.count()
    rows = qs.select_related("brand", "part").order_by("brand__name", "part__number")[
        params.offset : params.offset + params.limit
    ]
    return {"count": count, "items": [price_out(r) for r in rows]}


class MakerPriceIn(Schema):
    brand_id: int
    part_id: int
    price: Money


@prices_router.put("", response=MakerPriceOut)
def maker_price_set(request, payload: MakerPriceIn):
    """Set the maker's price of a part for a brand."""
    t = request.auth
    row = warranty.maker_part_price_set(
        tenant=t, brand_id=payload.brand_id, part_id=payload.part_id, price=payload.price
    )
    row = MakerPartPrice.objects.select_related("brand", "part").get(pk=row.pk)
    return price_out(row)


ROUTERS: list = [
    ("/warranty-claims", router),
    ("/maker-rates", rates_router),
    ("/maker-part-prices", prices_router),
    *api_insurance.ROUTERS,
]
