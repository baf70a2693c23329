"""This app's part of the cross-group walks (tests/test_tenancy_api.py, tests/test_tenancy_pages.py).

RECORDS: path parameter name -> function(world) returning the id of a record of that world
(world: tests.test_tenancy_api.World; its helpers appointment(), part(), repair_order(),
order_line() build the usual records). BODIES: (method, path) -> function(world) returning a body.
PATH_VALUES: parameter name -> function(path) returning a fixed value.
page_ids(vehicle, manager_tenant) -> {namespace or parameter name: value} for the page walk.
"""

from decimal import Decimal


def _labor(world):
    from dms.workshop.models import LaborOperation

    if "packages_labor" not in world.built:
        world.built["packages_labor"] = LaborOperation.objects.create(
            group_id=world.tenant.group_id, code=f"PK-{world.tenant.store.code}", name="更换机油机滤",
            standard_hours=Decimal("0.8"),
        )  # fmt: skip
    return world.built["packages_labor"]


def maintenance_package(world) -> int:
    """A 10,000 km package for the world's brand: an oil change and the world's part."""
    from dms.packages.models import MaintenancePackage, PackageItem
    from tests.test_tenancy_api import part

    if "package" not in world.built:
        package = MaintenancePackage.objects.create(
            group_id=world.tenant.group_id, brand=world.vehicle.brand, name="10,000 km 保养", interval_km=10_000,
            interval_months=6,
        )  # fmt: skip
        PackageItem.objects.create(package=package, labor_operation=_labor(world), quantity=1)
        PackageItem.objects.create(package=package, part_id=part(world), quantity=1)
        world.built["package"] = package.pk
    return world.built["package"]


def canned_job(world) -> int:
    from dms.packages.models import CannedJob, CannedJobItem
    from tests.test_tenancy_api import part

    if "canned_job" not in world.built:
        job = CannedJob.objects.create(group_id=world.tenant.group_id, code="CJ01", name="前刹车片更换套餐")
        CannedJobItem.objects.create(job=job, labor_operation=_labor(world), quantity=1)
        CannedJobItem.objects.create(job=job, part_id=part(world), quantity=1)
        world.built["canned_job"] = job.pk
    return world.built["canned_job"]


def declined_line(world) -> int:
    """An item the customer declined at an earlier, delivered visit of the world's vehicle."""
    from dms.workshop.models import LineState, RepairOrder, RepairOrderLine
    from dms.workshop.services import repair_order_create

    if "declined_line" not in world.built:
        world.vehicle.refresh_from_db()
        earlier = repair_order_create(
            tenant=world.tenant,
            vehicle_id=world.vehicle.pk,
            mileage_km=world.vehicle.mileage_km,
            complaint="保养",
        )
        line = RepairOrderLine.objects.create(
            order=earlier, kind="labor", description="更换前刹车片", quantity=1, unit_price=Decimal("300.00"),
            amount=Decimal("300.00"), state=LineState.DECLINED,
        )  # fmt: skip
        RepairOrder.objects.filter(pk=earlier.pk).update(state="delivered")
        world.built["declined_line"] = line.pk
    return world.built["declined_line"]


def _onto_order(world) -> dict:
    from tests.test_tenancy_api import repair_order

    return {"order_id": repair_order(world)}


RECORDS: dict = {
    "package_id": maintenance_package,
    "canned_job_id": canned_job,
    "declined_line_id": declined_line,
}
BODIES: dict = {
    ("POST", "/maintenance-packages/{package_id}/apply"): _onto_order,
    ("POST", "/canned-jobs/{canned_job_id}/apply"): _onto_order,
    ("POST", "/recommendations/{declined_line_id}/accept"): _onto_order,
}
PATH_VALUES: dict = {}


def page_ids(vehicle, manager) -> dict:
    """The order pages' "add to the order" forms take our group's repair order."""
    from dms.workshop.models import RepairOrder

    order = RepairOrder.objects.filter(vehicle=vehicle).order_by("opened_at", "pk").first()
    return {"order_id": order.pk} if order else {}
