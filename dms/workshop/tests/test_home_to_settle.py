"""The home page's work panels: the cashier's orders that passed QC and wait to be settled, the parts
clerk's agreed parts still to issue; of the store they act in, the nearest promise first; no one
else's home carries them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dms.workshop.models import RepairOrder, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(sa, customer, vehicle):
    n = iter(range(1, 1000))

    def make(store, state=State.READY, total="1280.00", promised_hours=2):
        return RepairOrder.objects.create(
            store=store, number=f"RO-T{next(n):03d}", state=state, customer=customer, vehicle=vehicle,
            advisor=sa, complaint="保养", mileage_in=1000, plate=vehicle.plate, customer_name=customer.name,
            customer_total=Decimal(total), promised_at=timezone.now() + timedelta(hours=promised_hours),
        )  # fmt: skip

    return make


def home_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.get("/").content.decode()


def test_the_cashier_sees_the_stores_orders_waiting_to_be_settled(
    order, store, second_store, cashier, tech_user
):
    later = order(store, promised_hours=5)
    sooner = order(store, total="12680.50", promised_hours=1)
    settled = order(store, state=State.SETTLED)
    elsewhere = order(second_store)

    page = home_of(cashier)
    assert "待结算" in page and "¥12,680.50" in page and "¥1,280.00" in page
    assert page.index(sooner.number) < page.index(later.number)
    assert settled.number not in page and elsewhere.number not in page
    assert "待结算" not in home_of(tech_user)


def test_a_manager_is_not_handed_the_cashiers_and_the_parts_clerks_queues(order, store, manager, oil_filter):
    from dms.workshop.models import RepairOrderLine

    ready = order(store)
    signed = order(store, state=State.SIGNED)
    RepairOrderLine.objects.create(
        order=signed, kind="part", description=oil_filter.name, part=oil_filter, quantity=Decimal("1"),
        unit_price=Decimal("68"), amount=Decimal("68"), state="approved",
    )  # fmt: skip

    page = home_of(manager)
    assert "待结算" not in page and "待发料" not in page and ready.number not in page


def test_the_panel_costs_the_same_queries_for_two_orders_or_twenty(order, store, cashier):
    client = Client()
    client.force_login(cashier)
    for _ in range(2):
        order(store)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        client.get("/")
    for _ in range(18):
        order(store)
    with CaptureQueriesContext(connection) as many:
        page = client.get("/").content.decode()
    assert len(many) <= len(few) + 1  # the count, once the page of 20 is full
    assert "RO-T020" in page


def test_the_settle_form_starts_from_the_way_the_customer_said_they_would_pay(order, store, cashier):
    ready = order(store)
    RepairOrder.objects.filter(pk=ready.pk).update(payment_method="card")
    client = Client()
    client.force_login(cashier)

    page = client.get(f"/orders/{ready.pk}/").content.decode()
    assert '<option value="card" selected>银行卡</option>' in page
    assert '<option value="wechat">微信支付</option>' in page


def test_the_parts_clerk_sees_the_agreed_parts_still_to_issue(
    order, store, second_store, clerk, cashier, oil_filter
):
    from dms.workshop.models import RepairOrderLine

    def line(o, state="approved", quantity="2", issued="0"):
        return RepairOrderLine.objects.create(
            order=o, kind="part", description=oil_filter.name, part=oil_filter, quantity=Decimal(quantity),
            unit_price=Decimal("68"), amount=Decimal("136"), state=state, issued_quantity=Decimal(issued),
        )  # fmt: skip

    signed = order(store, state=State.SIGNED, promised_hours=3)
    working = order(store, state=State.IN_PROGRESS, promised_hours=1)
    line(signed, quantity="2")
    line(working, quantity="3", issued="1")
    line(working, state="proposed")  # the customer has not agreed yet
    line(order(store, state=State.IN_PROGRESS), issued="2")  # all issued
    line(order(store, state=State.FINISHED))  # the work is finished
    line(order(second_store, state=State.SIGNED))  # another store

    page = home_of(clerk)
    assert "待发料" in page and page.count(f"{oil_filter.number}<") == 2
    assert page.index(working.number) < page.index(signed.number)  # the nearer promise first
    panel = page[page.index('id="to-issue"') :]
    assert ">2 个<" in panel and panel.count(">2 个<") == 2  # 2 of the first order, 3 - 1 of the second
    assert "待发料" not in home_of(cashier)
