"""Signed, expiring links to the customer's own pages (no login).

A link carries the repair order's id and a purpose, signed with the site's secret (Django's
`signing`), so it cannot be guessed or altered; it expires after `max_age`. The status page
stays valid while the car is in the workshop and a while after delivery; an approval link is
short-lived, as the decision it asks for.
"""

from datetime import timedelta

from django.core import signing
from django.urls import reverse

STATUS = "status"
APPROVAL = "approval"
MAX_AGE = {STATUS: timedelta(days=30), APPROVAL: timedelta(hours=24)}
_SALT = "dms.portal.links"


def make_token(order_id: int, purpose: str) -> str:
    return signing.dumps({"o": order_id, "p": purpose}, salt=_SALT, compress=True)


def read_token(token: str, purpose: str) -> int | None:
    """The order id the token was made for, or None when it is forged, altered, expired or for
    another purpose."""
    try:
        data = signing.loads(token, salt=_SALT, max_age=MAX_AGE[purpose])
    except signing.BadSignature:  # SignatureExpired is a BadSignature
        return None
    if not isinstance(data, dict) or data.get("p") != purpose or not isinstance(data.get("o"), int):
        return None
    return data["o"]


def status_path(order) -> str:
    """The path of the customer's status page of this order (prefix the store's public host)."""
    return reverse("portal:status", args=[make_token(order.pk, STATUS)])


def approval_path(order) -> str:
    return reverse("portal:approval", args=[make_token(order.pk, APPROVAL)])
