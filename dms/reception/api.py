"""/api/v1/check-ins: the check-in sheet (接车登记表) over HTTP, for tablets and integrations.

POST /check-ins starts one for a vehicle (from an appointment or as a walk-in); PATCH records the
walk-around; POST …/photos adds photos; POST …/open-order opens the repair order with the
customer's words; POST …/signature completes it with the customer's signature.
"""

import json
from datetime import datetime
from decimal import Decimal

from django.http import FileResponse, Http404
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ValidationError as PydanticValidationError

from dms.core.api import ErrorOut
from dms.core.errors import DomainError
from dms.core.roles import Perm
from dms.core.uploads import limit_route
from dms.core.validation import PAGE_OFFSET_MAX, ApiDateTime, choices_of
from dms.workshop.models import OldParts, PaymentMethod
from dms.workshop.rules import WorkClass

from . import selectors, services
from .models import FUEL_EIGHTHS, DamageKind, Step, WarningLamp

CHECKIN_STATES = ("draft", "signed")

router = Router(tags=["check-ins"])


class MarkIO(Schema):
    x: float = Field(ge=0, le=1, description="From the outline's left (0) to its right (1).")
    y: float = Field(ge=0, le=1, description="From the front (0) to the rear (1), seen from above.")
    kind: choices_of(DamageKind) = DamageKind.SCRATCH
    note: str = Field("", max_length=200)


class CheckInPhotoOut(Schema):
    id: int
    caption: str
    at: datetime
    url: str = Field(description="The image; only for users of the store (session or bearer token).")


class ComebackOut(Schema):
    order_id: int
    number: str
    delivered_at: datetime | None


class CheckInOut(Schema):
    id: int
    store: str
    state: choices_of(CHECKIN_STATES)
    step: choices_of(Step) = Field(
        description="The wizard's step reached: protect, walkaround, checks, order, sign, done."
    )
    vehicle_id: int
    customer_id: int
    appointment_id: int | None
    repair_order_id: int | None
    repair_order_number: str | None
    cover_seat: bool
    cover_wheel: bool
    cover_floor: bool
    covers_fitted: bool
    fuel_level: int | None = Field(description="Eighths: 0 empty, 8 full.")
    mileage_km: int | None
    warning_lamps: list[choices_of(WarningLamp)]
    valuables: str
    valuables_taken: bool
    damage_marks: list[MarkIO]
    exterior_notes: str
    photos: list[CheckInPhotoOut]
    comeback: ComebackOut | None = Field(
        description="The repair this visit comes back within the warranty of."
    )
    signed: bool
    signed_at: datetime | None
    created_by: str
    created_at: datetime
    version: int


def _photo_out(checkin, p) -> dict:
    return {
        "id": p.pk,
        "caption": p.caption,
        "at": p.at,
        "url": reverse("api:checkin_photo", kwargs={"checkin_id": checkin.pk, "photo_id": p.pk}),
    }


def checkin_out(c, tenant) -> dict:
    comeback = selectors.comeback_for(c)  # a query only for a draft without its order yet
    return {
        **{
            f: getattr(c, f)
            for f in (
                "id",
                "step",
                "vehicle_id",
                "customer_id",
                "appointment_id",
                "repair_order_id",
                "cover_seat",
                "cover_wheel",
                "cover_floor",
                "covers_fitted",
                "fuel_level",
                "mileage_km",
                "warning_lamps",
                "valuables",
                "valuables_taken",
                "damage_marks",
                "exterior_notes",
                "signed_at",
                "created_at",
                "version",
            )
        },  # fmt: skip
        "store": c.store.code,
        "state": "draft" if c.is_draft else "signed",
        "repair_order_number": c.repair_order.number if c.repair_order_id else None,
        "photos": [_photo_out(c, p) for p in c.photos.all()] if c.photo_count else [],
        "comeback": {
            "order_id": comeback.pk,
            "number": comeback.number,
            "delivered_at": comeback.delivered_at,
        }
        if comeback
        else None,
        "signed": c.signed_at is not None,
        "created_by": str(c.created_by),
    }


class WalkaroundIn(Schema):
    cover_seat: bool | None = None
    cover_wheel: bool | None = None
    cover_floor: bool | None = None
    fuel_level: int | None = Field(None, ge=0, le=FUEL_EIGHTHS, description="Eighths: 0 empty, 8 full.")
    mileage_km: int | None = Field(
        None,
        ge=0,
        le=2_000_000,
        description="Never lower than an earlier reading, unless mileage_correction.",
    )
    mileage_correction: bool = Field(
        False, description="Corrects a wrong earlier reading (managers; give mileage_note)."
    )
    mileage_note: str = Field("", max_length=200)
    warning_lamps: list[choices_of(WarningLamp)] | None = None
    valuables: str | None = Field(None, max_length=500)
    valuables_taken: bool | None = None
    damage_marks: list[MarkIO] | None = Field(None, description="The whole list: it replaces the marks.")
    exterior_notes: str | None = Field(None, max_length=1000)


class CheckInCreate(WalkaroundIn):
    vehicle_id: int
    appointment_id: int | None = Field(None, description="Today's appointment the car comes for.")


class CheckInPatch(WalkaroundIn):
    version: int | None = Field(None, description="The version you read; stale answers 409.")


def _fields(payload: WalkaroundIn) -> dict:
    data = payload.dict(exclude_unset=True)
    for name in ("vehicle_id", "appointment_id", "version", "mileage_correction", "mileage_note"):
        data.pop(name, None)
    return {k: v for k, v in data.items() if v is not None or k in ("fuel_level", "mileage_km")}


class CheckInPage(Schema):
    count: int
    items: list[CheckInOut]


class ListParams(Schema):
    state: choices_of(CHECKIN_STATES, blank=True) = Field("", description="draft (to resume) or signed")
    limit: int = Field(50, ge=1, le=200)
    offset: int = Field(0, ge=0, le=PAGE_OFFSET_MAX)


@router.get("", response=CheckInPage)
def checkin_list(request, params: Query[ListParams]):
    """The store's check-ins, latest first; `state=draft` lists those to resume."""
    t = request.auth
    t.require(Perm.RO_VIEW)
    count, items = selectors.checkin_list(t, state=params.state, limit=params.limit, offset=params.offset)
    return {"count": count, "items": [checkin_out(c, t) for c in items]}


@router.post("", response={201: CheckInOut})
def checkin_create(request, payload: CheckInCreate):
    """Start the check-in of a vehicle. A vehicle with a check-in in progress answers 409 with
    `checkin_id`: resume that one."""
    t = request.auth
    c = services.checkin_create(
        tenant=t, vehicle_id=payload.vehicle_id, appointment_id=payload.appointment_id, **_fields(payload)
    )
    return Status(201, checkin_out(selectors.checkin_answer(t, c), t))


@router.get("/{checkin_id}", response=CheckInOut)
def checkin_detail(request, checkin_id: int):
    t = request.auth
    t.require(Perm.RO_VIEW)
    return checkin_out(selectors.checkin_get(t, checkin_id), t)


JPEG = {
    "description": "The photo as JPEG.",
    "content": {"image/jpeg": {"schema": {"type": "string", "format": "binary"}}},
}


@router.get(
    "/{checkin_id}/photos/{photo_id}", response={404: ErrorOut}, openapi_extra={"responses": {200: JPEG}}
)
def checkin_photo(request, checkin_id: int, photo_id: int):
    """A walk-around photo (JPEG, no metadata), for users of the store only; never cached."""
    t = request.auth
    t.require(Perm.RO_VIEW)
    p = selectors.photo_get(t, checkin_id, photo_id)
    try:
        response = FileResponse(p.image.open("rb"), content_type="image/jpeg")
    except OSError:
        raise Http404() from None
    add_never_cache_headers(response)
    return response


@router.patch("/{checkin_id}", response=CheckInOut)
def checkin_update(request, checkin_id: int, payload: CheckInPatch):
    """Record the covers and the walk-around. Fields left out keep their value; a signed
    check-in answers 409."""
    t = request.auth
    services.checkin_update(
        tenant=t, checkin_id=checkin_id, version=payload.version, mileage_correction=payload.mileage_correction,
        mileage_note=payload.mileage_note, **_fields(payload),
    )  # fmt: skip
    return checkin_out(selectors.checkin_get(t, checkin_id), t)


class OpenOrderIn(Schema):
    complaint: str = Field(max_length=2000, description="The customer's own words.")
    promised_at: ApiDateTime | None = None
    payment_method: choices_of(PaymentMethod) = "wechat"
    old_parts: choices_of(OldParts) = "leave"
    free_wash: bool = True
    preauth_amount: Decimal = Field(Decimal("0.00"), ge=0, max_digits=10, decimal_places=2)
    preauth_minutes: int = Field(0, ge=0, le=24 * 60)
    work_class: choices_of(WorkClass) = "minor"
    version: int | None = None


@router.post("/{checkin_id}/open-order", response={201: CheckInOut})
def checkin_open_order(request, checkin_id: int, payload: OpenOrderIn):
    """Open the repair order from the check-in (its mileage, its appointment). Needs the three
    covers, the fuel level and the mileage; a comeback is flagged on the order."""
    t = request.auth
    from dms.core.validation import aware

    data = payload.dict()
    data["promised_at"] = aware(data["promised_at"], t)
    c = services.checkin_open_order(tenant=t, checkin_id=checkin_id, **data)
    return Status(201, checkin_out(selectors.checkin_answer(t, c), t))


class SignatureIn(Schema):
    data_url: str = Field(description="The signature drawn on screen: data:image/png;base64,…")
    version: int | None = None


@router.post("/{checkin_id}/signature", response=CheckInOut)
def checkin_signature(request, checkin_id: int, payload: SignatureIn):
    """The customer signs the check-in sheet (after the order is open). Signed, it no longer changes."""
    t = request.auth
    c = services.checkin_sign(
        tenant=t, checkin_id=checkin_id, data_url=payload.data_url, version=payload.version
    )
    return checkin_out(selectors.checkin_answer(t, c), t)


_PHOTOS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "photos": {"type": "array", "items": {"type": "string", "format": "binary"}},
                        "caption": {"type": "string", "maxLength": 200},
                    },
                    "required": ["photos"],
                }
            },
            "application/json": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "photos": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "data_url": {"type": "string", "description": "data:image/jpeg;base64,…"},
                                    "caption": {"type": "string", "maxLength": 200},
                                },
                                "required": ["data_url"],
                            },
                        }
                    },
                    "required": ["photos"],
                }
            },
        },
    }
}


class PhotoJsonIn(Schema):
    data_url: str = Field(description="data:image/jpeg;base64,…")
    caption: str = Field("", max_length=200)


class PhotosJsonIn(Schema):
    photos: list[PhotoJsonIn] = Field(min_length=1)


@router.post("/{checkin_id}/photos", response={201: list[CheckInPhotoOut]}, openapi_extra=_PHOTOS_BODY)
def checkin_photos(request, checkin_id: int):
    """Add walk-around photos: multipart files in `photos` (with an optional `caption`), or JSON
    `{"photos": [{"data_url", "caption"}]}`. Photos are re-encoded as JPEG (no EXIF). Answers the
    photos added."""
    t = request.auth
    checkin = selectors.checkin_get(t, checkin_id)
    photos, fields = _posted_photos(request)
    # All the photos or none: decoded first, then written in one short transaction (photos_add).
    added = services.photos_add(tenant=t, checkin_id=checkin.pk, photos=photos, fields=fields)
    return Status(201, [_photo_out(checkin, p) for p in added])


def _posted_photos(request) -> tuple[list[tuple[bytes, str]], list[str]]:
    """The photos of the request as (bytes, caption), and the field naming each in the errors."""
    if request.content_type == "multipart/form-data":
        files = request.FILES.getlist("photos")
        if not files:
            raise DomainError(_("Send at least one photo."), field="photos")
        caption = request.POST.get("caption", "")
        for f in files:  # the size before the bytes are read
            if f.size > services.MAX_PHOTO_BYTES:
                raise DomainError(
                    _("A photo may be at most %(mb)s MB.") % {"mb": services.MAX_PHOTO_BYTES // 1024 // 1024},
                    field="photos",
                )
        return [(f.read(), caption) for f in files], ["photos"] * len(files)
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        raise DomainError(_("The body is not valid JSON.")) from None
    if not isinstance(body, dict) or not body.get("photos"):
        raise DomainError(_("Send at least one photo."), field="photos")
    try:
        # The JSON body's shape, as the OpenAPI document declares it: a number or an object for
        # data_url answers 422 naming photos.<i>.data_url.
        items = PhotosJsonIn.model_validate(body).photos
    except PydanticValidationError as exc:
        raise NinjaValidationError([{**e, "loc": ("body", *e["loc"])} for e in exc.errors()]) from None
    photos = []
    for i, item in enumerate(items):
        data_url, caption = item.data_url, item.caption
        try:
            raw = services.decode_data_url(data_url, field="photos")
        except DomainError as exc:
            raise DomainError(exc.message, field=f"photos.{i}") from None
        photos.append((raw, caption))
    return photos, [f"photos.{i}" for i in range(len(photos))]


limit_route("api:checkin_photos", services.PHOTOS_REQUEST_BYTES)

ROUTERS = [("/check-ins", router)]
