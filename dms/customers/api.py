"""/api/v1/customers: the customer file over HTTP."""

from datetime import date, datetime
from urllib.parse import urlencode

from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from dms.core.audit import timeline_for
from dms.core.errors import DomainError
from dms.core.roles import Perm
from dms.core.validation import PAGE_OFFSET_MAX, ApiDateTime, HistoryDate, choices_of

from . import masking, selectors, services
from .models import (
    BehaviourType,
    Channel,
    CustomerContact,
    PreferredTime,
    Purpose,
    Source,
    Title,
    ValueTier,
    salutation,
)

TitleChoice = choices_of(Title)
ChannelChoice = choices_of(Channel)
TimeChoice = choices_of(PreferredTime)
SourceChoice = choices_of(Source)
BehaviourChoice = choices_of(BehaviourType)

router = Router(tags=["customers"])


class VehicleBrief(Schema):
    id: int
    vin: str
    plate: str
    brand: str
    model: str
    mileage_km: int


_MASKED = ' Masked ("****" when set) unless your role may see contact data.'


class CustomerOut(Schema):
    """A customer. Without the right to see contact data (technician, foreman, QC inspector, parts
    clerk) every contact field is masked: mobile as 138****5678, phone2/wechat/email/address/notes
    as "****" when set, birthday null."""

    id: int
    name: str
    title: TitleChoice
    salutation: str
    mobile: str = Field(description="138****5678 unless your role may see contact data.")
    phone2: str = Field(description=_MASKED)
    wechat: str = Field(description=_MASKED)
    email: str = Field(description=_MASKED)
    preferred_channel: ChannelChoice
    preferred_time: TimeChoice
    marketing_consent: bool
    occupation: str
    region: str
    address: str = Field(description=_MASKED)
    source: SourceChoice
    birthday: date | None = Field(description="null unless your role may see contact data.")
    known_since: date | None = Field(description="Customer since, when before the file was opened.")
    behaviour_type: BehaviourChoice
    value_tier: choices_of(ValueTier)
    value_tier_reason: str
    customer_manager_id: int | None
    store: str = Field(description="Code of the store where the customer was registered.")
    notes: str = Field(description=_MASKED)
    version: int
    created_at: datetime
    updated_at: datetime
    vehicles: list[VehicleBrief]


class Warning(Schema):
    field: str | None
    message: str


class CustomerWritten(CustomerOut):
    warnings: list[Warning] = Field(default=[], description="Not errors: e.g. the mobile is already on file.")


class CustomerPage(Schema):
    count: int
    count_exact: bool = Field(
        True, description="False when a search matched more than it ranks; refine the query."
    )
    items: list[CustomerOut]


def customer_out(c, tenant, vehicles=None) -> dict:
    """The customer's answer; `vehicles` when the caller has them (a file just opened has none),
    else the customer's are read."""
    return {
        **{
            f: getattr(c, f)
            for f in (
                "id",
                "name",
                "title",
                "salutation",
                "preferred_channel",
                "preferred_time",
                "marketing_consent",
                "occupation",
                "region",
                "source",
                "known_since",
                "behaviour_type",
                "value_tier",
                "value_tier_reason",
                "customer_manager_id",
                "version",
                "created_at",
                "updated_at",
            )
        },  # fmt: skip
        **masking.contact_of(tenant, c),
        "store": c.home_store.code,
        "vehicles": [
            {
                "id": v.id,
                "vin": v.vin,
                "plate": v.plate,
                "brand": v.brand.name,
                "model": v.model,
                "mileage_km": v.mileage_km,
            }
            for v in (c.vehicles.all() if vehicles is None else vehicles)
        ],
    }


class CustomerIn(Schema):
    name: str = Field(max_length=50)
    mobile: str = Field(max_length=30)
    title: TitleChoice = ""
    phone2: str = ""
    wechat: str = ""
    email: str = ""
    preferred_channel: ChannelChoice = "phone"
    preferred_time: TimeChoice = "any"
    marketing_consent: bool = False
    occupation: str = ""
    region: str = ""
    address: str = ""
    source: SourceChoice = "walk_in"
    birthday: HistoryDate | None = None
    known_since: HistoryDate | None = None
    behaviour_type: BehaviourChoice = ""
    customer_manager_id: int | None = None
    notes: str = ""


class CustomerPatch(Schema):
    """Only the fields sent change. A text that may be empty is cleared with ""; null is for the fields
    that may be empty (dates, links) and answers 422 for any other."""

    version: int = Field(description="The version you read; a stale one answers 409 and changes nothing.")
    name: str = Field(None, max_length=50)
    mobile: str = Field(None, max_length=30)
    title: TitleChoice = Field(None)
    phone2: str = Field(None)
    wechat: str = Field(None)
    email: str = Field(None)
    preferred_channel: ChannelChoice = Field(None)
    preferred_time: TimeChoice = Field(None)
    marketing_consent: bool = Field(None)
    occupation: str = Field(None)
    region: str = Field(None)
    address: str = Field(None)
    source: SourceChoice = Field(None)
    birthday: HistoryDate | None = None
    known_since: HistoryDate | None = None
    behaviour_type: BehaviourChoice = Field(None)
    customer_manager_id: int | None = None
    notes: str = Field(None)


class ListParams(Schema):
    q: str = Field(
        "",
        description="Name, pinyin or initials, mobile or its last 4, any part of a plate, VIN or its last 6.",
    )
    tier: choices_of(ValueTier, blank=True) = Field("", description="Only the customers of this value tier.")
    manager: choices_of(["me"], blank=True) = Field(
        "", description="me: only the customers whose customer manager you are (ignored with q)."
    )
    limit: int = Field(
        20,
        ge=1,
        le=200,
        description="Page size; a search box shows its first 20 hits. More than 50, or any row beyond "
        "the first 200 (offset + limit > 200), is a bulk read: it needs the export permission (else 403) "
        "and is recorded like an export.",
    )
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


def card_out(card: dict, tenant) -> dict:
    """A list item from selectors.customer_cards: what customer_out gives, without model instances."""
    card["salutation"] = salutation(card["name"], card["title"])
    card.update(masking.contact_of(tenant, card))
    return card


@router.get("", response=CustomerPage)
def customer_list(request, params: Query[ListParams]):
    """Search or list the group's customers (phones masked unless your role may see them)."""
    t = request.auth
    t.require(Perm.CUSTOMER_VIEW)
    bulk = services.bulk_read_allow(tenant=t, limit=params.limit, offset=params.offset)
    if params.q.strip():
        # The search box, answered as the person types: one statement finds the page, one reads it.
        hits = selectors.search_hits(t, params.q, limit=params.limit, offset=params.offset)
        page = {
            "count": hits.count,
            "count_exact": hits.count_exact,
            "items": [card_out(c, t) for c in selectors.customer_cards(hits.ids)],
        }
    else:
        result = selectors.customer_list(
            t, tier=params.tier, manager_id=t.user.pk if params.manager == "me" else None, limit=params.limit,
            offset=params.offset,
        )  # fmt: skip
        page = {
            "count": result.count,
            "count_exact": result.count_exact,
            "items": [customer_out(c, t) for c in result.items],
        }
    if bulk:
        query = urlencode({k: v for k, v in params.dict().items() if v != ""})
        services.bulk_read_record(tenant=t, query=f"GET /api/v1/customers?{query}", rows=len(page["items"]))
    return page


@router.post("", response={201: CustomerWritten})
def customer_create(request, payload: CustomerIn):
    """Open a customer file. A mobile already on file is a warning, not an error."""
    t = request.auth
    data = payload.dict()
    result = services.customer_create(tenant=t, **data)
    # Answered from the record just written (a new file has no vehicles): no second read.
    return Status(201, {**customer_out(result.record, t, vehicles=[]), "warnings": result.warnings})


@router.get("/{customer_id}", response=CustomerOut)
def customer_detail(request, customer_id: int):
    t = request.auth
    t.require(Perm.CUSTOMER_VIEW)
    return customer_out(selectors.customer_get(t, customer_id), t)


@router.patch("/{customer_id}", response=CustomerWritten)
def customer_update(request, customer_id: int, payload: CustomerPatch):
    """Change some fields. Send the `version` you read."""
    t = request.auth
    changes = payload.dict(exclude_unset=True)
    version = changes.pop("version")
    result = services.customer_update(tenant=t, customer_id=customer_id, version=version, **changes)
    return {**customer_out(selectors.customer_get(t, result.record.pk), t), "warnings": result.warnings}


class ManagerIn(Schema):
    user_id: int | None = Field(description="A customer manager of the group; null: no manager.")


@router.put("/{customer_id}/manager", response=CustomerOut)
def customer_manager_set(request, customer_id: int, payload: ManagerIn):
    """Assign the customer's customer manager (the roles that assign portfolios)."""
    t = request.auth
    customer = selectors.customer_get(t, customer_id)
    t.require(Perm.CM_ASSIGN)
    if payload.user_id is not None and not selectors.is_customer_manager(t, payload.user_id):
        raise DomainError(_("Choose a customer manager of your group."), field="user_id")
    services.customer_update(
        tenant=t, customer_id=customer.pk, version=customer.version, customer_manager_id=payload.user_id
    )
    return customer_out(selectors.customer_get(t, customer_id), t)


class ContactIn(Schema):
    kind: choices_of(CustomerContact.Kind)
    summary: str
    direction: choices_of(CustomerContact.Direction) = "out"
    at: ApiDateTime | None = Field(None, description="When it happened; now when not sent.")


class ContactOut(Schema):
    id: int
    at: datetime
    kind: choices_of(CustomerContact.Kind)
    direction: choices_of(CustomerContact.Direction)
    summary: str
    store: str
    by: str | None


def contact_out(c: CustomerContact, tenant) -> dict:
    return {"id": c.id, "at": c.at, "kind": c.kind, "direction": c.direction,
            "summary": masking.mask_text(tenant, c.summary),
            "store": c.store.code, "by": str(c.by) if c.by else None}  # fmt: skip


@router.get("/{customer_id}/contacts", response=list[ContactOut])
def contact_list(request, customer_id: int):
    """Every contact with the customer, newest first."""
    t = request.auth
    t.require(Perm.CUSTOMER_VIEW)
    customer = selectors.customer_get(t, customer_id)
    return [contact_out(c, t) for c in customer.contacts.select_related("store", "by")[:500]]


@router.post("/{customer_id}/contacts", response={201: ContactOut})
def contact_create(request, customer_id: int, payload: ContactIn):
    """Record a call, message or visit on the customer card."""
    contact = services.contact_log(tenant=request.auth, customer_id=customer_id, **payload.dict())
    return Status(201, contact_out(contact, request.auth))


class ConsentIn(Schema):
    granted: bool
    how: str = Field("", max_length=100, description="How the customer gave or withdrew consent.")
    purpose: choices_of(Purpose) = Field(
        "marketing",
        description="marketing (default; sets marketing_consent) or service (the service notice).",
    )
    notice_version: int | None = Field(
        None, ge=1, le=1_000_000,
        description="The version of the privacy notice agreed to (GET /privacy-notices); the one in force when left out.",
    )  # fmt: skip


@router.post("/{customer_id}/consent", response=CustomerOut)
def consent_set(request, customer_id: int, payload: ConsentIn):
    """Grant or withdraw consent for a purpose (PIPL), to a version of the group's privacy notice.
    Each change is kept with the notice's version and text hash (GET /customers/{id}/consents)."""
    t = request.auth
    services.consent_set(
        tenant=t, customer_id=customer_id, granted=payload.granted, how=payload.how, purpose=payload.purpose,
        notice_version=payload.notice_version,
    )  # fmt: skip
    return customer_out(selectors.customer_get(t, customer_id), t)


class HistoryOut(Schema):
    at: datetime
    actor: str | None
    action: str
    record: str
    changes: dict


@router.get("/{customer_id}/history", response=list[HistoryOut])
def customer_history(request, customer_id: int):
    """The audit timeline: who changed what in the customer's file and vehicles, and when."""
    t = request.auth
    t.require(Perm.CUSTOMER_VIEW)
    customer = selectors.customer_get(t, customer_id)
    return timeline_for(customer, related=list(customer.vehicles.all()), redact=masking.redactor(t))
