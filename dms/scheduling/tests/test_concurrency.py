"""The last place of a slot, booked by two people at the same moment, goes to one of them.

Real threads with their own database connections, on PostgreSQL (SQLite serialises every write
transaction anyway: see tests/test_sqlite_concurrency.py)."""

import threading
import time

import pytest
from django.db import connection, connections

from dms.core.errors import Conflict
from dms.core.tenancy import resolve_tenant
from dms.scheduling import selectors, services
from dms.scheduling.models import Appointment, CapacityDay

from .conftest import at

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="needs row locks: run with DATABASE_URL"),
]


def race(tenant, vehicles, start, monkeypatch):
    """Book each vehicle at `start` from its own thread, all released at once. Counting the places
    is slowed down, so that without the day's lock every thread would see the last place free."""
    slow_slots = selectors.slots

    def slots(*args, **kwargs):
        found = slow_slots(*args, **kwargs)
        time.sleep(0.3)
        return found

    monkeypatch.setattr(selectors, "slots", slots)
    barrier = threading.Barrier(len(vehicles))
    outcome: list[object] = []

    def book(vehicle):
        try:
            barrier.wait(timeout=10)
            outcome.append(services.appointment_create(tenant=tenant, vehicle_id=vehicle.pk, start=start))
        except Conflict as exc:
            outcome.append(exc)
        except Exception as exc:  # anything else fails the test below, with its reason
            outcome.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=book, args=(v,)) for v in vehicles]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return outcome


def test_the_last_slot_booked_twice_at_once_gives_one_booking(
    sa, workshop, vehicle, second_vehicle, third_vehicle, monkeypatch
):
    tenant = resolve_tenant(sa)
    services.appointment_create(tenant=tenant, vehicle_id=vehicle.pk, start=at(9))  # one of two places taken

    outcome = race(tenant, [second_vehicle, third_vehicle], at(9), monkeypatch)

    booked = [o for o in outcome if isinstance(o, Appointment)]
    refused = [o for o in outcome if isinstance(o, Conflict)]
    assert len(booked) == 1 and len(refused) == 1, outcome
    assert "free_times" in refused[0].extra
    assert Appointment.objects.filter(start=at(9), state="booked").count() == 2
    assert CapacityDay.objects.filter(date=at(9).date()).count() == 1


def test_two_bookings_of_a_day_never_booked_before_create_its_lock_row_once(
    sa, workshop, vehicle, second_vehicle, monkeypatch
):
    tenant = resolve_tenant(sa)
    workshop.capacity = 1
    workshop.save()

    outcome = race(tenant, [vehicle, second_vehicle], at(10), monkeypatch)

    assert sorted(type(o).__name__ for o in outcome) == ["Appointment", "Conflict"], outcome
    assert CapacityDay.objects.filter(date=at(10).date()).count() == 1
