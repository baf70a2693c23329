"""sa1 at the reception desk, in Chinese: opens a customer file, registers the car (a wrong VIN
first), finds the customer again by pinyin initials and by the last 4 digits of the mobile, and
opens the customer 360 page."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD, valid_vin
from dms.customers.models import Customer
from dms.vehicles.models import Vehicle

pytestmark = pytest.mark.django_db(transaction=True)


def test_sa_registers_a_customer_and_vehicle_and_finds_them_again(tablet, shot, sa, brand):
    page = tablet
    page.goto("/login/")
    expect(page.locator("h1")).to_have_text("OpenDMS")
    page.get_by_label("用户名").fill("sa1")
    page.get_by_label("密码").fill(PASSWORD)
    shot(page, "01-login")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("link", name="客户", exact=True)).to_be_visible()

    # A new customer: 欧阳晓明, mobile 139 2468 1357.
    page.goto("/customers/new/")
    page.get_by_label("姓名").fill("欧阳晓明")
    page.get_by_label("称呼").select_option("mr")
    page.get_by_label("手机", exact=False).first.fill("139 2468 1357")
    page.get_by_label("同意接收营销信息", exact=False).check()
    shot(page, "02-new-customer")
    page.get_by_role("button", name="建立客户档案").click()
    expect(page.locator("h1")).to_contain_text("欧阳晓明")
    customer = Customer.objects.get(name="欧阳晓明")
    assert customer.mobile == "13924681357"

    # The car: a VIN with one character mistyped first.
    page.get_by_role("link", name="添加车辆").click()
    vin = valid_vin(24680)
    wrong = vin[:8] + ("1" if vin[8] != "1" else "2") + vin[9:]
    page.get_by_label("VIN").fill(wrong)
    page.get_by_label("车牌").fill("粤B 6K8M2")
    page.get_by_label("品牌").select_option(label=brand.name)
    page.get_by_label("车型").fill("雅阁")
    page.get_by_label("里程（km）", exact=False).fill("15230")
    page.get_by_role("button", name="登记车辆").click()
    expect(page.locator(".errorlist")).to_contain_text("校验位")
    shot(page, "03-wrong-vin")
    assert not Vehicle.objects.filter(owner=customer).exists()
    page.get_by_label("VIN").fill(vin)
    page.get_by_role("button", name="登记车辆").click()
    expect(page.locator("h1")).to_contain_text("欧阳晓明")
    vehicle = Vehicle.objects.get(owner=customer)
    assert (vehicle.vin, vehicle.plate, vehicle.mileage_km) == (vin, "粤B6K8M2", 15230)

    # Found again by pinyin initials, then by the last 4 digits of the mobile.
    page.goto("/customers/")
    page.get_by_role("searchbox").first.fill("oyxm")
    expect(page.locator("#results")).to_contain_text("欧阳晓明")
    shot(page, "04-search-initials")
    page.get_by_role("searchbox").first.fill("1357")
    expect(page.locator("#results")).to_contain_text("欧阳晓明")
    shot(page, "05-search-last4")
    page.locator("#results").get_by_role("link", name="欧阳晓明").click()

    # The 360 page.
    expect(page.locator("h1")).to_contain_text("欧阳先生")
    expect(page.get_by_text("粤B6K8M2").first).to_be_visible()
    expect(page.get_by_text("如何服务这位客户")).to_be_visible()
    shot(page, "06-customer-360")
