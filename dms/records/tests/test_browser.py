"""The electronic repair record in a real browser, in Chinese: the administrator finds a failed upload
on the repair order, uploads it again, the worker takes it to the (fake) province platform and the
card says so; the owner reads the record on a phone by the signed link. Screenshots:
var/screenshots/records-*.png."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from dms.messaging import outbox
from dms.records import links
from dms.records.models import RepairRecord, UploadState

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]


def login(page, username):
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("header.topbar")).to_be_visible()


@pytest.fixture
def phone(chromium, live_server):
    context = chromium.new_context(
        viewport={"width": 390, "height": 844},
        locale="zh-CN",
        base_url=live_server.url,
        device_scale_factor=2,
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def test_the_administrator_uploads_a_failed_record_again_and_the_owner_reads_it(
    tablet, phone, shot, settled, platform, fake_platform, admin
):
    # given a settled order whose record the platform refused (the password was wrong then)
    record = RepairRecord.objects.get(order_id=settled())
    RepairRecord.objects.filter(pk=record.pk).update(
        state=UploadState.FAILED,
        reason="平台未发放访问令牌：企业编码或密码错误",
        attempts=1,
        next_attempt_at=None,
    )
    page = tablet
    login(page, admin.username)

    # the order's card says why, with the administrator's button
    page.goto(f"/orders/{record.order_id}/")
    card = page.locator("#repair-record")
    expect(card).to_contain_text("上传失败")
    expect(card).to_contain_text("企业编码或密码错误")
    shot(page, "records-order-failed")

    # when the administrator uploads it again
    card.get_by_role("button", name="重新上传").click()
    expect(page.locator("#repair-record")).to_contain_text("已重新排队上传")
    expect(page.locator("#repair-record")).to_contain_text("排队上传")
    # and the outbox's worker makes its pass
    outbox.run()

    # then the platform has it, and the card says so
    assert [s["costlistcode"] for s in fake_platform.sent] == [record.settlement_number]
    page.reload()
    expect(page.locator("#repair-record")).to_contain_text("已上传")
    shot(page, "records-order-uploaded")

    # the administrator's list of records
    page.goto("/records/?state=")
    expect(page.locator("table.list")).to_contain_text(record.settlement_number)
    shot(page, "records-list")

    # the owner reads the record on a phone, without signing in
    phone.goto(urlsplit(links.owner_url(record)).path)
    expect(phone.get_by_role("heading", name="您的爱车维修档案")).to_be_visible()
    expect(phone.locator("body")).to_contain_text("更换前刹车片")
    expect(phone.locator("body")).to_contain_text(record.settlement_number)
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the owner's page scrolls sideways on a phone ({width} px)"
    shot(phone, "records-owner-phone")


def test_the_owner_reads_the_certificate_and_the_fees_on_a_phone(phone, shot, admin_tenant, vehicle, group):
    from decimal import Decimal

    from dms.workshop.models import LaborOperation

    from .conftest import settle

    # given a level-2 maintenance settled with its certificate, a diagnosis, an inspection fee and processing
    diagnosis = LaborOperation.objects.create(
        group=group, code="FD01", name="故障诊断", standard_hours=Decimal("0.5"), fee_category="diagnosis"
    )
    order_id = settle(
        admin_tenant, vehicle, complaint="二级维护，发动机故障灯亮", work_class="level2",
        certificate_number="粤2026-0042",
        lines=[
            {"kind": "labor", "labor_operation_id": diagnosis.pk},
            {"kind": "labor", "description": "二级维护作业", "quantity": "2", "unit_price": "150.00"},
            {"kind": "labor", "description": "缸盖平面加工", "quantity": "1", "unit_price": "300.00",
             "fee_category": "processing"},
            {"kind": "fee", "description": "尾气排放检测", "quantity": "1", "unit_price": "80.00",
             "fee_category": "inspection"},
            {"kind": "material", "description": "机油 5W-30", "quantity": "4", "unit_price": "45.00"},
        ],
    )  # fmt: skip
    record = RepairRecord.objects.get(order_id=order_id)

    # when the owner opens the signed link on a phone
    phone.goto(urlsplit(links.owner_url(record)).path)

    # then the certificate's number and the settlement list's fees are there, and nothing scrolls sideways
    body = phone.locator("body")
    expect(body).to_contain_text("竣工出厂合格证号")
    expect(body).to_contain_text("粤2026-0042")
    fees = phone.locator("table.fees")
    for name, amount in (("检测费", "80.00"), ("加工费", "300.00"), ("材料费", "180.00")):
        expect(fees.locator("tr", has_text=name)).to_contain_text(amount)
    expect(phone.locator("table.list").first.locator("tr", has_text="故障诊断")).to_contain_text("诊断费")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the owner's page scrolls sideways on a phone ({width} px)"
    shot(phone, "records-owner-certificate-fees-phone")
