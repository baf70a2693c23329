"""Two people saving the same record at once: exactly one wins, the other is told to reload.

Only PostgreSQL runs the two writers truly in parallel (SQLite serialises whole transactions),
so this is skipped on SQLite. Each writer is a thread with its own database connection.
"""

import threading
import time

import pytest
from django.conf import settings
from django.db import connection

from conftest import ApiClient
from dms.core.tenancy import resolve_tenant
from dms.customers import services
from dms.customers.models import Customer

pytestmark = pytest.mark.skipif(
    "sqlite" in settings.DATABASES["default"]["ENGINE"],
    reason="needs a database with row locks and parallel transactions (PostgreSQL)",
)


@pytest.fixture
def slow_writes(monkeypatch):
    """Hold each writer inside its transaction for a moment, after it read the record, so that
    without a lock both writers would read the same version before either commits."""
    original = services._apply

    def slow_apply(*args, **kwargs):
        original(*args, **kwargs)
        time.sleep(0.3)

    monkeypatch.setattr(services, "_apply", slow_apply)


def run_together(*jobs):
    """Run each job in its own thread, all released at once; return their results in order."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)
    errors: list = []

    def worker(i, job):
        try:
            barrier.wait(timeout=10)
            results[i] = job()
        except Exception as exc:  # surfaced in the test below, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    return results


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_patches_with_the_same_version_one_wins_one_gets_409(sa, manager, slow_writes):
    # given a customer at version 1, open on two screens
    customer = services.customer_create(tenant=resolve_tenant(sa), name="张三", mobile="13812345678").record
    sa_api, manager_api = ApiClient(sa), ApiClient(manager)

    # when the SA and the manager both save a change made on version 1, at the same moment
    sa_r, manager_r = run_together(
        lambda: sa_api.patch(f"/customers/{customer.pk}", {"version": 1, "region": "南山区"}),
        lambda: manager_api.patch(f"/customers/{customer.pk}", {"version": 1, "region": "福田区"}),
    )

    # then exactly one is saved and the other is told that someone changed the record meanwhile
    assert sorted([sa_r.status_code, manager_r.status_code]) == [200, 409]
    winner, loser = (sa_r, manager_r) if sa_r.status_code == 200 else (manager_r, sa_r)
    assert loser.json()["detail"]
    saved = Customer.objects.get(pk=customer.pk)
    assert saved.version == 2
    assert saved.region == winner.json()["region"]


@pytest.mark.django_db(transaction=True)
def test_a_reader_during_a_write_is_not_blocked_and_sees_a_whole_version(sa, manager, slow_writes):
    # The row lock is for writers only: the workshop reading the file while the SA saves it
    # gets an answer at once, with either the old or the new version, never a mix.
    customer = services.customer_create(tenant=resolve_tenant(sa), name="张三", mobile="13812345678").record
    sa_api, reader = ApiClient(sa), ApiClient(manager)

    def read_while_saving():
        time.sleep(0.1)
        return reader.get(f"/customers/{customer.pk}")

    write, read = run_together(
        lambda: sa_api.patch(
            f"/customers/{customer.pk}", {"version": 1, "region": "南山区", "notes": "改过"}
        ),
        read_while_saving,
    )

    assert write.status_code == 200
    assert read.status_code == 200
    assert (read.json()["version"], read.json()["region"], read.json()["notes"]) in {
        (1, "", ""),
        (2, "南山区", "改过"),
    }
