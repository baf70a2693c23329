"""Signed, expiring links to the customer's own pages (no login).

A link carries the repair order's id and a purpose, signed with the site's secret (Django's
`signing`), so it cannot be guessed or altered; it expires after `max_age`. The status page
stays valid while the car is in the workshop and a while after delivery; an approval link is
short-lived, as the decision it asks for.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

STATUS = "status"
APPROVAL = "approval"
MAX_AGE = {STATUS: timedelta(days=30), APPROVAL: timedelta(hours=24)}
_SALT = "dms.portal.links"


_CODES = {STATUS: "s", APPROVAL: "a"}
_DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=_SALT)


def _base36(n: int) -> str:
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = _DIGITS[r] + out
        if n == 0:
            return out


def make_token(order_id: int, purpose: str) -> str:
    """ "<order id in base 36><purpose letter>:<time>:<signature>": short enough for an SMS."""
    return _signer().sign(f"{_base36(order_id)}{_CODES[purpose]}")


def read_token(token: str, purpose: str) -> int | None:
    """The order id the token was made for, or None when it is forged, altered, expired or for
    another purpose."""
    try:
        value = _signer().unsign(token, max_age=MAX_AGE[purpose])
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    body, code = value[:-1], value[-1:]
    if code != _CODES[purpose] or not body or any(c not in _DIGITS for c in body):
        return None
    return int(body, 36)


def status_path(order) -> str:
    """The path of the customer's status page of this order (prefix the store's public host)."""
    return reverse("portal:status", args=[make_token(order.pk, STATUS)])


def approval_path(order) -> str:
    return reverse("portal:approval", args=[make_token(order.pk, APPROVAL)])


def public_url(path: str, request=None) -> str:
    """The address a customer opens: DMS_PUBLIC_BASE_URL (the store's public host, e.g.
    https://dms.example.cn; config/settings.py) + path. The request is not asked: a link texted or
    printed must work from the customer's phone, whatever host the member of staff used."""
    return settings.DMS_PUBLIC_BASE_URL.rstrip("/") + path


def status_url(order, request=None) -> str:
    return public_url(status_path(order), request)


def approval_url(order, request=None) -> str:
    return public_url(approval_path(order), request)
