"""The task worker's heartbeat, for the health endpoint (dms/ops/health.py).

The worker's recurring tasks (the promise sweep every DMS_PROMISE_SWEEP_MINUTES, the outbox run
every DMS_OUTBOX_POLL_SECONDS) each call `beat()` when they start: the time is written to the shared
cache (the database's cache table, or Redis), which every app server reads. Reading the newest task
result instead would scan the task table (no index on its times) on every probe of the load balancer.
The worker counts as late when no beat came for three of the longer of the two periods.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

log = logging.getLogger(__name__)
KEY = "dms:worker-heartbeat"


def beat() -> None:
    """The worker is alive now. Never fails the task that calls it."""
    try:
        cache.set(KEY, timezone.now().timestamp(), timeout=None)
    except Exception:  # the cache is down: the health endpoint will say the worker is late
        log.exception("Could not record the worker's heartbeat")


def last_beat() -> datetime | None:
    value = cache.get(KEY)
    if value is None:
        return None
    return datetime.fromtimestamp(float(value), tz=timezone.get_current_timezone())


def period() -> timedelta:
    """How often a beat comes when the worker runs: the longer of the two recurring tasks' periods."""
    return max(
        timedelta(minutes=settings.DMS_PROMISE_SWEEP_MINUTES),
        timedelta(seconds=settings.DMS_OUTBOX_POLL_SECONDS),
    )
