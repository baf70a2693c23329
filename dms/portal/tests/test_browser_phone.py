"""张三 on his phone (390x844, Chinese): opens the progress link from the SMS, sees that extra work
waits for him, agrees to the brake pads and declines the filter, and is thanked. A real Chromium
(Debian's) against a live server; screenshots in var/screenshots/portal-*.png."""

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone
from playwright.sync_api import expect

from dms.messaging.models import Message
from dms.portal import notify
from dms.workshop import services
from dms.workshop.models import LineState, RepairOrder, RepairOrderLine

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("DMS_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def clock():
    """The real clock: the browser and the live server keep their own time."""
    yield None


@pytest.fixture
def phone(chromium, live_server):
    """A phone, in Chinese, on the session's Chromium."""
    context = chromium.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", base_url=live_server.url,
        device_scale_factor=2, is_mobile=True, has_touch=True,
    )  # fmt: skip
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"portal-{name}.png"), full_page=True)


@pytest.fixture
def awaiting_now(people, vehicle, oil_change, oil_filter, tech, store_phone):
    sa, t = people["sa"], people["tech"]
    o = services.repair_order_create(
        tenant=sa, vehicle_id=vehicle.pk, mileage_km=15000, complaint="做一次常规保养",
        promised_at=timezone.now() + timedelta(hours=3),
    )  # fmt: skip
    services.line_add(tenant=sa, order_id=o.pk, kind="labor", labor_operation_id=oil_change.pk)
    services.order_sign(tenant=sa, order_id=o.pk)
    services.order_dispatch(tenant=people["foreman"], order_id=o.pk, technician_id=tech.pk)
    services.order_start(tenant=t, order_id=o.pk)
    pads = services.line_add(
        tenant=sa, order_id=o.pk, kind="labor", description="更换前刹车片", quantity="1", unit_price="380.00",
        note="前刹车片剩余 2 mm，低于安全标准，建议更换",
    )  # fmt: skip
    filt = services.line_add(
        tenant=t, order_id=o.pk, kind="part", part_id=oil_filter.pk, description="更换空调滤芯", quantity="1",
        note="滤芯发黑",
    )  # fmt: skip
    services.order_request_approval(tenant=sa, order_id=o.pk)
    order = RepairOrder.objects.get(pk=o.pk)
    return order, pads, filt


def test_the_customer_follows_the_link_and_decides_on_the_extra_work(phone, awaiting_now):
    order, pads, filt = awaiting_now
    sms = Message.objects.get(subject_id=order.pk, kind="status_link")  # queued when the order was opened
    path = "/c/s/" + sms.body.split("/c/s/")[1]

    # the progress page from the SMS: a decision awaits, its link came by text
    phone.goto(path)
    expect(phone.get_by_role("heading", name="维修进度")).to_be_visible()
    expect(phone.get_by_text("等待您确认追加项目")).to_be_visible()
    shot(phone, "status-awaiting")

    # the approval page from the approval SMS (the progress page does not lead there)
    asked = Message.objects.get(subject_id=order.pk, kind="approval_link")
    assert asked.params["url"] in asked.body
    phone.goto("/c/a/" + asked.params["url"].split("/c/a/")[1])
    expect(phone.get_by_role("heading", name="追加项目确认")).to_be_visible()
    shot(phone, "approval")
    phone.locator(f"label[for=yes-{pads.pk}]").click()
    phone.locator(f"label[for=no-{filt.pk}]").click()
    expect(phone.locator("#chosen-total")).to_have_text("¥380.00")
    shot(phone, "approval-chosen")
    phone.get_by_role("button", name="确认提交").click()

    # thanked, and the decision is on the order
    expect(phone.get_by_role("heading", name="谢谢，您的决定已记录")).to_be_visible()
    shot(phone, "approval-thanks")
    assert RepairOrderLine.objects.get(pk=pads.pk).state == LineState.APPROVED
    assert RepairOrderLine.objects.get(pk=filt.pk).state == LineState.DECLINED

    # back on the progress page: in repair, the brake pads agreed, the filter a recommendation
    phone.get_by_role("link", name="查看维修进度").click()
    expect(phone.get_by_text("建议日后处理")).to_be_visible()
    shot(phone, "status-after")


def test_the_advisors_links_panel(phone, awaiting_now, people, live_server):
    order, _pads, _filt = awaiting_now
    notify.notify_status_link(order, again=True)
    request = RequestFactory().get("/")
    request.tenant = people["sa"]
    html = Template(
        '{% load static %}<link rel="stylesheet" href="{% static "core/app.css" %}"><main class="page" style="max-width:420px">'
        '{% include "portal/_order_links.html" %}{% include "portal/_order_messages.html" %}</main>'
    ).render(Context({"order": order, "request": request}))
    phone.set_viewport_size({"width": 1280, "height": 800})
    phone.goto("/c/s/x/")  # the live server's origin, for the stylesheets
    phone.set_content(html)
    expect(phone.get_by_text("客户链接")).to_be_visible()
    shot(phone, "sa-links-panel")
