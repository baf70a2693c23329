"""One car through the ten steps of the service process, on the demo dealership, in Chinese, by
the demo users: sa1 books and receives, foreman1 dispatches, tech1 finds an extra item and
photographs it, the customer sees the photo and approves the item on the link page (a phone), qc1
fails it once then passes it, cashier1 settles, sa1 delivers (the customer agrees to a follow-up
by SMS in the morning), and the follow-up call appears for care1 with that channel and time. The
two printed documents are fetched and, where poppler is installed, turned into PNG pages next to
the screenshots.

The clock is set to a Tuesday morning in Shenzhen, so that the workshop is open whatever the time
the suite runs at (the live server runs in this process: time-machine moves its clock too)."""

import io
import shutil
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from PIL import Image
from playwright.sync_api import expect

from dms.messaging.models import Message
from dms.workshop.models import JobClock, RepairOrder, RepairOrderLine
from tests.browser.fixtures import draw_signature, sign_in

from .conftest import SHOTS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

MORNING = datetime(2026, 12, 1, 8, 40, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def demo():
    with time_machine.travel(MORNING, tick=True):
        from dms.demo.dealership import load_demo

        load_demo(customers=60, other_customers=5)
        yield


@pytest.fixture
def car(demo):
    """A demo customer's car with no appointment or order yet."""
    from dms.vehicles.models import Vehicle

    vehicle = (
        Vehicle.objects.filter(owner__group__code="DEMO", repair_orders__isnull=True, plate__startswith="粤B")
        .exclude(appointments__isnull=False)
        .select_related("owner")
        .order_by("pk")
        .first()
    )
    assert vehicle is not None
    return vehicle


def wait_for_state(order, state: str, seconds: float = 10) -> None:
    """The page answered; wait until the order has moved (an htmx swap is asynchronous)."""
    import time

    from django.db import OperationalError

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            order.refresh_from_db()
        except OperationalError:  # SQLite's shared in-memory test database: the server is writing
            time.sleep(0.1)
            continue
        if order.state == state:
            return
        time.sleep(0.1)
    raise AssertionError(f"{order.number} is {order.state}, not {state}")


def take(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"loop-{name}.png"), full_page=True)


def save_pdf(page, url: str, name: str) -> bytes:
    response = page.request.get(url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    body = response.body()
    assert body.startswith(b"%PDF")
    path = SHOTS / f"loop-{name}.pdf"
    path.write_bytes(body)
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-png", "-r", "70", str(path), str(SHOTS / f"loop-{name}")], check=True)
    return body


def brake_pad_photo() -> bytes:
    """A stand-in for the technician's camera: a JPEG the shape of a phone photo."""
    out = io.BytesIO()
    img = Image.new("RGB", (1200, 900), (92, 96, 104))
    img.paste((170, 60, 40), (300, 250, 900, 650))
    img.save(out, "JPEG")
    return out.getvalue()


def test_one_car_through_the_ten_steps(chromium, live_server, tablet, car, settings, tmp_path):
    page = tablet
    # The technician's photo goes to a temporary directory, not var/media.
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}  # fmt: skip
    page.on("dialog", lambda dialog: dialog.accept())  # "All work on this order done?" and the like
    with time_machine.travel(MORNING, tick=True):
        plate = car.plate

        # 1. Appointment (预约): sa1 books the car for this morning at a quiet slot.
        sign_in(page, "sa1")
        page.goto("/appointments/new/")
        page.get_by_role("searchbox", name="查找车辆").fill(plate)
        page.get_by_role("searchbox", name="查找车辆").press("Enter")
        page.get_by_role("link", name=plate).click()
        expect(page.locator("#id_date")).to_be_attached()
        page.wait_for_load_state("networkidle")  # htmx has set up the form (under load a change was lost)
        with page.expect_response(lambda r: "/appointments/slots/" in r.url):
            page.locator("#id_date").fill(MORNING.date().isoformat())  # htmx brings the day's slots
        slot = page.locator("#slots label.slot:not(.off)").first
        expect(slot).to_be_visible()
        slot.click()
        page.locator("#id_items").fill("一万公里保养，刹车有点软")
        take(page, "01-booking")
        page.locator("form.form button.primary").click()
        expect(page.locator(".badge.st-booked").first).to_be_visible()

        # 2. Reception (接待): check-in from today's appointments, covers, walk-around, signature.
        page.goto("/reception/")
        today = page.locator("section", has=page.get_by_role("heading", name="今日预约"))
        today.locator("li, tr, article", has_text=plate).get_by_role("button", name="接车").click()
        expect(page.get_by_label("座椅套")).to_be_attached()
        page.wait_for_load_state("networkidle")  # the covers page has loaded (a loaded machine lost a tick)
        page.get_by_label("座椅套").check(force=True)
        page.get_by_label("方向盘套").check(force=True)
        page.get_by_label("脚垫").check(force=True)
        page.get_by_role("button", name="三件套已铺好，开始环车检查").click()
        expect(page.get_by_role("heading", name="车身损伤")).to_be_visible()
        page.wait_for_load_state()  # the car takes marks once its (deferred) script has run
        page.locator("#car").click(position={"x": 40, "y": 110})
        expect(page.locator("#car .mark")).to_have_count(1)
        page.locator(".rc-fuel label", has_text="1/2").click()
        page.get_by_label("表显里程（km）").fill(str(car.mileage_km + 800))
        take(page, "02-walkaround")
        page.get_by_role("button", name="下一步：返修与保修").click()
        page.get_by_role("button", name="下一步：客户原话").click()

        # 3. Consultation and the repair order (问诊, 任务委托书).
        page.get_by_role("button", name="开委托书").click()
        expect(page.get_by_role("heading", name="客户签字")).to_be_visible()
        draw_signature(page)
        page.get_by_role("button", name="确认签字").click()
        expect(page.locator("h1")).to_contain_text("RO-")
        order = RepairOrder.objects.get(vehicle=car)
        order_url = f"/orders/{order.pk}/"
        line_form = page.locator("form", has=page.get_by_role("button", name="添加项目"))
        line_form.locator("select[name=kind]").select_option("labor")
        oil = line_form.locator(
            "select[name=labor_operation] option", has_text="机油机滤"
        ).first.get_attribute("value")
        line_form.locator("select[name=labor_operation]").select_option(oil)
        line_form.get_by_role("button", name="添加项目").click()
        expect(page.locator(".msg.success")).to_contain_text("已添加项目")
        line_form = page.locator("form", has=page.get_by_role("button", name="添加项目"))
        line_form.locator("select[name=kind]").select_option("part")
        filt = line_form.locator("select[name=part] option", has_text="15400-RTA-003").first.get_attribute(
            "value"
        )
        line_form.locator("select[name=part]").select_option(filt)
        line_form.locator("input[name=quantity]").fill("1")
        line_form.get_by_role("button", name="添加项目").click()
        expect(page.locator(".msg.success")).to_contain_text("已添加项目")
        take(page, "03-order-estimate")
        page.get_by_role("button", name="客户签字确认").click()
        expect(page.locator("h1")).to_contain_text("客户已签字")
        save_pdf(page, f"/documents/orders/{order.pk}/repair-order.pdf", "repair-order")
        assert Message.objects.filter(subject_id=order.pk, kind="status_link").exists()  # on the outbox

        # Step 7's parts, issued by parts1 from the order page (领料).
        sign_in(page, "parts1")
        page.goto(order_url)
        page.get_by_role("button", name="领料").click()
        expect(page.locator(".msg.success")).to_contain_text("已领料出库")
        assert RepairOrderLine.objects.get(order=order, kind="part").issued_quantity == 1

        # 4. Dispatch (派工): foreman1 gives the job to tech1 (陈伟).
        sign_in(page, "foreman1")
        page.goto("/floor/dispatch/")
        card = page.locator("article.job", has_text=order.number)
        tech1 = card.locator("select option", has_text="陈伟").first.get_attribute("value")
        card.get_by_label("技师").select_option(tech1)
        card.get_by_role("button", name="派工").click()
        expect(page.locator("#dispatch-board .msg.success")).to_contain_text("陈伟")
        take(page, "04-dispatch")

        # 5-6. Diagnosis and an additional item: tech1 clocks on and reports worn brake pads.
        # He is on another car (the demo's job on the lift): one job at a time, so he pauses it first.
        sign_in(page, "tech1")
        page.goto("/floor/my-jobs/")
        on_lift = JobClock.objects.get(technician__user__username="tech1", ended_at__isnull=True)
        other = page.locator(f"#job-{on_lift.order_id}")
        other.locator("select[name=reason]").select_option("break")
        other.get_by_role("button", name="暂停").click()
        expect(page.locator(f"#job-{on_lift.order_id} .chip.paused")).to_be_visible()
        job = page.locator(f"#job-{order.pk}")
        job.get_by_role("button", name="开工").click()
        expect(page.locator(f"#job-{order.pk} .chip.working")).to_be_visible()
        job = page.locator(f"#job-{order.pk}")
        job.locator("details.finding summary").click()
        pads = job.locator("select[name=labor_operation_id] option", has_text="前刹车片").first.get_attribute(
            "value"
        )
        job.locator("select[name=labor_operation_id]").select_option(pads)
        job.locator("textarea[name=note]").fill("前刹车片剩 2 mm，建议更换")
        job.locator("input[name=photo]").set_input_files(
            {"name": "IMG_0001.jpg", "mimeType": "image/jpeg", "buffer": brake_pad_photo()}
        )
        job.get_by_role("button", name="提交检查发现").click()
        expect(page.locator(".msg.success")).to_contain_text("报告检查发现")
        take(page, "05-finding")
        extra = RepairOrderLine.objects.get(order=order, is_additional=True)
        assert extra.state == "proposed"

        # sa1 asks the customer; the customer decides on the link page, on a phone.
        sign_in(page, "sa1")
        page.goto(order_url)
        page.get_by_role("button", name="请客户确认追加项目").click()
        sms = Message.objects.get(subject_id=order.pk, kind="approval_link")
        link = "/c/a/" + sms.body.split("/c/a/")[1].split()[0].rstrip("（(")
        phone_context = chromium.new_context(
            viewport={"width": 390, "height": 844}, locale="zh-CN", base_url=live_server.url
        )
        phone = phone_context.new_page()
        phone.goto(link)
        expect(phone.get_by_text("前刹车片剩 2 mm")).to_be_visible()
        # the technician's photo, small; a tap shows it full size
        thumb = phone.locator("a.shot img")
        expect(thumb).to_be_visible()
        phone.wait_for_function("() => document.querySelector('a.shot img').naturalWidth > 0")
        assert phone.evaluate("() => document.querySelector('a.shot img').naturalWidth") == 480  # small
        phone.locator("a.shot").click()
        expect(phone.locator("dialog.lightbox img")).to_be_visible()
        phone.screenshot(path=str(SHOTS / "loop-06-customer-photo.png"))
        phone.locator("dialog.lightbox").click()
        expect(phone.locator("dialog.lightbox")).to_be_hidden()
        phone.locator(f"label[for=yes-{extra.pk}]").click()
        phone.screenshot(path=str(SHOTS / "loop-06-customer-approves.png"), full_page=True)
        phone.get_by_role("button", name="确认提交").click()
        expect(phone.locator("body")).to_contain_text("谢谢")
        phone_context.close()
        extra.refresh_from_db()
        assert extra.state == "approved"

        # 7. Repair (维修): tech1 finishes.
        sign_in(page, "tech1")
        page.goto("/floor/my-jobs/")
        page.locator(f"#job-{order.pk}").get_by_role("button", name="完工").click()
        wait_for_state(order, "finished")

        # 8. QC (质检): qc1 fails it once (rework), tech1 finishes again, qc1 passes.
        sign_in(page, "qc1")
        page.goto("/floor/qc/")
        qc_card = page.locator(f"#qc-{order.pk}")
        qc_card.locator("input[name=reason], textarea[name=reason]").fill("右前轮螺栓扭矩未复核")
        qc_card.get_by_role("button", name="不合格").click()
        wait_for_state(order, "in_progress")
        sign_in(page, "tech1")
        page.goto("/floor/my-jobs/")
        page.locator(f"#job-{order.pk}").get_by_role("button", name="完工").click()
        wait_for_state(order, "finished")
        sign_in(page, "qc1")
        page.goto("/floor/qc/")
        qc_card = page.locator(f"#qc-{order.pk}")
        for box in qc_card.locator("input[type=checkbox]").all():
            box.check(force=True)
        take(page, "08-qc")
        qc_card.get_by_role("button", name="质检通过").click()
        order.refresh_from_db()
        assert order.state == "ready" and order.rework_count == 1

        # 9. Delivery (交车): cashier1 settles, sa1 delivers; the settlement list is printed.
        sign_in(page, "cashier1")
        page.goto(order_url)
        page.get_by_role("button", name="结算").click()
        expect(page.locator("h1")).to_contain_text("已结算")
        save_pdf(page, f"/documents/orders/{order.pk}/settlement.pdf", "settlement")
        sign_in(page, "sa1")
        page.set_viewport_size({"width": 1024, "height": 768})
        page.goto(order_url)
        form = page.locator("#deliver-form")
        form.get_by_label("首选联系方式").select_option("sms")
        form.get_by_label("首选联系时间").select_option("morning")
        form.scroll_into_view_if_needed()
        form.screenshot(path=str(SHOTS / "loop-09-deliver-form.png"))
        form.get_by_role("button", name="交车").click()
        expect(page.locator("h1")).to_contain_text("已交车")
        take(page, "09-delivered")
        page.set_viewport_size({"width": 1280, "height": 800})

        # 10. Follow-up (回访): the call is in care1's queue.
        sign_in(page, "care1")
        page.goto("/followups/?bucket=later")  # due within 2 days of delivery
        row = page.locator("tr", has_text=plate)
        expect(row).to_contain_text("短信 · 上午")
        take(page, "10-followup-queue")
