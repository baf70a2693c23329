"""A new car from the first contact to the first service, on the demo dealership, in Chinese, by
the demo users (issue 14's "Done means"): sales1 logs a walk-in, records the needs, grades the
prospect, takes a test drive with the agreement signed on the tablet, quotes with a loan and a
trade-in; showroom1 approves the extra discount; sales1 signs the order; cashier1 takes the
deposit, the loan and the invoice; sales1 allocates a VIN and delivers with sa1 present (the
checklist and the delivery photo); cm1's day shows the new owner's touches. The quotation PDF is
kept beside the screenshots (and turned into PNG where poppler is installed)."""

import io
import shutil
import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from tests.browser.fixtures import draw_signature, sign_in

from .conftest import SHOTS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

BUYER, MOBILE = "林子涵", "13688886666"


@pytest.fixture
def demo():
    from dms.demo.dealership import load_demo

    load_demo(customers=60, other_customers=5)


def take(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"sales-{name}.png"), full_page=True)


def delivery_photo() -> bytes:
    out = io.BytesIO()
    img = Image.new("RGB", (1200, 800), (230, 232, 236))
    img.paste((200, 40, 40), (250, 300, 950, 600))  # the new car, with a red bow
    img.save(out, "JPEG")
    return out.getvalue()


def submit(section) -> None:
    section.locator("button.primary[type=submit]").first.click()


def test_a_new_car_from_the_first_contact_to_the_first_service(
    chromium, live_server, tablet, demo, settings, tmp_path
):
    from dms.customers.models import Customer
    from dms.sales.models import Lead, Quotation, SalesOrder

    page = tablet
    settings.STORAGES = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": tmp_path}}}  # fmt: skip
    page.on("dialog", lambda dialog: dialog.accept())

    # 1. sales1 starts the day on My day and registers a walk-in.
    sign_in(page, "sales1")
    expect(page.get_by_role("heading", name="我的一天")).to_be_visible()
    take(page, "01-my-day")
    # At the door: a party of two, first visit, for sales1 (one tap each).
    page.goto("/sales/door/")
    page.locator(".sl-sizes label", has_text="2").first.click()
    page.locator(".sl-sizes label", has_text="杨帆").click()
    page.get_by_role("button", name="登记到店").click()
    expect(page.locator(".msg.success")).to_be_visible()
    take(page, "01b-door")
    page.goto("/sales/")
    new = page.locator("section", has=page.get_by_role("heading", name="新的潜在客户"))
    new.get_by_label("姓名").fill(BUYER)
    new.get_by_label("手机").fill(MOBILE)
    new.get_by_label("意向车型").fill("思域")
    submit(new)
    expect(page.get_by_role("heading", name=BUYER)).to_be_visible()
    lead = Lead.objects.get(mobile=MOBILE)

    # 2. Needs (咨询), then a contact that grades the prospect H.
    needs = page.locator("#needs")
    needs.get_by_label("预算（元）").fill("150000")
    needs.get_by_label("用途").fill("上下班通勤,周末带孩子")
    needs.get_by_label("家庭").fill("三口之家")
    needs.get_by_label("竞品品牌").fill("丰田卡罗拉")
    needs.get_by_label("付款").select_option("loan")
    needs.get_by_role("button", name="保存需求").click()
    expect(page.locator(".msg.success")).to_be_visible()
    contact = page.locator("#contact")
    contact.get_by_label("级别").select_option("H")
    contact.get_by_label("沟通内容").fill("喜欢思域的操控,想试驾")
    submit(contact)
    expect(page.locator(".sl-grade.H").first).to_be_visible()

    # 3. Test drive with the licence checked and the agreement signed on the pad.
    drive = page.locator("#drive-form")
    drive.get_by_label("驾驶证号").fill("440305199105201234")
    drive.get_by_label("驾驶证有效期至").fill((timezone.localdate() + timedelta(days=800)).isoformat())
    drive.get_by_label("开始里程（公里）").fill("1200")
    drive.get_by_label("路线").fill("店—深南大道—香蜜湖路—店")
    draw_signature(page, baseline=100, swing=12)
    take(page, "02-test-drive-signed")
    drive.get_by_role("button", name="开始试驾").click()
    expect(page.get_by_role("link", name="已签协议")).to_be_visible()
    finish = page.locator("#test-drive form", has=page.locator("input[name=odometer_end]"))
    finish.get_by_label("结束里程（公里）").fill("1213")
    finish.get_by_label("客户感受").fill("提速快,方向精准,后排够用")
    submit(finish)
    expect(page.locator("#test-drive")).to_contain_text("提速快")

    # 4. A quotation with a loan and a trade-in, its discount above sales1's authority.
    quote = page.locator("#quote form")
    quote.get_by_label("配置").fill("240TURBO CVT 劲动版")
    quote.get_by_label("颜色", exact=True).fill("炫动黄")
    quote.get_by_label("指导价").fill("129900")
    quote.get_by_label("折扣", exact=True).fill("6000")
    quote.get_by_label("优惠原因（超出权限时）").fill("客户置换老车,对比卡罗拉")
    quote.get_by_label("精品").first.fill("全车脚垫")
    quote.get_by_label("价格").first.fill("600")
    quote.get_by_label("保险", exact=True).fill("5200")
    quote.get_by_label("上牌及费用").fill("1500")
    quote.get_by_label("首付").fill("40000")
    quote.get_by_label("期限（月）").fill("36")
    quote.get_by_label("年利率（%）").fill("3.99")
    quote.get_by_label("置换车牌").fill("粤B12345")
    quote.get_by_label("置换估值").fill("30000")
    quote.get_by_label("置换车况").fill("2016年飞度,车况良好")
    submit(quote)
    expect(page.locator(".badge.marginal").first).to_be_visible()  # 待审批
    q = Quotation.objects.get(lead=lead)
    assert q.state == "pending_approval" and q.monthly_payment > 0
    take(page, "03-quotation-pending")
    response = page.request.get(f"/sales/quotations/{q.pk}/quotation.pdf")
    assert response.status == 200 and response.body().startswith(b"%PDF")
    (SHOTS / "sales-quotation.pdf").write_bytes(response.body())
    if shutil.which("pdftoppm"):
        subprocess.run(
            [
                "pdftoppm",
                "-png",
                "-r",
                "70",
                str(SHOTS / "sales-quotation.pdf"),
                str(SHOTS / "sales-quotation"),
            ],
            check=True,
        )

    # 5. showroom1 approves the extra discount from the approvals queue.
    sign_in(page, "showroom1")
    page.goto("/sales/approvals/")
    take(page, "04-approvals")
    page.locator("tr", has_text=BUYER).get_by_role("button", name="批准").click()
    expect(page.locator(".msg.success")).to_be_visible()
    q.refresh_from_db()
    assert q.state == "approved"

    # 6. sales1 signs the contract.
    sign_in(page, "sales1")
    page.goto(f"/sales/quotations/{q.pk}/")
    page.get_by_role("button", name="签订合同（下单）").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("XSSZ01")
    order = SalesOrder.objects.get(quotation=q)

    # 7. cashier1 takes the deposit and the loan, then records the invoice.
    sign_in(page, "cashier1")
    page.goto(f"/sales/orders/{order.pk}/")
    money = page.locator("#money")
    money.get_by_label("类别").select_option("deposit")
    money.get_by_label("金额").fill("5000")
    submit(money)
    expect(page.locator(".msg.success")).to_be_visible()
    order.refresh_from_db()
    money = page.locator("#money")
    money.get_by_label("类别").select_option("loan")
    money.get_by_label("支付方式").select_option("transfer")
    money.get_by_label("金额").fill(str(order.outstanding))
    submit(money)
    page.locator("#money").get_by_label("发票号码（机动车销售统一发票）").fill("044031900888")
    page.locator("#money").get_by_role("button", name="登记发票").click()
    expect(page.locator("#money")).to_contain_text("044031900888")

    # 8. sales1 allocates a VIN and delivers with sa1 present.
    sign_in(page, "sales1")
    page.goto(f"/sales/orders/{order.pk}/")
    page.locator("#vin").get_by_role("button", name="分配").click()
    expect(page.locator(".msg.success")).to_be_visible()
    delivery = page.locator("#delivery")
    for box in delivery.locator("input[type=checkbox]").all():
        box.check()
    delivery.get_by_label("在场的服务顾问").select_option(label="王丽")
    delivery.locator("input[name=photo]").set_input_files(
        {"name": "delivery.jpg", "mimeType": "image/jpeg", "buffer": delivery_photo()}
    )
    take(page, "05-delivery-checklist")
    delivery.get_by_role("button", name="确认交车").click()
    expect(page.locator("#delivery img")).to_be_visible()
    take(page, "06-delivered")
    order.refresh_from_db()
    assert order.state == "delivered" and order.service_advisor.username == "sa1"
    owner = Customer.objects.get(pk=order.customer_id)
    assert owner.name == BUYER and owner.vehicles.filter(vin=order.stock_vehicle.vin).exists()

    # 9. cm1's day shows the new owner's touches (the relationship engine's part).
    sign_in(page, "cm1")
    page.goto("/followups/day/")
    expect(page.locator("main")).to_contain_text(BUYER)
    take(page, "07-cm1-day")

    # 10. The showroom manager's desk shows the delivery in the month's funnel.
    sign_in(page, "showroom1")
    page.goto("/sales/desk/")
    expect(page.locator("#funnel-chart")).to_be_visible()
    page.wait_for_timeout(300)
    take(page, "08-desk")
