"""A double tap on "add to the order": two requests applying the same package at once add it once.

Real threads, each with its own connection, released together, on PostgreSQL (SQLite runs one
writer at a time, so there is no race to test there)."""

import pytest
from django.db import connection

from conftest import at_once
from dms.core.errors import Conflict
from dms.core.tenancy import resolve_tenant
from dms.packages.models import Application
from dms.packages.services import package_apply
from dms.workshop.models import RepairOrderLine

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL"),
    pytest.mark.django_db(transaction=True),
]


def test_the_same_package_applied_twice_at_once_is_added_once(people, order, schedule):
    sa = people["sa"]

    def apply():
        return package_apply(tenant=resolve_tenant(sa.user), order_id=order.pk, package_id=schedule["10k"].pk)

    results = at_once([apply, apply])

    assert sorted(type(r).__name__ for r in results) == ["Application", "Conflict"]
    assert isinstance(next(r for r in results if not isinstance(r, Application)), Conflict)
    assert RepairOrderLine.objects.filter(order=order).count() == 4
