"""GET /healthz: is this app server fit to take requests? For the load balancer and monitoring.

    {"status": "ok" | "degraded" | "down", "checks": {"database": {...}, "worker": {...}, "disk": {...}}}

200 when ok or degraded (the server answers; someone should look), 503 when down (take it out of
the pool). Each check says its own status:

- database: a `SELECT 1` on the default connection; down when it fails.
- worker: the task worker's heartbeat (dms/core/heartbeat.py, written by the promise sweep and the
  outbox run): degraded when none came for three periods (nothing is sent to customers then), ok
  when tasks run inside the request (a backend that cannot defer: no worker is needed).
- disk: free space where DMS_VAR_DIR lies (the SQLite file, uploaded photos, backups): degraded
  under DMS_HEALTH_MIN_FREE_MB (1024) or under DMS_HEALTH_MIN_FREE_PERCENT (5) of the disk.

It is answered by a middleware at the top of the stack, before anything else runs: no session, no
sign-in, no tenant, no host check (the load balancer may probe by address, which ALLOWED_HOSTS does
not list), no HTTPS redirect, no request log line. The answer names no customer and no store.
"""

import logging
import shutil
import time

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django_tasks import default_task_backend

from dms.core import heartbeat

log = logging.getLogger(__name__)
PATH = "/healthz"
OK, DEGRADED, DOWN = "ok", "degraded", "down"


def check_database() -> dict:
    started = time.monotonic()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure of the database is the answer, not an error of this page
        log.warning("Health: the database did not answer: %s", type(exc).__name__)
        return {"status": DOWN, "error": type(exc).__name__}
    return {"status": OK, "ms": round((time.monotonic() - started) * 1000, 1)}


def check_worker() -> dict:
    if not default_task_backend.supports_defer:
        return {"status": OK, "detail": "tasks run inside the request"}
    limit = 3 * heartbeat.period()
    try:
        last = heartbeat.last_beat()
    except Exception as exc:  # the cache table is in the database: down is said by check_database
        return {"status": DEGRADED, "error": type(exc).__name__}
    if last is None:
        return {
            "status": DEGRADED,
            "detail": "no heartbeat from a task worker yet",
            "limit_seconds": int(limit.total_seconds()),
        }
    age = timezone.now() - last
    return {
        "status": OK if age <= limit else DEGRADED,
        "age_seconds": max(0, int(age.total_seconds())),
        "limit_seconds": int(limit.total_seconds()),
    }


def check_disk() -> dict:
    usage = shutil.disk_usage(settings.VAR_DIR)
    free_mb = usage.free // (1024 * 1024)
    free_percent = round(100 * usage.free / usage.total, 1) if usage.total else 0.0
    low = free_mb < settings.DMS_HEALTH_MIN_FREE_MB or free_percent < settings.DMS_HEALTH_MIN_FREE_PERCENT
    return {"status": DEGRADED if low else OK, "free_mb": free_mb, "free_percent": free_percent}


def health() -> tuple[str, dict]:
    checks = {"database": check_database(), "worker": check_worker(), "disk": check_disk()}
    states = {c["status"] for c in checks.values()}
    status = DOWN if DOWN in states else DEGRADED if DEGRADED in states else OK
    return status, checks


class HealthMiddleware:
    """Answers GET and HEAD /healthz before any other middleware (see above)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info != PATH or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        status, checks = health()
        response = JsonResponse({"status": status, "checks": checks}, status=503 if status == DOWN else 200)
        response["Cache-Control"] = "no-store"
        return response
