"""The worker's part: sending the outbox (outbox.run) as a django-tasks task.

A queued message (or webhook delivery) wakes the worker once its transaction commits (`wake`);
besides, each run first queues the next one DMS_OUTBOX_POLL_SECONDS later (retries, scheduled
messages and lapsed leases fall due without anything being queued), unless one already waits by
then: however many workers run, one or two runs wait at a time. A worker killed mid-run leaves the
next run queued. `manage.py ensure_outbox_worker` queues the first run (run it before db_worker,
like ensure_promise_sweep); `manage.py send_messages` sends without the task queue.
"""

import logging
import time
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task

from dms.core import heartbeat

from . import outbox

log = logging.getLogger(__name__)
LOCK_KEY = 7_318_011  # a PostgreSQL advisory lock: two processes queueing at once queue one run


@task()
def send_due() -> int:
    """Send whatever is due; returns how many messages and deliveries were attempted."""
    heartbeat.beat()
    try:
        schedule(at=timezone.now() + timedelta(seconds=settings.DMS_OUTBOX_POLL_SECONDS))
    except Exception:  # the run itself still goes; the next wake or worker start queues one again
        log.exception("Could not queue the next outbox run")
    return outbox.run()


def waiting(by: datetime) -> bool | None:
    """Whether a run waits that starts by `by` (None: a backend that cannot be looked into)."""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = send_due.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return None
    return DBTaskResult.objects.filter(
        backend_name=backend.alias, task_path=send_due.module_path, status=TaskResultStatus.READY,
        run_after__lte=by,
    ).exists()  # fmt: skip


def schedule(*, at: datetime) -> bool:
    """Queue a run at `at` unless one waits to start by then; whether one was queued."""
    backend = send_due.get_backend()
    if not backend.supports_defer:
        return False
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        if waiting(at):
            return False
        send_due.using(run_after=at).enqueue()
    return True


# When this process last made sure a run waits (monotonic seconds): a busy front desk queues many
# texts a second, and each check costs a transaction with four statements. Within
# DMS_OUTBOX_WAKE_SECONDS of a check, a wake for now is skipped: the run found or queued then either
# still waits (it sends this message too) or has started since; a run that had already read the due
# messages before this one committed leaves it to the next periodic run (at most
# DMS_OUTBOX_POLL_SECONDS later). 0 checks at every wake.
_last_check = {"at": float("-inf")}
# Likewise for a wake at a later time (a text held by the quiet hours: at night every text of the
# store waits for the same morning, and each wake cost the same check): within
# DMS_OUTBOX_WAKE_SECONDS of making sure a run waits to start by `by`, a wake for `by` or later is
# skipped: that run, or the chain of periodic runs it continues, sends the message with the first
# run after its time, at most DMS_OUTBOX_POLL_SECONDS after it, as above.
_last_later = {"at": float("-inf"), "by": None}


def wake(*, at: datetime | None = None) -> None:
    """Something was queued (called after its transaction commits): have a worker look at `at`
    (default now). Never raises: the periodic run picks it up anyway."""
    try:
        now = timezone.now()
        at = at or now
        if not send_due.get_backend().supports_defer:
            if at <= now:
                send_due.enqueue()  # the immediate backend (development): sent right away
            return
        due_now = at <= now
        checked = _last_check if due_now else _last_later
        if time.monotonic() - checked["at"] < settings.DMS_OUTBOX_WAKE_SECONDS and (
            due_now or checked["by"] <= at
        ):
            return
        schedule(at=max(at, now))
        if due_now:
            _last_check["at"] = time.monotonic()
        else:
            _last_later.update(at=time.monotonic(), by=at)
    except Exception:
        log.exception("Could not wake the outbox worker")
