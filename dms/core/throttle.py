"""Attempts on the public pages (no sign-in: the booking page, the web complaint form), counted in the
shared cache per client address and per mobile number, so that one address or one number cannot make
more than a few within the window. The address is the one the sign-in lockout counts (signin.client_ip):
REMOTE_ADDR, or behind DMS_TRUSTED_PROXY_COUNT proxies the entry of X-Forwarded-For the outermost one
wrote (never one the client wrote)."""

from django.core.cache import cache

from .signin import client_ip


def _count(key: str, window: int) -> int:
    cache.add(key, 0, window)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        return 1


def _keys(request, scope: str, mobile: str) -> list[str]:
    digits = "".join(c for c in mobile or "" if c.isdigit())[-11:]
    return [f"{scope}:ip:{client_ip(request) or ''}"] + ([f"{scope}:m:{digits}"] if digits else [])


def spent(request, scope: str, *, mobile: str = "", attempts: int) -> bool:
    """Whether the client's address or the mobile number has already made `attempts` under `scope`
    within the window, counting nothing (for forms that count only what they write: `record`)."""
    return any((cache.get(key) or 0) >= attempts for key in _keys(request, scope, mobile))


def record(request, scope: str, *, mobile: str = "", window: int = 3600) -> None:
    """Count one for the client's address and for the mobile number under `scope`."""
    for key in _keys(request, scope, mobile):
        _count(key, window)


def over_limit(request, scope: str, *, mobile: str = "", attempts: int, window: int = 3600) -> bool:
    """Count one attempt for the client's address and for the mobile number (its last 11 digits, when
    given) under `scope`; True once either has made more than `attempts` within `window` seconds."""
    counts = [
        _count(key, window) for key in _keys(request, scope, mobile)
    ]  # every key counts, even once one is over
    return any(n > attempts for n in counts)
