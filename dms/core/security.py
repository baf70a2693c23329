"""Two protections every page gets: a content security policy, and the end of an idle session.

Content security policy (`ContentSecurityPolicyMiddleware`): scripts only from the app's own files
(no inline script, no inline event handler: dms/core/static/core/app.js wires `data-autosubmit` and
`data-confirm`), styles from its files and inline (`style=` attributes are used by the templates, and
htmx inserts its indicator style), images also as data: and blob: URLs (signatures, photo previews),
nothing may frame a page. DMS_CONTENT_SECURITY_POLICY replaces the policy (empty: no header).

Idle sessions (`IdleSessionMiddleware`): a browser session ends after DMS_SESSION_IDLE_MINUTES
without the user doing anything (a shared reception tablet left signed in). What counts is a request
the user made: a page, a form, an htmx request started by a click or a key. A request htmx makes by
itself (a page's polling every 30 or 60 s: app.js marks it with X-DMS-Background) does not keep the
session alive. The time of the last activity is kept in the session, written at most once a minute.
After the limit the user is signed out; the page answers as to anyone signed out (the sign-in page),
and an htmx request answers HX-Redirect to the sign-in page, so that a page left open leaves the
screen at its next poll. Signing in starts the clock. API tokens have their own lifetime
(DMS_API_TOKEN_HOURS).
"""

import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.http import HttpResponse
from django.shortcuts import resolve_url

CSP_HEADER = "Content-Security-Policy"
LAST_ACTIVITY = "dms_last_activity"
WRITE_EVERY_SECONDS = 60
BACKGROUND_HEADER = "X-DMS-Background"


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.DMS_CONTENT_SECURITY_POLICY

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and CSP_HEADER not in response:
            response[CSP_HEADER] = self.policy
        return response


class IdleSessionMiddleware:
    """After AuthenticationMiddleware: signs an idle browser session out (see above)."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.limit = settings.DMS_SESSION_IDLE_MINUTES * 60

    def __call__(self, request):
        if not self.limit or not request.user.is_authenticated:
            return self.get_response(request)
        now = time.time()
        last = request.session.get(LAST_ACTIVITY)
        if last is not None and now - last > self.limit:
            logout(request)
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=200)
                response["HX-Redirect"] = _login_url(request.headers.get("HX-Current-URL"))
                return response
            return self.get_response(request)
        background = request.headers.get(BACKGROUND_HEADER) == "1"
        if last is None or (not background and now - last >= WRITE_EVERY_SECONDS):
            request.session[LAST_ACTIVITY] = now
        return self.get_response(request)


def _signed_in(sender, request, user, **kwargs) -> None:
    """Signing in is activity: the session's first pages need not write it again."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_ACTIVITY] = time.time()


user_logged_in.connect(_signed_in, dispatch_uid="dms_idle_session_signed_in")


def _login_url(current: str | None) -> str:
    """The sign-in page, coming back to the page that was open (its path and query only)."""
    login = resolve_url(settings.LOGIN_URL)
    if not current:
        return login
    parts = urlsplit(current)
    back = parts.path + (f"?{parts.query}" if parts.query else "")
    return f"{login}?{urlencode({'next': back})}" if back.startswith("/") else login
