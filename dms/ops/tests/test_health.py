"""GET /healthz, as the load balancer probes it: no sign-in, no session, any Host; 200 while the
database answers (degraded when the worker is late or the disk is filling up), 503 when it does not."""

from collections import namedtuple
from datetime import timedelta

import pytest
import time_machine
from django.db import OperationalError, connection
from django.test import Client
from django.utils import timezone

from dms.core import heartbeat

pytestmark = pytest.mark.django_db
Usage = namedtuple("Usage", "total used free")
GB = 1024**3


@pytest.fixture
def deferring_worker(settings):
    """The database task backend (as production runs it): a worker is expected."""
    from django_tasks import default_task_backend

    if not default_task_backend.supports_defer:
        pytest.skip("the configured task backend runs tasks in the request")


@pytest.fixture
def roomy_disk(monkeypatch):
    monkeypatch.setattr("dms.ops.health.shutil.disk_usage", lambda path: Usage(100 * GB, 50 * GB, 50 * GB))


def probe(**extra):
    # A probe by address: the load balancer does not send the site's host name.
    return Client().get("/healthz", HTTP_HOST="10.0.0.5:8000", **extra)


def test_all_well_answers_200_ok_without_a_session(deferring_worker, roomy_disk):
    heartbeat.beat()
    r = probe()
    assert r.status_code == 200 and r["Content-Type"] == "application/json"
    body = r.json()
    assert body["status"] == "ok"
    assert {name: check["status"] for name, check in body["checks"].items()} == {
        "database": "ok",
        "worker": "ok",
        "disk": "ok",
    }
    assert "sessionid" not in r.cookies and "csrftoken" not in r.cookies
    assert r["Cache-Control"] == "no-store"


def test_a_worker_silent_for_three_periods_is_degraded_but_still_200(deferring_worker, roomy_disk, settings):
    settings.DMS_PROMISE_SWEEP_MINUTES = 5
    settings.DMS_OUTBOX_POLL_SECONDS = 30
    heartbeat.beat()
    with time_machine.travel(timezone.now() + timedelta(minutes=14), tick=False):
        assert probe().json()["checks"]["worker"]["status"] == "ok"
    with time_machine.travel(timezone.now() + timedelta(minutes=16), tick=False):
        r = probe()
    assert r.status_code == 200
    assert r.json()["status"] == "degraded"
    assert r.json()["checks"]["worker"] == {"status": "degraded", "age_seconds": 960, "limit_seconds": 900}


def test_no_heartbeat_ever_is_degraded(deferring_worker, roomy_disk):
    from django.core.cache import cache

    cache.delete(heartbeat.KEY)
    r = probe()
    assert r.status_code == 200 and r.json()["checks"]["worker"]["status"] == "degraded"


def test_the_promise_sweep_and_the_outbox_run_beat(deferring_worker, roomy_disk):
    from django.core.cache import cache

    from dms.messaging.tasks import send_due
    from dms.portal.tasks import promise_sweep

    for task in (promise_sweep, send_due):
        cache.delete(heartbeat.KEY)
        task.func()
        assert probe().json()["checks"]["worker"]["status"] == "ok", task


@pytest.mark.parametrize(
    ("free", "total", "status"),
    [(50 * GB, 100 * GB, "ok"), (900 * 1024**2, 10 * GB, "degraded"), (4 * GB, 100 * GB, "degraded")],
)
def test_little_free_disk_is_degraded(monkeypatch, free, total, status):
    heartbeat.beat()
    monkeypatch.setattr("dms.ops.health.shutil.disk_usage", lambda path: Usage(total, total - free, free))
    r = probe()
    assert r.status_code == 200 and r.json()["checks"]["disk"]["status"] == status


def test_a_database_that_does_not_answer_is_down_with_503(roomy_disk):
    def refuse(execute, sql, params, many, context):
        raise OperationalError("connection refused")

    with connection.execute_wrapper(refuse):
        r = probe()
    assert r.status_code == 503
    assert r.json()["status"] == "down"
    assert r.json()["checks"]["database"] == {"status": "down", "error": "OperationalError"}


def test_only_get_and_head_are_answered_there(roomy_disk):
    assert probe().status_code == 200
    assert Client().head("/healthz").status_code == 200
    assert Client().post("/healthz").status_code in (403, 404, 405)
