"""PostgreSQL restarted under load: requests fail cleanly, succeed again, and nothing is half-written.

The shared server on 127.0.0.1:5432 serves other test runs at the same time and is never restarted:
this test runs a PostgreSQL cluster of its own. `initdb` into a temporary directory with the server's
binaries (/usr/lib/postgresql/<version>/bin, the newest; else on PATH), as the postgres user when the
suite runs as root; a free port, trust authentication, its socket in that directory, fsync off (a
restart or a crash of the server, not of the machine, is what is tried: the WAL still reaches the
kernel at every commit). The schema, with this test's store, advisor and tokens, comes from the
suite's own migrated test database through pg_dump into the new cluster (3 s; `manage.py migrate`
from scratch took 97 s, 29 s of CPU, on the same machine).

The production server (gunicorn, as `make run` starts it; the app loaded once before the workers
fork, to start in half the time) serves that database; two clients take cars in (a customer, their
vehicle, a repair order, a labour line: four calls, each its own transaction) while the cluster is
restarted with `pg_ctl restart -m fast` (sessions ended, then a clean start) and then stopped with
`-m immediate` (every process killed: the next start replays the WAL, as after a crash) and started
again. About 30 s in all on a loaded 2-core machine (half of it starting the cluster and gunicorn).
Asserted:

- every answer is the record written (201) or a clean refusal: 503 with the API's error shape and
  Retry-After, never a 500 or a stack trace; while the server is down, a write and a request with a
  token no worker has seen yet (its lookup needs the database) are refused so;
- once the server is back, every request succeeds again at once;
- nothing is half-written: every record whose creation answered 201 is there, and every record
  there is whole (a customer with its audit entry; a vehicle with its first mileage reading, its
  ownership and its audit entry; a repair order with its opening event in the order's history and in
  the event log, its totals the sum of its lines, and a history entry per line); and a refusal
  changed nothing (a commit whose answer the crash cut off aside: at most one per restart).
"""

import contextlib
import glob
import http.client
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection

from conftest import make_user, valid_vin
from dms.core.models import ApiToken
from dms.core.roles import Role

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL"), reason="PostgreSQL only (the suite's PostgreSQL pass)"
    ),
    pytest.mark.real_clock,  # the server is another process
]
LINE_PRICE = Decimal("300.00")


def _server_binaries() -> Path | None:
    """The directory holding initdb and pg_ctl: Debian's newest version, else the one on PATH."""

    def version(path: str) -> tuple[int, ...]:
        found = re.search(r"/postgresql/([\d.]+)/", path)
        return tuple(int(p) for p in found.group(1).split(".")) if found else (0,)

    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=version)
    for pg_ctl in [*reversed(candidates), shutil.which("pg_ctl")]:
        if pg_ctl and (Path(pg_ctl).parent / "initdb").exists():
            return Path(pg_ctl).parent
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A PostgreSQL cluster in a temporary directory, owned by the postgres user when we are root."""

    def __init__(self, binaries: Path):
        self.bin = binaries
        self.dir = Path(tempfile.mkdtemp(prefix="dms-pg-restart-"))
        self.data = self.dir / "data"
        self.port = _free_port()
        self.gunicorn_log = self.dir / "gunicorn.log"
        self.as_postgres: list[str] = []
        if os.geteuid() == 0:
            try:
                pw = pwd.getpwnam("postgres")
            except KeyError:
                shutil.rmtree(self.dir, ignore_errors=True)
                pytest.skip("running as root and there is no postgres user to run the server as")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.as_postgres = ["runuser", "-u", "postgres", "--"]

    def server(self, *args: str, timeout: float = 60) -> None:
        """Run a server binary (initdb, pg_ctl) as the cluster's owner."""
        done = subprocess.run(
            [*self.as_postgres, str(self.bin / args[0]), *args[1:]], cwd=self.dir, timeout=timeout,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        if done.returncode:
            log = self.dir / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise AssertionError(f"{' '.join(args[:2])} failed: {done.stderr}\n{tail}")

    def init(self) -> None:
        self.server("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                    "--locale=C.UTF-8", "--no-sync")  # fmt: skip
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{self.dir}'\n"
                "fsync = off\nmax_connections = 30\nshared_buffers = 32MB\n"
            )

    def pg_ctl(self, *args: str) -> None:
        self.server(
            "pg_ctl", *args, "-D", str(self.data), "-l", str(self.dir / "server.log"), "-w", "-t", "60"
        )

    def client(self, tool: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.bin / tool), *args], check=True, timeout=120, **kwargs)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/opendms"

    def query(self, sql: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="opendms") as conn:
            return conn.execute(sql, params).fetchall()

    def close(self) -> None:
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(Exception):
                self.server("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w", "-t", "30")
        with contextlib.suppress(OSError, ValueError, IndexError):  # still there: its process, by its id
            os.kill(int((self.data / "postmaster.pid").read_text().split()[0]), signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)


def _copy_test_database(cluster: Cluster) -> None:
    """The suite's migrated test database (this test's rows committed in it) into the cluster."""
    s = connection.settings_dict
    env = {**os.environ, **({"PGPASSWORD": str(s["PASSWORD"])} if s.get("PASSWORD") else {})}
    cluster.client("createdb", "-h", "127.0.0.1", "-p", str(cluster.port), "-U", "postgres", "opendms")
    dump = subprocess.Popen(
        [str(cluster.bin / "pg_dump"), "--no-owner", "--no-privileges", "-h", s["HOST"] or "127.0.0.1",
         "-p", str(s["PORT"] or 5432), "-U", s["USER"] or "postgres", s["NAME"]],
        stdout=subprocess.PIPE, env=env,
    )  # fmt: skip
    try:
        cluster.client("psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-h", "127.0.0.1",
                       "-p", str(cluster.port), "-U", "postgres", "-d", "opendms",
                       stdin=dump.stdout, stdout=subprocess.DEVNULL)  # fmt: skip
    finally:
        dump.stdout.close()
        assert dump.wait(timeout=60) == 0, "pg_dump of the test database failed"


def _start_gunicorn(cluster: Cluster) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    log = cluster.gunicorn_log
    env = {
        **os.environ, "DATABASE_URL": cluster.url, "DJANGO_ENV": "production", "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50), "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DMS_PUBLIC_BASE_URL": "https://dms.test.invalid",
    }  # fmt: skip
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
             "--workers", "2", "--timeout", "30", "--preload"], cwd=ROOT, env=env, start_new_session=True, stdout=out, stderr=out,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"gunicorn did not start:\n{log.read_text(errors='replace')[-3000:]}")
        time.sleep(0.2)
    return proc, port


@pytest.fixture
def restartable(transactional_db, store, brand):
    """(cluster, gunicorn's port, tokens): the tokens of a service advisor, the first for the clients,
    the others never used before the outage. Everything is stopped and removed afterwards."""
    binaries = _server_binaries()
    if binaries is None:
        pytest.skip(
            "PostgreSQL's server binaries (initdb, pg_ctl) are not installed: /usr/lib/postgresql/*/bin"
        )
    advisor = make_user("restart-sa", store, Role.SERVICE_ADVISOR)
    tokens = [ApiToken.issue(advisor)[1] for _ in range(3)]
    with contextlib.ExitStack() as stack:
        cluster = Cluster(binaries)
        stack.callback(cluster.close)
        cluster.init()
        cluster.pg_ctl("start")
        _copy_test_database(cluster)
        proc, port = _start_gunicorn(cluster)

        def stop_gunicorn():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

        stack.callback(stop_gunicorn)
        yield cluster, port, tokens


def _post(port: int, token: str, path: str, body: dict) -> tuple[int, dict, dict]:
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        c.request("POST", f"/api/v1{path}", json.dumps(body), {"Authorization": f"Bearer {token}",
                  "Content-Type": "application/json", "Accept-Language": "zh-hans"})  # fmt: skip
        r = c.getresponse()
        raw = r.read()
    finally:
        c.close()
    try:
        data = json.loads(raw)
    except ValueError:
        data = {"not json": raw[:300].decode(errors="replace")}
    return r.status, data, dict(r.getheaders())


class Reception:
    """Clients taking cars in: each car four calls, stopping at the first that is refused."""

    def __init__(self, port: int, token: str, brand: str):
        self.port, self.token, self.brand = port, token, brand
        self.answers: list[tuple[str, int, dict, dict, dict]] = []  # (call, status, answer, headers, sent)
        self.serial = iter(range(1, 100_000))
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def call(self, name: str, path: str, body: dict) -> dict | None:
        status, data, headers = _post(self.port, self.token, path, body)
        with self.lock:
            self.answers.append((name, status, data, headers, body))
        return data if status == 201 else None

    def one_car(self) -> None:
        with self.lock:
            n = next(self.serial)
        customer = self.call("customer", "/customers", {"name": "重启客户", "mobile": f"136{n:08d}"})
        vehicle = customer and self.call("vehicle", "/vehicles", {
            "customer_id": customer["id"], "vin": valid_vin(70_000 + n), "brand": self.brand, "model": "思域",
            "mileage_km": 1000 + n,
        })  # fmt: skip
        order = vehicle and self.call("order", "/repair-orders", {
            "vehicle_id": vehicle["id"], "mileage_km": 1000 + n, "complaint": "保养",
        })  # fmt: skip
        if order:
            self.call("line", f"/repair-orders/{order['id']}/lines", {
                "kind": "labor", "description": "保养工时", "quantity": "1", "unit_price": str(LINE_PRICE),
            })  # fmt: skip

    def run(self, clients: int = 2) -> list[threading.Thread]:
        def loop():
            while not self.stop.is_set():
                self.one_car()

        threads = [threading.Thread(target=loop, daemon=True) for _ in range(clients)]
        for t in threads:
            t.start()
        return threads

    def created(self, name: str) -> set[int]:
        return {
            data["id"] for call, status, data, _h, _sent in self.answers if call == name and status == 201
        }

    def refused(self, name: str, key: str) -> set:
        return {sent[key] for call, status, _d, _h, sent in self.answers if call == name and status != 201}


def _assert_refused_cleanly(answers, log: Path) -> None:
    for call, status, data, headers, *_sent in answers:
        assert status == 503, f"{call}: {status} {data}\n{log.read_text(errors='replace')[-3000:]}"
        text = json.dumps(data, ensure_ascii=False)
        assert data.get("detail") and "Traceback" not in text and "psycopg" not in text, (call, data)
        assert headers.get("Retry-After") == "5", (call, headers)


def test_a_restart_under_load_refuses_cleanly_writes_nothing_half_and_recovers(restartable, brand):
    cluster, port, tokens = restartable
    reception = Reception(port, tokens[0], brand.name)
    for _ in range(2):  # both workers know the token and hold a connection
        reception.one_car()
    assert {a[1] for a in reception.answers} == {201}, reception.answers[-1]

    threads = reception.run()
    outage: list[tuple] = []
    try:
        time.sleep(1)
        cluster.pg_ctl("restart", "-m", "fast")  # sessions are ended, the server starts again cleanly
        time.sleep(1)
        cluster.pg_ctl("stop", "-m", "immediate")  # a crash: every process killed, no checkpoint
        # The server is away: a write, and a token no worker has resolved yet, are refused cleanly.
        for call, token, mobile in (
            ("write", tokens[0], "13500000001"),
            ("new token", tokens[1], "13500000002"),
        ):
            outage.append(
                (f"{call} while down", *_post(port, token, "/customers", {"name": "宕机", "mobile": mobile}))
            )
        time.sleep(0.5)
        cluster.pg_ctl("start")  # recovery replays the WAL
        time.sleep(1)
    finally:
        reception.stop.set()
        for t in threads:
            t.join(timeout=60)
    during = list(reception.answers)

    # Back: every request succeeds again at once, the token first seen during the outage included.
    reception.answers.clear()
    for _ in range(3):
        reception.one_car()
    reception.token = tokens[1]
    reception.one_car()
    after = list(reception.answers)
    reception.answers = during + after

    _assert_refused_cleanly(outage, cluster.gunicorn_log)
    refused = [a for a in during if a[1] != 201]
    assert [a for a in during if a[1] == 201], "nothing succeeded around the restarts"
    assert refused, "no request met the restarts: the test proved nothing"
    _assert_refused_cleanly(refused, cluster.gunicorn_log)
    assert [a[1] for a in after] == [201] * 16, after

    # Every record whose creation answered 201 is there ...
    from auditlog.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from dms.core.models import Event
    from dms.customers.models import Customer
    from dms.vehicles.models import MileageReading, Vehicle, VehicleOwnership
    from dms.workshop.models import RepairOrder, RepairOrderEvent, RepairOrderLine

    def ids(model) -> set[int]:
        return {r[0] for r in cluster.query(f"SELECT id FROM {model._meta.db_table}")}

    def column(model, field, where="TRUE") -> set:
        f = model._meta.get_field(field)
        return {r[0] for r in cluster.query(f"SELECT {f.column} FROM {model._meta.db_table} WHERE {where}")}

    customers, vehicles, orders = ids(Customer), ids(Vehicle), ids(RepairOrder)
    assert reception.created("customer") <= customers
    assert reception.created("vehicle") <= vehicles
    assert reception.created("order") <= orders
    lines = cluster.query(f"SELECT {RepairOrderLine._meta.get_field('order').column}, amount FROM "
                          f"{RepairOrderLine._meta.db_table}")  # fmt: skip
    assert reception.created("line") <= {order for order, _amount in lines}

    # ... and every record there is whole.
    def audited(model) -> set[int]:
        ct = ContentType.objects.get_for_model(model).pk  # the same ids in the copy
        rows = cluster.query(f"SELECT object_pk FROM {LogEntry._meta.db_table} WHERE content_type_id = %s AND "
                             f"action = %s", ct, LogEntry.Action.CREATE)  # fmt: skip
        return {int(r[0]) for r in rows}

    assert audited(Customer) >= customers
    assert column(MileageReading, "vehicle") >= vehicles
    assert column(VehicleOwnership, "vehicle") >= vehicles
    assert audited(Vehicle) >= vehicles
    assert column(RepairOrderEvent, "order", "action = 'open'") == orders
    assert column(Event, "subject_id", "type = 'repair_order.opened'") == orders
    totals = dict(cluster.query(f"SELECT id, total FROM {RepairOrder._meta.db_table}"))
    per_order: dict[int, list[Decimal]] = {}
    for order, amount in lines:
        per_order.setdefault(order, []).append(amount)
    assert {o: sum(per_order.get(o, []), Decimal(0)) for o in orders} == totals
    order_id = RepairOrderEvent._meta.get_field("order").column
    line_events = cluster.query(f"SELECT {order_id}, count(*) FROM {RepairOrderEvent._meta.db_table} "
                                f"WHERE action = 'line-add' GROUP BY {order_id}")  # fmt: skip
    assert dict(line_events) == {o: len(a) for o, a in per_order.items()}

    # A refusal changed nothing. (A commit the crash cut off before its answer could land; one per
    # restart at most, not a pattern.)
    mobiles, vins = column(Customer, "mobile"), column(Vehicle, "vin")
    landed = (reception.refused("customer", "mobile") & mobiles) | (
        reception.refused("vehicle", "vin") & vins
    )
    assert len(landed) <= 2, landed
    assert not {"13500000001", "13500000002"} & mobiles
