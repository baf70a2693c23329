"""The PostgreSQL backend's health check: no round trip while the server is there, and a
connection whose server has gone is noticed and replaced before a request uses it."""

import time
from unittest import mock

import pytest
from django.db import connection, connections
from django.db.backends.postgresql import base as django_base

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's backend"),
]


@pytest.fixture
def other():
    """A second connection to the test database, as a worker process keeps between requests."""
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def test_a_connection_in_good_health_is_not_asked_over_the_wire(other):
    with mock.patch.object(
        django_base.DatabaseWrapper, "is_usable", side_effect=AssertionError("round trip")
    ):
        assert other.is_usable()


def test_a_connection_whose_backend_was_terminated_is_replaced(other):
    pid = other.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 10
    while other.is_usable() and time.monotonic() < deadline:  # the goodbye arrives
        time.sleep(0.05)
    assert not other.is_usable()
    # What Django does at the start of a request with CONN_HEALTH_CHECKS: the dead one is closed,
    # the next statement opens a new one and the request goes through.
    other.health_check_done = False
    other.close_if_health_check_failed()
    with other.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
    assert other.connection.info.backend_pid != pid


def test_a_connection_with_a_message_waiting_is_checked_by_the_server(other):
    """Something to read that is not a goodbye (a notification): Django's own check decides."""
    with other.cursor() as cursor:
        cursor.execute("LISTEN dms_health")
    sender = connections.create_connection("default")  # autocommit: the notification goes at once
    with sender.cursor() as cursor:
        cursor.execute("NOTIFY dms_health")
    sender.close()
    time.sleep(0.2)
    with mock.patch.object(django_base.DatabaseWrapper, "is_usable", return_value=True) as server_check:
        assert other.is_usable()
    server_check.assert_called_once()
