"""The relationship engine's day, on the demo dealership, in Chinese and in English: an order
delivered by the service loop gives care1 its call within 2 days, with the script rendered for the
customer (title and name, plate); care1 records a low score and a complaint case opens; cm1's day
shows the new-car customer's 2-hour SMS and call (overdue or due today: the car was handed over in
the showroom's hours) and the portfolio with the monthly information update due by the 15th.
Screenshots under var/screenshots/relationship-*.png."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import expect

from conftest import PASSWORD

from .conftest import SHOTS

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

MORNING = datetime(2026, 12, 1, 9, 10, tzinfo=ZoneInfo("Asia/Shanghai"))  # a Tuesday, before the 15th


@pytest.fixture
def demo():
    with time_machine.travel(MORNING, tick=True):
        from dms.demo.dealership import load_demo

        load_demo(customers=60, other_customers=5)
        yield


def sign_in(page, username: str, *, language: str = "zh-hans") -> None:
    from dms.core.models import User

    User.objects.filter(username=username).update(language=language)
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto("/login/")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("button.primary[type=submit]").click()
    expect(page.locator("header.topbar")).to_be_visible()


def take(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"relationship-{name}.png"), full_page=True)


def deliver_an_order():
    """sa1 hands a car back at SZ01 (settled by cashier1 first when it is only ready)."""
    from dms.core.models import User
    from dms.core.tenancy import resolve_tenant
    from dms.workshop import services
    from dms.workshop.models import RepairOrder

    order = (
        RepairOrder.objects.filter(store__code="SZ01", state__in=("settled", "ready"))
        .select_related("vehicle", "customer")
        .order_by("-state", "pk")
        .first()
    )
    assert order is not None
    if order.state == "ready":
        cashier = resolve_tenant(User.objects.get(username="cashier1"))
        services.order_settle(
            tenant=cashier,
            order_id=order.pk,
            payments=[{"method": "wechat", "amount": str(order.customer_total)}],
            certificate_number=f"粤{order.pk}",  # level-2 maintenance and overhauls need one
        )
    sa = resolve_tenant(User.objects.get(username="sa1"))
    services.order_deliver(tenant=sa, order_id=order.pk, followup_channel="phone", followup_time="any")
    order.refresh_from_db()
    return order


def test_care1_and_cm1_start_their_day_with_their_touches(demo, live_server, tablet):
    from dms.followups.models import FollowUp
    from dms.satisfaction.models import Complaint

    page = tablet
    with time_machine.travel(MORNING, tick=True):
        order = deliver_an_order()
        call = FollowUp.objects.get(repair_order=order, kind="after_service")
        assert call.assigned_to.username == "care1" and call.rule.code == "after_service_call"
        plate = order.vehicle.plate

        # care1 signs in: the home page is her day; the call is in the coming days, a line of its
        # own that opens on a click onto its script, addressed to the customer by title and name,
        # with the plate.
        sign_in(page, "care1")
        expect(page.locator("h1")).to_have_text("我的一天")
        touch = page.locator("#upcoming article.fu-touch", has_text=plate).filter(has_text="维修后")
        expect(touch.first).to_be_visible()
        script = touch.first.locator(".fu-script")
        expect(script).to_be_hidden()
        touch.first.locator("summary.fu-head").click()
        expect(script).to_be_visible()
        expect(script).to_contain_text(order.customer.salutation)
        expect(script).to_contain_text(plate)
        take(page, "care1-day-zh")

        # She calls: the customer is unhappy (2/5): a complaint case opens.
        page.goto(f"/followups/{call.pk}/")
        page.locator("input[name=reached][value=yes]").check(force=True)
        page.locator("input[name=satisfaction][value='2']").check(force=True)
        page.locator("textarea[name=note]").fill("说好四点交车,六点才拿到车。")
        page.get_by_role("button", name="保存").click()
        expect(page.locator("h1")).to_have_text("我的一天")
        call.refresh_from_db()
        case = Complaint.objects.get(pk=call.complaint_case_id)
        assert case.followup_id == call.pk and "六点" in case.description
        expect(page.locator(".fu-complaints")).to_contain_text(case.number)
        take(page, "care1-day-complaint-zh")

        sign_in(page, "care1", language="en")
        expect(page.locator("h1")).to_have_text("My day")
        take(page, "care1-day-en")

        # cm1: the new car delivered yesterday afternoon (loaded before the showroom's morning:
        # relationships.delivery_time), its 2-hour SMS and call overdue since yesterday evening,
        # the portfolio, the update due.
        sign_in(page, "cm1")
        expect(page.locator("h1")).to_have_text("我的一天")
        expect(page.locator("#portfolio")).to_contain_text("月度信息更新待提交")
        due = page.locator("#overdue, #today")
        expect(due.locator("article[data-kind=new_car]")).to_have_count(2)
        expect(due.locator("article[data-kind=new_car]", has_text="短信")).to_contain_text("恭喜")
        expect(due.locator("article[data-kind=new_car]", has_text="电话")).to_contain_text("到家")
        take(page, "cm1-day-zh")
        page.goto("/followups/portfolio/")
        expect(page.locator("h1")).to_have_text("我的客户")
        take(page, "cm1-portfolio-zh")

        sign_in(page, "cm1", language="en")
        expect(page.locator("#portfolio")).to_contain_text("Monthly information update due")
        expect(
            page.locator("#overdue, #today").locator("article[data-kind=new_car]", has_text="SMS")
        ).to_contain_text("congratulations")
        take(page, "cm1-day-en")
