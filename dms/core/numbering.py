"""Gap-free document numbers per store and year (repair orders, settlement lists, …).

`next_number` must run inside the transaction that creates the document: the sequence row stays
locked until that transaction ends, so a rolled-back document gives its number back and two
concurrent documents never share one.
"""

from django.db import IntegrityError, transaction
from django.db.models import F

from .models import DocumentSequence, Store


def next_number(*, store: Store, kind: str, year: int, prefix: str) -> str:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("next_number must run inside the transaction that creates the document")
    seq = DocumentSequence.objects.select_for_update().filter(store=store, kind=kind, year=year).first()
    if seq is None:
        try:
            with transaction.atomic():
                DocumentSequence.objects.create(store=store, kind=kind, year=year, last=0)
        except IntegrityError:
            pass  # created meanwhile by a concurrent transaction
        seq = DocumentSequence.objects.select_for_update().get(store=store, kind=kind, year=year)
    DocumentSequence.objects.filter(pk=seq.pk).update(last=F("last") + 1)
    seq.refresh_from_db(fields=["last"])
    return f"{prefix}{store.code}-{year}-{seq.last:06d}"
