"""Appointments of another dealer group are answered 404 everywhere, and nothing changes."""

import pytest
from django.test import Client

from conftest import ApiClient, make_user
from dms.core.roles import Role
from dms.scheduling import services
from dms.scheduling.models import Appointment, Technician

from .conftest import TUESDAY, at


@pytest.fixture
def booked(tenant, workshop, vehicle):
    return services.appointment_create(tenant=tenant, vehicle_id=vehicle.pk, start=at(9))


API_CALLS = [
    ("get", "/appointments/{id}", None),
    ("post", "/appointments/{id}/actions/confirm", {}),
    ("post", "/appointments/{id}/actions/arrive", {}),
    ("post", "/appointments/{id}/actions/no-show", {}),
    ("post", "/appointments/{id}/actions/cancel", {"reason": "x"}),
    ("post", "/appointments/{id}/actions/reschedule", {"start": at(14).isoformat(), "reason": "x"}),
    ("post", "/appointments/{id}/deposit", {"amount": "1", "method": "cash"}),
]


@pytest.mark.parametrize(("method", "path", "body"), API_CALLS)
def test_an_outsider_gets_404_from_every_appointment_endpoint(outsider_api, booked, method, path, body):
    call = getattr(outsider_api, method)
    r = call(path.format(id=booked.pk), body) if body is not None else call(path.format(id=booked.pk))

    assert r.status_code == 404, r.content
    booked.refresh_from_db()
    assert (booked.state, booked.version, booked.deposit_amount) == ("booked", 1, 0)
    assert Appointment.objects.count() == 1


def test_an_outsider_cannot_book_a_vehicle_of_the_group(outsider_api, booked, vehicle):
    r = outsider_api.post("/appointments", {"vehicle_id": vehicle.pk, "start": at(10).isoformat()})

    assert r.status_code == 404 and Appointment.objects.count() == 1


def test_an_outsiders_lists_are_empty(outsider_api, booked, store, technician):
    Technician.objects.create(store=store, user=technician)

    assert outsider_api.get("/appointments", {"date": TUESDAY.isoformat()}).json()["count"] == 0
    assert outsider_api.get("/technicians").json()["count"] == 0


PAGES = [
    ("get", "/appointments/{id}/"),
    ("post", "/appointments/{id}/actions/confirm/"),
    ("post", "/appointments/{id}/actions/cancel/"),
    ("post", "/appointments/{id}/deposit/"),
    ("get", "/appointments/new/?reschedule={id}"),
    ("get", "/appointments/new/?vehicle={vehicle}"),
    ("get", "/appointments/slots/?date=2026-05-05&reschedule={id}"),
]


@pytest.mark.parametrize(("method", "path"), PAGES)
def test_an_outsider_gets_404_from_every_appointment_page(outsider_client, booked, vehicle, method, path):
    r = getattr(outsider_client, method)(path.format(id=booked.pk, vehicle=vehicle.pk))

    assert r.status_code == 404
    booked.refresh_from_db()
    assert (booked.state, booked.version) == ("booked", 1)


def test_an_outsiders_board_does_not_show_the_groups_appointments(outsider_client, booked):
    page = outsider_client.get("/appointments/", {"date": TUESDAY.isoformat()}).content.decode()

    assert "粤B12345" not in page


def test_a_colleague_of_another_store_of_the_group_sees_their_own_stores_board(second_store, booked):
    colleague = make_user("sa2", second_store, Role.SERVICE_ADVISOR)
    c = Client()
    c.force_login(colleague)

    assert "粤B12345" not in c.get("/appointments/", {"date": TUESDAY.isoformat()}).content.decode()
    assert c.get(f"/appointments/{booked.pk}/").status_code == 404
    assert ApiClient(colleague).get(f"/appointments/{booked.pk}").status_code == 404
