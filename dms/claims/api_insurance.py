"""/api/v1/insurance-claims (事故车), /api/v1/insurers and /api/v1/insurance-receivables."""

from datetime import date, datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dms.core.api import ErrorOut, EventFields
from dms.core.errors import DomainError
from dms.core.roles import Perm
from dms.core.uploads import limit_route
from dms.core.validation import PAGE_OFFSET_MAX, ApiDate, Money, choices_of

from . import insurance, selectors, warranty
from .api_shared import file_response, history_out, one_of
from .api_shared import money as _m
from .models import DocumentKind, InsuranceClaim, InsuranceState, Insurer
from .uploads import multipart_or_json, posted_files
from .workflow import INSURANCE, INSURANCE_ACTIONS

router = Router(tags=["insurance claims"])
insurers_router = Router(tags=["insurance claims"])
receivables_router = Router(tags=["insurance claims"])


# --- Insurers --------------------------------------------------------------------------------------------


class InsurerOut(Schema):
    id: int
    name: str
    contact: str
    phone: str
    required_documents: list[choices_of(DocumentKind)] = Field(description="What the insurer asks for.")
    active: bool


class InsurerPage(Schema):
    count: int
    items: list[InsurerOut]


def insurer_out(i: Insurer) -> dict:
    return {"id": i.pk, "name": i.name, "contact": i.contact, "phone": i.phone,
            "required_documents": list(i.required_documents or []), "active": i.active}  # fmt: skip


@insurers_router.get("", response=InsurerPage)
def insurer_list(request):
    """The store's insurers (the active ones first)."""
    t = request.auth
    warranty.require_read(t)
    items = list(Insurer.objects.for_tenant(t).order_by("-active", "name"))
    return {"count": len(items), "items": [insurer_out(i) for i in items]}


class InsurerIn(Schema):
    name: str = Field(max_length=100)
    contact: str = Field("", max_length=100)
    phone: str = Field("", max_length=30)
    required_documents: list[choices_of(DocumentKind)] | None = Field(
        None, max_length=len(DocumentKind.values),
        description="Default: assessment, vehicle and driving licences, accident report, photos.",
    )  # fmt: skip


@insurers_router.post("", response={201: InsurerOut})
def insurer_create(request, payload: InsurerIn):
    t = request.auth
    return Status(201, insurer_out(insurance.insurer_create(tenant=t, **payload.dict())))


class InsurerPatch(Schema):
    name: str | None = Field(None, max_length=100)
    contact: str | None = Field(None, max_length=100)
    phone: str | None = Field(None, max_length=30)
    required_documents: list[choices_of(DocumentKind)] | None = Field(
        None, max_length=len(DocumentKind.values)
    )
    active: bool | None = None


@insurers_router.patch("/{insurer_id}", response=InsurerOut)
def insurer_update(request, insurer_id: int, payload: InsurerPatch):
    t = request.auth
    return insurer_out(insurance.insurer_update(tenant=t, insurer_id=insurer_id, **payload.dict()))


# --- Insurance claims ------------------------------------------------------------------------------------


class InsuranceDocumentOut(Schema):
    id: int
    kind: choices_of(DocumentKind)
    kind_label: str
    content_type: str
    caption: str
    at: datetime
    url: str


class InsurancePaymentOut(Schema):
    amount: str
    received_on: date
    reference: str
    by: str


class InsuranceClaimOut(Schema):
    id: int
    number: str
    store: str
    state: choices_of(InsuranceState)
    state_label: str
    repair_order_id: int
    repair_order_number: str
    settlement_number: str
    plate: str
    insurer_id: int
    insurer: str
    policy_number: str
    claim_number: str = Field(description="The insurer's report number (报案号).")
    accident_date: date | None
    assessed_amount: str | None = Field(description="The assessor's amount (定损).")
    assessor: str
    repair_amount: str = Field(description="The order's total.")
    insurer_share: str = Field(description="The order's lines paid by the insurer.")
    customer_share: str = Field(description="What the customer pays (the excess, the rest).")
    over_assessment: str | None = Field(
        description="The insurer's share minus the assessed amount, when above it."
    )
    billed_amount: str = Field(description="Billed to the insurer at submission.")
    paid_total: str
    outstanding: str
    note: str
    documents: list[InsuranceDocumentOut]
    missing_documents: list[choices_of(DocumentKind)]
    payments: list[InsurancePaymentOut]
    created_at: datetime
    submitted_at: datetime | None
    paid_at: datetime | None
    version: int
    allowed_actions: list[str] = Field(description="Actions your role may take now.")


class InsuranceClaimPage(Schema):
    count: int
    items: list[InsuranceClaimOut]


def insurance_out(c: InsuranceClaim, tenant, *, full: bool = True) -> dict:
    o = c.repair_order
    share = getattr(c, "share", None)
    share = insurance.insurer_share(o.pk) if share is None else share
    labels = dict(DocumentKind.choices)
    docs = list(c.documents.all()) if full else []
    over = share - c.assessed_amount if c.assessed_amount is not None and share > c.assessed_amount else None
    return {
        "id": c.pk, "number": c.number, "store": tenant.store.code, "state": c.state,
        "state_label": str(c.get_state_display()), "repair_order_id": o.pk, "repair_order_number": o.number,
        "settlement_number": o.settlement_number, "plate": o.plate, "insurer_id": c.insurer_id,
        "insurer": c.insurer.name, "policy_number": c.policy_number, "claim_number": c.claim_number,
        "accident_date": c.accident_date, "assessed_amount": _m(c.assessed_amount), "assessor": c.assessor,
        "repair_amount": _m(o.total), "insurer_share": _m(share), "customer_share": _m(o.customer_total),
        "over_assessment": _m(over), "billed_amount": _m(c.billed_amount), "paid_total": _m(c.paid_total),
        "outstanding": _m(c.outstanding), "note": c.note,
        "documents": [
            {"id": d.pk, "kind": d.kind, "kind_label": str(labels.get(d.kind, d.kind)), "content_type": d.content_type,
             "caption": d.caption, "at": d.at, "url": f"/api/v1/insurance-claims/{c.pk}/documents/{d.pk}"}
            for d in docs
        ],
        "missing_documents": insurance.missing_documents(c, [d.kind for d in docs]) if full else [],
        "payments": [
            {"amount": _m(p.amount), "received_on": p.received_on, "reference": p.reference, "by": str(p.by)}
            for p in (c.payments.all() if full else [])
        ],
        "created_at": c.created_at, "submitted_at": c.submitted_at, "paid_at": c.paid_at, "version": c.version,
        "allowed_actions": [a for a in INSURANCE.allowed_actions(c, tenant) if a in INSURANCE_ACTIONS],
    }  # fmt: skip


class InsuranceClaimIn(Schema):
    repair_order_id: int
    insurer_id: int
    policy_number: str = Field(max_length=40)
    claim_number: str = Field(max_length=40, description="The insurer's report number (报案号).")
    accident_date: ApiDate | None = None
    assessed_amount: Money | None = Field(None, description="The assessor's amount (定损), when known.")
    assessor: str = Field("", max_length=50)
    note: str = Field("", max_length=500)


@router.post("", response={201: InsuranceClaimOut})
def insurance_create(request, payload: InsuranceClaimIn):
    """Open the insurance claim of a repair order (one per order; another answers 409)."""
    t = request.auth
    claim = insurance.insurance_claim_create(tenant=t, **payload.dict())
    return Status(201, insurance_out(selectors.insurance_get(t, claim.pk), t))


class InsuranceListParams(Schema):
    state: choices_of(InsuranceState, blank=True) = Field("", description="Only the claims in this state.")
    insurer_id: int | None = None
    q: str = Field(
        "", max_length=60, description="A claim's, report's, policy's or order's number, or a plate."
    )
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


@router.get("", response=InsuranceClaimPage)
def insurance_list(request, params: Query[InsuranceListParams]):
    """The store's insurance claims, newest first (documents and payments on each claim's own answer)."""
    t = request.auth
    warranty.require_read(t)
    states = [params.state] if params.state else None
    count, rows = selectors.insurance_list(
        t, states=states, insurer_id=params.insurer_id, q=params.q, limit=params.limit, offset=params.offset
    )
    return {"count": count, "items": [insurance_out(c, t, full=False) for c in rows]}


@router.get("/{insurance_claim_id}", response=InsuranceClaimOut)
def insurance_detail(request, insurance_claim_id: int):
    t = request.auth
    claim = selectors.insurance_get(t, insurance_claim_id)
    warranty.require_read(t)
    return insurance_out(claim, t)


class InsurancePatch(Schema):
    version: int | None = Field(None, description="The version you read; stale answers 409.")
    insurer_id: int | None = None
    policy_number: str | None = Field(None, max_length=40)
    claim_number: str | None = Field(None, max_length=40)
    accident_date: ApiDate | None = None
    assessed_amount: Money | None = Field(
        None, description="A new amount: a supplementary assessment (追加定损)."
    )
    assessor: str | None = Field(None, max_length=50)
    note: str | None = Field(None, max_length=500)


@router.patch("/{insurance_claim_id}", response=InsuranceClaimOut)
def insurance_update(request, insurance_claim_id: int, payload: InsurancePatch):
    """Change an open claim (fields left out keep theirs)."""
    t = request.auth
    insurance.insurance_claim_update(tenant=t, claim_id=insurance_claim_id, **payload.dict())
    return insurance_out(selectors.insurance_get(t, insurance_claim_id), t)


class InsuranceActionIn(Schema):
    version: int | None = Field(None, description="The version you read; stale answers 409.")
    reason: str = Field("", max_length=300, description="cancel: why.")


@router.post("/{insurance_claim_id}/actions/{action}", response=InsuranceClaimOut)
def insurance_action(
    request, insurance_claim_id: int, action: choices_of(INSURANCE_ACTIONS), payload: InsuranceActionIn | None = None
):  # fmt: skip
    """submit: bill the insurer its share (the order settled, the assessed amount recorded and not
    exceeded, every document the insurer asks for); cancel (`reason`). 409 when not allowed now."""
    t = request.auth
    data = payload.dict() if payload is not None else {}
    insurance.insurance_claim_act(tenant=t, claim_id=insurance_claim_id, action=action, **data)
    return insurance_out(selectors.insurance_get(t, insurance_claim_id), t)


_DOC_EXTRA = {"kind": {"type": "string", "enum": list(DocumentKind.values)}}


@router.post(
    "/{insurance_claim_id}/documents", response={201: InsuranceClaimOut},
    openapi_extra=multipart_or_json("files", extra=_DOC_EXTRA, required_extra=("kind",)),
)  # fmt: skip
def insurance_documents(request, insurance_claim_id: int):
    """Add documents of one `kind` (assessment, vehicle_licence, driver_licence, accident_report,
    photos, …): multipart `files` (and `kind`, `caption`), or JSON `{"kind", "files": [{"data_url",
    "caption"}]}`. Photos are re-encoded as JPEG without metadata; PDFs are kept as sent."""
    t = request.auth
    selectors.insurance_get(t, insurance_claim_id)
    files, fields, rest = posted_files(request, key="files")
    kind = rest.get("kind")
    if not isinstance(kind, str) or kind not in DocumentKind.values:
        raise DomainError(_("Choose one of: %(v)s.") % {"v": ", ".join(DocumentKind.values)}, field="kind")
    insurance.documents_add(tenant=t, claim_id=insurance_claim_id, kind=kind, files=files, fields=fields)
    return Status(201, insurance_out(selectors.insurance_get(t, insurance_claim_id), t))


limit_route("api:insurance_documents", insurance.DOCUMENTS_REQUEST_BYTES)

FILE = {"description": "The document (JPEG or PDF).", "content": {
    "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
    "application/pdf": {"schema": {"type": "string", "format": "binary"}}}}  # fmt: skip


@router.get(
    "/{insurance_claim_id}/documents/{document_id}", response={404: ErrorOut},
    openapi_extra={"responses": {200: FILE}},
)  # fmt: skip
def insurance_document(request, insurance_claim_id: int, document_id: int):
    """A document of the claim, for users of the store only; never cached."""
    t = request.auth
    claim = selectors.insurance_get(t, insurance_claim_id)
    warranty.require_read(t)
    doc = one_of(claim.documents.all(), document_id)
    return file_response(doc.file, doc.content_type)


@router.delete("/{insurance_claim_id}/documents/{document_id}", response={204: None})
def insurance_document_delete(request, insurance_claim_id: int, document_id: int):
    """Remove a document of an open claim (documents sent to the insurer are kept)."""
    t = request.auth
    insurance.document_remove(tenant=t, claim_id=insurance_claim_id, document_id=document_id)
    return Status(204, None)


class InsurancePaymentIn(Schema):
    amount: Money
    received_on: ApiDate | None = Field(None, description="Default: today.")
    reference: str = Field("", max_length=60, description="The bank transfer's reference.")


@router.post("/{insurance_claim_id}/payments", response={201: InsuranceClaimOut})
def insurance_payment(request, insurance_claim_id: int, payload: InsurancePaymentIn):
    """Record money received from the insurer (managers); the payment that covers the bill makes
    the claim `paid`. More than the insurer owes answers 400."""
    t = request.auth
    insurance.insurance_payment_record(tenant=t, claim_id=insurance_claim_id, **payload.dict())
    return Status(201, insurance_out(selectors.insurance_get(t, insurance_claim_id), t))


class InsuranceEventOut(EventFields):
    pass


@router.get("/{insurance_claim_id}/events", response=list[InsuranceEventOut])
def insurance_events(request, insurance_claim_id: int):
    t = request.auth
    claim = selectors.insurance_get(t, insurance_claim_id)
    warranty.require_read(t)
    return history_out(claim)


# --- Receivables ------------------------------------------------------------------------------------------


class ReceivableOut(Schema):
    insurer_id: int | None
    insurer: str
    claims: int
    billed: str
    paid: str
    outstanding: str = Field(description="Billed and not paid yet.")
    unbilled: str = Field(description="Open claims of settled orders: owed, not billed yet.")
    ageing: dict[str, str] = Field(description="Outstanding by days since billing: 0-30, 31-60, 61-90, 90+.")


class WithoutClaimOut(Schema):
    repair_order_id: int
    number: str
    settled_at: datetime | None
    insurer_share: str


class ReceivablesOut(Schema):
    today: date
    items: list[ReceivableOut]
    total: ReceivableOut
    without_claim: list[WithoutClaimOut] = Field(
        description="Settled orders with lines paid by an insurer and no insurance claim: nobody bills them."
    )


def receivable_out(r) -> dict:
    return {"insurer_id": r.insurer_id, "insurer": r.name or str(_("Total")), "claims": r.claims,
            "billed": _m(r.billed), "paid": _m(r.paid), "outstanding": _m(r.outstanding),
            "unbilled": _m(r.unbilled), "ageing": {k: _m(v) for k, v in r.buckets.items()}}  # fmt: skip


@receivables_router.get("", response=ReceivablesOut)
def receivables(request):
    """What each insurer owes the store, aged by the days since billing."""
    t = request.auth
    t.require(Perm.CLAIM_MANAGE)
    data = selectors.receivables(t)
    return {
        "today": data["today"], "items": [receivable_out(r) for r in data["rows"]],
        "total": receivable_out(data["total"]),
        "without_claim": [{"repair_order_id": o.pk, "number": o.number, "settled_at": o.settled_at,
                           "insurer_share": _m(o.share or Decimal("0"))} for o in data["without_claim"]],
    }  # fmt: skip


ROUTERS: list = [
    ("/insurance-claims", router),
    ("/insurers", insurers_router),
    ("/insurance-receivables", receivables_router),
]
