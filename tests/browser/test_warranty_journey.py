"""A car back inside the repair-quality warranty of its engine overhaul, in Chinese, through the pages
(issue 15's browser test).

The history is built with the services: 48 days ago the store overhauled the engine of 李建华's
Accord under the maker's warranty (an assembly overhaul: 100 days / 20,000 km of repair-quality
warranty, certificate given), 20 days ago it changed the oil (10 days / 2,000 km, over). Today:

1. sa1 checks the car in; the checks find the comeback behind the later oil change. On the order
   sa1 adds the diagnosis (诊断费), the compression test (检测费) and the valve seals, confirms the
   comeback with a reason: the store pays (返修), the customer nothing. The workshop's steps are the
   services'; cashier1 settles at ¥0.00 with the completion certificate's number.
2. The settlement list PDF: its text has the diagnosis and inspection fees as separate lines, the
   certificate number, 返修 as the payer; its first page is rendered to PNG to be looked at.
3. The electronic repair record built at settlement reaches the (fake) province platform when the
   outbox's worker makes its pass; the order's card says it was uploaded.
4. sa1 collects the maker's warranty claim of the overhaul, tags the old parts, adds a photo and
   submits it; manager1 records the maker's partial approval and its payment; the month's
   reconciliation shows what was claimed against what was reimbursed.

Screenshots and the PDF: var/screenshots/warranty-*.png|pdf."""

import io
import re
import shutil
import subprocess
import time
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import OperationalError
from django.utils import timezone, translation
from PIL import Image
from playwright.sync_api import expect

from conftest import make_user, valid_vin
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant
from tests.browser.fixtures import draw_signature, sign_in

from .conftest import SHOTS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

COMPANY, PLATFORM_PASSWORD = "4403000123", "platform-pass-1"
CERTIFICATE = "4403002026120458"  # the completion certificate of today's repair (合格证)
WARRANTY = "整车三年十万公里质保期内，厂家技术支持批准发动机大修（TS-2026-1187）"


# --- The history ---------------------------------------------------------------------------------------


def orm(call, seconds: float = 10):
    """An ORM call right after a page's request: SQLite's shared in-memory test database refuses a
    statement while the live server writes (the page's own requests: its alerts, the session), so
    try again for a while. Each call is one service or read: trying it again is safe."""
    end = time.monotonic() + seconds
    while True:
        try:
            return call()
        except OperationalError:
            if time.monotonic() > end:
                raise
            time.sleep(0.1)


def through_the_workshop(order_id, people, *, certificate="", mileage_out=None, sign=True):
    """The workshop's steps after the advisor: signed, dispatched to tech1, repaired, passed by
    qc1, settled by cashier1 (the customer's share paid by WeChat) and, with `mileage_out`, delivered."""
    from dms.workshop import services
    from dms.workshop.models import RepairOrder

    if sign:
        orm(lambda: services.order_sign(tenant=people.sa, order_id=order_id))
    orm(lambda: services.order_dispatch(tenant=people.manager, order_id=order_id,
                                       technician_id=people.technician.pk))  # fmt: skip
    for tenant, step in ((people.tech, services.order_start), (people.tech, services.order_finish),
                         (people.qc, services.order_qc_pass)):  # fmt: skip
        orm(lambda step=step, tenant=tenant: step(tenant=tenant, order_id=order_id))
    if mileage_out is None:
        return
    due = RepairOrder.objects.get(pk=order_id).customer_total
    services.order_settle(
        tenant=people.cashier, order_id=order_id, certificate_number=certificate,
        payments=[{"method": "wechat", "amount": f"{due:.2f}"}] if due else [],
    )  # fmt: skip
    services.order_deliver(tenant=people.sa, order_id=order_id, mileage_out=mileage_out)


@pytest.fixture
def people(store, sa, manager):
    from types import SimpleNamespace

    from dms.scheduling.models import Technician

    tech1 = make_user("tech1", store, Role.TECHNICIAN)
    qc1 = make_user("qc1", store, Role.QC_INSPECTOR)
    cashier1 = make_user("cashier1", store, Role.CASHIER)
    for user, name in ((sa, "王芳"), (manager, "周建国"), (tech1, "陈伟"), (qc1, "赵敏"), (cashier1, "孙丽")):
        user.display_name = name
        user.save(update_fields=["display_name"])
    return SimpleNamespace(
        sa=resolve_tenant(sa), manager=resolve_tenant(manager), tech=resolve_tenant(tech1),
        qc=resolve_tenant(qc1), cashier=resolve_tenant(cashier1),
        technician=Technician.objects.create(store=store, user=tech1, skills=["engine", "diagnosis", "maintenance"]),
    )  # fmt: skip


@pytest.fixture
def history(people, group, brand, private_media):
    """李建华's Accord: the engine overhauled under the maker's warranty 48 days ago (FX01 with the
    piston rings and the gasket set), the oil changed 20 days ago; the operations and parts of
    today's repair; the maker's rate and prices for the claim."""
    from types import SimpleNamespace

    from dms.claims import warranty
    from dms.customers.services import customer_create
    from dms.parts.services import part_create, stock_receive
    from dms.vehicles.services import vehicle_create
    from dms.workshop import services
    from dms.workshop.models import LaborOperation

    sa, manager = people.sa, people.manager
    ops = {
        code: LaborOperation.objects.create(group=group, code=code, name=name, standard_hours=Decimal(hours),
                                            skill=skill, fee_category=fee)
        for code, name, hours, skill, fee in (
            ("FD01", "发动机故障诊断", "1.0", "diagnosis", "diagnosis"),
            ("JC01", "发动机气缸压力检测", "0.5", "diagnosis", "inspection"),
            ("FX01", "发动机总成大修", "12.0", "engine", "labor"),
            ("FX02", "更换气门油封", "3.0", "engine", "labor"),
            ("BY01", "更换机油机滤", "0.5", "maintenance", "labor"),
        )
    }  # fmt: skip
    parts = {
        number: part_create(tenant=manager, number=number, name=name, price=price)
        for number, name, price in (
            ("13011-5A2-A01", "活塞环组件", "1280.00"),
            ("06110-5A2-A00", "发动机大修包（缸垫及油封）", "680.00"),
            ("12211-R1A-A01", "气门油封", "18.00"),
            ("15400-RTA-003", "机油滤清器", "68.00"),
        )
    }
    for part in parts.values():
        stock_receive(tenant=manager, part_id=part.pk, quantity="20")
    now = timezone.now()
    with time_machine.travel(now - timedelta(days=400), tick=True):  # the car's first visit
        owner = customer_create(tenant=sa, name="李建华", mobile="13923456781", title="mr").record
        car = vehicle_create(
            tenant=sa, owner_id=owner.pk, vin=valid_vin(4471), plate="粤B6H2L8", brand_id=brand.pk, model="雅阁",
            mileage_km=9800, purchase_date=timezone.localdate() - timedelta(days=30),
        ).record  # fmt: skip
    with time_machine.travel(now - timedelta(days=48), tick=True):
        overhaul = services.repair_order_create(
            tenant=sa, vehicle_id=car.pk, mileage_km=21460, work_class="overhaul",
            complaint="发动机烧机油，排气冒蓝烟，每千公里要补机油约 1 升。",
        )  # fmt: skip
        for line in (
            {"kind": "labor", "labor_operation_id": ops["FX01"].pk},
            {"kind": "part", "part_id": parts["13011-5A2-A01"].pk, "quantity": "1"},
            {"kind": "part", "part_id": parts["06110-5A2-A00"].pk, "quantity": "1"},
        ):
            services.line_add(
                tenant=sa, order_id=overhaul.pk, payer="warranty", warranty_reason=WARRANTY, **line
            )
        through_the_workshop(overhaul.pk, people, certificate="4403002026100217", mileage_out=21470)
    with time_machine.travel(now - timedelta(days=20), tick=True):
        oil = services.repair_order_create(
            tenant=sa, vehicle_id=car.pk, mileage_km=23150, complaint="一万公里保养。"
        )
        services.line_add(tenant=sa, order_id=oil.pk, kind="labor", labor_operation_id=ops["BY01"].pk)
        services.line_add(
            tenant=sa, order_id=oil.pk, kind="part", part_id=parts["15400-RTA-003"].pk, quantity="1"
        )
        through_the_workshop(oil.pk, people, mileage_out=23152)

    # The maker reimburses 120.00 an hour and its own prices of the two parts.
    warranty.maker_rate_set(tenant=manager, brand_id=brand.pk, rate="120.00")
    for number, price in (("13011-5A2-A01", "1100.00"), ("06110-5A2-A00", "560.00")):
        warranty.maker_part_price_set(
            tenant=manager, brand_id=brand.pk, part_id=parts[number].pk, price=price
        )
    return SimpleNamespace(car=car, overhaul=overhaul, oil=oil)


@pytest.fixture
def fake_platform(settings, store):
    """The province's platform (a local fake: dms/records/tests/fakes.py), set for SZ01."""
    from dms.records.models import PlatformSettings
    from dms.records.tests.fakes import FakePlatform

    settings.DMS_RECORDS_ALLOW_PRIVATE = True  # the fake listens on loopback
    fake = FakePlatform(company_code=COMPANY, password=PLATFORM_PASSWORD).start()
    PlatformSettings.objects.create(
        store=store, base_url=fake.url, company_code=COMPANY, password=PLATFORM_PASSWORD
    )
    yield fake
    fake.stop()


# --- The pages -----------------------------------------------------------------------------------------


def take(page, name: str) -> None:
    """A full-page screenshot; the page keeps to the viewport's width (a long link in a message
    once made the order page scroll sideways)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"], name
    page.evaluate("window.scrollTo(0, 0)")  # the sticky top bar where it belongs on a full page
    page.screenshot(path=str(SHOTS / f"warranty-{name}.png"), full_page=True)


def add_line(page, kind: str, option: str, quantity: str | None = None) -> None:
    form = page.locator("form", has=page.get_by_role("button", name="添加项目"))
    form.locator("select[name=kind]").select_option(kind)
    field = "labor_operation" if kind == "labor" else "part"
    value = form.locator(f"select[name={field}] option", has_text=option).first.get_attribute("value")
    form.locator(f"select[name={field}]").select_option(value)
    if quantity:
        form.locator("input[name=quantity]").fill(quantity)
    form.get_by_role("button", name="添加项目").click()
    expect(page.locator(".msg.success")).to_contain_text("已添加项目")


def label(choice) -> str:
    """A choice's label as the pages say it."""
    with translation.override("zh-hans"):
        return str(choice.label)


def pdf_text(path) -> str:
    """The PDF's text, by poppler's pdftotext (`make browser` installs it beside Chromium)."""
    assert shutil.which("pdftotext"), "pdftotext is missing: apt-get install poppler-utils (make browser)"
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True)
    return out.stdout


def old_part_photo() -> bytes:
    """The piston rings on the bench with their tag, as the phone's camera would send them."""
    out = io.BytesIO()
    img = Image.new("RGB", (1200, 900), (88, 92, 98))
    img.paste((150, 150, 155), (250, 300, 950, 600))
    img.paste((240, 200, 40), (800, 250, 1000, 330))
    img.save(out, "JPEG")
    return out.getvalue()


def test_a_comeback_settled_free_its_record_uploaded_and_the_warranty_claim_reconciled(
    tablet, store, people, history, fake_platform
):
    from dms.claims.models import ClaimState, WarrantyClaim
    from dms.messaging import outbox
    from dms.records.models import RepairRecord, UploadState
    from dms.workshop.models import RepairOrder

    page = tablet
    page.on("dialog", lambda dialog: dialog.accept())
    car, overhaul = history.car, history.overhaul

    # 1. Check-in: sa1 finds the car, protects it, reads the mileage; the checks find the comeback
    #    of the overhaul behind the later oil change.
    sign_in(page, "sa1")
    page.goto(f"/reception/?q={car.plate}")
    page.locator("#found li", has_text=car.plate).get_by_role("button", name="接车").click()
    for cover in ("座椅套", "方向盘套", "脚垫"):
        page.get_by_label(cover).check(force=True)
    page.get_by_role("button", name="三件套已铺好，开始环车检查").click()
    expect(page.get_by_role("heading", name="车身损伤")).to_be_visible()
    page.locator(".rc-fuel label", has_text="1/2").click()
    page.get_by_label("表显里程（km）").fill("24380")
    page.get_by_role("button", name="下一步：返修与保修").click()
    alert = page.locator(".rc-alert.bad")
    expect(alert).to_contain_text(overhaul.number)
    expect(alert).to_contain_text("52 天")  # 100 days less the 48 since delivery
    take(page, "01-checkin-comeback")
    page.get_by_role("button", name="下一步：客户原话").click()
    page.locator("textarea[name=complaint]").fill(
        "冷车启动后发动机有“哒哒”声，机油又少了，排气管偶尔冒蓝烟。"
    )
    page.locator("select[name=work_class]").select_option("overhaul")
    page.get_by_role("button", name="开委托书").click()
    expect(page.get_by_role("heading", name="客户签字")).to_be_visible()
    draw_signature(page)
    page.get_by_role("button", name="确认签字").click()
    expect(page).to_have_url(re.compile(r"/orders/\d+/$"))
    expect(page.locator("h1")).to_contain_text("返修")
    order = orm(lambda: RepairOrder.objects.get(vehicle=car, state="draft"))
    assert (order.comeback_status, order.comeback_of_id) == ("suspected", overhaul.pk)

    # On the order: the diagnosis, the compression test and the valve seals; then sa1 confirms the
    # comeback (the same engine, 48 days after the overhaul): the store pays every line.
    add_line(page, "labor", "FD01 发动机故障诊断")
    add_line(page, "labor", "JC01 发动机气缸压力检测")
    add_line(page, "labor", "FX02 更换气门油封")
    add_line(page, "part", "12211-R1A-A01", quantity="16")
    card = page.locator("#comeback")
    expect(card).to_contain_text(overhaul.number)
    expect(card).to_contain_text("相同故障")  # the valve seals and the overhaul: the engine
    take(page, "02-order-suspected")
    confirm = card.locator("form", has=page.get_by_role("button", name="确认返修：由本店承担"))
    confirm.locator("input[name=reason]").fill("大修后 48 天同一发动机烧机油，气门油封装配不当，本店返修")
    confirm.get_by_role("button", name="确认返修：由本店承担").click()
    expect(page.locator("tfoot")).to_contain_text("客户付费 ¥0.00")
    expect(page.locator("#comeback")).to_contain_text("陈伟")  # the overhaul's technician
    expect(page.locator("#comeback")).to_contain_text("赵敏")  # and its QC inspector
    orm(order.refresh_from_db)
    assert order.comeback_status == "confirmed" and order.customer_total == 0 and order.total > 0
    assert order.comeback_technician_id == people.technician.pk
    assert order.comeback_inspector_id == people.qc.user.pk
    take(page, "03-order-comeback-confirmed")
    page.get_by_role("button", name="客户签字确认").click()
    expect(page.locator("h1")).to_contain_text("客户已签字")

    # The workshop repairs it (the services: other journeys click through those pages).
    through_the_workshop(order.pk, people, sign=False)

    # cashier1 settles: nothing to pay, the completion certificate's number given.
    sign_in(page, "cashier1")
    page.goto(f"/orders/{order.pk}/")
    settle = page.locator("form", has=page.get_by_role("button", name="结算"))
    expect(settle).to_contain_text("本单客户无需付款")
    settle.locator("input[name=certificate_number]").fill(CERTIFICATE)
    take(page, "04-settle")
    settle.get_by_role("button", name="结算").click()
    expect(page.locator("h1")).to_contain_text("已结算")
    orm(order.refresh_from_db)
    assert order.certificate_number == CERTIFICATE and order.settlement_number.startswith("JS-")
    assert not order.payments.exists()  # no payment of ¥0.00 recorded

    # 2. The settlement list: the fees by the line's category, the certificate, who pays.
    response = page.request.get(f"/documents/orders/{order.pk}/settlement.pdf")
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = SHOTS / "warranty-05-settlement.pdf"
    pdf.write_bytes(response.body())
    if shutil.which("pdftoppm"):
        subprocess.run(
            ["pdftoppm", "-png", "-r", "80", str(pdf), str(SHOTS / "warranty-05-settlement")], check=True
        )
    text = pdf_text(pdf)
    for words in ("诊断费", "检测费", CERTIFICATE, order.settlement_number, "返修"):
        assert words in text, f"{words} is not on the settlement list"

    # 3. The electronic repair record: queued at settlement, uploaded by the outbox's worker.
    page.wait_for_load_state("networkidle")  # the worker's pass writes: no page request at the same time
    assert orm(lambda: RepairRecord.objects.get(order=order)).state == UploadState.PENDING
    outbox.run()
    assert [s["costlistcode"] for s in fake_platform.sent] == [order.settlement_number]
    uploaded = fake_platform.sent[0]
    assert uploaded["vin"] == car.vin and uploaded["repairmileage"] in (24380, "24380")
    assert {p["partscode"] for p in uploaded["vehiclepartslist"]} == {"12211-R1A-A01"}
    page.reload()
    expect(page.locator("#repair-record")).to_contain_text("已上传")
    take(page, "06-record-uploaded")

    # 4. The maker's warranty claim of the overhaul: collected, completed and submitted by sa1.
    sign_in(page, "sa1")
    page.goto("/claims/")
    page.get_by_role("link", name="新建索赔单").click()
    page.get_by_label(overhaul.number).check()
    page.locator("#fault-code").fill("P0300")
    page.locator("#fault-description").fill("发动机烧机油，活塞环磨损")
    take(page, "07-claim-new")
    page.get_by_role("button", name="生成索赔单").click()
    expect(page.locator("h1")).to_contain_text("SP-SZ01-")
    claim = orm(WarrantyClaim.objects.get)
    expect(page.locator("h1")).to_contain_text(claim.number)
    assert claim.claimed_total == Decimal("3100.00")  # 12 h × 120.00 + 1,100.00 + 560.00
    for n, line in enumerate(orm(lambda: list(claim.lines.filter(kind="part").order_by("pk"))), start=1):
        row = page.locator(f"#claim-line-{line.pk}")
        row.locator("input[name=old_part_tag]").fill(f"SP-{claim.number[-4:]}-{n}")
        with page.expect_response(lambda r, pk=line.pk: f"/lines/{pk}/" in r.url):
            row.get_by_role("button", name="保存").click()
    page.locator("#photos").set_input_files(
        {"name": "IMG_0417.jpg", "mimeType": "image/jpeg", "buffer": old_part_photo()}
    )
    page.locator("#caption").fill("旧活塞环及标签")
    page.get_by_role("button", name="上传照片").click()
    expect(page.locator(".photos img")).to_have_count(1)
    take(page, "08-claim-complete")
    page.get_by_role("button", name="提交厂家").click()
    expect(page.locator("h1")).to_contain_text(label(ClaimState.SUBMITTED))
    orm(claim.refresh_from_db)
    assert claim.state == ClaimState.SUBMITTED

    # manager1 records the maker's answer: the overhaul's hours cut from 12 to 10, then paid.
    sign_in(page, "manager1")
    page.goto(f"/claims/{claim.pk}/")
    labor = orm(lambda: claim.lines.get(kind="labor"))
    page.locator("details", has_text="厂家部分核准").locator("summary").click()
    page.locator(f"#approved-{labor.pk}").fill("1200.00")
    page.locator("#partly-reason").fill("大修标准工时 10 小时")
    page.locator("#partly-ref").fill("HD-SP-2026-08812")
    page.get_by_role("button", name="登记部分核准").click()
    expect(page.locator("#pay-amount")).to_have_value("2860.00")
    # The history gives the maker's reason after a full-width colon.
    expect(page.locator(".timeline")).to_contain_text("厂家部分核准：大修标准工时 10 小时")
    page.locator(".photos img").scroll_into_view_if_needed()
    page.wait_for_function("() => document.querySelector('.photos img').naturalWidth > 0")
    take(page, "09-claim-approved")
    page.locator("#pay-ref").fill("HD-PAY-2026-1207")
    page.get_by_role("button", name="登记厂家付款").click()
    expect(page.locator("h1")).to_contain_text(label(ClaimState.PAID))
    orm(claim.refresh_from_db)
    assert (claim.state, claim.approved_total, claim.paid_total) == (
        ClaimState.PAID, Decimal("2860.00"), Decimal("2860.00"),
    )  # fmt: skip

    # The month's reconciliation: claimed 3,100.00, reimbursed 2,860.00, 240.00 short (thousands grouped).
    month = timezone.localtime(claim.submitted_at).strftime("%Y-%m")
    page.goto(f"/claims/reconciliation/?month={month}")
    row = page.locator("#month tbody tr", has_text=claim.number)
    for amount in ("¥3,100.00", "¥2,860.00", "¥240.00"):
        expect(row).to_contain_text(amount)
    expect(page.locator("thead").first).to_contain_text("待厂家审核金额")
    # The figures and their heads right-aligned (table.list's cell rule once outranked .num).
    aligns = page.locator("#month th.num, #month td.num").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c).textAlign)"
    )
    assert len(aligns) >= 8 and set(aligns) == {"right"}, aligns
    take(page, "10-reconciliation")
