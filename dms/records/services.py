"""Writes of the records app: building a settled order's record, queueing it again, the store's
platform settings."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import Conflict, DomainError
from dms.core.roles import Perm
from dms.core.tenancy import Tenant, get_scoped
from dms.workshop.models import RepairOrder

from . import platform
from .build import local_date, record_data
from .models import TOKEN_PATH, UPLOAD_PATH, PlatformSettings, RepairRecord, UploadAttempt, UploadState


def _wake() -> None:
    from dms.messaging import tasks

    transaction.on_commit(tasks.wake)


def record_build(*, order: RepairOrder) -> RepairRecord:
    """The record of a settled order, inside the settle step's transaction: queued for upload when
    the store has an active platform, else kept for upload by hand. Built once per order (an event
    handled twice builds nothing twice)."""
    existing = RepairRecord.objects.filter(order_id=order.pk).first()
    if existing is not None:
        return existing
    config = PlatformSettings.objects.filter(store_id=order.store_id, active=True).only("pk").first()
    now = timezone.now()
    record = RepairRecord.objects.create(
        store_id=order.store_id, order=order, vehicle_id=order.vehicle_id, vin=order.vin or order.vehicle.vin,
        plate=order.plate or order.vehicle.plate, settlement_number=order.settlement_number,
        certificate_number=order.certificate_number, settled_on=local_date(order, order.settled_at or now),
        data=record_data(order),
        state=UploadState.PENDING if config else UploadState.MANUAL,
        next_attempt_at=now if config else None,
    )  # fmt: skip
    if config:
        _wake()
    return record


RETRYABLE = (UploadState.FAILED, UploadState.MANUAL)


def record_retry(*, tenant: Tenant, record_id: int) -> RepairRecord:
    """Queue a failed record (or one kept for upload by hand, once the store has a platform) again:
    attempts start over, the worker takes it at once. 409 for a record uploaded or queued already,
    or while the store has no active platform."""
    tenant.require(Perm.RECORD_MANAGE)
    with transaction.atomic():
        record = get_scoped(RepairRecord.objects.select_for_update(), tenant, pk=record_id)
        if record.state not in RETRYABLE:
            raise Conflict(
                _("Only a failed record can be uploaded again; this one is “%(s)s”.")
                % {"s": record.get_state_display()},
                state=record.state,
            )
        if not PlatformSettings.objects.filter(store_id=record.store_id, active=True).exists():
            raise Conflict(
                _(
                    "Set the store's platform first (address, company code, password) and switch automatic "
                    "upload on: nothing to upload to."
                ),
                state=record.state,
            )
        now = timezone.now()
        record.state, record.attempts, record.next_attempt_at = UploadState.PENDING, 0, now
        record.reason, record.claimed_until, record.claimed_by = "", None, ""
        record.save(update_fields=["state", "attempts", "next_attempt_at", "reason", "claimed_until", "claimed_by",
                                   "updated_at"])  # fmt: skip
        UploadAttempt.objects.create(
            record=record, at=now, outcome=UploadAttempt.Outcome.RETRIED, by=tenant.user
        )
        _wake()
    return record


def records_mark_exported(*, records: list[RepairRecord]) -> None:
    RepairRecord.objects.filter(pk__in=[r.pk for r in records]).update(exported_at=timezone.now())


# --- The store's platform ---------------------------------------------------------------------------

_URL = URLValidator(schemes=["http", "https"])


def _path(value, field: str, default: str) -> str:
    value = (value or "").strip() or default
    if not value.startswith("/") or len(value) > 200 or any(c in value for c in " ?#\\"):
        raise DomainError(_("A path such as %(p)s (starting with /, at most 200 characters).") % {"p": default},
                          field=field)  # fmt: skip
    return value


def platform_settings_save(
    *, tenant: Tenant, base_url: str, company_code: str, password: str | None = None, active: bool = True,
    token_path: str | None = None, upload_path: str | None = None,
) -> PlatformSettings:  # fmt: skip
    """Set the current store's platform. `password` left out (None or "") keeps the one set before;
    the first setting needs one. The cached access token is dropped when anything changes."""
    tenant.require(Perm.RECORD_MANAGE)
    base_url = (base_url or "").strip()
    company_code = (company_code or "").strip()
    errors = []
    try:
        _URL(base_url)
    except ValidationError:
        errors.append({"field": "base_url", "message": _("Enter an http:// or https:// URL.")})
    else:
        if len(base_url) > 300:
            errors.append({"field": "base_url", "message": _("At most %(n)s characters.") % {"n": 300}})
        elif urlsplit(base_url).query or urlsplit(base_url).fragment:
            errors.append({"field": "base_url", "message": _("The address without ? or #.")})
        else:
            unsafe = platform.literal_unsafe(base_url)
            if unsafe:
                errors.append({"field": "base_url", "message": unsafe})
    if not company_code or len(company_code) > 50:
        errors.append(
            {
                "field": "company_code",
                "message": _("The company code the platform gave (at most 50 characters)."),
            }
        )
    if password is not None and len(password) > 200:
        errors.append({"field": "password", "message": _("At most %(n)s characters.") % {"n": 200}})
    paths = {}
    for field, value, default in (
        ("token_path", token_path, TOKEN_PATH),
        ("upload_path", upload_path, UPLOAD_PATH),
    ):
        try:
            paths[field] = _path(value, field, default)
        except DomainError as exc:
            errors.extend(exc.errors)
    with transaction.atomic():
        config = PlatformSettings.objects.select_for_update().filter(store=tenant.store).first()
        if config is None and not password:
            errors.append({"field": "password", "message": _("Enter the password the platform gave.")})
        if errors:
            raise DomainError(
                errors[0]["message"] if len(errors) == 1 else _("Please correct the marked fields."),
                errors=errors,
            )
        config = config or PlatformSettings(store=tenant.store)
        config.base_url, config.company_code, config.active = base_url, company_code, bool(active)
        config.token_path, config.upload_path = paths["token_path"], paths["upload_path"]
        if password:
            config.password = password
        config.access_token, config.access_token_expires_at = "", None
        config.updated_by = tenant.user
        config.save()
    return config
