"""sa1 at the desk, in Chinese: the order page offers the maintenance due and the brake pads
declined last time; one tap adds each, and a canned job comes from the picker."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from dms.workshop.models import RepairOrder, RepairOrderLine

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def test_the_advisor_adds_the_due_maintenance_a_declined_item_and_a_canned_job(
    tablet,
    shot,
    sa,
    people,
    vehicle,
    schedule,
    brake_job,
    catalogue,
):
    from dms.workshop.services import line_add, repair_order_create

    earlier = repair_order_create(
        tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=12000, complaint="保养"
    )
    pads = line_add(
        tenant=people["sa"], order_id=earlier.pk, kind="part", part_id=catalogue["pads"].pk, quantity="1"
    )
    RepairOrderLine.objects.filter(pk=pads.pk).update(state="declined", note="前片剩 3 mm")
    RepairOrder.objects.filter(pk=earlier.pk).update(state="delivered")
    order = repair_order_create(
        tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=12600, complaint="刹车有异响"
    )

    page = tablet
    page.goto("/login/")
    page.get_by_label("用户名").fill("sa1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"/orders/{order.pk}/")
    recs = page.locator("#recommendations")
    expect(recs).to_contain_text("10,000 km 保养")
    expect(recs).to_contain_text("上次未做")
    recs.scroll_into_view_if_needed()
    shot(page, "packages-01-order-recommendations")

    recs.locator(".advice").filter(has_text="10,000 km 保养").get_by_role("button", name="加入委托书").click()
    expect(page.locator(".msg.success")).to_contain_text("已加入委托书：10,000 km 保养")
    page.locator("#recommendations .advice").filter(has_text="前刹车片").get_by_role(
        "button", name="加入委托书"
    ).click()
    expect(page.locator(".msg.success")).to_contain_text("已加入委托书：前刹车片")
    page.get_by_label("标准项目套餐").select_option(label="前刹车片更换套餐 · ¥860.00")
    page.get_by_role("button", name="加入套餐").click()
    expect(page.locator(".msg.success")).to_contain_text("前刹车片更换套餐")
    shot(page, "packages-02-order-with-lines")
    assert RepairOrderLine.objects.filter(order=order).count() == 4 + 1 + 2

    page.goto("/packages/")
    expect(page.locator("h1")).to_contain_text("保养套餐与标准项目")
    shot(page, "packages-03-list")
