"""The stores of one dealer group: a user who works in SZ01 only reaches none of SZ02's records.

Customers, vehicles, the parts catalogue and webhook subscriptions belong to the group (a customer of the group is served
in all its stores); appointments, repair orders, check-ins, stock, follow-ups and everything else
that happens in a store belong to that store. Every API route with a record in its path is called
by SZ01's service advisor with the record SZ02's manager made: a store's own record answers 404
and nothing changes; a group's record is served as in SZ02 itself.
"""

import pytest
from django.db import transaction

import tests.test_tenancy_api as walk
from conftest import ApiClient, make_user
from dms.core.models import Store
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant

# Path parameters naming records of the group, visible in all its stores.
GROUP_RECORDS = {
    "customer_id",
    "vehicle_id",
    "part_id",
    "subscription_id",
}  # webhooks: the group's integrations


@pytest.fixture
def second_store(store, brand):
    sz02 = Store.objects.create(group=store.group, code="SZ02", name="深圳二店")
    sz02.brands.add(brand)
    return sz02


@pytest.fixture
def theirs(second_store, brand):
    manager = resolve_tenant(make_user("sz02-boss", second_store, Role.ADMINISTRATOR))
    return walk.build_world(
        manager, brand, names=["王五", "赵六"], mobiles=["13711112222", "13733334444"], serial=4321, wmi="LSV",
        plate="粤B67890",
    )  # fmt: skip


@pytest.fixture
def sz01_advisor(store):
    return ApiClient(make_user("sz01-only", store, Role.ADMINISTRATOR))


STORE_ROUTES = [
    r for r in walk.RECORD_ROUTES if set(walk.PARAM.findall(r[1])) - GROUP_RECORDS - set(walk.PATH_VALUES)
]


@pytest.mark.parametrize("route", STORE_ROUTES, ids=walk.route_id)
def test_a_user_of_another_store_gets_404_for_the_stores_records(route, theirs, sz01_advisor, store):
    method, path, operation = route
    body = walk.body_for(method, path, operation, theirs)
    url = walk.url_for(path, operation, theirs, theirs)
    before = walk.snapshot()

    sid = transaction.savepoint()
    r = walk.call(sz01_advisor, method, url, body)
    transaction.savepoint_rollback(sid)

    assert r.status_code == 404, f"{method} {path}: {r.status_code} {r.content[:300]!r}"
    assert walk.snapshot() == before


def test_the_group_s_customer_is_served_in_both_stores(theirs, sz01_advisor):
    # The control: the group's records are the group's (the 404s above come from the store).
    r = sz01_advisor.get(f"/customers/{theirs.customer.pk}")

    assert r.status_code == 200
    assert r.json()["name"] == "王五"
