"""Reading the vehicle list in bulk is an export of the customers' cars, as the customer list's is
(issue 12): beyond a page it needs the export permission and is recorded like an export."""

import pytest

from conftest import ApiClient, valid_vin
from dms.customers.models import ExportRecord
from dms.vehicles.models import Vehicle


@pytest.fixture
def many_vehicles(tenant, customer, brand):
    Vehicle.objects.bulk_create(
        Vehicle(group_id=tenant.group_id, owner=customer, vin=valid_vin(1000 + i), vin_tail=valid_vin(1000 + i)[::-1],
                plate=f"粤B{i:05d}", brand=brand, model="思域")
        for i in range(230)
    )  # fmt: skip


def test_an_advisor_pages_the_first_vehicles_but_not_every_one(api, many_vehicles):
    assert api.get("/vehicles", {"limit": 50, "offset": 150}).status_code == 200
    r = api.get("/vehicles", {"limit": 50, "offset": 200})
    assert r.status_code == 403 and "导出" in r.json()["detail"]
    assert api.get("/vehicles", {"limit": 200}).status_code == 403
    assert not ExportRecord.objects.exists()


def test_a_bulk_read_by_a_role_that_may_export_is_recorded(customer_manager, many_vehicles):
    r = ApiClient(customer_manager).get("/vehicles", {"limit": 200, "offset": 100})

    assert r.status_code == 200 and len(r.json()["items"]) == 130
    record = ExportRecord.objects.get()
    assert record.user == customer_manager and record.row_count == 130
    assert record.query.startswith("GET /api/v1/vehicles?") and "offset=100" in record.query
