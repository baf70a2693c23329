"""The customers' own booking page: /appointments/book/<store code>/, no login, rate-limited."""

import re

import pytest
from django.test import Client

from dms.scheduling.models import Appointment, AppointmentEvent, WorkshopHours

from .conftest import TUESDAY, at

URL = "/appointments/book/SZ01/"


@pytest.fixture
def visitor(db):
    return Client(REMOTE_ADDR="203.0.113.7")


def form(plate="粤B12345", mobile="13812345678", start=None, **extra) -> dict:
    start = start or at(10)
    return {"plate": plate, "mobile": mobile, "date": start.date().isoformat(), "job": "maintenance",
            "start": start.isoformat(), "items": "一万公里保养", **extra}  # fmt: skip


def test_the_page_shows_the_free_times_of_the_chosen_day(visitor, workshop):
    r = visitor.get(URL, {"date": TUESDAY.isoformat(), "job": "maintenance"})

    assert r.status_code == 200
    page = r.content.decode()
    assert at(10).isoformat() in page and "深圳一店" in page
    assert at(8, 30, day=TUESDAY.replace(day=4)).isoformat() not in page  # today's first slots are too soon


def test_the_customer_books_with_plate_and_mobile(visitor, workshop, vehicle, customer):
    r = visitor.post(URL, form(plate="粤b 12345", mobile="138 1234 5678"))

    assert r.status_code == 200, r.content.decode()[:2000]
    a = Appointment.objects.get()
    assert (a.vehicle, a.customer, a.channel, a.start, a.items, a.created_by) == (
        vehicle, customer, "web", at(10), "一万公里保养", None
    )  # fmt: skip
    assert AppointmentEvent.objects.get().by is None
    assert "10:00" in r.content.decode()


def test_an_unknown_plate_and_a_wrong_mobile_get_the_same_answer(visitor, workshop, vehicle):
    unknown = visitor.post(URL, form(plate="粤B99999"))
    wrong_mobile = visitor.post(URL, form(mobile="13999999999"))

    assert unknown.status_code == wrong_mobile.status_code == 200
    assert not Appointment.objects.exists()
    assert _errors(unknown) == _errors(wrong_mobile) and _errors(unknown)


def _errors(response) -> list[str]:
    return re.findall(r'<div class="error" role="alert">(.*?)</div>', response.content.decode(), re.S)


def test_attempts_are_limited_per_mobile_number(workshop, vehicle):
    for i in range(10):
        Client(REMOTE_ADDR=f"198.51.100.{i}").post(URL, form(plate=f"粤B9{i:04d}"))

    r = Client(REMOTE_ADDR="198.51.100.200").post(URL, form())

    assert r.status_code == 429
    assert not Appointment.objects.exists()


def test_attempts_are_limited_per_address(visitor, workshop, vehicle):
    for i in range(10):
        visitor.post(URL, form(mobile=f"1390000{i:04d}"))

    r = visitor.post(URL, form())

    assert r.status_code == 429 and not Appointment.objects.exists()


def test_behind_the_proxy_attempts_count_per_client_not_per_proxy(workshop, vehicle, settings):
    # Behind one trusted proxy every request comes from the proxy's address: the client's is the
    # entry the proxy appended. Ten clients' attempts do not block an eleventh; one client's
    # eleventh is refused, whatever it writes into the header itself.
    settings.DMS_TRUSTED_PROXY_COUNT = 1
    for i in range(10):
        Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").post(
            URL, form(mobile=f"1390000{i:04d}")
        )
    fresh = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.99").post(URL, form())
    assert fresh.status_code != 429
    for i in range(10):
        Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"1.2.3.{i}, 198.51.100.50").post(
            URL, form(mobile=f"1370000{i:04d}")
        )
    r = Client(REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="9.9.9.9, 198.51.100.50").post(
        URL, form(mobile="13600000000")
    )
    assert r.status_code == 429


def test_the_limit_lifts_after_an_hour(visitor, workshop, vehicle, clock):
    for i in range(11):
        visitor.post(URL, form(mobile=f"1390000{i:04d}"))
    clock.shift(3601)

    r = visitor.post(URL, form(start=at(11)))

    assert r.status_code == 200 and Appointment.objects.count() == 1


def test_a_full_time_is_explained_and_nothing_is_booked(
    visitor, workshop, vehicle, second_vehicle, third_vehicle, tenant
):
    from dms.scheduling import services

    services.appointment_create(tenant=tenant, vehicle_id=second_vehicle.pk, start=at(10))
    services.appointment_create(tenant=tenant, vehicle_id=third_vehicle.pk, start=at(10))

    r = visitor.post(URL, form())

    assert r.status_code == 200 and Appointment.objects.filter(vehicle=vehicle).count() == 0
    assert "11:00" in "".join(re.findall(r'class="errorlist">(.*?)</ul>', r.content.decode(), re.S))


def test_online_bookings_need_two_hours_notice(visitor, workshop, vehicle):
    r = visitor.post(URL, form(start=at(9, 30, day=TUESDAY.replace(day=4))))

    assert r.status_code == 200 and not Appointment.objects.exists()


def test_a_store_may_turn_online_booking_off(visitor, workshop, vehicle):
    WorkshopHours.objects.filter(pk=workshop.pk).update(web_booking=False)

    assert visitor.post(URL, form()).status_code == 200
    assert not Appointment.objects.exists()


def test_an_unknown_store_is_404(visitor, workshop):
    assert visitor.get("/appointments/book/NOPE/").status_code == 404


def test_a_vehicle_of_another_group_is_not_bookable_here(visitor, workshop, other_group_store, other_brand):
    from conftest import make_user, valid_vin
    from dms.core.roles import Role
    from dms.core.tenancy import resolve_tenant
    from dms.customers.services import customer_create
    from dms.vehicles.services import vehicle_create

    other = resolve_tenant(make_user("sa8", other_group_store, Role.SERVICE_ADVISOR))
    owner = customer_create(tenant=other, name="赵六", mobile="13600003333").record
    vehicle_create(
        tenant=other,
        owner_id=owner.pk,
        vin=valid_vin(9),
        plate="粤A11111",
        brand_id=other_brand.pk,
        model="Swift",
    )

    visitor.post(URL, form(plate="粤A11111", mobile="13600003333"))

    assert not Appointment.objects.exists()
