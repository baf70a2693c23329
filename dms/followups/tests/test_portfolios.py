"""Customer managers' portfolios: assignment (PUT /customers/{id}/manager, ?manager=me), the team
list, the balancing tool by count and value tier, the monthly information update, the toolkit."""

import pytest
from django.test import Client

from conftest import ApiClient, make_user
from dms.core.roles import Role
from dms.customers.models import Customer
from dms.followups.models import PortfolioReview, ToolkitEntry
from dms.followups.portfolios import balance_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def cms(store):
    return make_user("cm1", store, Role.CUSTOMER_MANAGER), make_user("cm2", store, Role.CUSTOMER_MANAGER)


@pytest.fixture
def showroom(store):
    return make_user("showroom1", store, Role.SHOWROOM_MANAGER)


def customers(store, n, *, manager=None, tier="opportunity", start=0):
    return [
        Customer.objects.create(group=store.group, home_store=store, name=f"客户{start + i}",
                                mobile=f"1370000{start + i:04d}", customer_manager=manager, value_tier=tier)
        for i in range(n)
    ]  # fmt: skip


def test_assigning_a_manager_over_the_api(showroom, cms, customer):
    cm1, _cm2 = cms
    api = ApiClient(showroom)

    r = api._call("put", f"/customers/{customer.pk}/manager", {"user_id": cm1.pk})

    assert r.status_code == 200 and r.json()["customer_manager_id"] == cm1.pk
    assert [c["id"] for c in ApiClient(cm1).get("/customers", {"manager": "me"}).json()["items"]] == [
        customer.pk
    ]


def test_only_a_customer_manager_of_the_group_may_be_assigned_and_only_by_cm_assign(
    showroom, cms, customer, sa, outsider
):
    api = ApiClient(showroom)
    r = api._call("put", f"/customers/{customer.pk}/manager", {"user_id": sa.pk})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "user_id"
    assert api._call("put", f"/customers/{customer.pk}/manager", {"user_id": outsider.pk}).status_code == 400
    assert (
        ApiClient(cms[0])
        ._call("put", f"/customers/{customer.pk}/manager", {"user_id": cms[0].pk})
        .status_code
        == 403
    )
    assert ApiClient(outsider)._call(
        "put", f"/customers/{customer.pk}/manager", {"user_id": None}
    ).status_code in (403, 404)


def test_balancing_evens_out_count_and_value_tier(store, cms, showroom):
    cm1, cm2 = cms
    customers(store, 6, manager=cm1, tier="loyal")
    customers(store, 4, manager=cm1, start=10)
    customers(store, 2, start=20)  # no manager yet

    plan = balance_plan(store)
    r = ApiClient(showroom).post("/customer-managers/balance", {"apply": True})

    assert r.status_code == 200 and r.json()["moved"] == len(plan) == 6
    counts = {
        m["user_id"]: (m["customers"], m["loyal"])
        for m in ApiClient(showroom).get("/customer-managers").json()["items"]
    }
    assert counts == {cm1.pk: (6, 3), cm2.pk: (6, 3)}
    assert balance_plan(store) == []  # balanced: nothing more to move


def test_balancing_is_for_cm_assign_holders(cms):
    assert ApiClient(cms[0]).post("/customer-managers/balance", {"apply": True}).status_code == 403


def test_the_monthly_update_is_handed_in_once(store, cms):
    cm1, _ = cms
    customers(store, 3, manager=cm1)
    c = Client()
    c.force_login(cm1)

    page = c.get("/followups/portfolio/").content.decode()
    c.post("/followups/portfolio/update/", {"note": "已全部回访更新"})
    c.post("/followups/portfolio/update/", {"note": "again"})

    assert "客户0" in page
    [review] = PortfolioReview.objects.all()
    assert (review.manager, review.customers, review.note) == (cm1, 3, "已全部回访更新")


def test_the_toolkit_counts_what_was_recorded(store, cms):
    cm1, _ = cms
    [c1] = customers(store, 1, manager=cm1)
    client = Client()
    client.force_login(cm1)

    client.post(f"/followups/portfolio/{c1.pk}/toolkit/", {"tool": "photo"})

    assert ToolkitEntry.objects.get().tool == "photo"
    assert "on" in client.get("/followups/portfolio/").content.decode()


def test_the_team_page_is_for_cm_assign_holders(store, cms, showroom):
    c = Client()
    c.force_login(showroom)
    assert c.get("/followups/team/").status_code == 200
    c.force_login(cms[0])
    assert c.get("/followups/team/").status_code == 403
