"""PostgreSQL goes away under load (a restart, a failover: every connection cut), and comes back.

The production server (gunicorn, as `make run` and the benchmarks start it) takes customers and
their cars from two clients while every connection to the database is cut again and again. Each
answer is either the record written (201) or a clean refusal (503 with the API's error shape,
Retry-After, no stack trace); once the database stays up, every request succeeds again at once;
and nothing was half-written: every vehicle has its first mileage reading, its ownership row and
its audit entry, written in the same transaction. (A real restart of the server would stop every
other test using it: cutting the connections is what the application sees of one.)
"""

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from conftest import make_user, valid_vin
from dms.core.models import ApiToken
from dms.core.roles import Role

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="PostgreSQL only: cuts its connections"),
    pytest.mark.real_clock,  # the server is another process
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(transactional_db):
    s = connection.settings_dict
    url = f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    port = _free_port()
    env = {
        **os.environ, "DATABASE_URL": url, "DJANGO_ENV": "production", "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DMS_PUBLIC_BASE_URL": "https://dms.test.invalid",
    }  # fmt: skip
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
         "--workers", "2", "--timeout", "30"], cwd=ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/healthz")
            c.getresponse().read()
            break
        except OSError:
            time.sleep(0.3)
    yield port
    os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


def _post(port: int, token: str, path: str, body: dict) -> tuple[int, dict, dict]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("POST", f"/api/v1{path}", json.dumps(body), {"Authorization": f"Bearer {token}",
              "Content-Type": "application/json", "Accept-Language": "zh-hans"})  # fmt: skip
    r = c.getresponse()
    raw = r.read()
    c.close()
    try:
        data = json.loads(raw)
    except ValueError:
        data = {"not json": raw[:200].decode(errors="replace")}
    return r.status, data, dict(r.getheaders())


def _cut_every_connection() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


def test_requests_fail_cleanly_while_the_database_is_away_and_succeed_once_it_is_back(server, store, brand):
    token = ApiToken.issue(make_user("fault-sa", store, Role.SERVICE_ADVISOR))[1]
    answers: list[tuple[int, dict, dict]] = []
    serial = iter(range(1, 10_000))
    lock = threading.Lock()

    def one_car() -> None:
        with lock:
            n = next(serial)
        status, data, headers = _post(
            server, token, "/customers", {"name": "故障客户", "mobile": f"137{n:08d}"}
        )
        answers.append((status, data, headers))
        if status == 201:
            answers.append(_post(server, token, "/vehicles", {
                "customer_id": data["id"], "vin": valid_vin(50_000 + n), "brand": brand.name, "model": "思域",
                "mileage_km": 1000 + n,
            }))  # fmt: skip

    stop = threading.Event()

    def clients() -> None:
        while not stop.is_set():
            one_car()

    workers = [threading.Thread(target=clients) for _ in range(2)]
    for w in workers:
        w.start()
    try:
        for _ in range(12):  # the database "restarts" a dozen times in about six seconds
            time.sleep(0.5)
            _cut_every_connection()
    finally:
        stop.set()
        for w in workers:
            w.join(timeout=60)
    during = list(answers)

    # once it stays up, every request succeeds again at once
    answers.clear()
    for _ in range(5):
        one_car()
    after = list(answers)

    refused = [a for a in during if a[0] != 201]
    assert [a for a in during if a[0] == 201], "nothing succeeded between the cuts"
    assert refused, "no request met a cut connection: the test proved nothing"
    for status, data, headers in refused:
        assert status == 503, (status, data)
        assert data["detail"] and "Traceback" not in json.dumps(data, ensure_ascii=False)
        assert headers.get("Retry-After") == "5"
    assert [a[0] for a in after] == [201] * 10

    # nothing half-written: each vehicle with its reading, its ownership and its audit entry
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from dms.vehicles.models import MileageReading, Vehicle, VehicleOwnership

    vehicles = list(Vehicle.objects.filter(group=store.group).values_list("pk", flat=True))
    assert vehicles
    assert set(
        MileageReading.objects.filter(vehicle_id__in=vehicles).values_list("vehicle_id", flat=True)
    ) == set(vehicles)
    assert set(
        VehicleOwnership.objects.filter(vehicle_id__in=vehicles).values_list("vehicle_id", flat=True)
    ) == set(vehicles)
    audited = LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Vehicle), action=LogEntry.Action.CREATE
    )
    assert {int(pk) for pk in audited.values_list("object_pk", flat=True)} >= set(vehicles)
