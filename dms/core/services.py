"""Writes of the organisation: API tokens."""

from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone

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
