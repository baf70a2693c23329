"""A comeback in a real browser, in Chinese: the advisor opens the order of a car back inside the
warranty of an earlier repair, confirms the comeback with a reason (the store pays), and the service
manager reads the month's comebacks and the 三包 counters. Screenshots: var/screenshots/comeback-*.png."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD, make_user
from dms.core.roles import Role
from dms.scheduling.models import Technician
from dms.vehicles.models import ServiceRecord, Vehicle
from dms.workshop import services
from dms.workshop.models import ComebackStatus, LaborOperation, RepairOrder, RepairOrderEvent, State

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def login(page, username):
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("header.topbar")).to_be_visible()


@pytest.fixture
def back_again(store, group, sa, tenant, vehicle, customer, manager):
    tech = Technician.objects.create(
        store=store, user=make_user("tech1", store, Role.TECHNICIAN), skills=["general"]
    )
    qc = make_user("qc1", store, Role.QC_INSPECTOR)
    brakes = LaborOperation.objects.create(
        group=group, code="B20", name="更换前刹车片", standard_hours=Decimal("1.2")
    )
    Vehicle.objects.filter(pk=vehicle.pk).update(purchase_date=timezone.localdate() - timedelta(days=200))
    earlier = RepairOrder.objects.create(
        store=store, number="RO-SZ01-2026-000100", state=State.DELIVERED, customer=customer, vehicle=vehicle,
        advisor=sa, technician=tech, complaint="刹车异响", mileage_in=11_600, mileage_out=11_600,
        delivered_at=timezone.now() - timedelta(days=4),
    )  # fmt: skip
    RepairOrderEvent.objects.create(order=earlier, at=earlier.delivered_at - timedelta(hours=2), by=qc,
                                    action="qc-pass", from_state="finished", to_state="ready")  # fmt: skip
    for days_ago, days in ((150, 12), (90, 9), (40, 6)):
        ServiceRecord.objects.create(
            vehicle=vehicle, customer=customer, store=store, date=timezone.localdate() - timedelta(days=days_ago),
            mileage_km=8_000, kind="repair", summary="更换前刹车片", repair_days=days, faults=["B20 更换前刹车片"],
        )  # fmt: skip
    order = services.repair_order_create(
        tenant=tenant, vehicle_id=vehicle.pk, mileage_km=12_000, complaint="刹车又响"
    )
    services.line_add(tenant=tenant, order_id=order.pk, kind="labor", labor_operation_id=brakes.pk)
    return order


def test_the_advisor_confirms_a_comeback_and_the_manager_reads_it(tablet, shot, back_again, vehicle):
    page, order = tablet, back_again
    login(page, "sa1")
    page.goto(f"/orders/{order.pk}/")
    form = page.locator(f"form[action='/orders/{order.pk}/actions/confirm-comeback/']")
    form.locator("input[name=reason]").fill("同一故障：前刹车异响，4 天前更换刹车片")
    shot(page, "comeback-01-order-suspected")
    form.locator("button").click()
    expect(page.locator("body")).to_contain_text("本店（返修）")
    shot(page, "comeback-02-confirmed-store-pays")
    assert RepairOrder.objects.get(pk=order.pk).comeback_status == ComebackStatus.CONFIRMED
    assert RepairOrder.objects.get(pk=order.pk).customer_total == 0

    page.goto(f"/vehicles/{vehicle.pk}/")
    expect(page.locator(".sanbao-counters")).to_contain_text("27")
    shot(page, "comeback-03-vehicle-sanbao")

    page.context.clear_cookies()
    login(page, "manager1")
    page.goto("/orders/comebacks/")
    expect(page.locator("body")).to_contain_text(order.number)
    shot(page, "comeback-04-managers-page")
    page.goto("/vehicles/sanbao/")
    expect(page.locator("body")).to_contain_text("粤B12345")
    shot(page, "comeback-05-sanbao-watch")
