"""Signing in: who the client is (its address), when a username is locked, and when a user's API
tokens stop working (a password change, a deactivation). Settings: config/settings.py, "Auth"."""

import ipaddress

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_failure_limit, get_lockout_parameters
from django.conf import settings
from django.db.models import Sum
from django.db.models.signals import post_save
from django.utils.translation import gettext as _

from .models import User
from .services import tokens_revoke_all

# --- The client's address -------------------------------------------------------------------------


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The address the request came from (axes' AXES_CLIENT_IP_CALLABLE).

    With DMS_TRUSTED_PROXY_COUNT = n > 0, the app is behind n reverse proxies, each appending the
    address it received the request from to X-Forwarded-For: the n-th entry from the right was
    written by the outermost trusted proxy, and is the client's. Entries further left were written
    by the client or by proxies nobody vouches for, and are ignored. A request that did not pass
    through all n proxies (too few entries, or not an address) keeps REMOTE_ADDR."""
    remote = _valid_ip(request.META.get("REMOTE_ADDR", "") or "")
    trusted = settings.DMS_TRUSTED_PROXY_COUNT
    if trusted <= 0:
        return remote
    forwarded = [a for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()]
    if len(forwarded) < trusted:
        return remote
    return _valid_ip(forwarded[-trusted]) or remote


# --- The lockout --------------------------------------------------------------------------------------


class LockoutHandler(AxesDatabaseHandler):
    """axes' database handler with a limit per lockout parameter set (AXES_LOCKOUT_PARAMETERS, in
    order): (username, address) is locked after AXES_FAILURE_LIMIT failures; the username alone,
    whatever the addresses, after DMS_LOGIN_USERNAME_FAILURE_LIMIT (guessing from many addresses is
    limited, and one client behind a shared proxy does not lock everyone out at its first few
    failures). A successful sign-in clears that client's own failures, not other clients'."""

    def _limits(self, request, credentials) -> list[int]:
        client_limit = get_failure_limit(request, credentials)
        return [
            settings.DMS_LOGIN_USERNAME_FAILURE_LIMIT if parameter == "username" else client_limit
            for parameter in get_lockout_parameters(request, credentials)
        ]

    def get_failures(self, request, credentials=None) -> int:
        """The client's failures, or AXES_FAILURE_LIMIT once any set has reached its own limit
        (axes compares this number with AXES_FAILURE_LIMIT)."""
        counts = [
            attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        ]
        limits = self._limits(request, credentials)
        if any(count >= limit for count, limit in zip(counts, limits, strict=True)):
            return get_failure_limit(request, credentials)
        return counts[0] if counts else 0

    def reset_user_attempts(self, request, credentials=None) -> int:
        """Only the signed-in client's own failures (the first set, username and address) are
        cleared: another address's failures, and the username's count from them, stay."""
        attempts_list = self.filter_user_attempts(request, credentials)
        if not attempts_list:
            return 0
        count, _deleted = attempts_list[0].delete()
        return count


# --- API tokens stop working when their user's password changes or the user is deactivated ---------


class RevokeTokensOnPasswordChange:
    """In AUTH_PASSWORD_VALIDATORS, not to judge passwords: Django calls password_changed() of every
    validator once a changed password is saved (set_password then save, whatever the path: the admin,
    manage.py changepassword, a password form), and not when a hash is only upgraded at sign-in."""

    def validate(self, password, user=None) -> None:
        return None

    def password_changed(self, password, user=None) -> None:
        if user is not None and user.pk is not None:
            tokens_revoke_all(user=user)

    def get_help_text(self) -> str:
        return _("Changing the password signs this user out of every API client.")


def _user_saved(
    sender, instance: User, created: bool = False, update_fields=None, raw: bool = False, **kwargs
):
    """A user deactivated, or whose password was made unusable, keeps no working token."""
    if created or raw:
        return
    if update_fields is not None and not {"is_active", "password"} & set(update_fields):
        return
    if not instance.is_active or not instance.has_usable_password():
        tokens_revoke_all(user=instance)


post_save.connect(_user_saved, sender=User, dispatch_uid="dms_revoke_tokens_of_user")
