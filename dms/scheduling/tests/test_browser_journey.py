"""sa1 at the reception desk, in Chinese, books 张三's car on the booking screen at one of the quietest
times, confirms it on the appointment board; then a customer books their own car on the public page.
A real Chromium (Debian's) against a live server; screenshots in var/screenshots/scheduling-*.png."""

import os
from datetime import time, timedelta
from pathlib import Path

import pytest
from django.db import connections
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from dms.scheduling import selectors, services
from dms.scheduling.models import Appointment, OpeningHours, WorkshopHours

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("DMS_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def clock():
    """The real clock: the browser and the live server keep their own time."""
    yield None


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"scheduling-{name}.png"), full_page=True)


@pytest.fixture
def open_every_day(store):
    hours = WorkshopHours.objects.create(store=store, slot_minutes=30, capacity=2)
    for weekday in range(7):
        OpeningHours.objects.create(workshop=hours, weekday=weekday, opens=time(8, 30), closes=time(18, 0))
    return hours


def test_sa_books_at_a_quiet_time_and_the_customer_books_online(
    tablet, sa, tenant, open_every_day, vehicle, second_vehicle, third_vehicle
):
    page = tablet
    day = selectors.local_today(tenant.store) + timedelta(days=2)
    zone = selectors.store_zone(tenant.store)
    busy = timezone.datetime.combine(day, time(9), tzinfo=zone)
    services.appointment_create(tenant=tenant, vehicle_id=second_vehicle.pk, start=busy, items="更换刹车片")

    page.goto("/login/")
    page.get_by_label("用户名").fill("sa1")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.goto("/appointments/new/")
    page.get_by_role("searchbox", name="查找车辆").fill("B12345")
    page.get_by_role("searchbox", name="查找车辆").press("Enter")
    page.get_by_role("link", name="粤B12345").click()
    expect(page.locator("#id_date")).to_be_attached()
    page.wait_for_load_state("networkidle")  # htmx has set up the form (under load a change was lost)
    with page.expect_response(lambda r: "/appointments/slots/" in r.url):
        page.locator("#id_date").fill(day.isoformat())  # htmx brings that day's slot grid
    quiet = page.locator("#slots label.slot.quiet").first
    expect(quiet).to_be_visible()
    quiet.click()
    page.locator("#id_items").fill("一万公里保养")
    shot(page, "01-booking-screen")
    page.locator("form.form button.primary").click()
    expect(page.locator(".badge.st-booked").first).to_be_visible()
    booked = Appointment.objects.get(vehicle=vehicle)
    assert booked.start.astimezone(zone).date() == day and booked.items == "一万公里保养"
    shot(page, "02-appointment")

    page.goto(f"/appointments/?date={day.isoformat()}")
    row = page.locator(f"#appt-{booked.pk}")
    expect(row).to_contain_text("粤B12345")
    shot(page, "03-board")
    row.locator("form button").first.click()  # the first step offered: the customer confirmed
    expect(page.locator(f"#appt-{booked.pk} .badge.st-confirmed")).to_be_visible()
    booked.refresh_from_db()
    assert booked.state == "confirmed"

    # Leave the last page first: a refresh of it answering after the cookies are cleared would
    # set a new CSRF cookie under the login form (403).
    page.goto("about:blank")
    page.context.clear_cookies()
    page.goto(f"/appointments/book/{tenant.store.code}/")
    page.locator("#id_plate").fill("粤B67890")
    page.locator("#id_mobile").fill("13700002222")
    page.wait_for_load_state("networkidle")
    with page.expect_response(lambda r: "/appointments/book/" in r.url):
        page.locator("#id_date").select_option(day.isoformat())
    page.locator("#times label.slot").nth(3).click()
    page.locator("#id_items").fill("空调不制冷")
    shot(page, "04-public-page")
    page.locator("form.form button.primary").click()
    expect(page.locator("h1")).to_be_visible()
    shot(page, "05-public-booked")
    online = Appointment.objects.get(vehicle=third_vehicle)
    assert (online.channel, online.items) == ("web", "空调不制冷")
    # The ORM calls made while Playwright runs have a connection of their own (another context):
    # close it, or PostgreSQL's test database stays in use at the end of the run.
    connections.close_all()
