"""`make bench`, peer-comparison part: orders taken over the HTTP API, the workload a side-by-side
comparison with other systems uses (issue 11: Odoo 17's repair module managed 26.5 such orders per
second on this machine kind).

One "order" is four calls, as a service advisor takes a first-time customer's car in:
  POST /api/v1/customers                     the customer (a new mobile each time)
  POST /api/v1/vehicles                      their vehicle (a new VIN, with its check digit, and plate)
  POST /api/v1/repair-orders                 a repair order for it
  POST /api/v1/repair-orders/{id}/lines      a part line, the part from the catalogue, stocked in advance

Steps: create the bench database afresh and migrate it; build one store (BO01) with two service
advisors and a stocked part; start the production server (gunicorn, as bench/service_loop.py
starts it, DJANGO_ENV=production); 2 concurrent clients (processes, a connection per request, one
service advisor each) take orders for BENCH_SECONDS after a warm-up. Reports orders per second,
the median and p95 of each of the four calls, failed orders (must be 0), CPU per order and the
machine's speed (bench/run.py machine_speed) before and after. Then the floor: the same clients make
a call that does nothing (GET /api/v1/me) for BENCH_FLOOR_SECONDS (5): the server's CPU per call
that any call pays (gunicorn, Django's and ninja's request handling, the middleware), four times of
which an order pays before any work. Written to var/bench/api_orders.json.

Environment (all optional):
  BENCH_ORDERS_SQLITE        1: on the embedded SQLite (what `make run` uses), a file of its own
                             under var/bench/sqlite-orders/, instead of PostgreSQL
  BENCH_ORDERS_DATABASE_URL  postgres://postgres@127.0.0.1:5432/opendms_bench_orders
  BENCH_SECONDS              20
  BENCH_CLIENTS              2
  BENCH_SERVER_ARGS          as in bench/run.py
"""

import json
import multiprocessing
import os
import platform
import secrets
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from run import (  # noqa: E402
    SERVER_ARGS,
    Client,
    CpuMeter,
    ensure_database,
    free_port,
    log,
    machine_speed,
    percentile,
    start_server,
    stop_server,
)
from service_loop import OneShotClient, setup_django, vacuum_analyze  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/opendms_bench_orders"
STORE = "BO01"
ADVISORS = ("bo-sa1", "bo-sa2")
BRAND = "本田"
CALLS = ("customer", "vehicle", "repair order", "part line")
WARMUP = 5
FLOOR_SECONDS = int(os.environ.get("BENCH_FLOOR_SECONDS") or 5)
# Per client: its own block of serials (VIN serial, mobile, plate), never reused within a run.
BLOCK = 100_000
_VIN_LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"  # no I, O, Q
_PLATE_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"  # no I, no O


def vin(serial: int) -> str:
    """A VIN with its check digit (dms.vehicles.rules), unique per serial below 1,000,000 * 33."""
    from dms.vehicles.rules import vin_check_digit

    plant = _VIN_LETTERS[serial // 1_000_000]
    body = f"LHGCV1650R{plant}{serial % 1_000_000:06d}"  # position 9 (index 8) is the check digit
    return body[:8] + vin_check_digit(body) + body[9:]


def mobile(serial: int) -> str:
    return f"139{serial:08d}"


def plate(serial: int) -> str:
    """粤 + a city letter + five digits: 24 * 100,000 plates."""
    return f"粤{_PLATE_LETTERS[serial // 100_000]}{serial % 100_000:05d}"


def build_store() -> dict:
    """The store, its two service advisors (passwords made for this run) and a stocked part."""
    from django.core.management import call_command

    from conftest import make_user
    from dms.core.models import Brand, DealerGroup, Store
    from dms.core.roles import Role
    from dms.core.tenancy import resolve_tenant
    from dms.parts.services import part_create, stock_receive

    call_command("migrate", interactive=False, verbosity=0)
    group = DealerGroup.objects.create(code="BENCHORD", name="基准集团（接单）")
    store = Store.objects.create(group=group, code=STORE, name="基准门店（接单）")
    brand = Brand.objects.create(group=group, name=BRAND)
    store.brands.add(brand)
    manager = resolve_tenant(make_user("bo-manager", store, Role.SERVICE_MANAGER))
    part = part_create(tenant=manager, number="15400-RTA-003", name="机油滤清器", price="68.00")
    stock_receive(tenant=manager, part_id=part.pk, quantity="900000", reference="基准入库")
    passwords = {}
    for username in ADVISORS:
        user = make_user(username, store, Role.SERVICE_ADVISOR)
        passwords[username] = secrets.token_urlsafe(18)
        user.set_password(passwords[username])
        user.save(update_fields=["password"])
    vacuum_analyze()
    return {"passwords": passwords, "part_id": part.pk}


def take_order(client: OneShotClient, serial: int, part_id: int) -> tuple[str | None, list[float]]:
    """One order: the four calls. Returns the error (None: all four answered 201) and ms per call."""
    times = []
    steps = [
        ("/api/v1/customers", lambda _: {"name": "基准客户", "title": "mr", "mobile": mobile(serial)}),
        ("/api/v1/vehicles", lambda ids: {"customer_id": ids[0], "vin": vin(serial), "plate": plate(serial),
                                          "brand": BRAND, "model": "雅阁", "mileage_km": 10_000}),
        ("/api/v1/repair-orders", lambda ids: {"vehicle_id": ids[1], "mileage_km": 10_000,
                                               "complaint": "基准：保养，换机油机滤"}),
        ("/api/v1/repair-orders/{id}/lines", lambda _: {"kind": "part", "part_id": part_id, "quantity": "1"}),
    ]  # fmt: skip
    ids: list[int] = []
    for path, body in steps:
        path = path.replace("{id}", str(ids[-1])) if ids else path
        t = time.perf_counter()
        status, answer = client.call("POST", path, body(ids))
        times.append((time.perf_counter() - t) * 1000)
        if status != 201:
            return f"{path} {status} {answer[:300]!r}", times
        ids.append(json.loads(answer)["id"])
    return None, times


def empty_call(client: OneShotClient, serial: int, part_id: int) -> tuple[str | None, list[float]]:
    """The floor: one call that does no work (GET /api/v1/me: the token from the process's cache, no
    query), through the same server, client and connection handling as an order's calls."""
    t = time.perf_counter()
    status, body = client.call("GET", "/api/v1/me")
    ms = (time.perf_counter() - t) * 1000
    return (None if status == 200 else f"GET /api/v1/me: {status} {body[:200]!r}"), [ms]


def _client(i, port, username, password, part_id, seconds, warmed, go, results, work=take_order) -> None:
    """One client (a process of its own): signs in, takes WARMUP orders, then orders for `seconds`
    from the common start (or makes `work`'s calls); puts its counts, latencies per call and CPU
    time on `results`."""
    signer = Client(port)
    signer.sign_in(username, password)
    signer.conn.close()
    client = OneShotClient(port, signer.headers["Authorization"].removeprefix("Bearer "))
    serial = i * BLOCK
    out = {"done": 0, "failed": 0, "latencies": [[] for _ in CALLS], "errors": []}
    for _ in range(WARMUP):
        error, _times = work(client, serial, part_id)
        serial += 1
        if error and len(out["errors"]) < 5:
            out["errors"].append(f"warm-up: {error}")
    warmed.wait()
    go.wait()
    cpu, end = time.process_time(), time.monotonic() + seconds
    while time.monotonic() < end and serial < (i + 1) * BLOCK:
        error, times = work(client, serial, part_id)
        serial += 1
        for n, ms in enumerate(times):
            out["latencies"][n].append(ms)
        if error is None:
            out["done"] += 1
        else:
            out["failed"] += 1
            if len(out["errors"]) < 5:
                out["errors"].append(error)
    out["cpu_s"] = time.process_time() - cpu
    results.put(out)


def throughput(
    port: int, built: dict, seconds: int, clients: int, server_pid: int, url: str, work=take_order
) -> dict:
    context = multiprocessing.get_context("fork")
    warmed, go = context.Barrier(clients + 1), context.Barrier(clients + 1)
    results = context.Queue()
    procs = []
    for i in range(clients):
        username = ADVISORS[i % len(ADVISORS)]
        procs.append(context.Process(target=_client, args=(i, port, username, built["passwords"][username],
                                                           built["part_id"], seconds, warmed, go, results, work)))  # fmt: skip
    for proc in procs:
        proc.start()
    warmed.wait()  # every client has taken its first orders: the server processes are warm
    meter = CpuMeter(server_pid, url)
    go.wait()
    start = time.monotonic()
    outcomes = [results.get() for _ in procs]
    for proc in procs:
        proc.join()
    elapsed = time.monotonic() - start
    done = sum(o["done"] for o in outcomes)
    failed = sum(o["failed"] for o in outcomes)
    cpu = meter.per_search_ms(max(done, 1))  # per order here
    cpu["client_ms"] = round(sum(o["cpu_s"] for o in outcomes) * 1000 / max(done, 1), 2)
    per_call = {}
    for n, name in enumerate(CALLS):
        ms = [m for o in outcomes for m in o["latencies"][n]]
        per_call[name] = {"n": len(ms), "median_ms": round(statistics.median(ms), 2) if ms else None,
                          "p95_ms": round(percentile(ms, 95), 2) if ms else None}  # fmt: skip
    return {
        "flow": "customer + vehicle + repair order + part line",
        "clients": clients,
        "seconds": round(elapsed, 1),
        "orders": done,
        "failed": failed,
        "orders_per_second": round(done / elapsed, 1),
        "per_call": per_call,
        "cpu_ms_per_order": cpu,
        "errors": [e for o in outcomes for e in o["errors"]][:5],
    }


def main() -> int:
    url = os.environ.get("BENCH_ORDERS_DATABASE_URL") or DEFAULT_URL
    seconds = int(os.environ.get("BENCH_SECONDS") or 20)
    clients = int(os.environ.get("BENCH_CLIENTS") or 2)
    sqlite = os.environ.get("BENCH_ORDERS_SQLITE") == "1"
    if sqlite:  # the embedded default: a database file of its own, made afresh
        import shutil

        var = ROOT / "var" / "bench" / "sqlite-orders"
        shutil.rmtree(var, ignore_errors=True)
        var.mkdir(parents=True)
        os.environ["DMS_VAR_DIR"] = str(var)
        os.environ.pop("DATABASE_URL", None)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        import django

        django.setup()
        url = ""
    else:
        ensure_database(url, fresh=True)  # each run starts from an empty store: every run measures the same
        setup_django(url)
    log(f"building store {STORE}: {len(ADVISORS)} service advisors, a stocked part")
    built = build_store()
    from django.db import connections

    connections.close_all()
    port = free_port()
    proc = start_server(url, port)
    try:
        speed_before = machine_speed()
        load_before = os.getloadavg()
        flow = throughput(port, built, seconds, clients, proc.pid, url)
        load_after = os.getloadavg()
        floor = throughput(port, built, FLOOR_SECONDS, clients, proc.pid, url, work=empty_call)
    finally:
        stop_server(proc)
    speed_after = machine_speed()
    log("")
    log(f"orders over the API on {'SQLite' if sqlite else 'PostgreSQL'} ({flow['flow']}), {clients} clients: {flow['orders_per_second']} orders/s "
        f"({flow['orders']} in {flow['seconds']} s, {flow['failed']} failed)")  # fmt: skip
    for name, row in flow["per_call"].items():
        log(f"  {name:13} median {row['median_ms']} ms, p95 {row['p95_ms']} ms ({row['n']} calls)")
    for error in flow["errors"]:
        log(f"  failed: {error}")
    log(f"CPU per order: {flow['cpu_ms_per_order']} (server = gunicorn + Django; postgres = its backends)")
    empty = floor["cpu_ms_per_order"]
    log(f"the floor, a call that does nothing (GET /api/v1/me, {clients} clients): {floor['orders_per_second']} calls/s, "
        f"CPU per call: {empty}; an order is 4 calls: {4 * empty['server_ms']:.1f} ms of the server's CPU per order "
        "before any work")  # fmt: skip
    log(
        f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} CPUs; "
        f"machine speed (fixed Python loop, lower is faster) {speed_before} ms before, {speed_after} ms after"
    )
    out = ROOT / "var" / "bench" / ("api_orders_sqlite.json" if sqlite else "api_orders.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_1min": [round(load_before[0], 2), round(load_after[0], 2)],
                    "speed_loop_ms": [speed_before, speed_after]},
        "server": "gunicorn config.wsgi:application " + " ".join(SERVER_ARGS),
        "database": "SQLite" if sqlite else "PostgreSQL",
        "throughput": flow,
        "floor": {"call": "GET /api/v1/me", "calls_per_second": floor["orders_per_second"],
                  "median_ms": floor["per_call"][CALLS[0]]["median_ms"], "cpu_ms_per_call": floor["cpu_ms_per_order"]},
    }, ensure_ascii=False, indent=2))  # fmt: skip
    log(f"written: {out.relative_to(ROOT)}")
    return 0 if not (flow["failed"] or flow["errors"] or floor["failed"] or floor["errors"]) else 1


if __name__ == "__main__":
    sys.exit(main())
