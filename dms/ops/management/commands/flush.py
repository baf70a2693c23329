"""manage.py flush, as Django's, emptying only the tables that hold rows when they hold few.

Django's flush on PostgreSQL truncates every table (over a hundred here, seven hundred files with their
indexes): a second or more, even when a handful of rows are in a few tables, which is how a test that
commits (TransactionTestCase, pytest-django's transactional_db) leaves the database on every teardown.
When no table holds more than SMALL rows, this flush deletes the rows of the tables that hold any, in
one transaction (Django's foreign keys are deferred to its commit, so the order does not matter), then
sends post_migrate as Django's does. Otherwise, or when sequences are to be reset, it is Django's flush.
"""

from django.core.management.commands import flush
from django.core.management.sql import emit_post_migrate_signal
from django.db import connections, transaction

SMALL = 1000


class Command(flush.Command):
    def handle(self, **options):
        database = options["database"]
        connection = connections[database]
        if options["interactive"] or options.get("reset_sequences", True):
            return super().handle(**options)
        tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
        holding = _rows_per_table(connection, tables)
        if any(n > SMALL for n in holding.values()):
            return super().handle(**options)
        quote = connection.ops.quote_name
        with transaction.atomic(using=database), connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table in holding:
                cursor.execute(f"DELETE FROM {quote(table)}")  # noqa: S608 - table names from introspection
        if tables and not options.get("inhibit_post_migrate", False):
            emit_post_migrate_signal(options["verbosity"], False, database)
        return None


def _rows_per_table(connection, tables: list[str]) -> dict[str, int]:
    """{table: rows, up to SMALL + 1} of the tables holding any, in one statement (or a few)."""
    if not tables:
        return {}
    quote = connection.ops.quote_name
    parts = [
        f"SELECT {i}, COUNT(*) FROM (SELECT 1 FROM {quote(t)} LIMIT {SMALL + 1}) AS r{i}"  # noqa: S608
        for i, t in enumerate(tables)
    ]
    rows: dict[str, int] = {}
    with connection.cursor() as cursor:
        for start in range(0, len(parts), 400):  # SQLite allows 500 terms in a compound SELECT
            cursor.execute(" UNION ALL ".join(parts[start : start + 400]))
            rows.update({tables[i]: n for i, n in cursor.fetchall() if n})
    return rows
