"""A double tap on "add to the order": two requests applying the same package at once add it once.

Real threads, each with its own connection, released together, on PostgreSQL (SQLite runs one
writer at a time, so there is no race to test there)."""

import threading

import pytest
from django.db import connection, connections

from dms.core.errors import Conflict
from dms.core.tenancy import resolve_tenant
from dms.packages.models import Application
from dms.packages.services import package_apply
from dms.workshop.models import RepairOrderLine

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def _at_once(calls) -> list:
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(i, call):
        try:
            barrier.wait(timeout=10)
            results[i] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread met
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


def test_the_same_package_applied_twice_at_once_is_added_once(people, order, schedule):
    sa = people["sa"]

    def apply():
        return package_apply(tenant=resolve_tenant(sa.user), order_id=order.pk, package_id=schedule["10k"].pk)

    results = _at_once([apply, apply])

    assert sorted(type(r).__name__ for r in results) == ["Application", "Conflict"]
    assert isinstance(next(r for r in results if not isinstance(r, Application)), Conflict)
    assert RepairOrderLine.objects.filter(order=order).count() == 4
