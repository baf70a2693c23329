"""Writes of the organisation: API tokens, a user's own work phone."""

import re

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import DomainError
from .models import ApiToken, User

# Sent when tokens stop working (now, and again once the transaction commits): the bearer-token
# cache of this process (dms/core/middleware.py) forgets every token. Other processes see the
# revocation when their cached entry runs out, at most TOKEN_CACHE_SECONDS later.
tokens_revoked = Signal()


def _announce(user_id: int) -> None:
    tokens_revoked.send(sender=ApiToken, user_id=user_id)
    transaction.on_commit(lambda: tokens_revoked.send(sender=ApiToken, user_id=user_id))


def token_revoke(*, token: ApiToken) -> None:
    """Sign one client out: its token stops opening the API at once."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    _announce(token.user_id)


def tokens_revoke_all(*, user: User) -> int:
    """Every token of the user stops opening the API (signed out everywhere); the number revoked."""
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if count:
        _announce(user.pk)
    return count


PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,28}$")


def user_phone_set(*, user: User, phone: str) -> User:
    """The phone a user gives customers (scripts and messages say it instead of the store's); empty
    clears it. Digits with spaces, dashes, brackets and a leading +: a mobile or a direct line."""
    phone = " ".join((phone or "").split())
    if phone and (not PHONE.match(phone) or sum(c.isdigit() for c in phone) < 5):
        raise DomainError(
            _("Enter a phone number of digits (a mobile such as 13812345678, or 0755-12345678)."),
            field="phone",
        )
    user.phone = phone
    user.save(update_fields=["phone"])
    return user
