"""The task worker's lease: a task left running by a worker that died goes back to the queue.

django-tasks' database worker marks a task RUNNING when it takes it and SUCCESSFUL or FAILED when
it ends; a worker killed in between (SIGKILL, the machine lost, the OOM killer) leaves it RUNNING
for ever, and nothing would run it again. `manage.py run_worker` (db_worker with a lease) keeps a
lease in the shared cache while it lives, renewed every third of DMS_WORKER_LEASE_SECONDS by a
thread of its own; every worker, when it starts and at each renewal, puts back to READY the tasks
whose worker's lease has lapsed. Such a task runs again from its start: each of our tasks does its
work in transactions that a dead worker's database connection rolls back, and is idempotent where
it commits in steps (the sweeps skip what is done; the outbox has its own claim and lease), so its
effect happens once.
"""

import logging
import threading
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import close_old_connections, connection
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

log = logging.getLogger(__name__)


def _key(worker_id: str) -> str:
    return f"dms:worker-lease:{worker_id}"


def lease() -> timedelta:
    return timedelta(seconds=settings.DMS_WORKER_LEASE_SECONDS)


def renew(worker_id: str) -> None:
    cache.set(_key(worker_id), timezone.now().timestamp(), timeout=settings.DMS_WORKER_LEASE_SECONDS)


def alive(worker_id: str) -> bool:
    return cache.get(_key(worker_id)) is not None


def reclaim() -> int:
    """Put back to READY the tasks running under a worker whose lease has lapsed (and that started
    at least one lease ago: a worker that has just taken a task has renewed its lease before);
    return how many."""
    started_before = timezone.now() - lease()
    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, started_at__lt=started_before)
    lapsed = [
        pk
        for pk, worker_ids in running.values_list("pk", "worker_ids")
        if not worker_ids or not alive(worker_ids[-1])
    ]
    if not lapsed:
        return 0
    # Only those still RUNNING: a worker that finished one meanwhile keeps its result.
    count = DBTaskResult.objects.filter(pk__in=lapsed, status=TaskResultStatus.RUNNING).update(
        status=TaskResultStatus.READY, started_at=None
    )
    if count:
        log.warning("Put %s task(s) of lapsed workers back in the queue", count)
    return count


def keep_lease(worker_id: str, stop: threading.Event) -> threading.Thread:
    """Renew this worker's lease (and reclaim the dead ones' tasks) until `stop` is set."""

    def loop() -> None:
        while not stop.wait(settings.DMS_WORKER_LEASE_SECONDS / 3):
            try:
                renew(worker_id)
                reclaim()
            except Exception:  # the database or cache is away: the next round tries again
                log.exception("Could not renew the worker's lease")
            finally:
                close_old_connections()
        connection.close()

    thread = threading.Thread(target=loop, name="worker-lease", daemon=True)
    thread.start()
    return thread
