"""`make bench`: customer search latency over the HTTP API at 1,000,000 customers on PostgreSQL.

Steps: create the bench database if missing and migrate it; load the data (bench/generate.py)
unless the bench group already holds BENCH_CUSTOMERS customers whose search keys still match
the rules; draw the queries from the data (fixed seed); start the production server (gunicorn,
WSGI, DJANGO_ENV=production) on 127.0.0.1 and a free port; sign in a bench user for a token;
warm up; time BENCH_QUERIES searches of each kind over one keep-alive connection, in a shuffled
order; print the table, write var/bench/search.json, stop the server.

Environment (all optional):
  BENCH_DATABASE_URL  postgres://postgres@127.0.0.1:5432/opendms_bench
  BENCH_CUSTOMERS     1000000   customers of the bench group
  BENCH_QUERIES       300       timed searches per kind
  BENCH_WARMUP        50        untimed searches per kind first (other texts of the same kinds)
  BENCH_LIMIT                   page size sent as ?limit= (unset: the API's default, 20)
  BENCH_SEED          1         seed of the query draw
  BENCH_MAX_SECONDS   600       stop issuing queries after this long
  BENCH_REGENERATE    0         1: reload the data even if present
  BENCH_SERVER_ARGS   gunicorn's worker settings (default: as `make serve`, --workers 2 --timeout 60)
All traffic stays on 127.0.0.1; the number of requests is bounded by the settings above.
"""

import http.client
import json
import os
import platform
import random
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import generate  # noqa: E402  (bench/generate.py)

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/opendms_bench"
KINDS = ("initials", "pinyin", "name", "mobile", "mobile_last4", "plate", "vin", "vin_last6")
BENCH_USER = "bench-sa"
# As `make serve` on this 2-core machine; BENCH_SERVER_ARGS replaces them for an experiment.
SERVER_ARGS = tuple(os.environ.get("BENCH_SERVER_ARGS", "--workers 2 --timeout 60").split())


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name) or default)


def log(msg: str) -> None:
    print(msg, flush=True)


# --- Database ---------------------------------------------------------------------------------------


def ensure_database(url: str, *, fresh: bool = False) -> None:
    """Create the database if missing; `fresh` drops it first (a run that starts from nothing)."""
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = parts.path.lstrip("/")
    admin = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def keys_current(org: dict) -> bool:
    """Do the loaded search keys still equal what the rules compute (they may have changed)?"""
    try:
        generate.verify(org, sample=300, full=False)
    except AssertionError as exc:
        log(f"the loaded data no longer matches the rules ({str(exc).splitlines()[1]}): reloading")
        return False
    return True


def bench_user(org: dict) -> str:
    """The bench user, a service advisor in store BN01, with a fresh random password."""
    from dms.core.models import Store, StoreMembership, User
    from dms.core.roles import Role

    store = Store.objects.get(code=generate.STORES[0][0])
    user = User.objects.filter(username=BENCH_USER).first() or User(username=BENCH_USER)
    user.group_id, user.home_store, user.display_name, user.is_active = org["group"], store, "基准顾问", True
    password = secrets.token_urlsafe(24)
    user.set_password(password)
    user.save()
    StoreMembership.objects.update_or_create(user=user, store=store, defaults={"role": Role.SERVICE_ADVISOR})
    return password


# --- Queries ----------------------------------------------------------------------------------------


def draw_queries(org: dict, per_kind: int, seed: int) -> dict[str, list[str]]:
    """`per_kind` search texts of each kind, taken from random customers and vehicles of the group.

    Rows are picked by a random id threshold (the first row at or after it), so that the draw
    depends only on the seed and the data."""
    from django.db import connection

    rng = random.Random(seed)
    with connection.cursor() as cur:

        def pick(sql: str) -> list[tuple]:
            starts = [rng.getrandbits(52) | (1 << 40) for _ in range(per_kind)]
            cur.execute(sql, [starts, org["group"]])
            return cur.fetchall()

        customers = pick(
            "SELECT c.name, c.name_tail, c.name_pinyin, c.name_initials, c.mobile FROM unnest(%s::bigint[]) t(x) "
            "CROSS JOIN LATERAL (SELECT * FROM customers_customer WHERE group_id = %s AND id >= t.x "
            "ORDER BY id LIMIT 1) c"
        )
        vehicles = pick(
            "SELECT v.plate, v.vin FROM unnest(%s::bigint[]) t(x) CROSS JOIN LATERAL (SELECT * FROM "
            "vehicles_vehicle WHERE group_id = %s AND plate <> '' AND id >= t.x ORDER BY id LIMIT 1) v"
        )
    queries: dict[str, list[str]] = {k: [] for k in KINDS}
    for name, given, pinyin, initials, mobile in customers:
        queries["initials"].append(initials)
        queries["pinyin"].append(pinyin)
        # A part of the name: the given name, or the surname with the given name's first character.
        queries["name"].append(given if rng.random() < 0.5 else name[:2])
        queries["mobile"].append(mobile)
        queries["mobile_last4"].append(mobile[-4:])
    for plate, vin in vehicles:
        rest = plate[1:]  # without the province: what people type
        n = rng.randint(4, min(6, len(rest)))
        start = rng.randint(0, len(rest) - n)
        queries["plate"].append(rest[start : start + n])
        queries["vin"].append(vin)
        queries["vin_last6"].append(vin[-6:])
    return queries


# --- Server -----------------------------------------------------------------------------------------


def machine_speed() -> float:
    """This machine's speed at the moment: the best of five runs of a fixed pure-Python loop, in
    ms (lower is faster). The same kind of machine has been seen to vary by a third from one hour
    to the next; results are read against this figure."""

    def loop() -> float:
        start = time.process_time()
        total = 0
        for i in range(3_000_000):
            total += i
        return (time.process_time() - start) * 1000

    return round(min(loop() for _ in range(5)), 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Production refuses to start without it (links in texts); the bench sends no texts out.
        "DMS_PUBLIC_BASE_URL": os.environ.get("DMS_PUBLIC_BASE_URL") or "https://dms.bench.invalid",
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    gunicorn = Path(sys.executable).parent / "gunicorn"
    cmd = [str(gunicorn), "config.wsgi:application", "--bind", f"127.0.0.1:{port}", *SERVER_ARGS]
    log(f"starting: {' '.join(cmd[1:])}")
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited: {proc.stderr.read().decode()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/api/v1/openapi.json")
            if conn.getresponse().status == 200:
                conn.close()
                return proc
        except OSError:
            time.sleep(0.2)
    stop_server(proc)
    raise RuntimeError("the server did not answer within 60 s")


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)  # the server's own process group: it and its workers
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


# --- Client -----------------------------------------------------------------------------------------


class Client:
    """One keep-alive HTTP/1.1 connection to the server."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Accept": "application/json", "Accept-Language": "zh-hans"}

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, bytes]:
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        return resp.status, resp.read()

    def sign_in(self, username: str, password: str) -> None:
        status, body = self.call("POST", "/api/v1/auth/token", {"username": username, "password": password})
        if status != 200:
            raise RuntimeError(f"sign-in failed: {status} {body[:300]!r}")
        self.headers["Authorization"] = f"Bearer {json.loads(body)['token']}"

    def search(self, q: str, limit: int | None) -> tuple[float, int, bytes]:
        params = {"q": q} if limit is None else {"q": q, "limit": limit}
        path = "/api/v1/customers?" + urllib.parse.urlencode(params)
        t = time.perf_counter()
        status, body = self.call("GET", path)
        return (time.perf_counter() - t) * 1000, status, body


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(p / 100 * len(ordered) + 0.5) - 1))]


def summarize(samples: list[tuple[float, int]]) -> dict:
    ms = [m for m, _ in samples]
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "max_ms": round(max(ms), 2),
        "mean_hits": round(statistics.fmean(h for _, h in samples), 1),
    }


def run(client: Client, plan: list[tuple[str, str]], limit: int | None, deadline: float, meter=None) -> dict:
    samples: dict[str, list[tuple[float, int]]] = {k: [] for k in KINDS}
    errors: list[str] = []
    for i, (kind, q) in enumerate(plan):
        if meter is not None and i % 100 == 99:
            meter.sample()
        if time.monotonic() > deadline:
            errors.append("stopped: BENCH_MAX_SECONDS reached")
            break
        ms, status, body = client.search(q, limit)
        if status != 200:
            errors.append(f"{kind} {q!r}: HTTP {status} {body[:200]!r}")
            continue
        samples[kind].append((ms, json.loads(body)["count"]))
    return {"samples": samples, "errors": errors}


class CpuMeter:
    """CPU time used by the server's processes and by the bench database's backends, from /proc
    (Linux; left out where unreadable). Per search, it says what the latency would be on an idle
    machine, whatever else the machine is doing. Sampled now and then, so that backends replaced
    meanwhile (CONN_MAX_AGE) are counted too."""

    def __init__(self, server_pid: int, url: str):
        import psycopg

        self.server_pid, self.ticks = server_pid, os.sysconf("SC_CLK_TCK")
        # No URL: the embedded SQLite, inside the server's own processes.
        self.conn = psycopg.connect(url, autocommit=True) if url else None
        self.first: dict[tuple[str, int], float] = {}
        self.last: dict[tuple[str, int], float] = {}
        self.sample(start=True)

    def _cpu(self, pid: int) -> tuple[int, float] | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return int(fields[1]), (int(fields[11]) + int(fields[12])) / self.ticks  # ppid, utime + stime

    def sample(self, start: bool = False) -> None:
        procs = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit() and (st := self._cpu(int(entry.name))):
                procs[int(entry.name)] = st
        tree, grew = {self.server_pid}, True
        while grew:
            kids = {pid for pid, (ppid, _) in procs.items() if ppid in tree} - tree
            tree |= kids
            grew = bool(kids)
        backends = [r[0] for r in self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )] if self.conn is not None else []  # fmt: skip
        for kind, pids in (("server", tree), ("postgres", backends)):
            for pid in pids:
                if pid in procs:
                    key = (kind, pid)
                    self.first.setdefault(key, procs[pid][1] if start else 0.0)
                    self.last[key] = procs[pid][1]

    def per_search_ms(self, n: int) -> dict[str, float]:
        self.sample()
        if self.conn is not None:
            self.conn.close()
        out = {}
        for kind in ("server", "postgres"):
            used = sum(v - self.first[k] for k, v in self.last.items() if k[0] == kind)
            out[f"{kind}_ms"] = round(used * 1000 / max(n, 1), 2)
        return out


def print_table(rows: dict[str, dict]) -> None:
    log(f"{'kind':<14}{'n':>6}{'median ms':>12}{'p95 ms':>10}{'max ms':>10}{'mean hits':>12}")
    for kind, r in rows.items():
        log(
            f"{kind:<14}{r['n']:>6}{r['median_ms']:>12.2f}{r['p95_ms']:>10.2f}{r['max_ms']:>10.2f}"
            f"{r['mean_hits']:>12.1f}"
        )


def main() -> int:
    url = os.environ.get("BENCH_DATABASE_URL") or DEFAULT_URL
    customers = env_int("BENCH_CUSTOMERS", 1_000_000)
    per_kind = env_int("BENCH_QUERIES", 300)
    warmup = env_int("BENCH_WARMUP", 50)
    seed = env_int("BENCH_SEED", 1)
    limit = int(os.environ["BENCH_LIMIT"]) if os.environ.get("BENCH_LIMIT") else None
    max_seconds = env_int("BENCH_MAX_SECONDS", 600)

    ensure_database(url)
    generate.setup_django(url)
    migrate()
    org = generate.ensure_org()
    force = os.environ.get("BENCH_REGENERATE") == "1"
    if not force and generate.customer_count(org) == customers:
        force = not keys_current(org)
    data = generate.ensure_data(url, customers, force=force)

    queries = draw_queries(org, per_kind, seed)
    warm = draw_queries(org, warmup, seed + 1000)
    rng = random.Random(seed)
    plan = [(k, q) for k in KINDS for q in queries[k]]
    rng.shuffle(plan)
    warm_plan = [(k, q) for k in KINDS for q in warm[k]]
    rng.shuffle(warm_plan)
    password = bench_user(org)
    from django.db import connections

    connections.close_all()  # the server does the work from here on

    port = free_port()
    proc = start_server(url, port)
    try:
        client = Client(port)
        client.sign_in(BENCH_USER, password)
        deadline = time.monotonic() + max_seconds
        log(f"warm-up: {len(warm_plan)} searches")
        run(client, warm_plan, limit, deadline)
        log(f"timed: {len(plan)} searches ({per_kind} per kind, shuffled), one keep-alive connection")
        load_before = os.getloadavg()
        meter = CpuMeter(proc.pid, url)
        started = time.monotonic()
        result = run(client, plan, limit, deadline, meter)
        elapsed = time.monotonic() - started
        cpu = meter.per_search_ms(sum(len(v) for v in result["samples"].values()))
        load_after = os.getloadavg()
        client.conn.close()
    finally:
        stop_server(proc)

    rows = {k: summarize(v) for k, v in result["samples"].items() if v}
    rows["all"] = summarize([s for v in result["samples"].values() for s in v])
    n = rows["all"]["n"]
    log("")
    print_table(rows)
    log(
        f"\n{n} searches in {elapsed:.1f} s; goal p95 < 10 ms: {'met' if rows['all']['p95_ms'] < 10 else 'NOT met'}"
    )
    log(f"CPU per search: server (gunicorn + Django) {cpu.get('server_ms', '?')} ms, "
        f"PostgreSQL backends {cpu.get('postgres_ms', '?')} ms")  # fmt: skip
    log(
        f"load average (1 min) {load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} CPUs"
    )
    for e in result["errors"][:10]:
        log(f"error: {e}")

    out = ROOT / "var" / "bench" / "search.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    parts = urllib.parse.urlsplit(url)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "load_average_1min": [round(load_before[0], 2), round(load_after[0], 2)],
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "database": f"{parts.hostname}:{parts.port or 5432}{parts.path}",
        "customers": customers,
        "data": {k: v for k, v in data.items() if k != "org"},
        "server": "gunicorn config.wsgi:application " + " ".join(SERVER_ARGS),
        "client": "http.client, one keep-alive connection, sequential",
        "page_size": limit or "API default (20)",
        "warmup_per_kind": warmup,
        "seed": seed,
        "results": rows,
        "cpu_per_search_ms": cpu,
        "errors": result["errors"],
        "queries_sample": {k: v[:5] for k, v in queries.items()},
    }
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    log(f"written: {out.relative_to(ROOT)}")
    return 1 if result["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
