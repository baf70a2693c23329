"""The owner's signed link to their car's record (no login), as the portal signs its links.

A link carries the record's id, signed with the site's secret (Django's `signing`, a salt of its
own): it cannot be guessed or altered, and opens this record and the car's records before it —
never a later one, so a link kept by a former owner does not follow the car to its next owner. It
expires after MAX_AGE (the 三包 period: two years).
"""

from datetime import timedelta

from django.core import signing
from django.urls import reverse

from dms.messaging.links import public_url

MAX_AGE = timedelta(days=730)
_SALT = "dms.records.links"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_SALT)


def make_token(record_id: int) -> str:
    return _signer().sign(format(record_id, "x"))


def read_token(token: str) -> int | None:
    """The record id the token was made for, or None when it is forged, altered or expired."""
    try:
        value = _signer().unsign(token, max_age=MAX_AGE)
    except signing.BadSignature:
        return None
    try:
        return int(value, 16)
    except ValueError:
        return None


def owner_url(record) -> str:
    return public_url(reverse("records:owner", args=[make_token(record.pk)]))
