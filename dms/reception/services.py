"""Writes of reception: the check-in from the first greeting to the customer's signature.

Every write is atomic and keyword-only, checks the role (Perm.RO_EDIT: whoever opens repair
orders receives cars) and raises DomainError with the field at fault. A signed check-in is the
customer's record of the car's state when it came in: it no longer changes.
"""

import base64
import binascii
import io
import math
from datetime import datetime
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import Conflict, DomainError, NotFound, stale_version
from dms.core.events import publish
from dms.core.images import reencode_photo
from dms.core.roles import Perm
from dms.core.tenancy import Tenant, get_scoped
from dms.core.validation import invalid
from dms.customers.services import customer_create
from dms.scheduling.models import Appointment
from dms.vehicles.models import Vehicle
from dms.vehicles.services import mileage_check, mileage_record, vehicle_create
from dms.workshop.comebacks import any_in_warranty
from dms.workshop.models import RepairOrder
from dms.workshop.models import State as OrderState
from dms.workshop.services import find_comeback, repair_order_create

from .models import (
    FUEL_EIGHTHS,
    STEP_ORDER,
    CheckIn,
    CheckInPhoto,
    DamageKind,
    Step,
    WarningLamp,
    photo_path,
    signature_path,
)

MAX_MARKS = 60
MAX_PHOTOS = 30
MAX_PHOTO_BYTES = 15 * 1024 * 1024
PHOTOS_REQUEST_BYTES = 4 * MAX_PHOTO_BYTES + 1024 * 1024  # a request adding photos (dms.core.uploads)
PHOTO_EDGE = 1600  # photos are re-encoded: bounded size, no EXIF (phones write the GPS position there)
MAX_SIGNATURE_BYTES = 1024 * 1024

EDITABLE_FIELDS = (
    "cover_seat", "cover_wheel", "cover_floor", "fuel_level", "mileage_km", "warning_lamps", "valuables",
    "valuables_taken", "damage_marks", "exterior_notes",
)  # fmt: skip


# --- Opening a check-in -------------------------------------------------------------------------------


def open_checkin_of(tenant: Tenant, vehicle_id) -> CheckIn | None:
    """The check-in of this vehicle still in progress at this store, if any."""
    return CheckIn.objects.for_tenant(tenant).filter(vehicle_id=vehicle_id, signed_at__isnull=True).first()


def checkin_create(
    *, tenant: Tenant, vehicle_id: int, appointment_id: int | None = None, **fields
) -> CheckIn:
    """Start the check-in of a vehicle, from today's appointment or as a walk-in. A vehicle has one
    check-in in progress per store: a second one answers 409 with its id, to be resumed."""
    tenant.require(Perm.RO_EDIT)
    # With the vehicle, whether it has a delivered order that may still be in warranty: a car
    # without one (most cars) skips the comeback check's query when the mileage is given here.
    vehicles = Vehicle.objects.only(*Vehicle.MILEAGE_FIELDS).annotate(
        delivered_lately=any_in_warranty(timezone.now())
    )
    if appointment_id:
        vehicle = get_scoped(vehicles, tenant, pk=vehicle_id)
        appointment = get_scoped(Appointment.objects, tenant, pk=appointment_id)
        if appointment.vehicle_id != vehicle.pk:
            raise DomainError(_("This appointment is for another vehicle."), field="appointment_id")
        if appointment.state in (Appointment.State.CANCELLED, Appointment.State.NO_SHOW):
            raise DomainError(_("This appointment was cancelled or missed."), field="appointment_id")
    else:  # a car found by search may still have come for today's appointment
        from dms.scheduling.selectors import day_bounds, local_today

        start, end = day_bounds(tenant.store, local_today(tenant.store))
        vehicle = get_scoped(
            vehicles.annotate(
                appointment_today=Subquery(todays_appointments(tenant, start, end).values("pk")[:1])
            ),
            tenant,
            pk=vehicle_id,
        )
        appointment_id = vehicle.appointment_today
    checkin = CheckIn(
        store=tenant.store, vehicle=vehicle, customer_id=vehicle.owner_id, appointment_id=appointment_id,
        created_by=tenant.user,
    )  # fmt: skip
    try:
        if fields:  # checked before the one INSERT: nothing else is written
            _update(tenant, checkin, fields, save=False)
        if transaction.get_connection().in_atomic_block:
            with transaction.atomic():  # a savepoint: a refused INSERT leaves the caller's transaction usable
                checkin.save(force_insert=True)
        else:
            checkin.save(force_insert=True)  # the one statement is its own transaction
    except (IntegrityError, DomainError) as exc:
        # One check-in in progress per car and store (a constraint, so that two tablets starting
        # the same car at once cannot both): the one in progress is to be resumed.
        existing = open_checkin_of(tenant, vehicle.pk)
        if existing is None:
            raise
        raise _already_open(existing) from exc
    return checkin


def todays_appointments(tenant: Tenant, start: datetime, end: datetime):
    """The vehicle's (OuterRef "pk") appointments between `start` and `end` (today) still expected
    at this store (neither checked in nor with an order opened for them), earliest first: a
    subquery of the vehicle's read."""
    return (
        Appointment.objects.for_tenant(tenant)
        .filter(vehicle=OuterRef("pk"), start__gte=start, start__lt=end, state__in=Appointment.HOLDING,
                checkins__isnull=True)
        .exclude(Exists(RepairOrder.objects.filter(appointment=OuterRef("pk")).exclude(state=OrderState.CANCELLED)))
        .order_by("start")
    )  # fmt: skip


def _already_open(existing: CheckIn) -> Conflict:
    return Conflict(
        _("This vehicle's check-in is already in progress: continue it."),
        field="vehicle_id",
        checkin_id=existing.pk,
    )


def register_walk_in(
    *, tenant: Tenant, owner_id: int | None = None, name: str = "", title: str = "", mobile: str = "",
    vin: str = "", plate: str = "", brand_id: int | None = None, model: str = "", mileage_km: int = 0,
) -> tuple[Vehicle, list[dict]]:  # fmt: skip
    """A first visit: open the customer file (unless `owner_id` names an existing customer) and
    register the vehicle, together or not at all. Returns the vehicle and any warnings
    (a mobile or VIN already in the files)."""
    warnings: list[dict] = []
    with transaction.atomic():
        if owner_id is None:
            result = customer_create(tenant=tenant, name=name, title=title, mobile=mobile)
            owner_id = result.record.pk
            warnings += result.warnings
        result = vehicle_create(
            tenant=tenant, owner_id=owner_id, vin=vin, plate=plate, brand_id=brand_id, model=model,
            mileage_km=mileage_km,
        )  # fmt: skip
        warnings += result.warnings
    return result.record, warnings


# --- The walk-around ----------------------------------------------------------------------------------


# What opening the order reads of the check-in and its vehicle's file (narrow row: the order
# records the mileage), and what the answer of signing reads of its order.
_CHECKIN_FIELDS = [f.attname for f in CheckIn._meta.concrete_fields]


def _signable(tenant: Tenant, checkin_id: int, version: int | None):
    """The check-in if it may be signed now: a draft of this store with its order open (at the
    version sent). An UPDATE of this queryset is the signing's one conditional statement."""
    signable = CheckIn.objects.for_tenant(tenant).filter(
        pk=checkin_id, signed_at__isnull=True, repair_order__isnull=False
    )
    return signable if version is None else signable.filter(version=version)


def _lock(tenant: Tenant, checkin_id, version: int | None = None, related=("vehicle",)) -> CheckIn:
    """The draft check-in, locked, with the related rows the caller reads (none: `related=()`)."""
    qs = CheckIn.objects.select_for_update(of=("self",))
    if related:  # select_related() with no names would join every foreign key
        qs = qs.select_related(*related)
    return _draft(get_scoped(qs, tenant, pk=checkin_id), version)


def _draft(checkin: CheckIn, version: int | None) -> CheckIn:
    """The check-in as read, if it may still change (at the version sent)."""
    if version is not None and version != checkin.version:
        raise stale_version(checkin.version)
    if not checkin.is_draft:
        raise Conflict(_("The customer signed this check-in: it can no longer be changed."), field=None)
    return checkin


def checkin_update(
    *, tenant: Tenant, checkin_id: int, version: int | None = None, complete: str | None = None,
    mileage_correction: bool = False, mileage_note: str = "", **fields,
) -> CheckIn:  # fmt: skip
    """Change what the walk-around found. `complete` names the wizard's step being finished: its
    requirements are checked and the check-in moves on to the next step.

    The mileage follows the vehicle file's rule (never lower than an earlier reading): it is
    checked now and recorded when the repair order is opened. A correction of a wrong earlier
    reading (a manager's right, with a reason) is recorded at once."""
    tenant.require(Perm.RO_EDIT)
    with transaction.atomic():
        checkin = _lock(tenant, checkin_id, version)
        _update(tenant, checkin, fields, correction=mileage_correction, note=mileage_note)
        # What was entered is kept even when the step is not finished yet (nothing is lost);
        # the check-in just does not move on.
        unfinished = _complete(checkin, complete) if complete is not None else []
    if unfinished:
        raise invalid(unfinished)
    return checkin


def _update(
    tenant: Tenant,
    checkin: CheckIn,
    fields: dict,
    *,
    correction: bool = False,
    note: str = "",
    save: bool = True,
) -> None:
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    errors: list[dict] = []
    cleaners = {
        "fuel_level": _fuel, "warning_lamps": _lamps, "damage_marks": _marks, "valuables": _text(500),
        "exterior_notes": _text(1000), "cover_seat": _bool, "cover_wheel": _bool, "cover_floor": _bool,
        "valuables_taken": _bool,
    }  # fmt: skip
    for name, value in fields.items():
        if name == "mileage_km":
            continue
        try:
            setattr(checkin, name, cleaners[name](value, name))
        except DomainError as exc:
            errors.extend(exc.errors)
    km_changed = "mileage_km" in fields and (fields["mileage_km"] != checkin.mileage_km or correction)
    if km_changed:
        km = fields["mileage_km"]
        if checkin.repair_order_id is not None:
            errors.append({"field": "mileage_km", "message": _("The repair order is open with this mileage: it can no longer change here.")})  # fmt: skip
        elif km is None:
            checkin.mileage_km = None
        else:
            try:
                _check_mileage(tenant, checkin.vehicle, km, correction=correction, note=note)
                checkin.mileage_km = km
            except DomainError as exc:
                errors.extend(exc.errors or [{"field": "mileage_km", "message": exc.message}])
    if errors:
        raise invalid(errors)
    checkin.version += 1
    comeback_check(checkin)
    if save:
        checkin.save()


def comeback_check(checkin: CheckIn):
    """The comeback check at the check-in's mileage, made once per mileage and kept on the
    check-in (written with its next save). Returns the earlier order, or None."""
    if checkin.mileage_km is None:
        checkin.comeback_of, checkin.comeback_km = None, None
    elif checkin.comeback_km != checkin.mileage_km:
        found = find_comeback(checkin.vehicle, checkin.mileage_km, timezone.now())
        checkin.comeback_of, checkin.comeback_km = found, checkin.mileage_km
    return checkin.comeback_of


def _check_mileage(tenant: Tenant, vehicle: Vehicle, km, *, correction: bool, note: str) -> None:
    """The vehicle file's own rule decides. A correction is recorded now; an ordinary reading is
    checked (nothing written) and recorded with the repair order."""
    if correction:
        if not tenant.can(Perm.MILEAGE_CORRECT):
            raise DomainError(
                _("Only a manager may correct an earlier reading: ask one."), field="mileage_km"
            )
        try:
            mileage_record(tenant=tenant, vehicle_id=vehicle.pk, km=km, correction=True, note=note)
        except DomainError as exc:
            raise _as_mileage_error(exc) from None
        return

    tenant.require(Perm.VEHICLE_EDIT)
    try:
        mileage_check(vehicle, tenant, km=km)
    except DomainError as exc:
        raise _as_mileage_error(exc) from None


def _as_mileage_error(exc: DomainError) -> DomainError:
    field = {"note": "mileage_note"}.get(exc.field or "", "mileage_km")
    return DomainError(exc.message, field=field)


def _bool(value, name):
    if not isinstance(value, bool):
        raise DomainError(_("Enter true or false."), field=name)
    return value


def _text(limit: int):
    def clean(value, name):
        value = (value or "").strip() if isinstance(value, str | type(None)) else None
        if value is None:
            raise DomainError(_("Enter text."), field=name)
        if len(value) > limit:
            raise DomainError(_("At most %(n)s characters.") % {"n": limit}, field=name)
        return value

    return clean


def _fuel(value, name):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= FUEL_EIGHTHS:
        raise DomainError(_("The fuel level is in eighths: 0 (empty) to 8 (full)."), field=name)
    return value


def _lamps(value, name):
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise DomainError(_("Send a list of lamp codes."), field=name)
    bad = sorted(set(value) - set(WarningLamp.values))
    if bad:
        raise DomainError(
            _("Unknown warning lamps: %(bad)s. Known: %(known)s.")
            % {"bad": ", ".join(bad), "known": ", ".join(WarningLamp.values)},
            field=name,
        )
    return [code for code in WarningLamp.values if code in value]  # the panel's order, once each


def _marks(value, name):
    if not isinstance(value, list):
        raise DomainError(_("Send a list of marks."), field=name)
    if len(value) > MAX_MARKS:
        raise DomainError(
            _("At most %(n)s marks: describe the rest in the notes.") % {"n": MAX_MARKS}, field=name
        )
    out = []
    for i, mark in enumerate(value):
        where = f"{name}.{i}"
        if not isinstance(mark, dict):
            raise DomainError(_("Each mark is an object with x, y, kind and note."), field=where)
        x, y = mark.get("x"), mark.get("y")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) and 0 <= v <= 1 for v in (x, y)):  # fmt: skip
            raise DomainError(_("x and y are fractions of the outline, between 0 and 1."), field=where)
        kind = mark.get("kind", DamageKind.SCRATCH)
        if kind not in DamageKind.values:
            raise DomainError(
                _("Choose one of: %(v)s.") % {"v": ", ".join(DamageKind.values)}, field=f"{where}.kind"
            )
        note = mark.get("note") or ""
        if not isinstance(note, str) or len(note) > 200:
            raise DomainError(_("At most %(n)s characters.") % {"n": 200}, field=f"{where}.note")
        out.append({"x": round(float(x), 4), "y": round(float(y), 4), "kind": kind, "note": note.strip()})
    return out


# --- The wizard's steps -------------------------------------------------------------------------------


def missing(checkin: CheckIn, step: str) -> list[dict]:
    """What a step still needs before the check-in may move on: one entry per field."""
    errors = []
    if step == Step.PROTECT:
        labels = {
            "cover_seat": _("seat cover"),
            "cover_wheel": _("steering-wheel cover"),
            "cover_floor": _("floor mat"),
        }
        for name, label in labels.items():
            if not getattr(checkin, name):
                errors.append({"field": name, "message": _("Fit the %(item)s before anyone sits in the car.") % {"item": label}})  # fmt: skip
    elif step == Step.WALKAROUND:
        if checkin.fuel_level is None:
            errors.append({"field": "fuel_level", "message": _("Read the fuel gauge.")})
        if checkin.mileage_km is None:
            errors.append({"field": "mileage_km", "message": _("Read the odometer.")})
    elif step == Step.ORDER and checkin.repair_order_id is None:
        errors.append({"field": "complaint", "message": _("Open the repair order first.")})
    return errors


def _complete(checkin: CheckIn, step: str) -> list[dict]:
    """Move on past `step` if it and every step before it are done; else what is missing."""
    if step not in STEP_ORDER[:-1]:
        raise DomainError(_("Unknown step."), field="complete")
    errors = [e for s in STEP_ORDER[: STEP_ORDER.index(step) + 1] for e in missing(checkin, s)]
    if errors:
        return errors
    following = STEP_ORDER[STEP_ORDER.index(step) + 1]
    if STEP_ORDER.index(following) > STEP_ORDER.index(checkin.step):
        checkin.step = following
        checkin.save(update_fields=["step", "updated_at"])
    return []


def checkin_open_order(
    *, tenant: Tenant, checkin_id: int, complaint: str, promised_at: datetime | None = None,
    payment_method: str = "wechat", old_parts: str = "leave", free_wash: bool = True,
    preauth_amount=Decimal("0.00"), preauth_minutes: int = 0, work_class: str = "minor", version: int | None = None,
) -> CheckIn:  # fmt: skip
    """Open the repair order (任务委托书) from the check-in: the customer's own words, the mileage
    read at the walk-around, the appointment when there was one. A comeback is flagged by the
    workshop's rule."""
    tenant.require(Perm.RO_EDIT)
    with transaction.atomic():
        # The check-in and its vehicle's file in one statement: the order records the mileage.
        checkin = _draft(
            get_scoped(
                CheckIn.objects.select_for_update(of=("self", "vehicle"))
                .select_related("vehicle")
                .only(*_CHECKIN_FIELDS, *(f"vehicle__{f}" for f in Vehicle.MILEAGE_FIELDS)),
                tenant,
                pk=checkin_id,
            ),
            version,
        )
        if checkin.repair_order_id is not None:
            raise Conflict(_("The repair order of this check-in is already open."), field=None,
                           repair_order_id=checkin.repair_order_id)  # fmt: skip
        errors = missing(checkin, Step.PROTECT) + missing(checkin, Step.WALKAROUND)
        if errors:
            raise invalid(errors)
        order = repair_order_create(
            tenant=tenant, vehicle_id=checkin.vehicle_id, vehicle=checkin.vehicle, customer_id=checkin.customer_id,
            appointment_id=checkin.appointment_id, mileage_km=checkin.mileage_km, complaint=complaint,
            promised_at=promised_at, payment_method=payment_method, old_parts=old_parts, free_wash=free_wash,
            preauth_amount=preauth_amount, preauth_minutes=preauth_minutes, work_class=work_class,
            comeback=comeback_check(checkin),  # as found at the walk-around (no second query)
            savepoint=False,  # any error ends this transaction too
        )  # fmt: skip
        checkin.repair_order = order
        checkin.step = Step.SIGN
        checkin.version += 1
        checkin.updated_at = timezone.now()
        # The row is locked and was read within the tenancy: one UPDATE of the columns changed.
        CheckIn.objects.filter(pk=checkin.pk).update(
            repair_order_id=order.pk, step=Step.SIGN, comeback_of_id=checkin.comeback_of_id,
            comeback_km=checkin.comeback_km, version=checkin.version, updated_at=checkin.updated_at,
        )  # fmt: skip
    return checkin


def _decode_image(data_url: str, *, field: str, kinds=("png",), limit: int = MAX_SIGNATURE_BYTES) -> bytes:
    head, sep, payload = (data_url or "").partition(",")
    mime = head.removeprefix("data:").removesuffix(";base64")
    if (
        not sep
        or not head.startswith("data:image/")
        or not head.endswith(";base64")
        or mime.split("/")[1] not in (*kinds, "jpg")
    ):
        raise DomainError(_("Send the image as a data URL (data:image/png;base64,…)."), field=field)  # fmt: skip
    if len(payload) > limit * 4 // 3 + 4:
        raise DomainError(_("The image is too large."), field=field)
    try:
        return base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(_("The image is not valid base64."), field=field) from None


def checkin_sign(*, tenant: Tenant, checkin_id: int, data_url: str, version: int | None = None) -> CheckIn:
    """The customer signs the check-in sheet on the tablet (a PNG drawn on screen). Signed, the
    check-in is complete and no longer changes."""
    from PIL import Image, UnidentifiedImageError

    tenant.require(Perm.RO_EDIT)
    raw = _decode_image(data_url, field="signature")
    try:
        image = Image.open(io.BytesIO(raw))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError):
        raise DomainError(_("The signature is not a PNG image."), field="signature") from None
    if image.format != "PNG":
        raise DomainError(_("The signature is not a PNG image."), field="signature")
    if not (50 <= image.width <= 4000 and 20 <= image.height <= 2000):
        raise DomainError(_("The signature image has an unusual size."), field="signature")
    if _blank(image):
        raise DomainError(_("The customer has not signed yet."), field="signature")
    if isinstance(checkin_id, bool) or not isinstance(checkin_id, int):
        raise NotFound()  # before the file is stored (the UPDATE would find nothing after)
    # One statement signs it when it may be signed (a draft of this store with its order open, at
    # the version sent): signed, a check-in no longer changes, so the answer is read after it.
    field = CheckIn._meta.get_field("signature")
    name = field.storage.save(
        signature_path(CheckIn(store_id=tenant.store.id), "signature.png"), ContentFile(raw)
    )
    try:
        with transaction.atomic():  # the signature and its event (check_in.signed) together
            now = timezone.now()
            signed = _signable(tenant, checkin_id, version).update(
                signature=name, signed_at=now, step=Step.DONE, version=F("version") + 1, updated_at=now
            )
            if signed:
                checkin = get_scoped(
                    CheckIn.objects.select_related("repair_order").only(
                        *_CHECKIN_FIELDS,
                        "repair_order__id",
                        "repair_order__number",
                        "repair_order__comeback_of_id",
                    ),
                    tenant,
                    pk=checkin_id,
                )
                publish(
                    type="check_in.signed", store=tenant.store, subject=checkin, actor=tenant.user,
                    at=checkin.signed_at, payload={
                        "repair_order_id": checkin.repair_order_id, "repair_order_number": checkin.repair_order.number,
                        "vehicle_id": checkin.vehicle_id, "customer_id": checkin.customer_id,
                    },
                )  # fmt: skip
                return checkin
    except BaseException:
        field.storage.delete(name)
        raise
    field.storage.delete(name)
    with transaction.atomic():  # not signed: say why
        checkin = _lock(tenant, checkin_id, version, related=())
        if checkin.repair_order_id is None:
            raise DomainError(_("Open the repair order before the customer signs."), field="signature")
    raise stale_version(checkin.version)  # changed between the two (signed at this moment, say)


def _blank(image) -> bool:
    """No stroke at all: fully transparent, or one flat colour."""
    if "A" in image.getbands():
        alpha = image.getchannel("A")
        if alpha.getbbox() is None:
            return True
    extrema = image.convert("L").getextrema()
    return extrema[0] == extrema[1] and (
        "A" not in image.getbands() or image.getchannel("A").getextrema()[0] == 255
    )


# --- Photos -------------------------------------------------------------------------------------------


def photo_add(*, tenant: Tenant, checkin_id: int, content: bytes, caption: str = "") -> CheckInPhoto:
    """Add a walk-around photo. It is re-encoded as a JPEG of at most 1600 px a side, which also
    drops the EXIF data (the phone's GPS position among it)."""
    return photos_add(tenant=tenant, checkin_id=checkin_id, photos=[(content, caption)], fields=["photos"])[0]


def photos_add(
    *, tenant: Tenant, checkin_id: int, photos: list[tuple[bytes, str]], fields: list[str] | None = None
) -> list[CheckInPhoto]:
    """Add several walk-around photos, all or none. Each is decoded and re-encoded first (no
    transaction open: decoding takes time and memory) and its file stored; then one short
    transaction writes the rows. `fields` names each photo in the errors (photos.0, photos.1 …)."""
    tenant.require(Perm.RO_EDIT)
    fields = fields or [f"photos.{i}" for i in range(len(photos))]
    prepared = []
    for (content, caption), field in zip(photos, fields, strict=True):
        caption = (caption or "").strip()
        if len(caption) > 200:
            raise DomainError(_("At most %(n)s characters.") % {"n": 200}, field="caption")
        if len(content) > MAX_PHOTO_BYTES:
            raise DomainError(
                _("A photo may be at most %(mb)s MB.") % {"mb": MAX_PHOTO_BYTES // 1024 // 1024}, field=field
            )
        prepared.append((reencode_photo(content, field=field, edge=PHOTO_EDGE), caption))
    storage = CheckInPhoto._meta.get_field("image").storage
    names = []
    placeholder = CheckInPhoto(checkin=CheckIn(store_id=tenant.store.id))
    try:
        for jpeg, _caption in prepared:  # the files before the rows: nothing slow inside the transaction
            names.append(storage.save(photo_path(placeholder, "photo.jpg"), ContentFile(jpeg)))
        with transaction.atomic():
            checkin = _lock(tenant, checkin_id)
            if checkin.photo_count + len(prepared) > MAX_PHOTOS:
                raise DomainError(_("At most %(n)s photos per check-in.") % {"n": MAX_PHOTOS}, field="photos")
            now = timezone.now()
            added = [
                CheckInPhoto(checkin=checkin, caption=caption, at=now, by=tenant.user, image=name)
                for name, (_jpeg, caption) in zip(names, prepared, strict=True)
            ]
            for photo in added:
                photo.save()
            CheckIn.objects.filter(pk=checkin.pk).update(photo_count=F("photo_count") + len(added))
    except BaseException:
        for name in names:
            storage.delete(name)
        raise
    return added


def decode_data_url(data_url: str, *, field: str = "photos") -> bytes:
    """A photo sent as a data URL (JPEG, PNG or WebP), as bytes; DomainError on `field`."""
    return _decode_image(data_url, field=field, kinds=("png", "jpeg", "webp"), limit=MAX_PHOTO_BYTES)


def photo_add_data_url(*, tenant: Tenant, checkin_id: int, data_url: str, caption: str = "") -> CheckInPhoto:
    raw = decode_data_url(data_url)
    return photo_add(tenant=tenant, checkin_id=checkin_id, content=raw, caption=caption)


def photo_remove(*, tenant: Tenant, checkin_id: int, photo_id: int) -> None:
    tenant.require(Perm.RO_EDIT)
    with transaction.atomic():
        checkin = _lock(tenant, checkin_id)
        photo = checkin.photos.filter(pk=photo_id).first()
        if photo is None:
            from dms.core.errors import NotFound

            raise NotFound()
        name = photo.image.name
        storage = photo.image.storage
        photo.delete()
        CheckIn.objects.filter(pk=checkin.pk).update(photo_count=F("photo_count") - 1)
        transaction.on_commit(lambda: storage.delete(name))


def checkin_discard(*, tenant: Tenant, checkin_id: int) -> None:
    """Throw away a check-in that was started by mistake (no repair order open from it)."""
    tenant.require(Perm.RO_EDIT)
    with transaction.atomic():
        checkin = _lock(tenant, checkin_id)
        if checkin.repair_order_id is not None and checkin.repair_order.state != OrderState.CANCELLED:
            raise Conflict(_("A repair order is open from this check-in: finish it with the customer's signature."), field=None)  # fmt: skip
        names = [p.image.name for p in checkin.photos.all()]
        storage = CheckIn._meta.get_field("signature").storage
        checkin.delete()
        transaction.on_commit(lambda: [storage.delete(n) for n in names])
