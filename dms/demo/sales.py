"""The demo dealership's showroom (issue 14): new cars in stock and in transit at SZ01, prospects of
every source and grade for sales1, today's door traffic, a test drive, a quotation waiting for
showroom1's approval, a lost prospect to confirm, and a signed order with its deposit and VIN.

`load_demo_sales()` runs at the end of `load_demo()` (same transaction). Everything goes through the
sales services acting as the demo user whose role does the step (sales1 registers and quotes,
showroom1 receives stock and assigns, cashier1 takes the deposit); afterwards the time stamps are
moved back so that stock has an age and prospects a history, and the day's showroom is set against
the working day (`workday_now`): loaded at 07:00 or at midnight, no visit, test drive or follow-up
falls before opening or in the night.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.apps import apps
from django.db import models
from django.db.models import F
from django.utils import timezone

from dms.core.models import Store, User
from dms.core.tenancy import resolve_tenant
from dms.sales import services, services_orders
from dms.sales.models import Lead, SalesHistory, SalesOrder, ShowroomVisit, StockVehicle, TestDrive
from dms.vehicles.rules import vin_check_digit

from .service import CLOSES, OPENS, TZ, workday_now

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
    ("马俊", "13555501205", "web", "思域", None, 0.3),
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
    for name, mobile, source, model, grade, _hours in LEADS:
        tenant = sales if source == "walk_in" else manager
        lead, _created = services.lead_create(
            tenant=tenant, name=name, mobile=mobile, source=source, model_interest=model,
            assigned_to_id=sales.user.pk if tenant is manager else None,
        )  # fmt: skip
        if grade:
            services.lead_contact(
                tenant=sales, lead_id=lead.pk, channel="phone", note="首次联系，了解需求", grade=grade
            )
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
    _retime(store, now, leads)
    return {
        "stock": len(cars), "leads": Lead.objects.filter(store=store).count(),
        "visits": ShowroomVisit.objects.filter(store=store).count(), "orders": 1,
    }  # fmt: skip


def _retime(store: Store, now, leads: list[Lead]) -> None:
    """Set the showroom's records, all written at the clock's time, against the working day: every
    time stamp moves back to the day's moment (workday_now, to 5 minutes), then each prospect gets
    its history (created `hours` before, first answered within the half hour as the store asks,
    followed up an hour ago), and today's door its rhythm: a party of two came and went, the H
    prospect came back an hour ago for the test drive that just ended, a party of three just came in."""
    shop = workday_now(now)
    shop = shop.replace(second=0, microsecond=0) - timedelta(minutes=shop.minute % 5)
    delta = now - shop
    for model in apps.get_app_config("sales").get_models():
        stamps = [
            f.name for f in model._meta.get_fields() if isinstance(f, models.DateTimeField) and not f.auto_now
        ]
        if not stamps:
            continue
        if any(f.name == "store" for f in model._meta.get_fields()):
            rows = model.objects.filter(store=store)
        else:
            rows = model.objects.filter(order__store=store)
        for name in stamps:
            rows.filter(**{f"{name}__isnull": False}).update(**{name: F(name) - delta})

    def history(subject: str, pk: int, action: str, at) -> None:
        SalesHistory.objects.filter(subject=subject, subject_id=pk, action=action).update(at=at)

    for i, (lead, (_n, _m, _s, _model, grade, hours)) in enumerate(zip(leads, LEADS, strict=True)):
        created = _open_hours(shop - timedelta(hours=hours))
        history("lead", lead.pk, "created", created)
        history("lead", lead.pk, "assigned", created + timedelta(minutes=2))
        if grade is None:
            Lead.objects.filter(pk=lead.pk).update(
                created_at=created, next_follow_up_at=created + timedelta(hours=1)
            )
            continue
        answered = created + timedelta(minutes=5 + 7 * i)
        history("lead", lead.pk, "contact", answered)
        Lead.objects.filter(pk=lead.pk).update(
            created_at=created, first_contact_at=answered, last_contact_at=answered,
            first_response_seconds=int((answered - created).total_seconds()), next_follow_up_at=shop - timedelta(hours=1),
        )  # fmt: skip

    # The morning so far (at least the hour since opening, at most the last two hours and more).
    opened = datetime.combine(shop.astimezone(TZ).date(), OPENS, tzinfo=TZ)
    span = min(shop - opened, timedelta(minutes=130))

    def before(share: float):
        return (shop - span * share).replace(second=0, microsecond=0)

    times = {2: (before(1), before(0.6)), 1: (before(0.45), None), 3: (before(0.05), None)}  # by party size
    for visit in ShowroomVisit.objects.filter(store=store):
        arrived, left = times[visit.party_size]
        ShowroomVisit.objects.filter(pk=visit.pk).update(arrived_at=arrived, left_at=left)
    history("lead", leads[0].pk, "needs", before(0.4))
    for drive in TestDrive.objects.filter(store=store):
        started, finished = before(0.35), before(0.1)
        TestDrive.objects.filter(pk=drive.pk).update(started_at=started, finished_at=finished)
        SalesHistory.objects.filter(subject="test_drive", subject_id=drive.pk).update(at=finished)
        history("test_drive", drive.pk, "started", started)
    due = datetime.combine(shop.astimezone(TZ).date() + timedelta(days=3), time(10, 0), tzinfo=TZ)
    SalesOrder.objects.filter(store=store, delivery_due__isnull=False).update(delivery_due=due)


def _open_hours(at: datetime) -> datetime:
    """`at`, or when the store was closed then, the half hour before it closed on the day before."""
    local = at.astimezone(TZ)
    if OPENS <= local.time() <= CLOSES:
        return at
    day = local.date() - timedelta(days=1) if local.time() < OPENS else local.date()
    return datetime.combine(day, CLOSES, tzinfo=TZ) - timedelta(minutes=30)
