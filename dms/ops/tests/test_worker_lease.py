"""A task worker killed mid-task: the task runs again under another worker, and its effect happens
once (dms/ops/worker.py). Real processes against a real database: the test's own database on
PostgreSQL (a transactional test), a database file of their own on SQLite."""

import contextlib
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from dms.messaging.tests import test_killed_worker
from dms.ops import worker

ROOT = Path(__file__).resolve().parents[3]
python = test_killed_worker.python
shared_database = test_killed_worker.shared_database  # the fixture

ENQUEUE = """
import sys
from dms.ops.tests.tasks_for_tests import found_group
print(found_group.enqueue(code="ONCE", started=sys.argv[1]).id)
"""

STATE = """
import sys
from django_tasks_db.models import DBTaskResult
from dms.core.models import DealerGroup
r = DBTaskResult.objects.get(pk=sys.argv[1])
print(r.status, len(r.worker_ids), DealerGroup.objects.filter(code="ONCE").count())
"""


def _worker(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--no-startup-delay", "--interval", "0.2", *args],
        cwd=ROOT,
        env=env | {"DMS_WORKER_LEASE_SECONDS": "3", "DJANGO_DEBUG": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )  # fmt: skip (DEBUG on: the worker must not hand its task to a reloader's child even then)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


@pytest.mark.real_clock  # the workers are other processes: they keep the real clock
def test_a_worker_killed_mid_task_leaves_the_task_to_another_that_does_it_once(
    shared_database, tmp_path, request
):
    env = shared_database
    started = tmp_path / "started"
    enqueued = python(ENQUEUE, env, str(started))
    assert enqueued.returncode == 0, enqueued.stderr[-3000:]
    task_id = enqueued.stdout.strip().splitlines()[-1]

    # a worker takes the task and is killed inside its transaction
    first = _worker(env)
    try:
        deadline = time.monotonic() + 90
        while not started.exists() and time.monotonic() < deadline and first.poll() is None:
            time.sleep(0.2)
        assert started.exists(), f"the task never started: {first.stderr.read1().decode()[-2000:]}"
        first.send_signal(signal.SIGKILL)  # the worker alone: a child of its would live on
    finally:
        first.wait(timeout=30)
        request.addfinalizer(lambda: _kill_group(first.pid))  # whatever it may have left behind
    state = python(STATE, env, task_id)
    assert state.stdout.split() == ["RUNNING", "1", "0"], state.stderr[
        -2000:
    ]  # left running, nothing written

    # once its lease has lapsed, another worker takes the task back and runs it to the end
    time.sleep(4)
    second = _worker(env, "--batch")
    out, err = second.communicate(timeout=120)
    assert second.returncode == 0, err.decode()[-3000:]

    state = python(STATE, env, task_id)
    assert state.stdout.split() == ["SUCCESSFUL", "2", "1"], (
        state.stderr[-2000:],
        out.decode()[-2000:],
        err.decode()[-2000:],
    )


def _running(worker_id: str) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING, args_kwargs={"args": [], "kwargs": {}}, task_path="x.y", backend_name="default",
        started_at=timezone.now() - timedelta(hours=1), worker_ids=[worker_id], queue_name="default",
    )  # fmt: skip


def test_only_the_tasks_of_workers_without_a_lease_go_back_to_the_queue(db):
    alive, dead = _running("alive-one"), _running("dead-one")
    worker.renew("alive-one")

    assert worker.reclaim() == 1

    assert DBTaskResult.objects.get(pk=alive.pk).status == TaskResultStatus.RUNNING
    assert DBTaskResult.objects.get(pk=dead.pk).status == TaskResultStatus.READY
