"""Signed, expiring links to the customer's own pages (no login).

A link carries the repair order's id and a purpose, signed with the site's secret (Django's
`signing`), so it cannot be guessed or altered; it expires after `max_age`. The status page
stays valid while the car is in the workshop and a while after delivery; an approval link is
short-lived, as the decision it asks for.

An approval link also carries its approval round (RepairOrder.approval_round: each
"request-approval" starts a new one): a link texted for an earlier round opens a page saying it
is out of date and decides nothing. The approval link is the customer's proof that the decision
is theirs, so staff see it (and the texts that carry it) only with the right to edit the order
(`may_see_approval_link`); the progress page does not lead to it either.
"""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

from dms.core.roles import Perm

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


def _number(text: str) -> int | None:
    return int(text, 36) if text and all(c in _DIGITS for c in text) else None


def make_token(order_id: int, purpose: str, approval_round: int = 0) -> str:
    """ "<order id in base 36><purpose letter>:<time>:<signature>": short enough for an SMS. An
    approval token: "<order id>.<round>a" (both in base 36)."""
    body = _base36(order_id)
    if purpose == APPROVAL:
        body += "." + _base36(approval_round)
    return _signer().sign(f"{body}{_CODES[purpose]}")


def _read(token: str, purpose: str) -> tuple[int, int] | None:
    try:
        value = _signer().unsign(token, max_age=MAX_AGE[purpose])
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    body, code = value[:-1], value[-1:]
    if code != _CODES[purpose]:
        return None
    if purpose != APPROVAL:
        order_id = _number(body)
        return None if order_id is None else (order_id, 0)
    # An approval token signed before rounds existed has none: round 0, out of date for any order
    # asked since (the migration counted every order's rounds).
    order_part, dot, round_part = body.partition(".")
    order_id = _number(order_part)
    approval_round = _number(round_part) if dot else 0
    if order_id is None or approval_round is None:
        return None
    return order_id, approval_round


def read_token(token: str, purpose: str) -> int | None:
    """The order id the token was made for, or None when it is forged, altered, expired or for
    another purpose."""
    read = _read(token, purpose)
    return read[0] if read else None


def read_approval_token(token: str) -> tuple[int, int] | None:
    """(order id, approval round) of an approval token, or None when it is forged, altered,
    expired or for another purpose. Whether the round is still the order's current one is the
    caller's to check."""
    return _read(token, APPROVAL)


def may_see_approval_link(tenant) -> bool:
    """Staff who may hand the customer their approval link (or read the texts carrying it): the
    roles that may edit the order. The others see that approval is awaited, not the link."""
    return tenant is not None and tenant.can(Perm.RO_EDIT)


def status_path(order) -> str:
    """The path of the customer's status page of this order (prefix the store's public host)."""
    return reverse("portal:status", args=[make_token(order.pk, STATUS)])


def approval_path(order, approval_round: int | None = None) -> str:
    """The path of the approval page for the order's current approval round (or `approval_round`)."""
    if approval_round is None:
        approval_round = order.approval_round
    return reverse("portal:approval", args=[make_token(order.pk, APPROVAL, approval_round)])


def public_url(path: str, request=None) -> str:
    """The address a customer opens: DMS_PUBLIC_BASE_URL (the store's public host, e.g.
    https://dms.example.cn; config/settings.py) + path. The request is not asked: a link texted or
    printed must work from the customer's phone, whatever host the member of staff used."""
    return settings.DMS_PUBLIC_BASE_URL.rstrip("/") + path


def status_url(order, request=None) -> str:
    return public_url(status_path(order), request)


def approval_url(order, request=None, *, approval_round: int | None = None) -> str:
    """The approval link of the order's current round (`order.approval_round`, as saved by the
    request-approval step), for the customer's text or an advisor's copy."""
    return public_url(approval_path(order, approval_round), request)
