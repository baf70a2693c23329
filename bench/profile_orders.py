"""Where the server's time goes in the API orders workload (bench/api_orders.py), in one process:
the four calls of an order through Django's whole request path (middleware, ninja, services) under
cProfile, on a fresh PostgreSQL bench database. Counts of calls and queries do not depend on the
machine's speed; the times do, but their shares hold.

    .venv/bin/python bench/profile_orders.py [orders]     # default 200, after 20 to warm up
Writes var/bench/profile_orders.prof (open with `python -m pstats` or snakeviz) and prints the top."""

import cProfile
import json
import os
import pstats
import secrets
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

os.environ.update({"DJANGO_ENV": "production", "DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                   "DJANGO_ALLOWED_HOSTS": "testserver", "DMS_PUBLIC_BASE_URL": "https://dms.bench.invalid"})  # fmt: skip

from api_orders import ADVISORS, DEFAULT_URL, build_store, take_order  # noqa: E402
from run import ensure_database  # noqa: E402
from service_loop import setup_django  # noqa: E402


class InProcess:
    """take_order's client, through django.test.Client (the whole request path, no socket)."""

    def __init__(self, token: str):
        from django.test import Client

        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")

    def call(self, method, path, body):
        r = self.client.generic(method, path, json.dumps(body), content_type="application/json")
        return r.status_code, r.content.decode()


def main() -> int:
    orders = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    url = os.environ.get("BENCH_ORDERS_DATABASE_URL") or DEFAULT_URL
    ensure_database(url, fresh=True)
    setup_django(url)
    built = build_store()
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from dms.core.models import ApiToken, User

    user = User.objects.get(username=ADVISORS[0])
    token = ApiToken.issue(user)[1]
    client = InProcess(token)
    serial = 0
    for _ in range(20):
        error, _t = take_order(client, serial, built["part_id"])
        assert error is None, error
        serial += 1
    with CaptureQueriesContext(connection) as queries:
        error, _t = take_order(client, serial, built["part_id"])
        serial += 1
    print(f"queries per order: {len(queries)}")
    reset_queries()
    profile = cProfile.Profile()
    profile.enable()
    for _ in range(orders):
        error, _t = take_order(client, serial, built["part_id"])
        assert error is None, error
        serial += 1
    profile.disable()
    out = ROOT / "var" / "bench" / "profile_orders.prof"
    out.parent.mkdir(parents=True, exist_ok=True)
    profile.dump_stats(out)
    stats = pstats.Stats(profile)
    print(f"function calls per order: {stats.total_calls / orders:.0f}")
    stats.sort_stats("tottime").print_stats(35)
    return 0


if __name__ == "__main__":
    sys.exit(main())
