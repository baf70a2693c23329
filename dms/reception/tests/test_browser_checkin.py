"""sa1 at the reception desk on a 10-inch tablet, in Chinese: checks in this morning's appointment.
The covers first (refused until all three are in place), then the walk-around: two damage marks
tapped on the outline, a photo, the fuel gauge, a mileage typed backwards and corrected, a warning
lamp and the valuables; the comeback warning; the customer's words; the signature drawn on screen;
then the repair order's page."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from dms.reception.models import CheckIn
from dms.reception.tests.tenancy_world import tiny_png
from dms.scheduling.models import Appointment
from dms.vehicles.models import Vehicle

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


@pytest.fixture
def arriving(tenant, vehicle, customer):
    """张三's car, booked for now: the customer is at the door."""
    now = timezone.now().replace(second=0, microsecond=0)
    return Appointment.objects.create(
        store=tenant.store, vehicle=vehicle, customer=customer, start=now, end=now + timedelta(hours=1), hours=1,
        job="repair", items="刹车有异响，上次修过", created_by=tenant.user,
    )  # fmt: skip


def test_sa_checks_in_an_appointment_on_the_tablet(tablet, shot, sa, arriving, delivered_repair, tmp_path):
    last = delivered_repair(days=5, km=12000)  # brakes repaired 5 days ago: back within the warranty
    Vehicle.objects.filter(pk=arriving.vehicle_id).update(
        purchase_date=timezone.localdate() - timedelta(days=700)
    )
    page = tablet
    page.goto("/login/")
    page.get_by_label("用户名").fill("sa1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    # Start: this morning's appointment is listed; the search finds the car too.
    page.goto("/reception/")
    expect(page.get_by_role("heading", name="今日预约")).to_be_visible()
    page.get_by_role("searchbox", name="车牌、VIN 或后几位、手机、姓名").fill("B12345")
    expect(page.locator("#found")).to_contain_text("张三")
    shot(page, "reception-01-start")
    page.locator("section", has=page.get_by_role("heading", name="今日预约")).get_by_role(
        "button", name="接车"
    ).click()

    # 三件套: refused until all three are in place.
    expect(page.get_by_role("heading", name="进入车内前先铺好三件套")).to_be_visible()
    page.wait_for_load_state("networkidle")  # the page's scripts have run (a loaded machine lost the tick)
    page.get_by_label("座椅套").check(force=True)
    page.get_by_role("button", name="三件套已铺好，开始环车检查").click()
    expect(page.locator(".error")).to_contain_text("三件套全部铺好后")
    shot(page, "reception-02-covers-missing")
    page.get_by_label("方向盘套").check(force=True)
    page.get_by_label("脚垫").check(force=True)
    shot(page, "reception-03-covers")
    page.get_by_role("button", name="三件套已铺好，开始环车检查").click()

    # The walk-around.
    expect(page.get_by_role("heading", name="车身损伤")).to_be_visible()
    page.wait_for_load_state()  # the car takes marks once its (deferred) script has run
    car = page.locator("#car")
    car.click(position={"x": 40, "y": 110})  # a scratch on the left front wing
    expect(page.locator("#car .mark")).to_have_count(1)
    page.locator(".rc-kind", has_text="凹陷").click()
    car.click(position={"x": 180, "y": 300})  # a dent on the right rear door
    page.locator("#mark-list input").nth(1).fill("右后门凹陷约 3 cm")
    expect(page.locator("#car .mark")).to_have_count(2)
    photo = tmp_path / "scratch.png"
    photo.write_bytes(tiny_png(800, 600))
    page.locator("#photo-input").set_input_files(str(photo))
    expect(page.locator("#photos img")).to_have_count(1)
    page.locator(".rc-fuel label", has_text="1/2").click()
    page.get_by_label("表显里程（km）").fill("11000")
    page.locator(".rc-lamps label", has_text="胎压").click()
    page.get_by_label("车内贵重物品").fill("行车记录仪")
    page.get_by_role("button", name="下一步：返修与保修").click()
    expect(page.locator(".errorlist")).to_contain_text("里程不会倒退")
    expect(page.locator("#car .mark")).to_have_count(2)  # nothing entered is lost
    shot(page, "reception-04-walkaround-mileage-backwards")
    page.get_by_label("表显里程（km）").fill("12400")
    shot(page, "reception-05-walkaround")
    page.get_by_role("button", name="下一步：返修与保修").click()

    # The comeback, shown before anything else.
    expect(page.locator(".rc-alert.bad")).to_contain_text(last.number)
    shot(page, "reception-06-comeback")
    page.get_by_role("button", name="下一步：客户原话").click()

    # The customer's words (from the appointment) and the order.
    complaint = page.get_by_label("客户描述")
    expect(complaint).to_have_value("刹车有异响，上次修过")
    complaint.fill("刹车有异响，上次修过；低速踩刹车时右后轮吱吱响")
    shot(page, "reception-07-order")
    page.get_by_role("button", name="开委托书").click()

    # The signature: refused blank, then drawn with a finger.
    expect(page.get_by_role("heading", name="客户签字")).to_be_visible()
    page.get_by_role("button", name="确认签字").click()
    expect(page.locator("#pad-empty")).to_be_visible()
    page.locator("#pad").scroll_into_view_if_needed()
    box = page.locator("#pad").bounding_box()
    x, y = box["x"], box["y"]
    page.mouse.move(x + 40, y + 170)
    page.mouse.down()
    for i in range(1, 30):
        page.mouse.move(x + 40 + i * 14, y + 170 - (i % 6) * 16)
    page.mouse.up()
    expect(page.locator("#pad-empty")).to_be_hidden()  # the reminder goes once the customer signs
    shot(page, "reception-08-signature", full_page=False)
    page.get_by_role("button", name="确认签字").click()

    # The repair order's page.
    expect(page.locator("h1")).to_contain_text("RO-")
    shot(page, "reception-09-order-page")
    checkin = CheckIn.objects.get()
    assert checkin.signed_at is not None and checkin.repair_order.is_comeback
    assert [m["kind"] for m in checkin.damage_marks] == ["scratch", "dent"]
    assert (checkin.mileage_km, checkin.fuel_level, checkin.warning_lamps) == (12400, 4, ["tyre"])
    assert checkin.photos.count() == 1
