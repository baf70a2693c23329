"""The staff pages: the appointment board, the booking screen, an appointment's page."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import valid_vin
from dms.customers.services import customer_create
from dms.scheduling import services
from dms.scheduling.models import Appointment
from dms.vehicles.services import vehicle_create

from .conftest import TUESDAY, at


@pytest.fixture
def booked(tenant, workshop, vehicle):
    return services.appointment_create(tenant=tenant, vehicle_id=vehicle.pk, start=at(9), items="异响")


def test_the_board_shows_the_days_appointments_and_the_load(sa_client, booked):
    r = sa_client.get("/appointments/", {"date": TUESDAY.isoformat()})

    assert r.status_code == 200
    page = r.content.decode()
    assert "粤B12345" in page and "异响" in page and f'id="appt-{booked.pk}"' in page
    assert 'title="09:00: 1/2"' in page  # the load bar of the 09:00 slot
    assert f"/appointments/{booked.pk}/actions/confirm/" in page


def test_the_board_lists_the_calls_due_within_the_hour(sa_client, sa, booked, clock):
    clock.move_to(at(8, 15))
    sa_client.force_login(sa)  # a day later: the idle session ended overnight

    page = sa_client.get("/appointments/", {"date": TUESDAY.isoformat()}).content.decode()

    assert page.count("badge call") == 1 and "card warning" in page


def test_a_button_on_the_board_confirms_and_htmx_gets_the_row_back(sa_client, booked):
    r = sa_client.post(
        f"/appointments/{booked.pk}/actions/confirm/", {"version": booked.version}, HTTP_HX_REQUEST="true"
    )

    assert r.status_code == 200
    assert r.content.decode().lstrip().startswith(f'<tr id="appt-{booked.pk}"')
    assert Appointment.objects.get(pk=booked.pk).state == "confirmed"


def test_a_step_not_allowed_is_explained_in_the_row(sa_client, booked):
    r = sa_client.post(f"/appointments/{booked.pk}/actions/no-show/", HTTP_HX_REQUEST="true")

    assert r.status_code == 200 and 'role="alert"' in r.content.decode()
    assert Appointment.objects.get(pk=booked.pk).state == "booked"


def test_cancelling_from_the_page_keeps_the_reason(sa_client, booked):
    r = sa_client.post(f"/appointments/{booked.pk}/actions/cancel/", {"reason": "客户改约", "version": 1})

    assert r.status_code == 302 and r.url == f"/appointments/{booked.pk}/"
    booked.refresh_from_db()
    assert (booked.state, booked.cancel_reason) == ("cancelled", "客户改约")


def test_the_appointment_page_shows_its_history(sa_client, tenant, booked):
    services.appointment_deposit_record(tenant=tenant, appointment_id=booked.pk, amount="200", method="cash")

    r = sa_client.get(f"/appointments/{booked.pk}/")

    assert r.status_code == 200
    page = r.content.decode()
    assert "¥200.00" in page and page.count('<li><div class="when">') == 2


def test_the_booking_screen_finds_the_vehicle_by_plate(sa_client, workshop, vehicle):
    r = sa_client.get("/appointments/new/", {"q": "B12345"})

    assert r.status_code == 200 and f"?vehicle={vehicle.pk}" in r.content.decode()


def test_the_booking_screen_shows_the_slots_with_their_load(sa_client, booked, second_vehicle):
    r = sa_client.get("/appointments/new/", {"vehicle": second_vehicle.pk, "date": TUESDAY.isoformat()})

    page = r.content.decode()
    assert r.status_code == 200
    assert f'value="{at(9).isoformat()}"' in page and f'value="{at(13).isoformat()}"' in page
    assert 'class="slot quiet"' in page


def test_the_slot_grid_is_refreshed_for_another_job(sa_client, workshop):
    r = sa_client.get("/appointments/slots/", {"date": TUESDAY.isoformat(), "job": "body_paint"})

    page = r.content.decode()
    assert at(14).isoformat() in page and at(14, 30).isoformat() not in page


def test_the_sa_books_from_the_booking_screen(sa_client, workshop, vehicle):
    r = sa_client.post(
        "/appointments/new/",
        {"vehicle": vehicle.pk, "date": TUESDAY.isoformat(), "job": "maintenance", "start": at(10).isoformat(),
         "items": "保养", "channel": "desk", "deposit_method": ""},
    )  # fmt: skip

    a = Appointment.objects.get()
    assert r.status_code == 302 and r.url == f"/appointments/{a.pk}/"
    assert (a.start, a.channel, a.items) == (at(10), "desk", "保养")


def test_a_full_time_is_explained_on_the_booking_screen(
    sa_client, tenant, booked, second_vehicle, third_vehicle
):
    services.appointment_create(tenant=tenant, vehicle_id=second_vehicle.pk, start=at(9))

    r = sa_client.post(
        "/appointments/new/",
        {"vehicle": third_vehicle.pk, "date": TUESDAY.isoformat(), "job": "maintenance",
         "start": at(9).isoformat(), "channel": "phone"},
    )  # fmt: skip

    assert r.status_code == 200 and 'class="errorlist"' in r.content.decode()
    assert Appointment.objects.filter(vehicle=third_vehicle).count() == 0


def test_the_sa_reschedules_from_the_booking_screen(sa_client, booked):
    r = sa_client.post(
        "/appointments/new/",
        {"reschedule": booked.pk, "date": TUESDAY.isoformat(), "job": "maintenance",
         "start": at(15).isoformat(), "channel": "phone", "reason": "客户下午才有空"},
    )  # fmt: skip

    new = Appointment.objects.get(rescheduled_from=booked)
    assert r.status_code == 302 and r.url == f"/appointments/{new.pk}/"
    booked.refresh_from_db()
    assert booked.state == "cancelled" and new.start == at(15)


def test_a_technician_sees_the_board_without_buttons(client, technician, booked):
    client.force_login(technician)

    page = client.get("/appointments/", {"date": TUESDAY.isoformat()}).content.decode()

    assert "粤B12345" in page and "/actions/confirm/" not in page
    assert client.get("/appointments/new/").status_code == 403


def _add(tenant, brand, n, start):
    for i in range(start, start + n):
        c = customer_create(tenant=tenant, name=f"客户{i}", mobile=f"1391234{i:04d}").record
        v = vehicle_create(
            tenant=tenant,
            owner_id=c.pk,
            vin=valid_vin(100 + i),
            plate=f"粤B{i:05d}",
            brand_id=brand.pk,
            model="思域",
        ).record
        services.appointment_create(tenant=tenant, vehicle_id=v.pk, start=at(9 + (i % 8), 30 if i % 2 else 0))


def test_the_board_does_not_grow_queries_with_appointments(sa_client, tenant, workshop, brand):
    workshop.capacity = 40
    workshop.save()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            r = sa_client.get("/appointments/", {"date": TUESDAY.isoformat()})
        assert r.status_code == 200
        return len(ctx.captured_queries), r.content.decode()

    _add(tenant, brand, 2, 1)
    small, _ = count()
    _add(tenant, brand, 12, 10)
    large, page = count()

    assert "粤B00021" in page
    assert large == small


def test_the_api_list_does_not_grow_queries_with_appointments(api, tenant, workshop, brand):
    workshop.capacity = 40
    workshop.save()

    def count():
        with CaptureQueriesContext(connection) as ctx:
            r = api.get("/appointments", {"date": TUESDAY.isoformat()})
        assert r.status_code == 200
        return len(ctx.captured_queries)

    _add(tenant, brand, 2, 1)
    small = count()
    _add(tenant, brand, 12, 10)
    assert count() == small <= 10


def test_a_second_appointment_of_the_vehicle_that_day_is_explained(sa_client, booked, vehicle):
    r = sa_client.post(
        "/appointments/new/",
        {"vehicle": vehicle.pk, "date": TUESDAY.isoformat(), "job": "maintenance",
         "start": at(14).isoformat(), "channel": "phone"},
    )  # fmt: skip

    assert r.status_code == 200 and "09:00" in r.content.decode().split('role="alert"')[1][:300]
    assert Appointment.objects.count() == 1


def test_a_deposit_is_shown_with_its_thousands_grouped(sa_client, tenant, booked):
    services.appointment_deposit_record(tenant=tenant, appointment_id=booked.pk, amount="1200", method="cash")

    page = sa_client.get(f"/appointments/{booked.pk}/").content.decode()

    assert "¥1,200.00" in page and "¥1200.00" not in page
