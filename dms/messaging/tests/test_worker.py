"""The worker's task chain and the settings messaging reads."""

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from django.core.management import call_command
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from dms.messaging import tasks
from dms.messaging.models import Message, State
from dms.messaging.services import message_queue

from .conftest import STATUS, at

ROOT = Path(__file__).resolve().parents[3]


def waiting():
    return list(
        DBTaskResult.objects.filter(task_path="dms.messaging.tasks.send_due", status=TaskResultStatus.READY)
        .order_by("run_after")
        .values_list("run_after", flat=True)
    )


def test_a_queued_message_wakes_one_worker_however_many_are_queued(
    store, customer, clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(3):
            message_queue(store=store, customer=customer, channel="sms", purpose="service", kind="status_link",
                          params=STATUS)  # fmt: skip

    assert waiting() == [at(10)]


def test_wakes_within_a_second_of_a_check_cost_nothing_and_queue_nothing_more(
    store, customer, clock, settings, django_capture_on_commit_callbacks, django_assert_num_queries
):
    settings.DMS_OUTBOX_WAKE_SECONDS = 1
    tasks._last_check["at"] = float("-inf")
    with django_capture_on_commit_callbacks(execute=True):
        message_queue(store=store, customer=customer, channel="sms", purpose="service", kind="status_link",
                      params=STATUS)  # fmt: skip
    assert waiting() == [at(10)]
    with django_assert_num_queries(0):
        tasks.wake()
    # Later than that, the next wake checks again (and finds the run waiting).
    tasks._last_check["at"] -= 2
    DBTaskResult.objects.all().delete()
    tasks.wake()
    assert waiting() == [at(10)]


def test_texts_held_for_the_morning_check_once_a_second_too(
    store, customer, clock, settings, django_capture_on_commit_callbacks, django_assert_num_queries
):
    settings.DMS_OUTBOX_WAKE_SECONDS = 1
    tasks._last_later.update(at=float("-inf"), by=None)
    clock.move_to(at(23))  # quiet hours: the text waits for 08:30
    with django_capture_on_commit_callbacks(execute=True):
        message_queue(store=store, customer=customer, channel="sms", purpose="service", kind="status_link",
                      params=STATUS)  # fmt: skip
    morning = at(8, 30, day=5)
    assert morning in waiting()
    with django_assert_num_queries(0):
        tasks.wake(at=morning)  # the next text of the night, within the second
        tasks.wake(at=morning + timedelta(minutes=1))
    # An earlier time, or later than the second, checks again.
    DBTaskResult.objects.all().delete()
    tasks.wake(at=at(23, 30))
    assert waiting() == [at(23, 30)]
    tasks._last_later["at"] -= 2
    tasks.wake(at=morning)
    assert waiting() == [at(23, 30)]  # found: a run waits by then


def test_a_run_sends_and_keeps_the_next_one_queued(store, customer, clock, settings):
    settings.DMS_OUTBOX_POLL_SECONDS = 30
    message = message_queue(store=store, customer=customer, channel="sms", purpose="service", kind="status_link",
                            params=STATUS)  # fmt: skip

    assert tasks.send_due.call() == 1

    assert Message.objects.get(pk=message.pk).state == State.SENT
    assert waiting() == [at(10) + timedelta(seconds=30)]
    tasks.send_due.call()
    assert len(waiting()) == 1  # one waits at a time


def test_ensure_outbox_worker_queues_one_run(db, clock):
    call_command("ensure_outbox_worker", verbosity=0)
    call_command("ensure_outbox_worker", verbosity=0)

    assert waiting() == [at(10)]


def test_send_messages_sends_once_and_exits(store, customer, clock):
    message = message_queue(store=store, customer=customer, channel="sms", purpose="service", kind="status_link",
                            params=STATUS)  # fmt: skip

    call_command("send_messages", once=True, verbosity=0)

    assert Message.objects.get(pk=message.pk).state == State.SENT


def _settings_in(env: dict) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DMS_PUBLIC"))}
    return subprocess.run(
        [sys.executable, "-c", "import config.settings as s; print(s.DMS_PUBLIC_BASE_URL)"],
        cwd=ROOT, env=base | env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def test_production_refuses_to_start_without_the_public_base_url():
    production = {"DJANGO_ENV": "production", "DJANGO_SECRET_KEY": "k" * 50}

    refused = _settings_in(production)
    started = _settings_in(production | {"DMS_PUBLIC_BASE_URL": "https://dms.example.cn/"})

    assert refused.returncode != 0 and "Set DMS_PUBLIC_BASE_URL" in refused.stderr
    assert started.returncode == 0 and started.stdout.strip() == "https://dms.example.cn"


def test_development_defaults_to_the_local_server():
    assert _settings_in({}).stdout.strip() == "http://127.0.0.1:8000"
