"""A browser session ends after DMS_SESSION_IDLE_MINUTES without the user doing anything: a shared
reception tablet left signed in. Pages polling by themselves do not keep it alive."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

pytestmark = pytest.mark.django_db
POLL = {
    "HTTP_HX_REQUEST": "true",
    "HTTP_X_DMS_BACKGROUND": "1",
    "HTTP_HX_CURRENT_URL": "http://testserver/orders/?q=1",
}


@pytest.fixture
def tablet(sa, settings):
    settings.DMS_SESSION_IDLE_MINUTES = 30
    client = Client()
    client.force_login(sa)
    return client


@pytest.fixture
def at():
    """at(m): the clock stands m minutes after the test's start."""
    start = timezone.now()
    return lambda minutes: time_machine.travel(start + timedelta(minutes=minutes), tick=False)


def test_activity_keeps_the_session_and_half_an_hour_idle_ends_it(tablet, at):
    with at(0):
        assert tablet.get("/").status_code == 200
    with at(25):
        assert tablet.get("/").status_code == 200  # used within the half hour: still signed in
    with at(54):
        assert tablet.get("/").status_code == 200  # 29 minutes after the last use
    with at(85):
        r = tablet.get("/")
    assert r.status_code == 302 and r.url.startswith("/login/")
    with at(86):
        assert tablet.get("/").status_code == 302  # signed out for good, not for one request


def test_polling_does_not_keep_the_session_alive_and_the_poll_leaves_the_screen(tablet, at):
    with at(0):
        assert tablet.get("/").status_code == 200
    with at(20):
        assert tablet.get("/c/staff/at-risk-badge/", **POLL).status_code == 200
    with at(29):
        assert tablet.get("/", **POLL).status_code == 200
    with at(31):
        r = tablet.get("/", **POLL)
    assert r.status_code == 200 and r["HX-Redirect"] == "/login/?next=%2Forders%2F%3Fq%3D1"
    with at(32):
        assert tablet.get("/").status_code == 302


def test_a_click_in_htmx_counts_as_activity(tablet, at):
    with at(0):
        tablet.get("/")
    with at(20):
        assert tablet.get("/", HTTP_HX_REQUEST="true").status_code == 200  # no background mark: a user's
    with at(45):
        assert tablet.get("/").status_code == 200


def test_zero_minutes_never_signs_out(sa, settings, at):
    settings.DMS_SESSION_IDLE_MINUTES = 0
    client = Client()
    client.force_login(sa)
    with at(0):
        client.get("/")
    with at(600):
        assert client.get("/").status_code == 200
