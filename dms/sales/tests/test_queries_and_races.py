"""Pages read what they show in a bounded number of queries; prospects registered twice at once
are one prospect."""

import pytest
from django.db import connection
from django.utils import timezone

from conftest import at_once
from dms.sales.models import Lead

from .conftest import quote_body

pytestmark = pytest.mark.usefixtures("private_media")


def _many_prospects(sales_api, n=8):
    for i in range(n):  # the same mobiles again answer the same prospects
        lead = sales_api.post(
            "/leads", {"name": f"客户{i}", "mobile": f"1370000{i:04d}", "source": "walk_in"}
        ).json()
        sales_api.post(f"/leads/{lead['id']}/actions/grade", {"grade": "HABC"[i % 4]})
        if i % 2:
            sales_api.post("/quotations", quote_body(lead["id"]))


def test_my_day_reads_the_same_queries_for_3_or_11_prospects(sales_api, sales_client):
    from django.db import connection as conn
    from django.test.utils import CaptureQueriesContext

    _many_prospects(sales_api, 3)
    Lead.objects.update(next_follow_up_at=timezone.now())  # all due now
    with CaptureQueriesContext(conn) as few:
        sales_client.get("/sales/")

    _many_prospects(sales_api, 11)
    Lead.objects.update(next_follow_up_at=timezone.now())
    with CaptureQueriesContext(conn) as many:
        r = sales_client.get("/sales/")

    page = r.content.decode()
    assert r.status_code == 200 and all(f"客户{i}" in page for i in range(11))
    assert len(many.captured_queries) <= len(few.captured_queries) <= 25


def test_the_lead_list_reads_a_bounded_number_of_queries(sales_api, django_assert_max_num_queries):
    _many_prospects(sales_api, 8)

    with django_assert_max_num_queries(12):
        r = sales_api.get("/leads")

    assert r.json()["count"] == 8


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once need PostgreSQL")
def test_a_prospect_registered_twice_at_once_is_one_prospect(store, consultant):
    from dms.core.tenancy import resolve_tenant
    from dms.sales import services

    tenant = resolve_tenant(consultant)

    results = at_once(
        [
            lambda: services.lead_create(
                tenant=tenant, name="同时到店", mobile="13700008888", source="walk_in"
            ),
            lambda: services.lead_create(
                tenant=tenant, name="同时到店", mobile="13700008888", source="phone"
            ),
        ]
    )

    assert not [r for r in results if isinstance(r, Exception)], results
    assert {r[0].pk for r in results} == {Lead.objects.get().pk}
    assert sorted(r[1] for r in results) == [False, True]
