"""Reads of the records app: the store's records by upload state and month, one record, what the
repair order page and the owner's page show."""

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import DomainError
from dms.core.roles import Perm
from dms.core.tenancy import Tenant, get_scoped

from .models import PlatformSettings, RepairRecord, UploadState


def month_bounds(month: str) -> tuple[date, date]:
    """The first day of YYYY-MM and the first day of the month after."""
    try:
        year, number = (int(x) for x in (month or "").split("-"))
        first = date(year, number, 1)
    except (TypeError, ValueError):
        raise DomainError(_("A month as YYYY-MM, e.g. 2026-05."), field="month") from None
    following = date(year + 1, 1, 1) if number == 12 else date(year, number + 1, 1)
    return first, following


def this_month() -> str:
    return timezone.localdate().strftime("%Y-%m")


def records(tenant: Tenant, *, state: str | None = None, month: str | None = None, q: str = "") -> QuerySet:
    """The current store's records, newest settlement first; `month` (YYYY-MM) of settlement."""
    qs = RepairRecord.objects.for_tenant(tenant).select_related("order")
    if state:
        if state not in UploadState.values:
            raise DomainError(
                _("Choose one of: %(v)s.") % {"v": ", ".join(UploadState.values)}, field="state"
            )
        qs = qs.filter(state=state)
    if month:
        first, following = month_bounds(month)
        qs = qs.filter(settled_on__gte=first, settled_on__lt=following)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(plate__icontains=q) | Q(vin__icontains=q) | Q(settlement_number__icontains=q))
    return qs.order_by("-settled_on", "-created_at", "-id")


def record_get(tenant: Tenant, record_id: int) -> RepairRecord:
    tenant.require(Perm.RO_VIEW)
    return get_scoped(RepairRecord.objects.select_related("order", "store"), tenant, pk=record_id)


def counts(tenant: Tenant) -> dict[str, int]:
    """How many of the store's records are in each upload state (one query)."""
    rows = RepairRecord.objects.for_tenant(tenant).values("state").annotate(n=Count("id"))
    found = {r["state"]: r["n"] for r in rows}
    return {state: found.get(state, 0) for state in UploadState.values}


def platform_settings(tenant: Tenant) -> PlatformSettings | None:
    return PlatformSettings.objects.filter(store=tenant.store).first()


def for_order(tenant: Tenant, order) -> dict | None:
    """The repair order page's card (dms.workshop.extensions): the record of a settled order and its
    upload; nothing before settlement."""
    if order is None or not order.settlement_number:
        return None
    record = RepairRecord.objects.filter(order_id=order.pk, store_id=tenant.store.id).first()
    if record is None:
        return None
    from .links import owner_url

    return {
        "repair_record": record,
        "repair_record_can_retry": tenant.can(Perm.RECORD_MANAGE) and record.state in ("failed", "manual"),
        "repair_record_owner_url": owner_url(record),
    }


def vehicle_history(record: RepairRecord) -> list[RepairRecord]:
    """The car's records in its dealer group up to this one (never a later one: see links.py)."""
    return list(
        RepairRecord.objects.filter(vehicle_id=record.vehicle_id, store__group_id=record.store.group_id)
        .filter(
            Q(settled_on__lt=record.settled_on)
            | Q(settled_on=record.settled_on, created_at__lt=record.created_at)
        )
        .select_related("store")
        .order_by("-settled_on", "-created_at")[:50]
    )
