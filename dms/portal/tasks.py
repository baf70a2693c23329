"""Background work of the portal: the promise sweep.

Every DMS_PROMISE_SWEEP_MINUTES the worker looks, in every store, for promised times at risk that
nobody was warned of yet, warns the advisor and texts the customer, once per promise
(services.promises_sweep). Nothing is added to the path that opens or changes repair orders.

A sweep first queues the next one (so that an error, or a worker killed mid-sweep, does not end
the chain) unless another is already waiting: however many workers run and however often they
restart, one sweep waits at a time. `manage.py ensure_promise_sweep` (run by `make run` and
`make worker` before the worker starts) queues one when none waits.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task

from dms.core import heartbeat

from . import services

log = logging.getLogger(__name__)
LOCK_KEY = 7_318_004  # a PostgreSQL advisory lock: two processes queueing at once queue one sweep


@task()
def promise_sweep() -> int:
    """Warn of the promises at risk; returns how many were warned."""
    heartbeat.beat()
    try:
        schedule_next()
    except Exception:  # the sweep itself still runs; the next start of a worker queues one again
        log.exception("Could not queue the next promise sweep")
    return services.promises_sweep()


def interval() -> timedelta:
    return timedelta(minutes=settings.DMS_PROMISE_SWEEP_MINUTES)


def waiting() -> int | None:
    """How many sweeps wait in the database backend (None: a backend that cannot be looked into)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = promise_sweep.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return None
    return DBTaskResult.objects.filter(
        backend_name=backend.alias, task_path=promise_sweep.module_path, status=TaskResultStatus.READY
    ).count()


def schedule_next(*, at: datetime | None = None) -> bool:
    """Queue a sweep to run at `at` (default: one interval from now) unless one waits already.
    Returns whether one was queued. A backend that cannot defer (the immediate one) would run the
    sweep at once, and it would queue itself again at once: nothing is queued there."""
    if not promise_sweep.get_backend().supports_defer:
        return False
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        if waiting():
            return False
        promise_sweep.using(run_after=at or timezone.now() + interval()).enqueue()
    return True
