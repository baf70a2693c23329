"""List pages and list endpoints issue a bounded number of queries, whatever their size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import valid_vin
from dms.customers.services import customer_create
from dms.vehicles.services import vehicle_create


def _add_customers(tenant, brand, start, n):
    for i in range(start, start + n):
        c = customer_create(
            tenant=tenant, name=f"张{'一二三四五六七八九十'[i % 10]}{i}", mobile=f"1391234{i:04d}"
        ).record
        vehicle_create(
            tenant=tenant,
            owner_id=c.pk,
            vin=valid_vin(i),
            plate=f"粤B{i:05d}",
            brand_id=brand.pk,
            model="思域",
        )


def _fetch(fetch) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = fetch()
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


PAGES = ["/customers/", "/customers/?q=zhang", "/customers/?q=1391234", "/vehicles/", "/vehicles/?q=粤B0"]
ENDPOINTS = ["/customers", "/customers?q=zhang", "/customers?q=1391234", "/vehicles", "/vehicles?q=B0"]


@pytest.mark.parametrize("path", PAGES)
def test_list_pages_do_not_grow_queries_with_rows(sa_client, tenant, brand, path):
    _add_customers(tenant, brand, 1, 3)
    small, _ = _fetch(lambda: sa_client.get(path))
    _add_customers(tenant, brand, 100, 15)
    large, body = _fetch(lambda: sa_client.get(path))
    assert "114" in body  # the larger listing really shows the new rows
    assert large == small


@pytest.mark.parametrize("path", ENDPOINTS)
def test_api_lists_do_not_grow_queries_with_rows(api, tenant, brand, path):
    _add_customers(tenant, brand, 1, 3)
    small, _ = _fetch(lambda: api.get(path))
    _add_customers(tenant, brand, 100, 15)
    large, body = _fetch(lambda: api.get(path))
    assert "114" in body
    assert large == small <= 10
