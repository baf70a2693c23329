"""Reads of the vehicle file."""

import re

from dms.core.tenancy import Tenant, get_scoped

from .models import MileageReading, ServiceRecord, Vehicle


def _base():
    return Vehicle.objects.select_related("brand", "owner", "selling_store")


def vehicle_get(tenant: Tenant, vehicle_id) -> Vehicle:
    return get_scoped(_base(), tenant, pk=vehicle_id)


def vehicle_list(
    tenant: Tenant, *, q: str = "", limit: int = 50, offset: int = 0
) -> tuple[int, list[Vehicle]]:
    qs = _base().for_tenant(tenant)
    q = re.sub(r"[\s·\-]", "", q or "").upper()
    if q:
        if len(q) == 17:
            qs = qs.filter(vin=q)
        elif q.isalnum() and q.isascii() and len(q) >= 4 and any(c.isdigit() for c in q):
            from django.db.models import Q

            qs = qs.filter(Q(plate__contains=q) | Q(vin_tail__startswith=q[::-1]))
        else:
            qs = qs.filter(plate__contains=q)
    count = qs.count()
    return count, list(qs.order_by("plate", "pk")[offset : offset + limit])


def mileage_history(tenant: Tenant, vehicle_id) -> list[MileageReading]:
    vehicle = get_scoped(Vehicle.objects, tenant, pk=vehicle_id)
    return list(MileageReading.objects.filter(vehicle=vehicle).select_related("by")[:500])


def service_history(tenant: Tenant, vehicle_id) -> list[ServiceRecord]:
    vehicle = get_scoped(Vehicle.objects, tenant, pk=vehicle_id)
    return list(ServiceRecord.objects.filter(vehicle=vehicle).select_related("store")[:500])
