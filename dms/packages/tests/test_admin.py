"""Administrators keep the packages in the admin, with their own group's catalogue only."""

import pytest
from django.test import Client

from conftest import make_user
from dms.core.roles import Role
from dms.packages.models import MaintenancePackage, PackageItem
from dms.workshop.models import LaborOperation

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(store):
    c = Client()
    c.force_login(make_user("admin", store, Role.ADMINISTRATOR, is_staff=True))
    return c


def test_an_administrator_adds_a_package_with_items_of_the_groups_catalogue(admin_client, group, brand, catalogue,
                                                                           other_group):  # fmt: skip
    LaborOperation.objects.create(group=other_group, code="X1", name="外人的工时", standard_hours=1)
    form = admin_client.get("/admin/packages/maintenancepackage/add/").content.decode()
    assert "更换机油机滤" in form and "外人的工时" not in form

    r = admin_client.post("/admin/packages/maintenancepackage/add/", {
        "brand": brand.pk, "model": "", "powertrain": "any", "name": "10,000 km 保养", "interval_km": "10000",
        "interval_months": "6", "active": "on", "notes": "",
        "items-TOTAL_FORMS": "2", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "1000",
        "items-0-position": "0", "items-0-labor_operation": catalogue["oil_change"].pk, "items-0-quantity": "1",
        "items-1-position": "1", "items-1-part": catalogue["filter"].pk, "items-1-quantity": "1",
    })  # fmt: skip

    assert r.status_code == 302, r.content.decode()[:2000]
    package = MaintenancePackage.objects.get()
    assert package.group == group and PackageItem.objects.filter(package=package).count() == 2


def test_an_item_naming_both_a_labor_operation_and_a_part_is_refused(admin_client, brand, catalogue):
    r = admin_client.post("/admin/packages/maintenancepackage/add/", {
        "brand": brand.pk, "powertrain": "any", "name": "坏套餐", "interval_km": "10000", "interval_months": "6",
        "items-TOTAL_FORMS": "1", "items-INITIAL_FORMS": "0", "items-MIN_NUM_FORMS": "0", "items-MAX_NUM_FORMS": "1000",
        "items-0-position": "0", "items-0-labor_operation": catalogue["oil_change"].pk,
        "items-0-part": catalogue["filter"].pk, "items-0-quantity": "1",
    })  # fmt: skip

    assert r.status_code == 200 and not MaintenancePackage.objects.exists()
