"""The demo packages: by brand, on the group's own catalogue, and loaded twice without harm."""

import pytest

from dms.core.models import Brand
from dms.demo.packages import load_demo_packages
from dms.packages.models import CannedJob, MaintenancePackage, PackageItem
from dms.packages.selectors import fitting
from dms.parts.models import Part
from dms.workshop.models import LaborOperation

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_brands(group, brand):
    return {
        b: Brand.objects.get_or_create(group=group, name=b)[0] for b in ("东风本田", "广汽丰田", "比亚迪")
    }


def test_the_demo_packages_are_made_once_on_the_groups_own_catalogue(
    group, demo_brands, oil_change, oil_filter
):
    first = load_demo_packages(group=group)
    again = load_demo_packages(group=group)

    assert first == again == {"maintenance_packages": 17, "canned_jobs": 11}
    assert MaintenancePackage.objects.filter(group=group).count() == 17
    assert CannedJob.objects.filter(group=group).count() == 11
    # the group's existing oil change (M10 更换机油机滤) and oil filter (15400-RTA-003) are used, not copied
    assert LaborOperation.objects.filter(group=group, name="更换机油机滤").count() == 1
    assert Part.objects.filter(group=group, number="15400-RTA-003").count() == 1
    assert PackageItem.objects.filter(labor_operation=oil_change).exists()
    assert PackageItem.objects.filter(part=oil_filter).exists()


def test_a_cr_v_gets_its_own_40000_km_service_and_an_electric_byd_the_electric_ones(
    group, demo_brands, tenant, customer
):
    from types import SimpleNamespace

    load_demo_packages(group=group)
    cr_v = SimpleNamespace(brand_id=demo_brands["东风本田"].pk, model="CR-V", energy="petrol")
    dolphin = SimpleNamespace(brand_id=demo_brands["比亚迪"].pk, model="海豚", energy="bev")

    cr_v_names = sorted(p.name for p in fitting(MaintenancePackage.objects.all(), cr_v, tenant))
    dolphin_names = sorted(p.name for p in fitting(MaintenancePackage.objects.all(), dolphin, tenant))

    assert (
        "CR-V 40,000 km 保养（大保养，含 CVT 油）" in cr_v_names
        and "40,000 km 保养（大保养）" not in cr_v_names
    )
    assert len(cr_v_names) == 4
    assert dolphin_names and all(n.startswith("纯电") for n in dolphin_names)
