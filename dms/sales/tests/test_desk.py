"""The sales desk's measures: the funnel per consultant, lost reasons, gross per car, the export."""

import io
from datetime import timedelta

import openpyxl
import pytest
from django.utils import timezone

from dms.sales import reports
from dms.sales.models import Lead

from .conftest import quote_body

pytestmark = pytest.mark.usefixtures("private_media")
CHECKLIST = {
    "clean": True,
    "documents": True,
    "functions": True,
    "first_maintenance": True,
    "service_advisor": True,
}


@pytest.fixture
def month_of_work(sales_api, showroom_api, cashier_api, walk_in, stock_car, consultant):
    """Three prospects: one walk-in who drove, was quoted, ordered and took delivery; a phone lead
    lost to a competitor (its reason a would-be formula); a web lead never contacted."""
    Lead.objects.filter(pk=walk_in["id"]).update(created_at=timezone.now() - timedelta(minutes=10))
    sales_api.post(f"/leads/{walk_in['id']}/actions/contact", {"channel": "visit", "grade": "H"})
    sales_api.post("/showroom-visits", {"lead_id": walk_in["id"]})
    sales_api.post("/test-drives", {"lead_id": walk_in["id"], "model": "雅阁", "licence_no": "440301199001011234",
                                    "licence_expires": "2035-01-01"})  # fmt: skip
    q = sales_api.post("/quotations", quote_body(walk_in["id"])).json()
    order = sales_api.post("/sales-orders", {"quotation_id": q["id"]}).json()
    sales_api.post(f"/sales-orders/{order['id']}/actions/allocate", {"stock_vehicle_id": stock_car["id"]})
    cashier_api.post(
        f"/sales-orders/{order['id']}/payments",
        {"kind": "balance", "method": "transfer", "amount": q["total"]},
    )
    cashier_api.post(f"/sales-orders/{order['id']}/actions/invoice", {"invoice_number": "044031900333"})
    sales_api.post(f"/sales-orders/{order['id']}/actions/deliver", {"checklist": CHECKLIST})
    lost = showroom_api.post("/leads", {"name": "丁", "mobile": "13700004444", "source": "phone",
                                        "assigned_to_id": consultant.pk}).json()  # fmt: skip
    sales_api.post(f"/leads/{lost['id']}/actions/lose", {"reason": '=HYPERLINK("http://x")买了竞品'})
    showroom_api.post(f"/leads/{lost['id']}/actions/confirm-lost", {})
    showroom_api.post(
        "/leads", {"name": "甲", "mobile": "13700005555", "source": "web", "assigned_to_id": consultant.pk}
    )
    return order


def test_the_funnel_counts_each_step_per_consultant(month_of_work, showroom_tenant, consultant):
    f = reports.funnel(showroom_tenant, timezone.localdate())

    [row] = f["rows"]
    assert row.consultant_id == consultant.pk
    assert (row.leads, row.visits, row.drove, row.quotations, row.orders, row.deliveries, row.lost) == (
        3,
        1,
        1,
        1,
        1,
        1,
        1,
    )
    assert row.sources == {"walk_in": 1, "phone": 1, "web": 1}
    assert row.test_drive_rate == 33.3 and row.conversion == 33.3
    assert 10 <= row.first_response_min < 11
    assert [r["n"] for r in f["lost_reasons"]] == [1]


def test_gross_per_car_is_the_price_after_discount_less_the_cost(month_of_work, showroom_tenant):
    g = reports.gross_per_car(showroom_tenant, timezone.localdate())

    # 179800 list - 2000 discount - 165000 cost
    assert g["cars"] == 1 and str(g["average"]) == "12800.00"


def test_the_desk_page_and_its_queries_are_bounded(
    month_of_work, showroom_client, django_assert_max_num_queries
):
    with django_assert_max_num_queries(40):
        r = showroom_client.get("/sales/desk/")

    assert r.status_code == 200
    page = r.content.decode()
    assert 'id="desk-data"' in page and "chart.umd.min" in page


def test_the_export_never_lets_a_cell_become_a_formula(month_of_work, showroom_client):
    r = showroom_client.get("/sales/desk/export.xlsx")

    book = openpyxl.load_workbook(io.BytesIO(r.content))
    cells = [c for row in book.worksheets[1].iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert cells and cells[0].value.startswith("=HYPERLINK")
    assert cells[0].data_type == "s" and cells[0].quotePrefix
    assert book.worksheets[0].max_row == 3  # the header, sales1, the store total


def test_a_consultant_has_no_desk(sales_client):
    assert sales_client.get("/sales/desk/").status_code == 403


def test_the_desk_drills_down_to_the_prospects(month_of_work, showroom_client):
    month = timezone.localdate().strftime("%Y-%m")
    desk = showroom_client.get(f"/sales/desk/?month={month}").content.decode()

    lost = showroom_client.get(f"/sales/leads/?month={month}&state=lost").content.decode()
    every = showroom_client.get(f"/sales/leads/?month={month}").content.decode()

    assert "/sales/leads/?month=" in desk
    assert "丁" in lost and "甲" not in lost
    assert all(name in every for name in ("王先生", "丁", "甲"))


def test_a_consultant_sees_only_their_own_prospects_in_the_list(
    month_of_work, sales_client, showroom_api, consultant2
):
    showroom_api.post("/leads", {"name": "别人的客户", "mobile": "13700006666", "source": "phone",
                                 "assigned_to_id": consultant2.pk})  # fmt: skip

    page = sales_client.get("/sales/leads/").content.decode()

    assert "王先生" in page and "别人的客户" not in page


def test_every_number_of_the_funnel_links_the_records_behind_it(month_of_work, showroom_client, consultant):
    month = timezone.localdate().strftime("%Y-%m")
    who = f"month={month}&amp;consultant={consultant.pk}"

    desk = showroom_client.get(f"/sales/desk/?month={month}").content.decode()

    for measure in ("visits", "quotations", "orders", "deliveries"):
        assert f"/sales/desk/records/?measure={measure}&amp;{who}" in desk, measure
    assert f"/sales/leads/?month={month}&amp;drove=1&amp;consultant={consultant.pk}" in desk
    assert f"/sales/leads/?month={month}&amp;source=phone&amp;consultant={consultant.pk}" in desk


def test_the_records_behind_each_number_are_the_ones_counted(month_of_work, showroom_client, consultant):
    month = timezone.localdate().strftime("%Y-%m")

    def page(url):
        r = showroom_client.get(url)
        assert r.status_code == 200, url
        return r.content.decode()

    for measure in ("orders", "deliveries"):
        listed = page(f"/sales/desk/records/?measure={measure}&month={month}&consultant={consultant.pk}")
        assert month_of_work["number"] in listed and "（1）" in listed
    assert "王先生" in page(f"/sales/desk/records/?measure=quotations&month={month}")
    assert "王先生" in page(f"/sales/desk/records/?measure=visits&month={month}&consultant={consultant.pk}")
    assert month_of_work["number"] not in page(
        f"/sales/desk/records/?measure=orders&month={month}&consultant=none"
    )
    drove = page(f"/sales/leads/?month={month}&drove=1&consultant={consultant.pk}")
    assert "王先生" in drove and "丁" not in drove and "甲" not in drove
    today = timezone.localdate()
    last_year = f"{today.year - 1}-{today.month:02d}"  # the same month a year ago (29 February has none)
    assert month_of_work["number"] not in page(f"/sales/desk/records/?measure=orders&month={last_year}")


def test_a_measure_the_desk_does_not_have_is_answered_with_a_sentence(showroom_client):
    r = showroom_client.get("/sales/desk/records/?measure=profit")

    assert r.status_code == 400 and "visits" in r.content.decode()
    assert showroom_client.get("/sales/desk/records/?consultant=x").status_code == 400


def test_a_consultant_has_no_records_of_the_desk(sales_client):
    assert sales_client.get("/sales/desk/records/?measure=orders").status_code == 403
