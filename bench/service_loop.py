"""`make bench`, service loop part: the boards with 300 open orders, and reception throughput.

Steps: create the bench database afresh and migrate it; build one store (BL01) with
technicians, labor operations, 1,500 customers with vehicles and 300 open repair orders spread over
the workshop's states, all through the services (unless the store already has them); start the
production server (gunicorn, as `make serve`, DJANGO_ENV=production); then
  1. boards: time BENCH_BOARD_CALLS calls of each board endpoint (dispatch board, shop-floor
     board) over one keep-alive connection, after a warm-up; median and p95;
  2. throughput: 2 concurrent clients (processes, a connection per request and one service
     advisor each) receive cars for BENCH_SECONDS: check-in then repair order when the reception
     API is there, else the repair order alone; orders per second, and latency per request.
Results are printed and written to var/bench/service_loop.json.

Environment (all optional):
  BENCH_LOOP_DATABASE_URL  postgres://postgres@127.0.0.1:5432/opendms_bench_loop
  BENCH_BOARD_CALLS        200
  BENCH_SECONDS            20
  BENCH_CLIENTS            2
  BENCH_SERVER_ARGS        as in bench/run.py
  BENCH_LOOP_KEEP          1: reuse the store of the last run (by default each run rebuilds it)
"""

import json
import multiprocessing
import os
import platform
import random
import secrets
import socket
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
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

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/opendms_bench_loop"
STORE = "BL01"
OPEN_ORDERS = 300
CUSTOMERS = 1500
PASSWORD_USERS = ("bl-sa1", "bl-sa2", "bl-foreman")
ERRORS: list[str] = []


def _signature() -> str:
    """A small PNG with one stroke: what the customer draws on the tablet."""
    import base64
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (120, 60), (0, 0, 0, 0))
    ImageDraw.Draw(image).line([(5, 55), (115, 5)], fill=(16, 36, 62, 255), width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


SIGNATURE = _signature()
BOARDS = {
    "dispatch board": "/api/v1/floor/dispatch-board",
    "shop-floor board": "/api/v1/floor/board",
}


def setup_django(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def _vin(serial: int) -> str:
    from conftest import valid_vin

    return valid_vin(serial, wmi="LBV")


def build_store() -> dict:
    """The bench store, its people and its open orders (idempotent: reuses what is there)."""
    from django.core.management import call_command

    from conftest import make_user
    from dms.core.models import Brand, DealerGroup, Store, User
    from dms.core.roles import Role
    from dms.core.tenancy import resolve_tenant
    from dms.customers.services import customer_create
    from dms.scheduling.models import OpeningHours, Technician, WorkshopHours
    from dms.vehicles.models import Vehicle
    from dms.vehicles.services import vehicle_create
    from dms.workshop import services
    from dms.workshop.models import OPEN_STATES, LaborOperation, RepairOrder

    call_command("migrate", interactive=False, verbosity=0)
    group, _ = DealerGroup.objects.get_or_create(code="BENCHLOOP", defaults={"name": "基准集团（车间）"})
    store, _ = Store.objects.get_or_create(group=group, code=STORE, defaults={"name": "基准门店（车间）"})
    brand, _ = Brand.objects.get_or_create(group=group, name="本田")
    store.brands.add(brand)
    users = {}
    for username, role in zip(
        PASSWORD_USERS, (Role.SERVICE_ADVISOR, Role.SERVICE_ADVISOR, Role.FOREMAN), strict=True
    ):
        users[username] = User.objects.filter(username=username).first() or make_user(username, store, role)
    manager = User.objects.filter(username="bl-manager").first() or make_user(
        "bl-manager", store, Role.SERVICE_MANAGER
    )
    boss = resolve_tenant(manager)
    hours, _ = WorkshopHours.objects.get_or_create(store=store, defaults={"slot_minutes": 30, "capacity": 8})
    for weekday in range(7):
        OpeningHours.objects.get_or_create(workshop=hours, weekday=weekday)
    skills = ["maintenance", "engine", "electrical", "alignment", "general"]
    for i in range(Technician.objects.filter(store=store).count(), 12):
        tech_user = make_user(f"bl-tech{i + 1:02d}", store, Role.TECHNICIAN)
        Technician.objects.create(store=store, user=tech_user, skills=skills, weekdays=list(range(7)))
    op, _ = LaborOperation.objects.get_or_create(
        group=group,
        code="BL-M10",
        defaults={"name": "更换机油机滤", "standard_hours": "0.8", "skill": "maintenance"},
    )
    from dms.reception.models import CheckIn

    # Check-ins left unsigned by an interrupted run would block their cars: the bench starts clean.
    CheckIn.objects.filter(store=store, signed_at__isnull=True).delete()
    have = Vehicle.objects.filter(owner__group=group).count()
    for i in range(have, CUSTOMERS):
        customer = customer_create(tenant=boss, name=f"基准客户{i:04d}", mobile=f"139{i:08d}").record
        vehicle_create(tenant=boss, owner_id=customer.pk, vin=_vin(500_000 + i), brand_id=brand.pk, model="雅阁",
                       mileage_km=10_000)  # fmt: skip
        if i % 500 == 499:
            log(f"  {i + 1} customers with vehicles")
    vehicles = list(Vehicle.objects.filter(owner__group=group).order_by("pk").values_list("pk", flat=True))
    techs = list(Technician.objects.filter(store=store))
    # Orders opened by an earlier run's throughput phase would crowd the boards: keep 300 open.
    extra = list(
        RepairOrder.objects.filter(store=store, state__in=OPEN_STATES)
        .order_by("pk")
        .values_list("pk", flat=True)[OPEN_ORDERS:]
    )
    RepairOrder.objects.filter(pk__in=extra).update(state="cancelled")
    open_now = RepairOrder.objects.filter(store=store, state__in=OPEN_STATES).count()
    rng = random.Random(7)
    for i in range(open_now, OPEN_ORDERS):
        vehicle_id = vehicles[i % len(vehicles)]
        km = Vehicle.objects.get(pk=vehicle_id).mileage_km + 100
        order = services.repair_order_create(
            tenant=boss, vehicle_id=vehicle_id, mileage_km=km, complaint="基准：保养",
            promised_at=datetime.now(UTC) + timedelta(hours=rng.randint(1, 8)),
        )  # fmt: skip
        services.line_add(tenant=boss, order_id=order.pk, kind="labor", labor_operation_id=op.pk)
        depth = rng.randint(0, 4)  # open, signed, dispatched, in repair, finished
        if depth >= 1:
            services.order_sign(tenant=boss, order_id=order.pk)
        if depth >= 2:
            services.order_dispatch(tenant=boss, order_id=order.pk, technician_id=rng.choice(techs).pk)
        if depth >= 3:
            services.order_start(tenant=boss, order_id=order.pk)
        if depth >= 4:
            services.order_finish(tenant=boss, order_id=order.pk)
    passwords = {}
    for username, user in users.items():
        passwords[username] = secrets.token_urlsafe(18)
        user.set_password(passwords[username])
        user.save(update_fields=["password"])
    from django.db.models import Max

    vacuum_analyze()
    passwords["_km_base"] = (
        Vehicle.objects.filter(owner__group=group).aggregate(m=Max("mileage_km"))["m"] or 0
    ) + 1
    return {"passwords": passwords, "vehicles": vehicles, "labor_operation": op.pk}


def vacuum_analyze() -> None:
    """Dead rows out and planner statistics fresh, as autovacuum keeps them in production (this
    machine's PostgreSQL runs with autovacuum off: without this, every run would measure the bloat
    and the guesses left by the runs before it)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")


def time_boards(port: int, password: str, calls: int) -> dict:
    client = Client(port)
    client.sign_in("bl-foreman", password)
    out = {}
    for name, path in BOARDS.items():
        status, body = client.call("GET", path)
        if status != 200:
            out[name] = {"error": f"{status} {body[:200]!r}"}
            continue
        for _ in range(20):
            client.call("GET", path)
        ms = []
        for _ in range(calls):
            t = time.perf_counter()
            status, body = client.call("GET", path)
            ms.append((time.perf_counter() - t) * 1000)
        out[name] = {"n": calls, "median_ms": round(statistics.median(ms), 2), "p95_ms": round(percentile(ms, 95), 2),
                     "bytes": len(body)}  # fmt: skip
    client.conn.close()
    return out


class OneShotClient:
    """The throughput phase's client: each request on its own connection, as the production
    server's sync workers close every connection after the answer anyway, written as ready bytes
    and read to the end. It shares the 2 cores with the server and PostgreSQL, so it is kept
    lean (http.client spent about 0.7 ms per request here, this about a third of that)."""

    def __init__(self, port: int, token: str):
        self.address = ("127.0.0.1", port)
        self.head = (
            f"Host: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\nAccept: application/json\r\n"
            "Accept-Language: zh-hans\r\nContent-Type: application/json\r\nConnection: close\r\n"
        ).encode()

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        data = json.dumps(body).encode() if body is not None else b""
        request = b"%s %s HTTP/1.1\r\n%sContent-Length: %d\r\n\r\n%s" % (
            method.encode(),
            path.encode(),
            self.head,
            len(data),
            data,
        )
        with socket.create_connection(self.address, timeout=30) as conn:
            conn.sendall(request)
            chunks = []
            while chunk := conn.recv(65536):
                chunks.append(chunk)
        answer = b"".join(chunks)
        head, _, content = answer.partition(b"\r\n\r\n")
        if b"transfer-encoding: chunked" in head.lower():
            raise RuntimeError("chunked answer: not expected from the API")
        return int(head[9:12]), content


def reception_flow(
    client: Client | OneShotClient, vehicle_id: int, km: int, with_checkin: bool
) -> tuple[bool, list[float]]:
    """One car received: check-in (when the API has it) and the repair order. Returns ok and ms per call."""
    times = []
    if with_checkin:
        steps = [
            ("/api/v1/check-ins", {"vehicle_id": vehicle_id, "mileage_km": km, "cover_seat": True, "cover_wheel": True,
                                   "cover_floor": True, "fuel_level": 4}, 201),
            ("/api/v1/check-ins/{id}/open-order", {"complaint": "基准：保养"}, 201),
            ("/api/v1/check-ins/{id}/signature", {"data_url": SIGNATURE}, 200),
        ]  # fmt: skip
        checkin = None
        for path, body, expected in steps:
            t = time.perf_counter()
            status, answer = client.call("POST", path.replace("{id}", str(checkin)), body)
            times.append((time.perf_counter() - t) * 1000)
            if status != expected:
                ERRORS.append(f"{path} {status} {answer[:200]!r}")
                return False, times
            checkin = checkin or json.loads(answer)["id"]
        return True, times
    t = time.perf_counter()
    status, body = client.call("POST", "/api/v1/repair-orders", {"vehicle_id": vehicle_id, "mileage_km": km,
                                                                 "complaint": "基准：保养"})  # fmt: skip
    times.append((time.perf_counter() - t) * 1000)
    return status == 201, times


def throughput(
    port: int, passwords: dict, vehicles: list[int], seconds: int, clients: int, server_pid: int, url: str
) -> dict:
    probe = Client(port)
    probe.sign_in("bl-sa1", passwords["bl-sa1"])
    with_checkin = probe.call("GET", "/api/v1/openapi.json")[1].find(b'"/api/v1/check-ins"') >= 0
    probe.conn.close()
    # Each client is its own process (two threads of one would share one interpreter lock and
    # wait for each other), takes its own vehicles, mileage rising from above every reading so far.
    km_base = passwords["_km_base"]
    context = multiprocessing.get_context("fork")
    warmed, go = context.Barrier(clients + 1), context.Barrier(clients + 1)
    results = context.Queue()
    procs = [
        context.Process(target=_client, args=(i, port, passwords, vehicles[i::clients], km_base, with_checkin,
                                               seconds, warmed, go, results))
        for i in range(clients)
    ]  # fmt: skip
    for proc in procs:
        proc.start()
    warmed.wait()  # every client has received its first cars: the server processes are warm
    meter = CpuMeter(server_pid, url)  # CPU of the server and its database backends from here
    go.wait()
    start = time.monotonic()
    outcomes = [results.get() for _ in procs]
    for proc in procs:
        proc.join()
    elapsed = time.monotonic() - start
    done = [o["done"] for o in outcomes]
    failed = [o["failed"] for o in outcomes]
    latencies = [o["latencies"] for o in outcomes]
    errors = [e for o in outcomes for e in o["errors"]][:5]
    orders = max(sum(done), 1)
    cpu = meter.per_search_ms(orders)  # per order here
    cpu["client_ms"] = round(sum(o["cpu_s"] for o in outcomes) * 1000 / orders, 2)
    ms = [m for lat in latencies for m in lat]
    return {
        "flow": "check-in + open repair order + signature" if with_checkin else "open repair order",
        "clients": clients,
        "seconds": round(elapsed, 1),
        "orders": sum(done),
        "failed": sum(failed),
        "orders_per_second": round(sum(done) / elapsed, 1),
        "request_median_ms": round(statistics.median(ms), 2) if ms else None,
        "request_p95_ms": round(percentile(ms, 95), 2) if ms else None,
        "cpu_ms_per_order": cpu,
        "errors": errors,
    }


def _client(i, port, passwords, mine, km_base, with_checkin, seconds, warmed, go, results) -> None:
    """One client (a process of its own): signs in, receives 3 cars to warm up, then cars for
    `seconds` from the common start; puts its counts, latencies and CPU time on `results`."""
    signer = Client(port)
    signer.sign_in(f"bl-sa{i % 2 + 1}", passwords[f"bl-sa{i % 2 + 1}"])
    signer.conn.close()
    client = OneShotClient(port, signer.headers["Authorization"].removeprefix("Bearer "))
    warmup = 3
    for n in range(warmup):
        reception_flow(client, mine[n], km_base + n, with_checkin)
    warmed.wait()
    go.wait()
    cpu, end = time.process_time(), time.monotonic() + seconds
    out = {"done": 0, "failed": 0, "latencies": [], "errors": []}
    n = warmup
    while time.monotonic() < end:
        vehicle_id = mine[n % len(mine)]
        ok, times = reception_flow(client, vehicle_id, km_base + n, with_checkin)
        out["latencies"].extend(times)
        if ok:
            out["done"] += 1
        else:
            out["failed"] += 1
            if len(out["errors"]) < 5:
                out["errors"].append(f"vehicle {vehicle_id}: {ERRORS[-1] if ERRORS else ''}")
        n += 1
    out["cpu_s"] = time.process_time() - cpu
    results.put(out)


def main() -> int:
    url = os.environ.get("BENCH_LOOP_DATABASE_URL") or DEFAULT_URL
    calls = int(os.environ.get("BENCH_BOARD_CALLS") or 200)
    seconds = int(os.environ.get("BENCH_SECONDS") or 20)
    clients = int(os.environ.get("BENCH_CLIENTS") or 2)
    # Every run receives cars at the same 1,500 vehicles: kept from run to run, each would carry the
    # history of all runs before (after 30 runs, 70 readings and 70 orders per car, 20 years of
    # visits), and each run would measure that. So each run starts from a freshly built store
    # (about a minute); BENCH_LOOP_KEEP=1 reuses the last one.
    ensure_database(url, fresh=not os.environ.get("BENCH_LOOP_KEEP"))
    setup_django(url)
    log(f"building store {STORE}: {OPEN_ORDERS} open orders, {CUSTOMERS} vehicles")
    built = build_store()
    from django.db import connections

    connections.close_all()
    port = free_port()
    proc = start_server(url, port)
    try:
        speed_before = machine_speed()
        load_before = os.getloadavg()
        boards = time_boards(port, built["passwords"]["bl-foreman"], calls)
        flow = throughput(port, built["passwords"], built["vehicles"], seconds, clients, proc.pid, url)
        load_after = os.getloadavg()
    finally:
        stop_server(proc)
    speed_after = machine_speed()
    log("")
    for name, row in boards.items():
        log(f"{name:18} {row}")
    log(f"reception ({flow['flow']}), {clients} clients: {flow['orders_per_second']} orders/s "
        f"({flow['orders']} in {flow['seconds']} s, {flow['failed']} failed); per request median "
        f"{flow['request_median_ms']} ms, p95 {flow['request_p95_ms']} ms; goal >= 90 orders/s: "
        f"{'met' if flow['orders_per_second'] >= 90 else 'NOT met'}")  # fmt: skip
    log(f"CPU per order: {flow['cpu_ms_per_order']} (server = gunicorn + Django; postgres = its backends)")
    log(
        f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} CPUs; "
        f"machine speed (fixed Python loop, lower is faster) {speed_before} ms before, {speed_after} ms after"
    )
    out = ROOT / "var" / "bench" / "service_loop.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average_1min": [round(load_before[0], 2), round(load_after[0], 2)],
                    "speed_loop_ms": [speed_before, speed_after]},
        "server": "gunicorn config.wsgi:application " + " ".join(SERVER_ARGS),
        "open_orders": OPEN_ORDERS, "boards": boards, "throughput": flow,
    }, ensure_ascii=False, indent=2))  # fmt: skip
    log(f"written: {out.relative_to(ROOT)}")
    return 0 if not flow["failed"] else 1


if __name__ == "__main__":
    sys.exit(main())
