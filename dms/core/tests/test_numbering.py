"""Document numbers are unique and gap-free per store and year."""

import threading

import pytest
from django.db import connection, connections, transaction

from dms.core.numbering import next_number


def _number(store, year=2026):
    with transaction.atomic():
        return next_number(store=store, kind="ro", year=year, prefix="RO-")


def test_numbers_follow_each_other_per_store_and_year(store, second_store):
    assert [_number(store) for _ in range(3)] == [
        "RO-SZ01-2026-000001",
        "RO-SZ01-2026-000002",
        "RO-SZ01-2026-000003",
    ]
    assert _number(second_store) == "RO-SZ02-2026-000001"
    assert _number(store, year=2027) == "RO-SZ01-2027-000001"


def test_a_rolled_back_document_gives_its_number_back(store):
    class Abort(Exception):
        pass

    with pytest.raises(Abort), transaction.atomic():
        next_number(store=store, kind="ro", year=2026, prefix="RO-")
        raise Abort
    assert _number(store) == "RO-SZ01-2026-000001"


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_is_refused(store):
    with pytest.raises(RuntimeError):
        next_number(store=store, kind="ro", year=2026, prefix="RO-")


@pytest.mark.django_db(transaction=True)
def test_concurrent_documents_never_share_a_number(store):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises writers")
    barrier, numbers, errors = threading.Barrier(6), [], []

    def work():
        try:
            barrier.wait()
            for _ in range(5):
                numbers.append(_number(store))
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(numbers) == [f"RO-SZ01-2026-{i:06d}" for i in range(1, 31)]
