"""Retention periods of personal data, applied by the worker (PIPL art. 19: kept no longer than
needed). docs/security.md ("Personal data") gives each period and why.

Each app registers its own purge in its AppConfig.ready (core cannot import the apps):

    retention.register("messages", retention.delete_rows(lambda cutoff: Message.objects.filter(...)),
                       days="DMS_RETENTION_MESSAGES_DAYS")

A purge takes the cutoff (now minus the setting's days) and returns how many rows it removed or
cleared; it is set-based (a few statements, whatever the number of rows) and idempotent (run again,
it finds nothing more). A setting of 0 days keeps that kind of data for ever. The audit diffs, the
sign-in records (django-auditlog, django-axes) and the event log (with the webhook deliveries of
its events) are registered here.

The sweep (`retention_sweep`, a django-tasks task) runs every DMS_RETENTION_SWEEP_HOURS (24): like
the promise sweep, each run queues the next first, unless one waits already, and
`manage.py ensure_retention_sweep` (run by `make run`, `make dev` and `make worker`) queues the
first. What each purge removed is the task's result and a log line.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus, task

from . import heartbeat

log = logging.getLogger(__name__)
LOCK_KEY = 7_318_021  # a PostgreSQL advisory lock: two processes queueing at once queue one sweep


@dataclass(frozen=True)
class Purge:
    name: str
    run: Callable[[datetime], int]
    days: str  # the name of the setting holding the period in days


_purges: dict[str, Purge] = {}


def register(name: str, purge: Callable[[datetime], int], *, days: str) -> None:
    """Register (or replace) the purge `name`, applied to what is older than `days` days (a setting)."""
    _purges[name] = Purge(name, purge, days)


def registered() -> dict[str, Purge]:
    return dict(_purges)


def period(purge: Purge) -> int:
    return max(0, int(getattr(settings, purge.days, 0) or 0))


def run(*, now: datetime | None = None, only: tuple[str, ...] = ()) -> dict[str, int]:
    """Apply every purge (or those named); returns {name: rows removed}. One failing purge does
    not stop the others (it is logged and counted as -1)."""
    now = now or timezone.now()
    done: dict[str, int] = {}
    for purge in list(_purges.values()):
        if only and purge.name not in only:
            continue
        days = period(purge)
        if not days:
            continue
        try:
            with transaction.atomic():
                done[purge.name] = int(purge.run(now - timedelta(days=days)))
        except Exception:
            log.exception("Retention purge %s failed", purge.name)
            done[purge.name] = -1
        if done[purge.name]:
            log.info("Retention: %s removed %s rows older than %s days", purge.name, done[purge.name], days)
    return done


# --- Building blocks for the apps' purges --------------------------------------------------------


def delete_rows(select: Callable[[datetime], models.QuerySet]) -> Callable[[datetime], int]:
    """A purge deleting the rows `select(cutoff)` finds."""

    def purge(cutoff: datetime) -> int:
        return select(cutoff).delete()[0]

    return purge


def remove_files(
    select: Callable[[datetime], models.QuerySet], field: str, *, delete_rows: bool = False,
    recount: tuple[str, str, str] | None = None,
) -> Callable[[datetime], int]:  # fmt: skip
    """A purge removing the file `field` of the rows `select(cutoff)` finds from storage: the rows
    are deleted (`delete_rows`) or keep their other fields with the file emptied. `recount`
    (parent key, parent's counter field, related name) keeps a parent's count of such rows right."""

    def purge(cutoff: datetime) -> int:
        qs = select(cutoff).exclude(**{field: ""})
        model = qs.model
        storage = model._meta.get_field(field).storage
        rows = list(qs.values_list("pk", field, *([recount[0]] if recount else [])))
        if not rows:
            return 0
        pks = [r[0] for r in rows]
        if delete_rows:
            model._default_manager.filter(pk__in=pks).delete()
        else:
            model._default_manager.filter(pk__in=pks).update(**{field: ""})
        if recount:
            key, counter, related = recount
            parent = model._meta.get_field(key).related_model
            parents = {r[2] for r in rows}
            counts = dict(
                parent._default_manager.filter(pk__in=parents)
                .annotate(n=models.Count(related))
                .values_list("pk", "n")
            )
            for parent_pk, n in counts.items():
                parent._default_manager.filter(pk=parent_pk).update(**{counter: n})
        names = [r[1] for r in rows]

        def unlink():
            for name in names:
                try:
                    storage.delete(name)
                except OSError:
                    log.warning("Retention: could not remove a file past its period")

        transaction.on_commit(unlink)
        return len(rows)

    return purge


# --- The floors' own: audit diffs and sign-in records ---------------------------------------------


def _audit_diffs(cutoff: datetime) -> int:
    from auditlog.models import LogEntry

    return LogEntry.objects.filter(timestamp__lt=cutoff).delete()[0]


def _sign_ins(cutoff: datetime) -> int:
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog

    return sum(
        m.objects.filter(attempt_time__lt=cutoff).delete()[0]
        for m in (AccessLog, AccessFailureLog, AccessAttempt)
    )


def _event_log(cutoff: datetime) -> int:
    # The events integrators page through and webhooks push (a delivery's body is its event): with
    # an event go its deliveries, made or (after years of a paused subscription) not.
    from .models import Event

    return Event.objects.filter(at__lt=cutoff).delete()[0]


register("audit_diffs", _audit_diffs, days="DMS_RETENTION_AUDIT_DAYS")
register("sign_in_records", _sign_ins, days="DMS_RETENTION_LOGIN_DAYS")
register("event_log", _event_log, days="DMS_RETENTION_EVENTS_DAYS")


# --- The sweep ---------------------------------------------------------------------------------


@task()
def retention_sweep() -> dict:
    """Apply every retention period; returns {purge: rows removed}."""
    heartbeat.beat()
    try:
        schedule_next()
    except Exception:  # the sweep itself still runs; the next worker start queues one again
        log.exception("Could not queue the next retention sweep")
    return run()


def interval() -> timedelta:
    return timedelta(hours=settings.DMS_RETENTION_SWEEP_HOURS)


def waiting() -> int | None:
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = retention_sweep.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return None
    return DBTaskResult.objects.filter(
        backend_name=backend.alias, task_path=retention_sweep.module_path, status=TaskResultStatus.READY
    ).count()


def schedule_next(*, at: datetime | None = None) -> bool:
    """Queue a sweep at `at` (default: one interval from now) unless one waits already."""
    if not retention_sweep.get_backend().supports_defer:
        return False
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        if waiting():
            return False
        retention_sweep.using(run_after=at or timezone.now() + interval()).enqueue()
    return True
