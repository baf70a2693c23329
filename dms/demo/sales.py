"""The demo dealership's showroom (issue 14): new cars in stock and in transit at SZ01, prospects of
every source and grade for sales1, today's door traffic, a test drive, a quotation waiting for
showroom1's approval, a lost prospect to confirm, and a signed order with its deposit and VIN.

`load_demo_sales()` runs at the end of `load_demo()` (same transaction). Everything goes through the
sales services acting as the demo user whose role does the step (sales1 registers and quotes,
showroom1 receives stock and assigns, cashier1 takes the deposit); afterwards the time stamps are
moved back so that stock has an age and prospects a history.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from dms.core.models import Store, User
from dms.core.tenancy import resolve_tenant
from dms.sales import services, services_orders
from dms.sales.models import Lead, ShowroomVisit, StockVehicle
from dms.vehicles.rules import vin_check_digit

# model, trim, colour, list price, cost, state, days in stock
STOCK = (
    ("思域", "240TURBO CVT 劲动版", "炫动黄", "129900.00", "118500.00", "in_stock", 12),
    ("思域", "240TURBO CVT 燃擎版", "珍珠白", "139900.00", "127800.00", "in_stock", 75),
    ("CR-V", "240TURBO CVT 两驱 都市版", "星月白", "189900.00", "173000.00", "in_stock", 40),
    ("CR-V", "锐·混动 2.0L 四驱 尊贵版", "水晶黑", "249900.00", "229000.00", "in_transit", None),
    ("XR-V", "1.5L CVT 热潮版", "琉璃红", "129800.00", "119000.00", "in_stock", 104),
    ("思域", "240TURBO CVT 劲动版", "钢琴黑", "129900.00", "118500.00", "in_transit", None),
)

# name, mobile, source, model of interest, grade (None: not contacted yet), hours since created
LEADS = (
    ("刘思远", "13555501201", "walk_in", "思域", "H", 30),
    ("陈晓梅", "13555501202", "phone", "CR-V", "A", 50),
    ("赵磊", "13555501203", "web", "XR-V", "B", 120),
    ("孙丽娟", "13555501204", "event", "CR-V", "C", 300),
    ("马俊", "13555501205", "web", "思域", None, 2),
    ("黄佳怡", "13555501206", "phone", "思域", None, 20),
)


def _vin(serial: int) -> str:
    body = f"LVHNEW000RZ{serial:06d}"
    return body[:8] + vin_check_digit(body) + body[9:]


def load_demo_sales(*, store_code: str = "SZ01") -> dict:
    store = Store.objects.get(code=store_code)
    sales = resolve_tenant(User.objects.get(username="sales1"), store_code)
    manager = resolve_tenant(User.objects.get(username="showroom1"), store_code)
    cashier = resolve_tenant(User.objects.get(username="cashier1"), store_code)
    brand = store.brands.get(name="东风本田")
    now, today = timezone.now(), timezone.localdate()
    services.settings_for(store)

    cars = []
    for i, (model, trim, colour, price, cost, state, age) in enumerate(STOCK):
        car = services_orders.stock_create(
            tenant=manager, vin=_vin(900100 + i), brand=brand.name, model=model, trim=trim, colour=colour,
            list_price=Decimal(price), cost=Decimal(cost), state=state,
        )  # fmt: skip
        if age is not None:
            StockVehicle.objects.filter(pk=car.pk).update(arrived_on=today - timedelta(days=age))
        cars.append(car)

    leads = []
    for name, mobile, source, model, grade, hours in LEADS:
        tenant = sales if source == "walk_in" else manager
        lead, _created = services.lead_create(
            tenant=tenant, name=name, mobile=mobile, source=source, model_interest=model,
            assigned_to_id=sales.user.pk if tenant is manager else None,
        )  # fmt: skip
        Lead.objects.filter(pk=lead.pk).update(created_at=now - timedelta(hours=hours))
        if grade:
            services.lead_contact(
                tenant=sales, lead_id=lead.pk, channel="phone", note="首次联系，了解需求", grade=grade
            )
            minutes = 5 + 7 * len(leads)  # answered within the half hour, as the store asks
            Lead.objects.filter(pk=lead.pk).update(
                next_follow_up_at=now - timedelta(hours=1), first_response_seconds=minutes * 60,
                first_contact_at=now - timedelta(hours=hours) + timedelta(minutes=minutes),
            )  # fmt: skip
        leads.append(lead)
    services.lead_needs(
        tenant=sales, lead_id=leads[0].pk, budget=Decimal("140000"), usage="上下班通勤", family="夫妻二人",
        models_of_interest="思域", competing_brands="丰田卡罗拉", payment="loan",
    )  # fmt: skip

    # Today at the door: three parties, one of them the H prospect back for a test drive.
    for size, first, lead in ((2, True, None), (1, False, leads[0]), (3, True, None)):
        services.visit_log(tenant=sales, party_size=size, first_visit=first, consultant_id=sales.user.pk,
                           lead_id=lead.pk if lead else None)  # fmt: skip
    drive = services.testdrive_start(
        tenant=sales, lead_id=leads[0].pk, model="思域", licence_no="440304199203151234",
        licence_expires=today + timedelta(days=900), odometer_start=1180, route="店—深南大道—香蜜湖路—店",
    )  # fmt: skip
    services.testdrive_finish(
        tenant=sales, test_drive_id=drive.pk, odometer_end=1193, impressions="提速快，隔音好"
    )

    # A discount above sales1's authority, waiting for showroom1.
    services_orders.quotation_create(
        tenant=sales, lead_id=leads[1].pk, model="CR-V", trim="240TURBO CVT 两驱 都市版", colour="星月白",
        list_price=Decimal("189900"), discount=Decimal("8000"), discount_reason="客户对比丰田 RAV4，价差 8000",
        insurance=Decimal("7200"), fees=Decimal("1500"),
        finance={"down_payment": Decimal("60000"), "term_months": 36, "annual_rate": Decimal("3.99")},
    )  # fmt: skip
    # A prospect lost to a competitor: showroom1 confirms it.
    services.lead_lose(tenant=sales, lead_id=leads[3].pk, reason="已在别家购买（丰田 RAV4）")

    # A signed order with its deposit and VIN: 赵磊's XR-V.
    quote = services_orders.quotation_create(
        tenant=sales, lead_id=leads[2].pk, model="XR-V", trim="1.5L CVT 热潮版", colour="琉璃红",
        list_price=Decimal("129800"), discount=Decimal("2000"), insurance=Decimal("5800"), fees=Decimal("1200"),
        accessories=[{"name": "全车脚垫", "price": "600"}, {"name": "行车记录仪", "price": "980"}],
    )  # fmt: skip
    order = services_orders.sales_order_create(tenant=sales, quotation_id=quote.pk)
    services_orders.payment_add(
        tenant=cashier, order_id=order.pk, kind="deposit", method="wechat", amount=Decimal("5000")
    )
    services_orders.sales_order_allocate(tenant=sales, order_id=order.pk, stock_vehicle_id=cars[4].pk)
    services_orders.delivery_due_set(tenant=sales, order_id=order.pk, at=now + timedelta(days=3))
    return {
        "stock": len(cars), "leads": Lead.objects.filter(store=store).count(),
        "visits": ShowroomVisit.objects.filter(store=store).count(), "orders": 1,
    }  # fmt: skip
