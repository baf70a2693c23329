"""/api/v1/customers/{id}/data-export, /erase and /api/v1/privacy-notices: a customer's personal
data on request (PIPL). See privacy.py and docs/security.md ("Personal data")."""

from datetime import datetime

from django.http import FileResponse
from ninja import Field, Query, Router, Schema, Status

from dms.core.roles import Perm
from dms.core.validation import PAGE_OFFSET_MAX, ApiDateTime, aware, choices_of

from . import privacy
from .models import ConsentEvent, ErasureRecord, Purpose

router = Router(tags=["personal data"])
notices_router = Router(tags=["personal data"])

ZIP = {
    200: {
        "description": "Everything held about the customer: a zip of data.json, a README (说明.txt) "
        "and the files attached to the records.",
        "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
    },
}


@router.post("/{customer_id}/data-export", openapi_extra={"responses": ZIP})
def data_export(request, customer_id: int):
    """A copy of everything held about the customer, at their request (needs the export
    permission; recorded as an export of personal data)."""
    out, name, _record = privacy.export_file(tenant=request.auth, customer_id=customer_id)
    return FileResponse(out, as_attachment=True, filename=name, content_type="application/zip")


class EraseIn(Schema):
    reason: str = Field(
        min_length=1, max_length=300, description="Why: e.g. the customer's written request of a date."
    )


class ErasureOut(Schema):
    customer_id: int
    name: str = Field(description="The placeholder the customer is now known by (已删除客户 and a short id).")
    at: datetime
    by: str
    reason: str
    counts: dict[str, int] = Field(
        description="Records changed, by kind (app.Model); app.Model#quoting: others' records that quoted "
        "the person, the quotes removed (an import's error list, a text to another customer)."
    )


@router.post("/{customer_id}/erase", response=ErasureOut)
def erase(request, customer_id: int, payload: EraseIn):
    """Erase the customer's personal data (irreversible). The repair and settlement records stay,
    pointing at the anonymised customer. A customer with an open repair order or case answers 409.
    Needs the erasure permission (the general manager, administrators)."""
    record = privacy.erase(tenant=request.auth, customer_id=customer_id, reason=payload.reason)
    return {
        "customer_id": record.customer_id, "name": privacy.erased_name(record.customer), "at": record.at,
        "by": record.username, "reason": record.reason, "counts": record.counts,
    }  # fmt: skip


class ConsentEventOut(Schema):
    id: int
    purpose: choices_of(Purpose)
    granted: bool
    at: datetime
    by: str | None
    how: str
    notice_version: int | None
    notice_hash: str


@router.get("/{customer_id}/consents", response=list[ConsentEventOut])
def consent_list(request, customer_id: int):
    """Every grant and withdrawal of consent, newest first, with the notice version agreed to."""
    from . import selectors

    t = request.auth
    t.require(Perm.CUSTOMER_VIEW)
    customer = selectors.customer_get(t, customer_id)
    events: list[ConsentEvent] = list(customer.consent_events.select_related("by")[:500])
    return [
        {"id": e.pk, "purpose": e.purpose, "granted": e.granted, "at": e.at, "by": str(e.by) if e.by else None,
         "how": e.how, "notice_version": e.notice_version, "notice_hash": e.notice_hash}
        for e in events
    ]  # fmt: skip


class NoticeOut(Schema):
    purpose: choices_of(Purpose)
    version: int
    text: str
    text_hash: str = Field(description="SHA-256 of the text, hex: what each consent records.")
    effective_from: datetime


class NoticePage(Schema):
    count: int
    items: list[NoticeOut]


@notices_router.get("", response=NoticePage)
def notice_list(request):
    """The privacy notices in force in your dealer group, one per purpose: what a customer is shown
    before consenting (POST /customers/{id}/consent records the version)."""
    t = request.auth
    t.require(Perm.CUSTOMER_VIEW)
    items = [
        {"purpose": n.purpose, "version": n.version, "text": n.text, "text_hash": n.text_hash,
         "effective_from": n.effective_from}
        for n in privacy.notices(t.group_id).values()
    ]  # fmt: skip
    return {"count": len(items), "items": items}


class NoticeIn(Schema):
    purpose: choices_of(Purpose)
    text: str = Field(
        min_length=1, max_length=5000, description="The whole notice, in Chinese, as the customer reads it."
    )
    effective_from: ApiDateTime | None = Field(
        None, description="When it comes into force; now when left out."
    )


@notices_router.post("", response={201: NoticeOut})
def notice_create(request, payload: NoticeIn):
    """A new version of the group's notice for a purpose (managers). The versions already agreed to
    stay as they were: each consent names its version and the text's hash."""
    t = request.auth
    n = privacy.notice_add(
        tenant=t, purpose=payload.purpose, text=payload.text, effective_from=aware(payload.effective_from, t)
    )
    return Status(201, {"purpose": n.purpose, "version": n.version, "text": n.text, "text_hash": n.text_hash,
                        "effective_from": n.effective_from})  # fmt: skip


erasures_router = Router(tags=["personal data"])


class ErasureItem(ErasureOut):
    store: str = Field(description="The store it was done from.")


class ErasurePage(Schema):
    count: int
    items: list[ErasureItem]


class PageParams(Schema):
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


@erasures_router.get("", response=ErasurePage)
def erasure_list(request, params: Query[PageParams]):
    """The group's erasures of personal data, newest first: who, when, why and how many records
    (never the erased data). For those who may export."""
    t = request.auth
    t.require(Perm.CUSTOMER_EXPORT)
    qs = ErasureRecord.objects.for_tenant(t).select_related("store", "customer")
    items = [
        {"customer_id": e.customer_id, "name": e.customer.name, "at": e.at, "by": e.username,
         "reason": e.reason, "counts": e.counts, "store": e.store.code}
        for e in qs[params.offset : params.offset + params.limit]
    ]  # fmt: skip
    return {"count": qs.count(), "items": items}


ROUTERS = [("/customers", router), ("/privacy-notices", notices_router), ("/erasures", erasures_router)]
