"""Writes: applying a maintenance package or a canned job to a repair order, and taking up an item
the customer declined at an earlier visit. The lines go through dms.workshop.services.line_add
(prices from the store's labor rate and the parts' prices); all of a package's lines or none."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import Conflict, DomainError, NotFound, stale_version
from dms.core.roles import Perm
from dms.core.tenancy import Tenant, get_scoped
from dms.workshop import workflow
from dms.workshop.models import LineState, RepairOrder, RepairOrderLine, State
from dms.workshop.services import line_add

from .models import (
    Application,
    CannedJob,
    CannedJobItem,
    MaintenancePackage,
    PackageItem,
    Powertrain,
    powertrain_of,
)
from .selectors import _items, _key, item_line


def _lock_order(tenant: Tenant, order_id: int, version: int | None) -> RepairOrder:
    order = get_scoped(RepairOrder.objects.select_for_update(of=("self",)), tenant, pk=order_id)
    if version is not None and version != order.version:
        raise stale_version(order.version)
    return order


def _fit_errors(package: MaintenancePackage, order: RepairOrder) -> list[dict]:
    vehicle = order.vehicle
    fits = (
        (package.brand_id is None or package.brand_id == vehicle.brand_id)
        and (not package.model or package.model.casefold() == vehicle.model.casefold())
        and package.powertrain in (Powertrain.ANY, powertrain_of(vehicle.energy))
    )
    if fits:
        return []
    message = _("This package is for %(fits)s; the vehicle is a %(vehicle)s.") % {
        "fits": " ".join(x for x in (package.fits, package.get_powertrain_display() if package.powertrain != Powertrain.ANY else "") if x),
        "vehicle": f"{vehicle.brand.name} {vehicle.model}",
    }  # fmt: skip
    return [{"field": "package_id", "message": message}]


def _add_items(tenant: Tenant, order: RepairOrder, record, field: str) -> list[int]:
    lines = [item_line(i, order.store.labor_rate) for i in record.items.all()]
    if not lines:
        raise DomainError(_("“%(name)s” has no items yet: ask an administrator to complete it.") % {"name": record.name},
                          field=field)  # fmt: skip
    retired = [ln.code for ln in lines if not ln.active]
    if retired:
        raise DomainError(
            _("“%(name)s” uses retired items (%(codes)s): ask an administrator to update it.")
            % {"name": record.name, "codes": "、".join(retired)},
            field=field,
        )
    ids = []
    for ln in lines:
        added = line_add(
            tenant=tenant, order_id=order.pk, kind=ln.kind, quantity=ln.quantity,
            labor_operation_id=ln.labor_operation_id, part_id=ln.part_id,
        )  # fmt: skip
        ids.append(added.pk)
    return ids


def _apply(tenant, order_id, version, record, *, field: str, check=None) -> Application:
    tenant.require(Perm.RO_EDIT)
    with transaction.atomic():
        order = _lock_order(tenant, order_id, version)
        order = RepairOrder.objects.select_related("vehicle__brand", "store").get(pk=order.pk)
        errors = check(order) if check else []
        if errors:
            raise DomainError(errors[0]["message"], errors=errors)
        kind = "package" if isinstance(record, MaintenancePackage) else "canned_job"
        if Application.objects.filter(order=order, **{kind: record}).exists():
            raise Conflict(_("“%(name)s” is on this order already.") % {"name": record.name}, field=field)
        ids = _add_items(tenant, order, record, field)
        applied = Application.objects.create(
            order=order, lines=ids, at=timezone.now(), by=tenant.user, **{kind: record}
        )
        workflow.record(order, tenant, f"{kind.replace('_', '-')}-apply", reason=record.name,
                        data={kind: record.pk, "name": record.name, "lines": ids})  # fmt: skip
    return applied


def package_apply(
    *, tenant: Tenant, order_id: int, package_id: int, version: int | None = None
) -> Application:
    """Add a maintenance package's labor and parts to the order, priced now."""
    package = get_scoped(
        MaintenancePackage.objects.filter(active=True)
        .select_related("brand")
        .prefetch_related(_items(PackageItem)),
        tenant,
        pk=package_id,
    )
    return _apply(tenant, order_id, version, package, field="package_id",
                  check=lambda order: _fit_errors(package, order))  # fmt: skip


def canned_job_apply(
    *, tenant: Tenant, order_id: int, canned_job_id: int, version: int | None = None
) -> Application:
    """Add a canned job's labor and parts to the order, priced now."""
    job = get_scoped(
        CannedJob.objects.filter(active=True).select_related("brand").prefetch_related(_items(CannedJobItem)),
        tenant,
        pk=canned_job_id,
    )

    def check(order):
        if job.brand_id and job.brand_id != order.vehicle.brand_id:
            message = _("This canned job is for %(brand)s; the vehicle is a %(vehicle)s.") % {
                "brand": job.brand.name, "vehicle": f"{order.vehicle.brand.name} {order.vehicle.model}"}  # fmt: skip
            return [{"field": "canned_job_id", "message": message}]
        return []

    return _apply(tenant, order_id, version, job, field="canned_job_id", check=check)


def recommendation_accept(
    *, tenant: Tenant, order_id: int, line_id: int, version: int | None = None
) -> RepairOrderLine:
    """The customer takes up an item declined at an earlier visit: it is added to this order again,
    at today's labor rate or part price."""
    tenant.require(Perm.RO_EDIT)
    with transaction.atomic():
        order = _lock_order(tenant, order_id, version)
        earlier = (
            RepairOrderLine.objects.filter(
                pk=line_id, order__store__group_id=tenant.group_id, order__vehicle_id=order.vehicle_id,
                state=LineState.DECLINED,
            )
            .exclude(order=order)
            .exclude(order__state=State.CANCELLED)
            .select_related("order")
            .first()
            if isinstance(line_id, int)
            else None
        )  # fmt: skip
        if earlier is None:  # not an item declined at an earlier visit of this vehicle
            raise NotFound()
        key = _key({"labor_operation_id": earlier.labor_operation_id, "part_id": earlier.part_id,
                    "description": earlier.description})  # fmt: skip
        on_order = order.lines.exclude(state=LineState.DECLINED).values(
            "labor_operation_id", "part_id", "description"
        )
        if any(_key(ln) == key for ln in on_order):
            raise Conflict(
                _("“%(name)s” is on this order already.") % {"name": earlier.description}, field="line_id"
            )
        catalogued = bool(earlier.labor_operation_id or earlier.part_id)
        line = line_add(
            tenant=tenant, order_id=order.pk, kind=earlier.kind, description=earlier.description,
            quantity=earlier.quantity, unit_price=None if catalogued else earlier.unit_price,
            labor_operation_id=earlier.labor_operation_id, part_id=earlier.part_id,
        )  # fmt: skip
        workflow.record(order, tenant, "recommendation-accept", reason=f"{earlier.description} ({earlier.order.number})",
                        data={"line": line.pk, "declined_line": earlier.pk, "declined_on": earlier.order.number})  # fmt: skip
    return line
