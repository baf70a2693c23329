"""Links in messages: every one starts with DMS_PUBLIC_BASE_URL (config/settings.py).

The unsubscribe link of an e-mail carries the message's id, signed with the site's secret (it
cannot be guessed or altered, and names the customer and store through the message). It does not
expire: an old e-mail's link still works.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse

_SALT = "dms.messaging.unsubscribe"


def public_url(path: str) -> str:
    """The address a customer opens: DMS_PUBLIC_BASE_URL + path."""
    return settings.DMS_PUBLIC_BASE_URL.rstrip("/") + path


def unsubscribe_token(message_id: int) -> str:
    return signing.Signer(salt=_SALT).sign(format(message_id, "x"))


def read_unsubscribe_token(token: str) -> int | None:
    try:
        value = signing.Signer(salt=_SALT).unsign(token)
    except signing.BadSignature:
        return None
    try:
        return int(value, 16)
    except ValueError:
        return None


def unsubscribe_url(message) -> str:
    return public_url(reverse("messaging:unsubscribe", args=[unsubscribe_token(message.pk)]))
