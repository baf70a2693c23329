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


def over_limit(request, scope: str, *, mobile: str = "", attempts: int, window: int = 3600) -> bool:
    """Count one attempt for the client's address and for the mobile number (its last 11 digits, when
    given) under `scope`; True once either has made more than `attempts` within `window` seconds."""
    digits = "".join(c for c in mobile or "" if c.isdigit())[-11:]
    keys = [f"{scope}:ip:{client_ip(request) or ''}"] + ([f"{scope}:m:{digits}"] if digits else [])
    counts = [_count(key, window) for key in keys]  # every key counts, even once one is over
    return any(n > attempts for n in counts)
