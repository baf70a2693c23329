"""Exactly once when a worker is killed mid-send: real processes against a real database.

A worker (`manage.py send_messages --once`) sends a text through the Alibaba Cloud fake, which
records the message and then holds its answer; the worker is killed with SIGKILL while it waits.
Another worker, once the lease has lapsed, finds the message in doubt, asks Alibaba Cloud
(QuerySendDetails by the OutId it was sent with) and records it as sent: the fake received the
message exactly once.

On SQLite the processes share a database file of their own (migrated here); on PostgreSQL they
share the test database (committed data: a transactional test).
"""

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ALIYUN_TEMPLATES
from .fakes import FakeAliyun

ROOT = Path(__file__).resolve().parents[3]
BOOT = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup()\n"
)

SETUP = """
import sys
from dms.core.models import DealerGroup, Store, StoreMembership, User
from dms.core.tenancy import resolve_tenant
from dms.customers.services import customer_create
from dms.messaging.models import ChannelConfig, MessagingSettings
from dms.messaging.services import message_queue
import time_machine
from datetime import datetime
from zoneinfo import ZoneInfo

g = DealerGroup.objects.create(code="KILL", name="示范汽车集团")
s = Store.objects.create(group=g, code="KL01", name="深圳一店")
u = User.objects.create_user("kill-sa", password="x" * 12, group=g, home_store=s)
StoreMembership.objects.create(user=u, store=s, role="sa")
c = customer_create(tenant=resolve_tenant(u), name="张三", mobile="13812345678", title="mr").record
MessagingSettings.objects.create(store=s, quiet_start="00:00", quiet_end="00:00")  # whatever the hour the test runs
ChannelConfig.objects.create(store=s, channel="sms", provider="aliyun", settings={
    "access_key_id": "LTAI-test", "access_key_secret": "aliyun-secret", "sign_name": "深圳一店",
    "endpoint": sys.argv[1],
    "templates": {"status_link": {"code": "SMS_100001", "params": ["name", "plate", "number", "url"]}},
})
with time_machine.travel(datetime(2026, 5, 4, 10, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
    m = message_queue(store=s, customer=c, channel="sms", purpose="service", kind="status_link",
                      params={"plate": "粤B12345", "number": "KL01-2026-00001", "url": "https://dms.example.cn/c/s/x/"})
print(m.pk)
"""

AFTER = """
import sys
from datetime import timedelta
import time_machine
from django.utils import timezone
from dms.messaging import outbox
from dms.messaging.models import Message

m = Message.objects.get(pk=int(sys.argv[1]))
print("before", m.state, bool(m.claimed_by), m.attempts)
with time_machine.travel(m.claimed_until + timedelta(minutes=1), tick=True):
    outbox.run()
m.refresh_from_db()
print("after", m.state, m.attempts, m.provider_message_id)
"""


def python(code: str, env: dict, *args: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BOOT + code, *args], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=120, **kw,
    )  # fmt: skip


@pytest.fixture
def shared_database(request) -> dict:
    """The environment of processes that share one database with this test."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    if os.environ.get("DATABASE_URL"):
        request.getfixturevalue("transactional_db")
        from django.db import connection

        s = connection.settings_dict
        password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
        env["DATABASE_URL"] = (
            f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
        )
    else:
        env["DMS_VAR_DIR"] = str(request.getfixturevalue("sqlite_var_dir"))
    return env


@pytest.fixture
def slow_aliyun():
    fake = FakeAliyun(access_key_id="LTAI-test", secret="aliyun-secret", templates=ALIYUN_TEMPLATES,
                      sign_name="深圳一店").start()  # fmt: skip
    fake.delay = 60  # records the message, then holds the answer
    yield fake
    fake.stop()


@pytest.mark.real_clock  # the workers are other processes: they keep the real clock
def test_a_worker_killed_mid_send_leaves_the_message_sent_exactly_once(shared_database, slow_aliyun):
    env = shared_database
    setup = python(SETUP, env, slow_aliyun.url)
    assert setup.returncode == 0, setup.stderr[-3000:]
    message_id = setup.stdout.strip().splitlines()[-1]

    # a worker sends it and is killed while the provider holds its answer
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "send_messages", "--once"], cwd=ROOT,
        env=env | {"DMS_OUTBOX_LEASE_SECONDS": "30"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert slow_aliyun.wait_for(1, timeout=90), "the worker never reached the provider"
        worker.send_signal(signal.SIGKILL)
    finally:
        worker.wait(timeout=30)
    assert worker.returncode == -signal.SIGKILL

    # another worker, once the lease has lapsed
    slow_aliyun.delay = 0
    after = python(AFTER, env, message_id)
    assert after.returncode == 0, after.stderr[-3000:]

    lines = after.stdout.strip().splitlines()
    assert lines[-2] == "before queued True 1"  # in doubt: claimed by the dead worker
    assert lines[-1] == "after sent 2"
    assert len(slow_aliyun.sent) == 1
    actions = [r["query"]["Action"] for r in slow_aliyun.requests]
    assert actions == ["SendSms", "QuerySendDetails"]
