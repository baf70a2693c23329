"""Gap-free document numbers per store and year (repair orders, settlement lists, …).

`next_number` must run inside the transaction that creates the document: the sequence row stays
locked until that transaction ends, so a rolled-back document gives its number back and two
concurrent documents never share one.
"""

from django.db import IntegrityError, transaction

from .models import DocumentSequence, Store


def _take(store: Store, kind: str, year: int) -> int | None:
    """Advance the sequence and read its new value in one statement (row-locked until commit)."""
    table = DocumentSequence._meta.db_table
    with transaction.get_connection().cursor() as cur:
        cur.execute(
            f'UPDATE "{table}" SET "last" = "last" + 1 WHERE "store_id" = %s AND "kind" = %s AND "year" = %s '
            'RETURNING "last"',
            [store.pk, kind, year],
        )
        row = cur.fetchone()
    return row[0] if row else None


def next_number(*, store: Store, kind: str, year: int, prefix: str) -> str:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the transaction that creates the document")
    last = _take(store, kind, year)
    if last is None:  # the first document of its kind this year
        try:
            with transaction.atomic():
                DocumentSequence.objects.create(store=store, kind=kind, year=year, last=0)
        except IntegrityError:
            pass  # created meanwhile by a concurrent transaction
        last = _take(store, kind, year)
    return f"{prefix}{store.code}-{year}-{last:06d}"
