"""Writes to the vehicle file: registration, changes, mileage, ownership, service history."""

import functools
from datetime import date, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core import sqltext
from dms.core.errors import DomainError, stale_version
from dms.core.models import Brand
from dms.core.roles import Perm
from dms.core.tenancy import Tenant, get_scoped
from dms.core.validation import Result, aware, collect, full_clean, invalid
from dms.customers.models import Customer
from dms.customers.segmentation import recompute_customer_tier

from .models import MileageReading, ServiceRecord, Vehicle, VehicleOwnership
from .rules import validate_plate, validate_vin

EDITABLE_FIELDS = (
    "vin", "plate", "brand_id", "brand", "model", "trim", "colour", "engine_no", "energy", "purchase_date",
    "registration_date", "selling_store_id", "usage", "insurance_company", "insurance_policy_no",
    "insurance_expiry", "inspection_due", "notes", "category",
)  # fmt: skip


def _apply(vehicle: Vehicle, tenant: Tenant, changes: dict) -> None:
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    errors: list[dict] = []
    for name, value in changes.items():
        if name != "brand":  # checked below
            setattr(vehicle, name, value.strip() if isinstance(value, str) else value)
    if "vin" in changes:
        vehicle.vin = collect(errors, validate_vin, vehicle.vin) or vehicle.vin
    if "plate" in changes and vehicle.plate:
        vehicle.plate = collect(errors, validate_plate, vehicle.plate) or vehicle.plate
    if "brand" in changes:  # a Brand the caller read (the API finds it by its name): checked, not read again
        brand = changes["brand"]
        if isinstance(brand, Brand) and brand.group_id == tenant.group_id:
            vehicle.brand = brand
        else:
            vehicle.brand = None
            errors.append({"field": "brand_id", "message": _("Choose one of your group's brands.")})
    elif "brand_id" in changes:  # the brand itself kept on the vehicle: its answer reads its name
        brand = Brand.objects.filter(pk=vehicle.brand_id, group_id=tenant.group_id).first()
        if brand is None:
            errors.append({"field": "brand_id", "message": _("Choose one of your group's brands.")})
        else:
            vehicle.brand = brand
    if changes.get("selling_store_id"):
        store = next((s for s in _group_stores(tenant) if s.pk == vehicle.selling_store_id), None)
        if store is None:
            errors.append({"field": "selling_store_id", "message": _("Choose one of your group's stores.")})
        else:
            vehicle.selling_store = store
    today = timezone.localdate()
    for name in ("purchase_date", "registration_date"):
        value = getattr(vehicle, name)
        if isinstance(value, date) and value > today:
            errors.append({"field": name, "message": _("This date cannot be in the future.")})
    if (
        vehicle.purchase_date
        and vehicle.registration_date
        and vehicle.registration_date < vehicle.purchase_date
    ):
        errors.append(
            {"field": "registration_date", "message": _("A car is registered on or after its purchase date.")}
        )
    full_clean(vehicle, exclude=("group", "owner", "brand", "selling_store", "vin_tail"), extra_errors=errors)
    vehicle.vin_tail = vehicle.vin[::-1]


def _group_stores(tenant: Tenant):
    from dms.core.models import Store

    return Store.objects.filter(group_id=tenant.group_id)


def duplicate_warnings(tenant: Tenant, vehicle: Vehicle) -> list[dict]:
    """The group's other vehicles with this VIN or this plate, in one read (there are rarely any):
    their VIN, plate and owner's name, what the warnings say. Plain SQL: the ORM's compiling of it
    cost registering a vehicle a twentieth of its Python (tests: test_api_vehicles.py, duplicates)."""
    same = "v.{vin} = %s OR v.{plate} = %s" if vehicle.plate else "v.{vin} = %s"
    params = [tenant.group_id, vehicle.pk, vehicle.vin, *([vehicle.plate] if vehicle.plate else [])]
    with connection.cursor() as cursor:
        cursor.execute(_duplicates_sql(same), params)
        others = cursor.fetchall()
    warnings = []
    same_vin = next((v for v in others if v[0] == vehicle.vin), None)
    if same_vin:
        warnings.append({"field": "vin", "message": _("This VIN is already in the file (%(plate)s, owner %(owner)s).")
                         % {"plate": same_vin[1] or "-", "owner": same_vin[2]}})  # fmt: skip
    if vehicle.plate:
        same_plate = next((v for v in others if v[1] == vehicle.plate), None)
        if same_plate:
            warnings.append({"field": "plate", "message": _("This plate is already in the file (owner %(owner)s).")
                             % {"owner": same_plate[2]}})  # fmt: skip
    return warnings


@functools.cache
def _duplicates_sql(same: str) -> str:
    """The statement for `same` (the VIN, or the VIN or the plate), made once."""
    col = sqltext.columns(Vehicle, "id", "group", "owner", "vin", "plate")
    owner = sqltext.columns(Customer, "id", "name")
    return (
        f"SELECT v.{col['vin']}, v.{col['plate']}, c.{owner['name']} "
        f"FROM {sqltext.table(Vehicle)} v INNER JOIN {sqltext.table(Customer)} c ON c.{owner['id']} = v.{col['owner']} "
        f"WHERE v.{col['group']} = %s AND v.{col['id']} <> %s AND ({same.format(**col)}) ORDER BY v.{col['id']}"
    )


def vehicle_create(*, tenant: Tenant, owner_id: int, mileage_km: int = 0, **fields) -> Result:
    """Register a vehicle to an owner, with its first mileage reading and ownership row."""
    tenant.require(Perm.VEHICLE_EDIT)
    # What registering reads of the owner: the tenancy's check.
    owner = get_scoped(Customer.objects.only("id", "group_id"), tenant, pk=owner_id)
    vehicle = Vehicle(group_id=tenant.group_id, owner=owner)
    fields.setdefault("vin", "")
    if "brand" not in fields:
        fields.setdefault("brand_id", None)
    fields.setdefault("model", "")
    errors = []
    if not isinstance(mileage_km, int) or mileage_km < 0 or mileage_km > 2_000_000:
        errors.append(
            {"field": "mileage_km", "message": _("Mileage is a whole number of km between 0 and 2,000,000.")}
        )
    try:
        _apply(vehicle, tenant, fields)
    except DomainError as exc:
        raise invalid(exc.errors + errors) from None
    if errors:
        raise invalid(errors)
    now = timezone.now()
    with transaction.atomic():
        vehicle.mileage_km, vehicle.mileage_read_at = mileage_km, now
        vehicle.save()
        MileageReading.objects.create(
            vehicle=vehicle,
            km=mileage_km,
            read_at=now,
            source=MileageReading.Source.REGISTRATION,
            by=tenant.user,
        )
        first = VehicleOwnership(
            vehicle=vehicle, customer=owner, started_on=vehicle.purchase_date or timezone.localdate()
        )
        first.audit_creation = False  # part of the vehicle's registration, whose entry says who and when
        first.save()
    return Result(vehicle, duplicate_warnings(tenant, vehicle))


def vehicle_update(
    *, tenant: Tenant, vehicle_id: int, version: int, mileage_km: int | None = None, **changes
) -> Result:
    tenant.require(Perm.VEHICLE_EDIT)
    with transaction.atomic():
        vehicle = get_scoped(Vehicle.objects.select_for_update(), tenant, pk=vehicle_id)
        if vehicle.version != version:
            raise stale_version(vehicle.version)
        _apply(vehicle, tenant, changes)
        vehicle.version += 1
        vehicle.save()
        if mileage_km is not None and mileage_km != vehicle.mileage_km:
            mileage_record_locked(vehicle, tenant, km=mileage_km, source=MileageReading.Source.CUSTOMER)
    warnings = duplicate_warnings(tenant, vehicle) if {"vin", "plate"} & set(changes) else []
    return Result(vehicle, warnings)


def mileage_record(
    *, tenant: Tenant, vehicle_id: int, km: int, source: str = MileageReading.Source.RECEPTION,
    read_at: datetime | None = None, correction: bool = False, note: str = "",
) -> MileageReading:  # fmt: skip
    """Record an odometer reading. It may not be lower than an earlier one (nor higher than a later
    one) unless it is a correction, which needs the permission and a reason."""
    tenant.require(Perm.VEHICLE_EDIT)
    if correction:
        tenant.require(Perm.MILEAGE_CORRECT)
    with transaction.atomic():
        vehicle = get_scoped(Vehicle.objects.select_for_update(), tenant, pk=vehicle_id)
        return mileage_record_locked(
            vehicle, tenant, km=km, source=source, read_at=read_at, correction=correction, note=note
        )


def mileage_check(vehicle, tenant, *, km, read_at=None, correction=False, note="") -> tuple[datetime, list]:
    """Whether a reading of `km` at `read_at` (now when None) may be recorded for the vehicle: its
    read time and the vehicle's readings read (km, read_at, is_correction), or DomainError. At most
    one query (none for a reading newer than the file's latest); nothing is written."""
    now = timezone.now()
    read_at = aware(read_at, tenant) or now
    if not isinstance(km, int) or isinstance(km, bool) or km < 0 or km > 2_000_000:
        raise DomainError(_("Mileage is a whole number of km between 0 and 2,000,000."), field="mileage_km")
    if read_at > now + timedelta(minutes=5):
        raise DomainError(_("A reading cannot be in the future."), field="read_at")
    if correction and not note.strip():
        raise DomainError(_("Say why the mileage is corrected."), field="note")
    latest_at = vehicle.mileage_read_at
    if not correction and latest_at is not None and latest_at <= read_at:
        # The usual case, a reading taken now: the file's copy of the newest reading decides alone
        # (no query). Within a series readings rise with time, so the newest is the highest before
        # this one, and none comes after it.
        _check_order(km, vehicle.mileage_km, None)
        return read_at, []
    readings = list(
        MileageReading.objects.filter(vehicle=vehicle).values_list("km", "read_at", "is_correction")
    )
    if correction:
        return read_at, readings
    # A correction starts a new series: the wrong readings before it bound nothing after it.
    fixes = [t for _km, t, fix in readings if fix]
    since = max((t for t in fixes if t <= read_at), default=None)
    until = min((t for t in fixes if t > read_at), default=None)
    window = [
        (k, t) for k, t, _fix in readings if (since is None or t >= since) and (until is None or t < until)
    ]
    before = max((k for k, t in window if t <= read_at), default=None)
    after = min((k for k, t in window if t > read_at), default=None)
    _check_order(km, before, after)
    return read_at, readings


def _check_order(km: int, before: int | None, after: int | None) -> None:
    """A reading lies between the readings before and after it (in time)."""
    if before is not None and km < before:
        raise DomainError(
            _("%(km)s km is less than the earlier reading of %(before)s km. Mileage never goes backwards; "
              "if the earlier reading was wrong, record a correction.") % {"km": f"{km:,}", "before": f"{before:,}"},
            field="mileage_km",
        )  # fmt: skip
    if after is not None and km > after:
        raise DomainError(
            _("%(km)s km is more than the later reading of %(after)s km.")
            % {"km": f"{km:,}", "after": f"{after:,}"},
            field="mileage_km",
        )


def mileage_record_locked(
    vehicle, tenant, *, km, source, read_at=None, correction=False, note=""
) -> MileageReading:
    """Record a reading on a vehicle the caller has locked (select_for_update)."""
    read_at, readings = mileage_check(
        vehicle, tenant, km=km, read_at=read_at, correction=correction, note=note
    )
    reading = MileageReading.objects.create(
        vehicle=vehicle, km=km, read_at=read_at, source=MileageReading.Source.CORRECTION if correction else source,
        is_correction=correction, note=note.strip()[:200], by=tenant.user,
    )  # fmt: skip
    # The newest reading: this one, unless one was taken later (ids are random: not an order).
    later = [(t, fix, k) for k, t, fix in readings if t > read_at]
    latest_at, _fix, latest_km = max(later, default=(read_at, correction, km))
    if (vehicle.mileage_km, vehicle.mileage_read_at) != (latest_km, latest_at):
        # The reading itself is the audited record of the change: the file's copy of the latest
        # reading is updated in place (no second audit entry for it).
        vehicle.mileage_km, vehicle.mileage_read_at, vehicle.updated_at = latest_km, latest_at, timezone.now()
        # The caller has the vehicle, locked, from within its tenancy.
        Vehicle.objects.filter(pk=vehicle.pk).update(
            mileage_km=latest_km, mileage_read_at=latest_at, updated_at=vehicle.updated_at
        )
    return reading


def vehicle_transfer(
    *, tenant: Tenant, vehicle_id: int, new_owner_id: int, on_date: date | None = None, note: str = ""
) -> Vehicle:
    """Change the owner. The old owner keeps the history of their time with the car."""
    tenant.require(Perm.VEHICLE_TRANSFER)
    on_date = on_date or timezone.localdate()
    with transaction.atomic():
        vehicle = get_scoped(Vehicle.objects.select_for_update(), tenant, pk=vehicle_id)
        new_owner = get_scoped(Customer.objects, tenant, pk=new_owner_id)
        if new_owner.pk == vehicle.owner_id:
            raise DomainError(_("This customer already owns the vehicle."), field="new_owner_id")
        if on_date > timezone.localdate():
            raise DomainError(_("The transfer date cannot be in the future."), field="on_date")
        current = VehicleOwnership.objects.filter(vehicle=vehicle, ended_on__isnull=True).first()
        if current and on_date < current.started_on:
            raise DomainError(
                _("The transfer date is before the current owner's start (%(d)s).")
                % {"d": current.started_on},
                field="on_date",
            )
        old_owner = vehicle.owner
        if current:
            current.ended_on = on_date
            current.save(update_fields=["ended_on"])
        VehicleOwnership.objects.create(
            vehicle=vehicle, customer=new_owner, started_on=on_date, note=note[:200]
        )
        vehicle.owner = new_owner
        vehicle.version += 1
        vehicle.save(update_fields=["owner", "version", "updated_at"])
        recompute_customer_tier(old_owner)
        recompute_customer_tier(new_owner)
    return vehicle


def service_record_add(
    *, tenant: Tenant, vehicle_id: int, date: date, mileage_km: int, kind: str, summary: str,
    amount_paid=0, amount_covered=0, reference: str = "",
) -> ServiceRecord:  # fmt: skip
    """Add a visit to the vehicle's history (with its owner of the time) and recompute the tier."""
    tenant.require(Perm.VEHICLE_EDIT)
    return service_record_write(
        tenant=tenant, vehicle_id=vehicle_id, date=date, mileage_km=mileage_km, kind=kind, summary=summary,
        amount_paid=amount_paid, amount_covered=amount_covered, reference=reference,
    )  # fmt: skip


def service_record_write(
    *, tenant: Tenant, vehicle_id: int, date: date, mileage_km: int, kind: str, summary: str,
    amount_paid=0, amount_covered=0, reference: str = "", date_in: date | None = None, repair_days: int = 0,
    faults=(), replaced_systems=(),
) -> ServiceRecord:  # fmt: skip
    """The history entry a settled repair order writes: the step's own permission (settling) was
    checked by the workflow, so the cashier need not be allowed to edit vehicles. `date_in`,
    `repair_days`, `faults` and `replaced_systems` are what the 三包 counters count (sanbao.py)."""
    with transaction.atomic():
        vehicle = get_scoped(Vehicle.objects.select_for_update(), tenant, pk=vehicle_id)
        record = ServiceRecord(
            vehicle=vehicle, customer_id=_owner_on(vehicle, date), store=tenant.store, date=date,
            mileage_km=mileage_km, kind=kind, summary=summary, amount_paid=amount_paid,
            amount_covered=amount_covered, reference=reference, date_in=date_in, repair_days=repair_days,
            faults=list(faults), replaced_systems=list(replaced_systems),
        )  # fmt: skip
        errors = []
        if date > timezone.localdate():
            errors.append({"field": "date", "message": _("This date cannot be in the future.")})
        full_clean(record, exclude=("vehicle", "customer", "store"), extra_errors=errors)
        record.save()
        recompute_customer_tier(record.customer)
    return record


def _owner_on(vehicle: Vehicle, day) -> int:
    """Who owned the vehicle on `day`: a visit belongs to the owner of its time, even entered later."""
    owner_id = None
    for customer_id, started_on in (
        VehicleOwnership.objects.filter(vehicle=vehicle)
        .order_by("started_on", "id")
        .values_list("customer_id", "started_on")
    ):
        if owner_id is None or started_on <= day:
            owner_id = customer_id
    return owner_id or vehicle.owner_id
