"""Reading the customer list in bulk is an export (issue 12): beyond a page it needs the export
permission and is recorded like an export; the pages' and the API's ordinary paging still work."""

import pytest
from django.test import Client

from conftest import ApiClient
from dms.customers.models import Customer, ExportRecord


@pytest.fixture
def many_customers(tenant):
    """230 customers, written at once (the services would take too long for a test)."""
    rows = []
    for i in range(230):
        name = f"客户{i:03d}"
        c = Customer(group_id=tenant.group_id, home_store=tenant.store, name=name, mobile=f"139{i:08d}")
        rows.append(c)
    Customer.objects.bulk_create(rows)
    return rows


def test_an_advisor_cannot_page_through_every_customer(api, many_customers):
    r = api.get("/customers", {"limit": 200})
    assert r.status_code == 403
    assert "导出" in r.json()["detail"]
    assert api.get("/customers", {"limit": 20, "offset": 200}).status_code == 403
    assert api.get("/customers", {"q": "139", "limit": 20, "offset": 190}).status_code == 403
    assert not ExportRecord.objects.exists()


def test_an_advisor_still_pages_through_the_first_pages(api, many_customers):
    seen = []
    for offset in range(0, 200, 20):
        r = api.get("/customers", {"offset": offset})
        assert r.status_code == 200
        seen += [c["id"] for c in r.json()["items"]]
    assert len(set(seen)) == 200
    assert api.get("/customers", {"limit": 50}).status_code == 200
    assert not ExportRecord.objects.exists()


def test_a_bulk_read_by_a_role_that_may_export_is_recorded_like_an_export(customer_manager, many_customers):
    cm = ApiClient(customer_manager)
    r = cm.get("/customers", {"limit": 200, "offset": 100})
    assert r.status_code == 200 and len(r.json()["items"]) == 130
    record = ExportRecord.objects.get()
    assert record.user == customer_manager and record.what == ExportRecord.What.CUSTOMER_PAGES
    assert record.row_count == 130
    assert "limit=200" in record.query and "offset=100" in record.query
    cm.get("/customers", {"limit": 20})  # a page is not recorded
    assert ExportRecord.objects.count() == 1


def test_the_customer_page_stops_offering_pages_beyond_the_first_for_a_role_that_may_not_export(
    sa, many_customers
):
    c = Client()
    c.force_login(sa)
    assert c.get("/customers/", {"offset": 150}).status_code == 200
    last_free = c.get("/customers/", {"offset": 175})
    assert last_free.status_code == 200 and "offset=200" not in last_free.content.decode()
    assert c.get("/customers/", {"offset": 200}).status_code == 403
    assert not ExportRecord.objects.exists()
