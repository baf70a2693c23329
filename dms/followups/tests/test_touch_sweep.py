"""The touch sweep runs in the worker: `manage.py ensure_touch_sweep` (run before the worker starts,
as `make run` does) queues one sweep however often it runs; the worker runs it, and each sweep queues
the next one interval later before it works, so that one sweep always waits; a day's touches are
generated once however many sweeps run that day."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from dms.followups import tasks
from dms.followups.models import FollowUp
from dms.vehicles.models import Vehicle

# The worker opens its own transactions (as in production): the test's data is committed.
pytestmark = pytest.mark.django_db(transaction=True)


def waiting():
    return DBTaskResult.objects.filter(task_path=tasks.touch_sweep.module_path, status=TaskResultStatus.READY)


def done():
    return DBTaskResult.objects.filter(
        task_path=tasks.touch_sweep.module_path, status=TaskResultStatus.SUCCESSFUL
    )


def run_worker() -> None:
    """One pass of the task worker as `manage.py run_worker --batch` makes it: every task due now runs,
    then it stops (a sweep queued for later stays queued)."""
    Worker(
        queue_names=["default"], interval=0, batch=True, backend_name="default", startup_delay=False,
        max_tasks=None, worker_id="test-worker", excluded_queue_names=[],
    ).run()  # fmt: skip


@pytest.fixture
def inspection_due(vehicle):
    """The vehicle's annual inspection is due in 32 days: the default plan has a touch for that today."""
    Vehicle.objects.filter(pk=vehicle.pk).update(inspection_due=timezone.localdate() + timedelta(days=32))
    return vehicle


def test_ensure_touch_sweep_queues_one_sweep_to_run_now_however_often_it_runs(db):
    before = timezone.now()

    call_command("ensure_touch_sweep", verbosity=0)
    call_command("ensure_touch_sweep", verbosity=0)

    [sweep] = waiting()
    assert before <= sweep.run_after <= timezone.now()


def test_the_worker_runs_the_sweep_which_queues_the_next_one_interval_later(inspection_due, monkeypatch):
    monkeypatch.setenv("DMS_TOUCH_SWEEP_MINUTES", "30")
    call_command("ensure_touch_sweep", verbosity=0)
    started = timezone.now()

    run_worker()

    [ran] = done()
    assert ran.return_value["created"] >= 1  # the day's touches, the inspection reminder among them
    assert FollowUp.objects.filter(kind="inspection", vehicle=inspection_due).count() == 1
    [following] = waiting()
    assert started + timedelta(minutes=30) <= following.run_after <= timezone.now() + timedelta(minutes=30)


def test_a_second_sweep_the_same_day_creates_no_touch_twice(inspection_due):
    first = tasks.touch_sweep.call()
    touches = FollowUp.objects.count()

    second = tasks.touch_sweep.call()

    assert first["created"] == touches >= 1
    assert second["created"] == 0 and FollowUp.objects.count() == touches
    assert waiting().count() == 1  # each sweep queued the next; one waits


def test_a_failing_sweep_still_queues_the_next(db, monkeypatch):
    def broken():
        raise RuntimeError("the database went away")

    monkeypatch.setattr(tasks, "generate_due_groups", broken)

    with pytest.raises(RuntimeError):
        tasks.touch_sweep.call()

    assert waiting().count() == 1


def test_an_immediate_backend_does_not_loop(db, settings):
    # It would run the sweep at once, which would queue itself at once, and so on.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    assert tasks.schedule_next() is False
