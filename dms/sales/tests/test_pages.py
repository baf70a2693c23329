"""The sales pages: each one opens for the people who use it, refuses others, hides other groups'
records, and its forms take the same steps as the API."""

import pytest
from django.test import Client

from conftest import make_user
from dms.core.roles import Role
from dms.sales.models import Lead, ShowroomVisit

from .conftest import quote_body

pytestmark = pytest.mark.usefixtures("private_media")


def test_a_consultant_starts_the_day_on_my_day(sales_client):
    r = sales_client.get("/", follow=True)

    assert r.redirect_chain and r.redirect_chain[-1][0] == "/sales/"
    assert r.status_code == 200


def test_every_page_opens_for_the_showroom(
    sales_client, showroom_client, walk_in, quotation, order, stock_car
):
    for path in ["/sales/", "/sales/door/", f"/sales/leads/{walk_in['id']}/", f"/sales/quotations/{quotation['id']}/",
                 f"/sales/orders/{order['id']}/", "/sales/stock/"]:  # fmt: skip
        assert sales_client.get(path).status_code == 200, path
    assert showroom_client.get("/sales/approvals/").status_code == 200
    assert sales_client.get("/sales/approvals/").status_code == 403


def test_a_walk_in_is_registered_from_my_day(sales_client, consultant):
    r = sales_client.post("/sales/", {"name": "陈先生", "mobile": "13600001111", "source": "walk_in"})

    lead = Lead.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/sales/leads/{lead.pk}/"
    assert lead.assigned_to == consultant


def test_a_bad_mobile_is_refused_with_a_sentence(sales_client):
    r = sales_client.post("/sales/", {"name": "陈先生", "mobile": "123", "source": "walk_in"}, follow=True)

    assert not Lead.objects.exists()
    assert "123" in r.content.decode()


def test_the_door_logs_a_party_in_one_tap(sales_client, consultant):
    sales_client.post("/sales/door/", {"party_size": "3", "first_visit": "0", "consultant": consultant.pk})

    visit = ShowroomVisit.objects.get()
    assert (visit.party_size, visit.first_visit, visit.consultant) == (3, False, consultant)


def test_a_quotation_made_on_the_lead_page_above_authority_goes_to_approvals(
    sales_client, showroom_client, walk_in
):
    body = {"do": "quote", **{k: v for k, v in quote_body(walk_in["id"]).items() if not isinstance(v, list)},
            "discount": "6000", "discount_reason": "老客户介绍", "down_payment": "50000", "term_months": "36",
            "annual_rate": "3.5", "trade_plate": "粤B12345", "trade_value": "20000"}  # fmt: skip

    r = sales_client.post(f"/sales/leads/{walk_in['id']}/", body)

    assert r.status_code == 302 and "/sales/quotations/" in r["Location"]
    page = showroom_client.get("/sales/approvals/").content.decode()
    assert "老客户介绍" in page


def test_another_groups_records_are_not_found_on_pages(walk_in, quotation, order, other_group_store):
    outsider = make_user("sales9", other_group_store, Role.SALES_CONSULTANT)
    c = Client()
    c.force_login(outsider)

    for path in [f"/sales/leads/{walk_in['id']}/", f"/sales/quotations/{quotation['id']}/",
                 f"/sales/quotations/{quotation['id']}/quotation.pdf", f"/sales/orders/{order['id']}/"]:  # fmt: skip
        assert c.get(path).status_code == 404, path
        assert c.post(path, {"do": "cancel", "reason": "x"}).status_code == 404, path


def test_a_service_advisor_has_no_sales_pages(client, sa):
    client.force_login(sa)

    assert client.get("/sales/").status_code == 403


def test_the_group_administrator_sets_a_stores_sales_rules_in_the_admin(store, other_group_store):
    from dms.sales.models import SalesSettings

    admin_user = make_user("admin1", store, Role.ADMINISTRATOR, is_staff=True)
    ours = SalesSettings.objects.create(store=store)
    theirs = SalesSettings.objects.create(store=other_group_store)
    c = Client()
    c.force_login(admin_user)

    page = c.get("/admin/sales/salessettings/")

    assert page.status_code == 200
    assert c.get(f"/admin/sales/salessettings/{ours.pk}/change/").status_code == 200
    assert c.get(f"/admin/sales/salessettings/{theirs.pk}/change/").status_code in (302, 404)


def test_labels_and_counts_take_full_width_colons_and_brackets_in_chinese(
    sales_client, showroom_client, walk_in, stock_car
):
    leads = sales_client.get("/sales/leads/").content.decode()
    lead = sales_client.get(f"/sales/leads/{walk_in['id']}/").content.decode()
    stock = sales_client.get("/sales/stock/").content.decode()
    desk = showroom_client.get("/sales/desk/").content.decode()

    assert "潜在客户（1）" in leads and "潜在客户 (" not in leads
    assert "销售顾问：" in lead and "销售顾问:" not in lead
    assert "0–30 天：<strong>1</strong>" in stock
    assert "0–30 天：¥0.00" in desk and "天:" not in desk
