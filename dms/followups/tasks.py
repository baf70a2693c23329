"""The relationship engine in the worker: the touch sweep.

Every DMS_TOUCH_SWEEP_MINUTES (default 15) the sweep generates the day's touches of every dealer
group that has no run for its local day yet (generation.generate, once a day) and sends the
sending touches that fell due (sending.touches_send_due); once a day too it hands the service
customers whose car is old or worn to sales (replacement.replacement_sweep). Like the promise sweep, each sweep queues
the next first, unless one waits already; `manage.py ensure_touch_sweep` queues the first one
(run it before db_worker, like ensure_promise_sweep)."""

import logging
import os
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task

from dms.core import heartbeat
from dms.core.models import DealerGroup, Store

from .generation import generate
from .models import TouchPlanRun
from .replacement import replacement_sweep
from .sending import touches_send_due

log = logging.getLogger(__name__)
LOCK_KEY = 7_318_013  # a PostgreSQL advisory lock: two processes queueing at once queue one sweep


def interval() -> timedelta:
    return timedelta(minutes=max(1, int(os.environ.get("DMS_TOUCH_SWEEP_MINUTES", "15"))))


def generate_due_groups(*, day=None) -> int:
    """Generate the day's touches for every group not yet done today; returns touches created."""
    day = day or timezone.localdate()
    done = set(TouchPlanRun.objects.filter(day=day).values_list("group_id", flat=True))
    created = 0
    for group_id in DealerGroup.objects.exclude(pk__in=done).values_list("pk", flat=True):
        for store in Store.objects.filter(group_id=group_id):
            replacement_sweep(store=store, day=day)
        created += generate(group_id=group_id, day=day).created
    return created


@task()
def touch_sweep() -> dict:
    heartbeat.beat()
    try:
        schedule_next()
    except Exception:  # the sweep itself still runs; the next worker start queues one again
        log.exception("Could not queue the next touch sweep")
    return {"created": generate_due_groups(), "sent": touches_send_due()}


def waiting() -> int | None:
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = touch_sweep.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return None
    return DBTaskResult.objects.filter(
        backend_name=backend.alias, task_path=touch_sweep.module_path, status=TaskResultStatus.READY
    ).count()


def schedule_next(*, at: datetime | None = None) -> bool:
    """Queue a sweep at `at` (default: one interval from now) unless one waits already."""
    if not touch_sweep.get_backend().supports_defer:
        return False
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        if waiting():
            return False
        touch_sweep.using(run_after=at or timezone.now() + interval()).enqueue()
    return True
