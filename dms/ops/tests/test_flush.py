"""manage.py flush empties every table, whether it deletes the few rows there are or truncates."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection

from dms.core.models import DealerGroup, Store
from dms.customers.models import Customer
from dms.ops.management.commands import flush

pytestmark = pytest.mark.django_db(transaction=True)


def _tables_holding_rows() -> set[str]:
    return set(
        flush._rows_per_table(connection, connection.introspection.django_table_names(only_existing=True))
    )


def _some_rows():
    group = DealerGroup.objects.create(code="FL", name="清空集团")
    store = Store.objects.create(group=group, code="FL01", name="清空一店")
    for i in range(3):  # rows that refer to the group: deleted in any order, the keys checked at commit
        Customer.objects.create(group=group, home_store=store, name=f"客户{i}", mobile=f"1380000000{i}")


@pytest.mark.parametrize("small", [flush.SMALL, 2], ids=["few rows: deleted", "more rows: truncated"])
def test_flush_leaves_only_what_post_migrate_makes(monkeypatch, small):
    monkeypatch.setattr(flush, "SMALL", small)
    _some_rows()
    assert {"core_dealergroup", "core_store", "customers_customer"} <= _tables_holding_rows()

    call_command("flush", verbosity=0, interactive=False, reset_sequences=False)

    assert not DealerGroup.objects.exists() and not Customer.objects.exists()
    # as after Django's own flush: post_migrate made the content types and permissions again
    assert ContentType.objects.filter(app_label="customers", model="customer").exists()
    assert _tables_holding_rows() <= {"django_content_type", "auth_permission"}
