"""The buyer's signed link to their delivery photo (一照), texted when the car is delivered (no login).

A link carries the sales order's id, signed with the site's secret (Django's `signing`, a salt of its
own): it cannot be guessed or altered, and it opens the photo of that order only. It expires after
MAX_AGE: a keepsake, kept for a year.
"""

from datetime import timedelta

from django.core import signing
from django.urls import reverse

from dms.messaging.links import public_url

MAX_AGE = timedelta(days=365)
_SALT = "dms.sales.photo"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_SALT)


def make_token(order_id: int) -> str:
    return _signer().sign(format(order_id, "x"))


def read_token(token: str) -> int | None:
    """The sales order the token was made for, or None when it is forged, altered or expired."""
    try:
        value = _signer().unsign(token, max_age=MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    try:
        return int(value, 16)
    except ValueError:
        return None


def photo_url(order) -> str:
    """The address the buyer opens: the page with their delivery photo."""
    return public_url(reverse("sales:photo_shared", args=[make_token(order.pk)]))
