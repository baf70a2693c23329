"""Stock, quotations, orders, money and the delivery over the API."""

from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from conftest import at_once, valid_vin
from dms.core.models import Event
from dms.customers.models import Customer
from dms.sales.models import SalesOrder, StockVehicle
from dms.sales.services_orders import monthly_payment
from dms.vehicles.models import Vehicle

from .conftest import quote_body

pytestmark = pytest.mark.usefixtures("private_media")

CHECKLIST = {
    "clean": True,
    "documents": True,
    "functions": True,
    "first_maintenance": True,
    "service_advisor": True,
}


def test_a_new_car_is_taken_into_stock_by_a_valid_vin(showroom_api, brand):
    vin = valid_vin(70002)
    bad = vin[:8] + ("0" if vin[8] != "0" else "1") + vin[9:]

    r = showroom_api.post(
        "/stock-vehicles", {"vin": bad, "brand": brand.name, "model": "雅阁", "list_price": "1.00"}
    )
    unknown = showroom_api.post(
        "/stock-vehicles", {"vin": vin, "brand": "特斯拉", "model": "雅阁", "list_price": "1.00"}
    )
    ok = showroom_api.post(
        "/stock-vehicles", {"vin": vin, "brand": brand.name, "model": "雅阁", "list_price": "1.00"}
    )
    twice = showroom_api.post(
        "/stock-vehicles", {"vin": vin, "brand": brand.name, "model": "雅阁", "list_price": "1.00"}
    )

    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "vin"
    assert "check digit" in r.json()["detail"] or "校验" in r.json()["detail"]
    assert unknown.status_code == 400 and unknown.json()["errors"][0]["field"] == "brand"
    assert ok.status_code == 201 and ok.json()["state"] == "in_stock" and ok.json()["age_days"] == 0
    assert twice.status_code == 409


def test_a_consultant_sees_the_stock_but_cannot_add_to_it(sales_api, stock_car, brand):
    assert sales_api.get("/stock-vehicles", {"state": "in_stock"}).json()["count"] == 1
    r = sales_api.post(
        "/stock-vehicles",
        {"vin": valid_vin(70003), "brand": brand.name, "model": "雅阁", "list_price": "1.00"},
    )
    assert r.status_code == 403


def test_monthly_payment_is_an_annuity_in_decimal_and_zero_rate_is_handled():
    assert monthly_payment(Decimal("100000"), 36, Decimal("4.5")) == Decimal("2974.69")
    assert monthly_payment(Decimal("100000"), 12, Decimal("0")) == Decimal("8333.33")
    assert monthly_payment(Decimal("0"), 12, Decimal("3")) == Decimal("0.00")


def test_a_quotation_with_a_loan_and_a_trade_in(sales_api, walk_in, tenant, brand):
    from dms.customers.services import customer_create
    from dms.vehicles.services import vehicle_create

    owner = customer_create(tenant=tenant, name="王先生", mobile="13700001234").record
    old = vehicle_create(tenant=tenant, owner_id=owner.pk, vin=valid_vin(11111), plate="粤B88888", brand_id=brand.pk,
                         model="飞度").record  # fmt: skip

    r = sales_api.post("/quotations", quote_body(
        walk_in["id"], finance={"down_payment": "57800.00", "term_months": 36, "annual_rate": "4.50"},
        trade_in={"plate": "粤B88888", "condition": "车况良好", "value": "30000.00"}))  # fmt: skip

    body = r.json()
    assert r.status_code == 201, r.content
    # 179800 - 2000 + 2000 accessories + 6500 + 1500 - 30000 trade-in
    assert body["total"] == "157800.00"
    assert body["monthly_payment"] == str(monthly_payment(Decimal("100000.00"), 36, Decimal("4.50")))
    assert body["trade_in_vehicle_id"] == old.pk
    assert body["state"] == "approved"


def test_bad_quotations_are_refused_field_by_field(sales_api, walk_in):
    r = sales_api.post("/quotations", quote_body(walk_in["id"], discount="200000.00",
                                                 finance={"down_payment": "0.00", "term_months": 0, "annual_rate": "4"}))  # fmt: skip
    no_car = sales_api.post("/quotations", quote_body(walk_in["id"], trade_in={"value": "1000.00"}))

    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "finance.term_months"
    assert no_car.status_code == 400 and no_car.json()["errors"][0]["field"] == "trade_in.plate"


def test_a_discount_above_authority_waits_for_the_showroom_manager(sales_api, showroom_api, walk_in):
    q = sales_api.post(
        "/quotations", quote_body(walk_in["id"], discount="8000.00", discount_reason="客户比价丰田")
    ).json()

    own = sales_api.post(f"/quotations/{q['id']}/actions/approve", {})
    approved = showroom_api.post(f"/quotations/{q['id']}/actions/approve", {})

    assert q["state"] == "pending_approval"
    assert own.status_code == 403
    assert approved.status_code == 200 and approved.json()["state"] == "approved"
    assert sales_api.post("/sales-orders", {"quotation_id": q["id"]}).status_code == 201


def test_a_discount_above_authority_never_reaches_an_order_unapproved(sales_api, showroom_api, walk_in):
    pending = sales_api.post("/quotations", quote_body(walk_in["id"], discount="9000.00")).json()
    declined = sales_api.post("/quotations", quote_body(walk_in["id"], discount="9500.00")).json()
    showroom_api.post(f"/quotations/{declined['id']}/actions/decline", {"reason": "超出本月政策"})

    r1 = sales_api.post("/sales-orders", {"quotation_id": pending["id"]})
    r2 = sales_api.post("/sales-orders", {"quotation_id": declined["id"]})

    assert (r1.status_code, r2.status_code) == (409, 409)
    assert r1.json()["errors"][0]["field"] == "quotation_id"
    assert not SalesOrder.objects.exists()


def test_an_order_is_numbered_per_store_and_year_and_wins_the_prospect(order, sales_api, quotation, walk_in):
    again = sales_api.post("/sales-orders", {"quotation_id": quotation["id"]})

    assert order["number"] == f"XSSZ01-{timezone.localdate().year}-000001"
    assert order["total"] == "187800.00" and order["paid"] == "0.00"
    assert again.status_code == 409
    assert sales_api.get(f"/leads/{walk_in['id']}").json()["state"] == "won"


def test_the_invoice_waits_for_the_configured_share(order, cashier_api):
    cashier_api.post(
        f"/sales-orders/{order['id']}/payments", {"kind": "deposit", "method": "wechat", "amount": "5000.00"}
    )

    early = cashier_api.post(
        f"/sales-orders/{order['id']}/actions/invoice", {"invoice_number": "044031900111"}
    )
    # 60% of 187800.00 is 112680.00
    cashier_api.post(
        f"/sales-orders/{order['id']}/payments",
        {"kind": "balance", "method": "transfer", "amount": "107679.99"},
    )
    one_cent_short = cashier_api.post(
        f"/sales-orders/{order['id']}/actions/invoice", {"invoice_number": "044031900111"}
    )
    cashier_api.post(
        f"/sales-orders/{order['id']}/payments", {"kind": "balance", "method": "transfer", "amount": "0.01"}
    )
    ok = cashier_api.post(f"/sales-orders/{order['id']}/actions/invoice", {"invoice_number": "044031900111"})

    assert early.status_code == 409 and early.json()["errors"][0]["field"] == "invoice_number"
    assert one_cent_short.status_code == 409
    assert ok.status_code == 200 and ok.json()["invoice_number"] == "044031900111"


def test_no_more_is_paid_than_is_outstanding(order, cashier_api, sales_api):
    over = cashier_api.post(
        f"/sales-orders/{order['id']}/payments", {"kind": "balance", "method": "cash", "amount": "187800.01"}
    )
    consultant = sales_api.post(
        f"/sales-orders/{order['id']}/payments", {"kind": "deposit", "method": "cash", "amount": "100.00"}
    )

    assert over.status_code == 409 and over.json()["errors"][0]["field"] == "amount"
    assert consultant.status_code == 403


def test_commission_only_on_collected_money(order, cashier_api, sales_api):
    assert order["commission"] == "0.00"

    cashier_api.post(
        f"/sales-orders/{order['id']}/payments", {"kind": "deposit", "method": "wechat", "amount": "5000.00"}
    )

    # 1% of the 5,000 collected, not of the 187,800 contract
    assert sales_api.get(f"/sales-orders/{order['id']}").json()["commission"] == "50.00"


def test_commission_per_consultant_counts_payments_of_the_period(
    order, cashier_api, sales_tenant, consultant
):
    from datetime import timedelta

    from dms.sales import selectors

    cashier_api.post(
        f"/sales-orders/{order['id']}/payments", {"kind": "deposit", "method": "wechat", "amount": "20000.00"}
    )
    now = timezone.now()

    rows = selectors.commissions(sales_tenant, start=now - timedelta(days=1), end=now + timedelta(days=1))

    assert [(r["consultant_id"], r["collected"], r["commission"]) for r in rows] == [
        (consultant.pk, Decimal("20000.00"), Decimal("200.00"))
    ]


def test_one_vin_is_allocated_to_one_order(sales_api, order, stock_car, walk_in):
    other_lead = sales_api.post(
        "/leads", {"name": "周女士", "mobile": "13700005678", "source": "phone"}
    ).json()
    other_q = sales_api.post("/quotations", quote_body(other_lead["id"])).json()
    other = sales_api.post("/sales-orders", {"quotation_id": other_q["id"]}).json()

    first = sales_api.post(
        f"/sales-orders/{order['id']}/actions/allocate", {"stock_vehicle_id": stock_car["id"]}
    )
    second = sales_api.post(
        f"/sales-orders/{other['id']}/actions/allocate", {"stock_vehicle_id": stock_car["id"]}
    )

    assert first.status_code == 200 and first.json()["vin"] == stock_car["vin"]
    assert second.status_code == 409 and second.json()["errors"][0]["field"] == "stock_vehicle_id"
    assert StockVehicle.objects.get().state == "allocated"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once need PostgreSQL")
def test_a_vin_allocated_twice_at_once_is_allocated_once(store, brand, consultant, showroom):
    from dms.core.tenancy import resolve_tenant
    from dms.sales import services, services_orders

    tenant, manager = resolve_tenant(consultant), resolve_tenant(showroom)
    car = services_orders.stock_create(tenant=manager, vin=valid_vin(70009), brand=brand.name, model="雅阁",
                                       list_price=Decimal("179800"))  # fmt: skip
    orders = []
    for i in range(2):
        lead, _ = services.lead_create(
            tenant=tenant, name=f"客户{i}", mobile=f"1370000700{i}", source="phone"
        )
        q = services_orders.quotation_create(
            tenant=tenant, lead_id=lead.pk, model="雅阁", list_price=Decimal("179800")
        )
        orders.append(services_orders.sales_order_create(tenant=tenant, quotation_id=q.pk))

    results = at_once(
        [
            lambda o=o: services_orders.sales_order_allocate(
                tenant=tenant, order_id=o.pk, stock_vehicle_id=car.pk
            )
            for o in orders
        ]
    )

    won = [r for r in results if isinstance(r, SalesOrder)]
    assert len(won) == 1, results
    assert SalesOrder.objects.filter(stock_vehicle=car).count() == 1
    assert StockVehicle.objects.get(pk=car.pk).state == "allocated"


def test_delivery_needs_allocation_and_invoice(order, sales_api):
    r = sales_api.post(f"/sales-orders/{order['id']}/actions/deliver", {"checklist": CHECKLIST})

    assert r.status_code == 409
    assert "invoice" in r.json()["detail"] or "发票" in r.json()["detail"]


def _ready(order, stock_car, sales_api, cashier_api):
    sales_api.post(f"/sales-orders/{order['id']}/actions/allocate", {"stock_vehicle_id": stock_car["id"]})
    cashier_api.post(
        f"/sales-orders/{order['id']}/payments", {"kind": "deposit", "method": "wechat", "amount": "20000.00"}
    )
    cashier_api.post(
        f"/sales-orders/{order['id']}/payments", {"kind": "loan", "method": "transfer", "amount": "167800.00"}
    )
    cashier_api.post(f"/sales-orders/{order['id']}/actions/invoice", {"invoice_number": "044031900222"})


def test_the_delivery_makes_the_buyer_an_owner_with_the_car_in_the_file(
    order, stock_car, sales_api, cashier_api, sa, consultant
):
    _ready(order, stock_car, sales_api, cashier_api)

    unticked = sales_api.post(
        f"/sales-orders/{order['id']}/actions/deliver", {"checklist": {**CHECKLIST, "clean": False}}
    )
    r = sales_api.post(f"/sales-orders/{order['id']}/actions/deliver",
                       {"checklist": CHECKLIST, "plate": "粤B D12345", "service_advisor_id": sa.pk})  # fmt: skip

    assert unticked.status_code == 400 and unticked.json()["errors"][0]["field"] == "checklist.clean"
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["state"] == "delivered"
    customer = Customer.objects.get(pk=body["customer_id"])
    vehicle = Vehicle.objects.get(pk=body["vehicle_id"])
    assert (customer.name, customer.mobile, customer.source) == ("王先生", "13700001234", "sale")
    assert (vehicle.vin, vehicle.owner_id, vehicle.purchase_date) == (
        stock_car["vin"],
        customer.pk,
        timezone.localdate(),
    )
    assert vehicle.plate == "粤BD12345"
    assert StockVehicle.objects.get().state == "delivered"
    event = Event.objects.get(type="sales_order.delivered")
    assert set(event.payload) >= {
        "sales_order_id",
        "customer_id",
        "vehicle_id",
        "consultant_id",
        "delivered_at",
    }
    assert (event.payload["customer_id"], event.payload["vehicle_id"], event.payload["consultant_id"]) == (
        customer.pk,
        vehicle.pk,
        consultant.pk,
    )


def test_a_known_customer_is_matched_at_delivery(order, stock_car, sales_api, cashier_api, tenant):
    from dms.customers.services import customer_create

    existing = customer_create(tenant=tenant, name="王建国", mobile="13700001234").record
    _ready(order, stock_car, sales_api, cashier_api)

    r = sales_api.post(f"/sales-orders/{order['id']}/actions/deliver", {"checklist": CHECKLIST})

    assert r.json()["customer_id"] == existing.pk
    assert Customer.objects.filter(mobile="13700001234").count() == 1


def test_cancelling_an_order_puts_the_car_back_in_stock(order, stock_car, sales_api):
    sales_api.post(f"/sales-orders/{order['id']}/actions/allocate", {"stock_vehicle_id": stock_car["id"]})

    no_reason = sales_api.post(f"/sales-orders/{order['id']}/actions/cancel", {"reason": ""})
    r = sales_api.post(f"/sales-orders/{order['id']}/actions/cancel", {"reason": "客户放弃"})

    assert no_reason.status_code == 400
    assert r.json()["state"] == "cancelled" and r.json()["stock_vehicle_id"] is None
    assert StockVehicle.objects.get().state == "in_stock"


def test_the_quotation_prints_as_a_pdf(sales_api, quotation):
    r = sales_api.get(f"/quotations/{quotation['id']}/pdf")

    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r.content.startswith(b"%PDF")


def test_another_groups_offers_orders_and_cars_are_not_found(
    outsider_api, order, quotation, stock_car, outsider_sales
):
    for method, path, body in [
        ("get", f"/quotations/{quotation['id']}", None),
        ("get", f"/quotations/{quotation['id']}/pdf", None),
        ("post", f"/quotations/{quotation['id']}/actions/approve", {}),
        ("post", "/sales-orders", {"quotation_id": quotation["id"]}),
        ("get", f"/sales-orders/{order['id']}", None),
        (
            "post",
            f"/sales-orders/{order['id']}/payments",
            {"kind": "deposit", "method": "cash", "amount": "1.00"},
        ),
        ("post", f"/sales-orders/{order['id']}/actions/allocate", {"stock_vehicle_id": stock_car["id"]}),
        ("get", f"/stock-vehicles/{stock_car['id']}", None),
    ]:
        r = getattr(outsider_api, method)(path, body) if body is not None else outsider_api.get(path)
        assert r.status_code == 404, (path, r.status_code, r.content)
    assert outsider_api.get("/sales-orders").json()["count"] == 0
    assert outsider_api.get("/stock-vehicles").json()["count"] == 0
