"""Background work of complaint cases: the escalation sweep.

Every DMS_COMPLAINT_SWEEP_MINUTES (5 by default) the worker escalates the cases past their SLA
(services.complaint_escalate_overdue): not acknowledged, or not resolved, in time. The store's
service manager becomes the owner and sees the case first on the home page.

As the promise sweep (dms/portal/tasks.py): a sweep first queues the next one unless another
already waits, so one sweep waits at a time however many workers run. `manage.py
ensure_complaint_sweep` queues one when none waits (run it before the worker starts); opening a
case queues one too, after its commit, so the chain starts with the first case anyway.
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
LOCK_KEY = 7_318_013  # a PostgreSQL advisory lock: two processes queueing at once queue one sweep


@task()
def complaint_sweep() -> int:
    """Escalate the cases past their SLA; returns how many were escalated."""
    heartbeat.beat()
    try:
        schedule_next()
    except Exception:  # the sweep itself still runs; the next case or worker start queues one again
        log.exception("Could not queue the next complaint sweep")
    return services.complaint_escalate_overdue()


def interval() -> timedelta:
    return timedelta(minutes=max(1, int(getattr(settings, "DMS_COMPLAINT_SWEEP_MINUTES", 5))))


def waiting() -> int | None:
    """How many sweeps wait in the database backend (None: a backend that cannot be looked into)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = complaint_sweep.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return None
    return DBTaskResult.objects.filter(
        backend_name=backend.alias, task_path=complaint_sweep.module_path, status=TaskResultStatus.READY
    ).count()


def schedule_next(*, at: datetime | None = None) -> bool:
    """Queue a sweep at `at` (default: one interval from now) unless one waits already. A backend
    that cannot defer (the immediate one) queues nothing: it would run the chain at once, forever."""
    if not complaint_sweep.get_backend().supports_defer:
        return False
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        if waiting():
            return False
        complaint_sweep.using(run_after=at or timezone.now() + interval()).enqueue()
    return True


def schedule_quietly() -> None:
    """After a case opens: make sure a sweep waits (never fails the caller)."""
    try:
        schedule_next()
    except Exception:
        log.exception("Could not queue the complaint sweep")
