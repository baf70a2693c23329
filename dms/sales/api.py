"""/api/v1/leads, /api/v1/showroom-visits, /api/v1/test-drives: the showroom over HTTP (API.md,
"New-car sales"). Offers, orders and stock: api_orders.py. The app's routers: ROUTERS, mounted by
config.api under /api/v1."""

from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dms.core.errors import DomainError
from dms.core.roles import Perm
from dms.core.validation import PAGE_OFFSET_MAX, ApiDateTime, HistoryDate, Money, aware, choices_of
from dms.customers.models import CustomerContact
from dms.customers.rules import mask_mobile

from . import api_orders, selectors, services
from .models import Grade, Lead, LeadSource, Payment, ShowroomVisit, TestDrive

router = Router(tags=["leads"])
visits_router = Router(tags=["showroom"])
drives_router = Router(tags=["test drives"])

VERSION = Field(None, description="The version you read; stale answers 409.")


class LeadOut(Schema):
    id: int
    state: choices_of(Lead.State)
    grade: choices_of(Grade, blank=True)
    name: str
    mobile: str = Field(description="Masked unless your role may see contact details.")
    source: choices_of(LeadSource)
    customer_id: int | None = Field(description="Set when the mobile is a known customer.")
    referrer_customer_id: int | None
    assigned_to: int | None = Field(description="The consultant's user id.")
    assigned_to_name: str | None
    model_interest: str
    note: str
    first_contact_at: datetime | None
    first_response_seconds: int | None
    next_follow_up_at: datetime | None
    expected_by: date | None
    lost_reason: str
    budget: str
    usage: str
    family: str
    models_of_interest: str
    competing_brands: str
    payment: choices_of(Payment, blank=True)
    needs_note: str
    allowed_actions: list[str]
    created_at: datetime
    version: int


def lead_out(lead: Lead, tenant) -> dict:
    return {
        "id": lead.pk, "state": lead.state, "grade": lead.grade, "name": lead.name,
        "mobile": lead.mobile if tenant.can(Perm.CUSTOMER_SEE_CONTACT) else mask_mobile(lead.mobile),
        "source": lead.source, "customer_id": lead.customer_id, "referrer_customer_id": lead.referrer_id,
        "assigned_to": lead.assigned_to_id,
        "assigned_to_name": (lead.assigned_to.display_name or lead.assigned_to.username) if lead.assigned_to_id else None,
        "model_interest": lead.model_interest, "note": lead.note, "first_contact_at": lead.first_contact_at,
        "first_response_seconds": lead.first_response_seconds, "next_follow_up_at": lead.next_follow_up_at,
        "expected_by": lead.expected_by, "lost_reason": lead.lost_reason, "budget": f"{lead.budget:.2f}",
        "usage": lead.usage, "family": lead.family, "models_of_interest": lead.models_of_interest,
        "competing_brands": lead.competing_brands, "payment": lead.payment, "needs_note": lead.needs_note,
        "allowed_actions": selectors.lead_actions(lead, tenant), "created_at": lead.created_at,
        "version": lead.version,
    }  # fmt: skip


class LeadPage(Schema):
    count: int
    items: list[LeadOut]


class LeadIn(Schema):
    name: str = Field(max_length=50)
    mobile: str = Field(max_length=30)
    source: choices_of(LeadSource)
    model_interest: str = Field("", max_length=100)
    referrer_customer_id: int | None = Field(None, description="The customer who referred them (referral).")
    assigned_to_id: int | None = Field(None, description="A consultant (the showroom manager's choice).")
    note: str = Field("", max_length=2000)


@router.post("", response={200: LeadOut, 201: LeadOut})
def lead_create(request, payload: LeadIn):
    """Register a prospect. A mobile with an open prospect in the store answers 200 with that one
    (no duplicate); a known customer's mobile links the customer (customer_id)."""
    t = request.auth
    lead, created = services.lead_create(tenant=t, **payload.dict())
    return Status(201 if created else 200, lead_out(selectors.lead_get(t, lead.pk), t))


class LeadListParams(Schema):
    state: str = Field("", description="Comma-separated: new, following, lost_pending, lost, won.")
    grade: choices_of(Grade, blank=True) = ""
    assigned: choices_of(["me", ""]) = Field("", description="me: only your own prospects.")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


@router.get("", response=LeadPage)
def lead_list(request, params: Query[LeadListParams]):
    """The store's prospects, the next follow-up due first."""
    t = request.auth
    t.require(Perm.LEAD_WORK)
    states = [s for s in params.state.split(",") if s]
    if [s for s in states if s not in Lead.State.values]:
        raise DomainError(_("Choose one of: %(v)s.") % {"v": ", ".join(Lead.State.values)}, field="state")
    count, items = selectors.lead_list(
        t, states=states, grade=params.grade, mine=params.assigned == "me", limit=params.limit,
        offset=params.offset,
    )  # fmt: skip
    return {"count": count, "items": [lead_out(x, t) for x in items]}


@router.get("/{lead_id}", response=LeadOut)
def lead_detail(request, lead_id: int):
    t = request.auth
    lead = selectors.lead_get(t, lead_id)
    t.require(Perm.LEAD_WORK)
    return lead_out(lead, t)


class LeadContactIn(Schema):
    channel: choices_of(CustomerContact.Kind)
    note: str = Field("", max_length=2000)
    grade: choices_of(Grade, blank=True) = Field("", description="Re-grade at the contact.")
    version: int | None = VERSION


class GradeIn(Schema):
    grade: choices_of(Grade)
    version: int | None = VERSION


class LoseIn(Schema):
    reason: str = Field(max_length=300, description="Why the prospect is lost (战败): analysed later.")
    version: int | None = VERSION


class VersionIn(Schema):
    version: int | None = VERSION


class ReopenIn(Schema):
    reason: str = Field("", max_length=300)
    version: int | None = VERSION


class AssignIn(Schema):
    assigned_to_id: int


@router.post("/{lead_id}/actions/contact", response=LeadOut)
def lead_contact(request, lead_id: int, payload: LeadContactIn):
    """A contact with the prospect; the first measures the first response time."""
    t = request.auth
    services.lead_contact(tenant=t, lead_id=lead_id, channel=payload.channel, note=payload.note,
                          grade=payload.grade or None, version=payload.version)  # fmt: skip
    return lead_out(selectors.lead_get(t, lead_id), t)


@router.post("/{lead_id}/actions/grade", response=LeadOut)
def lead_grade(request, lead_id: int, payload: GradeIn):
    """H within 7 days, A 15, B 30, C 90 (per store): sets the next follow-up."""
    t = request.auth
    services.lead_grade(tenant=t, lead_id=lead_id, grade=payload.grade, version=payload.version)
    return lead_out(selectors.lead_get(t, lead_id), t)


@router.post("/{lead_id}/actions/lose", response=LeadOut)
def lead_lose(request, lead_id: int, payload: LoseIn):
    """Mark lost (战败) with a reason: the showroom manager confirms (confirm-lost)."""
    t = request.auth
    services.lead_lose(tenant=t, lead_id=lead_id, reason=payload.reason, version=payload.version)
    return lead_out(selectors.lead_get(t, lead_id), t)


@router.post("/{lead_id}/actions/confirm-lost", response=LeadOut)
def lead_confirm_lost(request, lead_id: int, payload: VersionIn | None = None):
    """The showroom manager confirms a lost prospect."""
    t = request.auth
    services.lead_confirm_lost(tenant=t, lead_id=lead_id, version=payload.version if payload else None)
    return lead_out(selectors.lead_get(t, lead_id), t)


@router.post("/{lead_id}/actions/reopen", response=LeadOut)
def lead_reopen(request, lead_id: int, payload: ReopenIn | None = None):
    t = request.auth
    services.lead_reopen(tenant=t, lead_id=lead_id, version=payload.version if payload else None,
                         reason=payload.reason if payload else "")  # fmt: skip
    return lead_out(selectors.lead_get(t, lead_id), t)


@router.post("/{lead_id}/assign", response=LeadOut)
def lead_assign(request, lead_id: int, payload: AssignIn):
    """The showroom manager gives the prospect to a consultant."""
    t = request.auth
    services.lead_assign(tenant=t, lead_id=lead_id, user_id=payload.assigned_to_id)
    return lead_out(selectors.lead_get(t, lead_id), t)


class NeedsIn(Schema):
    budget: Money | None = None
    usage: str | None = Field(None, max_length=100)
    family: str | None = Field(None, max_length=100)
    models_of_interest: str | None = Field(None, max_length=200)
    competing_brands: str | None = Field(None, max_length=200)
    payment: choices_of(Payment, blank=True) | None = None
    needs_note: str | None = Field(None, max_length=2000)
    version: int | None = VERSION


class NeedsOut(LeadOut):
    behaviour_tips: list[list[str]] = Field(
        description="How to serve the customer's behaviour type, per step."
    )


@router.patch("/{lead_id}/needs", response=NeedsOut)
def lead_needs(request, lead_id: int, payload: NeedsIn):
    """The needs analysis (咨询): budget, use, family, models, competing brands, payment."""
    t = request.auth
    data = payload.dict(exclude_unset=True)
    version = data.pop("version", None)
    services.lead_needs(tenant=t, lead_id=lead_id, version=version, **data)
    lead = selectors.lead_get(t, lead_id)
    return {
        **lead_out(lead, t),
        "behaviour_tips": [[str(a), str(b)] for a, b in selectors.behaviour_tips(lead)],
    }


# --- The door's traffic log -----------------------------------------------------------------------------


class VisitOut(Schema):
    id: int
    lead_id: int | None
    arrived_at: datetime
    left_at: datetime | None
    consultant_id: int | None
    first_visit: bool
    party_size: int
    note: str


def visit_out(v: ShowroomVisit) -> dict:
    return {"id": v.pk, "lead_id": v.lead_id, "arrived_at": v.arrived_at, "left_at": v.left_at,
            "consultant_id": v.consultant_id, "first_visit": v.first_visit, "party_size": v.party_size,
            "note": v.note}  # fmt: skip


class VisitIn(Schema):
    party_size: int = Field(1, ge=1, le=30)
    first_visit: bool = True
    consultant_id: int | None = None
    lead_id: int | None = None
    note: str = Field("", max_length=200)
    arrived_at: ApiDateTime | None = None


class VisitPage(Schema):
    count: int
    items: list[VisitOut]


@visits_router.post("", response={201: VisitOut})
def visit_create(request, payload: VisitIn):
    """A party arrives at the showroom."""
    t = request.auth
    data = payload.dict()
    data["arrived_at"] = aware(data["arrived_at"], t)
    return Status(201, visit_out(services.visit_log(tenant=t, **data)))


class VisitListParams(Schema):
    day: date | None = Field(None, description="The day (default: today).")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


@visits_router.get("", response=VisitPage)
def visit_list(request, params: Query[VisitListParams]):
    t = request.auth
    t.require(Perm.LEAD_WORK)
    count, items = selectors.visit_list(t, day=params.day, limit=params.limit, offset=params.offset)
    return {"count": count, "items": [visit_out(v) for v in items]}


class LeaveIn(Schema):
    lead_id: int | None = Field(None, description="The prospect the party turned out to be.")


@visits_router.post("/{visit_id}/leave", response=VisitOut)
def visit_leave(request, visit_id: int, payload: LeaveIn | None = None):
    t = request.auth
    return visit_out(
        services.visit_leave(tenant=t, visit_id=visit_id, lead_id=payload.lead_id if payload else None)
    )


# --- Test drives ------------------------------------------------------------------------------------------


class DriveOut(Schema):
    id: int
    lead_id: int
    state: choices_of(TestDrive.State)
    model: str
    licence_no: str
    licence_expires: date
    route: str
    odometer_start: int | None
    odometer_end: int | None
    impressions: str
    signed: bool
    started_at: datetime
    finished_at: datetime | None
    version: int


def drive_out(d: TestDrive) -> dict:
    return {"id": d.pk, "lead_id": d.lead_id, "state": d.state, "model": d.model, "licence_no": d.licence_no,
            "licence_expires": d.licence_expires, "route": d.route, "odometer_start": d.odometer_start,
            "odometer_end": d.odometer_end, "impressions": d.impressions, "signed": bool(d.agreement),
            "started_at": d.started_at, "finished_at": d.finished_at, "version": d.version}  # fmt: skip


class DriveIn(Schema):
    lead_id: int
    model: str = Field(max_length=100)
    licence_no: str = Field(max_length=30)
    licence_expires: HistoryDate
    odometer_start: int | None = Field(None, ge=0, le=2_000_000)
    route: str = Field("", max_length=200)
    signature: str = Field("", description="The signed agreement: a PNG data URL drawn on the tablet.")


class TestDriveFinishIn(Schema):
    odometer_end: int = Field(ge=0, le=2_000_000)
    impressions: str = Field("", max_length=2000)
    version: int | None = VERSION


class SignIn(Schema):
    signature: str = Field(description="A PNG data URL drawn on the tablet.")


@drives_router.post("", response={201: DriveOut})
def drive_create(request, payload: DriveIn):
    """A test drive starts. An expired licence answers 422 naming licence_expires."""
    t = request.auth
    return Status(201, drive_out(services.testdrive_start(tenant=t, **payload.dict())))


@drives_router.get("/{test_drive_id}", response=DriveOut)
def drive_detail(request, test_drive_id: int):
    t = request.auth
    d = selectors.drive_get(t, test_drive_id)
    t.require(Perm.LEAD_WORK)
    return drive_out(d)


@drives_router.post("/{test_drive_id}/actions/finish", response=DriveOut)
def drive_finish(request, test_drive_id: int, payload: TestDriveFinishIn):
    t = request.auth
    services.testdrive_finish(tenant=t, test_drive_id=test_drive_id, odometer_end=payload.odometer_end,
                              impressions=payload.impressions, version=payload.version)  # fmt: skip
    return drive_out(selectors.drive_get(t, test_drive_id))


@drives_router.post("/{test_drive_id}/agreement", response=DriveOut)
def drive_sign(request, test_drive_id: int, payload: SignIn):
    """The customer signs the test-drive agreement on the tablet."""
    t = request.auth
    return drive_out(
        services.testdrive_sign(tenant=t, test_drive_id=test_drive_id, signature=payload.signature)
    )


ROUTERS: list = [
    ("/leads", router),
    ("/showroom-visits", visits_router),
    ("/test-drives", drives_router),
    *api_orders.ROUTERS,
]
