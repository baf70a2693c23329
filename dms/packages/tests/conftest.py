"""A store's maintenance schedule for 东风本田 and a canned job, on the workshop's fixtures."""

from datetime import date
from decimal import Decimal

import pytest

from dms.packages.models import CannedJob, CannedJobItem, MaintenancePackage, PackageItem
from dms.parts.models import Part
from dms.workshop.models import LaborOperation
from dms.workshop.tests.conftest import *  # noqa: F403  (the workshop's people and catalogue)


@pytest.fixture
def catalogue(group, oil_change):
    """Labor at the store's 300.00 an hour; parts at their prices."""
    return {
        "oil_change": oil_change,  # 0.8 h
        "check": LaborOperation.objects.create(group=group, code="M02", name="多项目检查", standard_hours=Decimal("0.3")),
        "filters": LaborOperation.objects.create(group=group, code="M03", name="更换空滤空调滤", standard_hours=Decimal("0.5")),
        "pads_labor": LaborOperation.objects.create(group=group, code="B01", name="更换前刹车片", standard_hours=Decimal("1.0")),
        "oil": Part.objects.create(group=group, number="08232-P99", name="机油 0W-20", unit="l", price=Decimal("78.00")),
        "filter": Part.objects.create(group=group, number="15400-RTA", name="机油滤清器", price=Decimal("68.00")),
        "air": Part.objects.create(group=group, number="17220-5BA", name="空气滤清器", price=Decimal("128.00")),
        "pads": Part.objects.create(group=group, number="45022-TBA", name="前刹车片", unit="set", price=Decimal("560.00")),
    }  # fmt: skip


def make_package(group, brand, name, km, months, items, **extra) -> MaintenancePackage:
    package = MaintenancePackage.objects.create(
        group=group, brand=brand, name=name, interval_km=km, interval_months=months, **extra
    )
    for i, (what, qty) in enumerate(items):
        field = "labor_operation" if isinstance(what, LaborOperation) else "part"
        PackageItem.objects.create(package=package, position=i, quantity=Decimal(qty), **{field: what})
    return package


@pytest.fixture
def schedule(group, brand, catalogue):
    """首保 at 5,000 km; 10,000 km or 6 months; 20,000 km or 12 months (adds the air filter)."""
    c = catalogue
    oil = [(c["oil_change"], "1"), (c["oil"], "4"), (c["filter"], "1"), (c["check"], "1")]
    return {
        "first": make_package(group, brand, "首次保养 5,000 km", 5_000, 6, oil, first_only=True),
        "10k": make_package(group, brand, "10,000 km 保养", 10_000, 6, oil),
        "20k": make_package(group, brand, "20,000 km 保养", 20_000, 12, oil + [(c["filters"], "1"), (c["air"], "1")]),
    }  # fmt: skip


@pytest.fixture
def brake_job(group, catalogue):
    job = CannedJob.objects.create(group=group, code="CJ01", name="前刹车片更换套餐")
    CannedJobItem.objects.create(job=job, labor_operation=catalogue["pads_labor"], quantity=1, position=0)
    CannedJobItem.objects.create(job=job, part=catalogue["pads"], quantity=1, position=1)
    return job


@pytest.fixture
def order(people, vehicle):
    """A draft repair order of 粤B12345 (思域, 12,000 km), opened by the service advisor."""
    from dms.workshop.services import repair_order_create

    return repair_order_create(tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=12000, complaint="保养")


def bought(vehicle, day: date) -> None:
    type(vehicle).objects.filter(pk=vehicle.pk).update(purchase_date=day)
    vehicle.refresh_from_db()
