"""Who is asking, in which store, in which language."""

import copy
import dataclasses
import time

from auditlog.cid import set_cid
from auditlog.context import auditlog_value
from auditlog.middleware import AuditlogMiddleware
from auditlog.models import LogEntry
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.messages.storage import default_storage
from django.db.models.signals import post_delete, post_save, pre_save
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.functional import SimpleLazyObject, empty

from .models import ApiToken, DealerGroup, Store, StoreMembership, User, _hash_token
from .services import tokens_revoked
from .tenancy import NoTenant, Tenant, resolve_tenant

SESSION_STORE_KEY = "dms_store"

# --- Bearer tokens: who they are and which tenant they act as, kept for a few seconds -------------
#
# An API request with a bearer token used to cost two queries before the view ran (the token with
# its user, the user's memberships with their stores), about a third of a search's time. The
# answer is kept per (token, X-Store) in this process for TOKEN_CACHE_SECONDS; a token is kept with
# its home tenant as soon as it is issued. Any other save, or a delete, of a token, user,
# membership, store or group in this process empties the whole cache (they are rare), and so does a
# revocation (dms/core/services.py: signing out, a password change, a deactivation): a revoked token
# is refused at once in this process; in another server process the change is seen when its entry
# runs out, at most TOKEN_CACHE_SECONDS later. A token's expiry is checked on every request.
TOKEN_CACHE_SECONDS = 15
TOKEN_CACHE_MAX = 5000
_token_cache: dict[tuple[str, str | None], tuple[float, ApiToken, Tenant]] = {}


def forget_tokens(**kwargs) -> None:
    """Empty the cache: a token, a user, a membership, a store or a group has changed."""
    _token_cache.clear()


def _token_saved(sender, instance: ApiToken, created: bool = False, **kwargs) -> None:
    """A new token is kept at once with its user's home tenant (a client signs in, then
    searches); any other change of a token empties the cache."""
    if not created:
        forget_tokens()
        return
    token = (
        ApiToken.objects.select_related("user", "user__group", "user__home_store")
        .filter(pk=instance.pk, user__is_active=True)
        .first()
    )
    if token is None:
        return
    try:
        tenant = resolve_tenant(token.user)
    except NoTenant:
        return
    _token_cache[(token.key_hash, None)] = (time.monotonic() + TOKEN_CACHE_SECONDS, token, tenant)


post_save.connect(_token_saved, sender=ApiToken, dispatch_uid="token_saved")
tokens_revoked.connect(forget_tokens, dispatch_uid="forget_tokens_revoked")
post_delete.connect(forget_tokens, sender=ApiToken, dispatch_uid="forget_tokens_delete_ApiToken")
for _model in (User, StoreMembership, Store, DealerGroup):
    post_save.connect(forget_tokens, sender=_model, dispatch_uid=f"forget_tokens_save_{_model.__name__}")
    post_delete.connect(forget_tokens, sender=_model, dispatch_uid=f"forget_tokens_delete_{_model.__name__}")


def _bearer_tenant(raw: str, code: str | None) -> tuple[ApiToken | None, Tenant | NoTenant | None]:
    """The live token of `raw` (or None) and its tenant for store `code`: a Tenant, or the
    NoTenant raised resolving it. Each request gets its own copy of the token, user and tenant."""
    key = (_hash_token(raw), code)
    hit = _token_cache.get(key)
    now = time.monotonic()
    if hit is None or hit[0] < now:
        token = ApiToken.objects.find(raw)
        if token is None:
            _token_cache.pop(key, None)
            return None, None
        try:
            tenant = resolve_tenant(token.user, code)
        except NoTenant as exc:
            return token, exc  # not kept: its sentence is in this request's language
        if len(_token_cache) >= TOKEN_CACHE_MAX:
            _token_cache.clear()
        hit = _token_cache[key] = (now + TOKEN_CACHE_SECONDS, token, tenant)
    _deadline, token, tenant = hit
    if token.expires_at <= timezone.now():
        _token_cache.pop(key, None)
        return None, None
    token = copy.copy(token)
    token.user = copy.copy(token.user)
    return token, dataclasses.replace(tenant, user=token.user)


def _bearer(request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


API_PREFIX = "/api/"


def api_file(view):
    """Marks a page that serves a file the API links to (a check-in or finding photo): a bearer token
    opens it too, for GET and HEAD. Every other page ignores bearer tokens."""
    view.opens_with_api_token = True
    return view


def _token_opens(request) -> bool:
    if request.path_info.startswith(API_PREFIX):
        return True
    if request.method not in ("GET", "HEAD"):
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return getattr(match.func, "opens_with_api_token", False)


class TenantMiddleware:
    """Authenticates API bearer tokens and attaches the lazily resolved tenant.

    A bearer token opens the API only (paths under /api/, and the files it links to: api_file): on a
    page or in the admin it is ignored, and only a browser session signs in there. On the API a bearer token replaces the session user
    for that request; such requests carry no ambient credentials, so they need no CSRF token.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.api_token = None
        request.tenant_error = None
        raw = _bearer(request)
        if raw is not None and not _token_opens(request):
            raw = None
        if raw is not None:
            token, tenant = _bearer_tenant(raw, request.headers.get("X-Store"))
            if token is not None:
                request.user = token.user
                request.api_token = token
                request._dont_enforce_csrf_checks = True
                if isinstance(tenant, NoTenant):
                    request.tenant, request.tenant_error = None, tenant
                else:
                    request.tenant = tenant
                return self.get_response(request)
        request.tenant = _tenant_or_none(request)
        return self.get_response(request)


def _tenant_or_none(request):
    """The tenant of a browser session (bearer tokens: _bearer_tenant)."""
    user = request.user
    if not user.is_authenticated:
        return None
    code = request.session.get(SESSION_STORE_KEY)
    try:
        return resolve_tenant(user, code)
    except NoTenant as exc:
        if code:
            # A store the user no longer works in: fall back to the home store.
            request.session.pop(SESSION_STORE_KEY, None)
            try:
                return resolve_tenant(user)
            except NoTenant:
                return None
        request.tenant_error = exc
        return None


class UserLanguageMiddleware:
    """Signed-in users see their chosen language; API callers may ask with Accept-Language."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not (
            request.path.startswith("/api/") and request.headers.get("Accept-Language")
        ):
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        return self.get_response(request)


# --- Who made a change: the audit log's actor ----------------------------------------------------
#
# auditlog's own middleware connects a pre_save receiver for LogEntry at the start of every
# request and disconnects it at the end; each connect and disconnect empties Django's cache of
# receivers, so the next save of any model in any request looks its receivers up again. Here the
# receiver is connected once and reads the request's details from auditlog's context variable,
# which the middleware sets and resets: the same entries (actor, address, port, correlation id),
# with no signal churn. auditlog's set_actor() (imports, the demo) keeps working beside it.


_REQUEST_MARK = "dms_request"  # the context variable holds this request's details


def _fill_log_entry(sender, instance, **kwargs) -> None:
    data = auditlog_value.get(None)
    if not data or not data.get(_REQUEST_MARK):  # not in a request (set_actor has its own receiver)
        return
    actor = data.get("actor")
    if isinstance(actor, User) and instance.actor is None:
        instance.actor = actor
        instance.actor_email = getattr(actor, "email", None)
    for key, value in data.items():
        if key != "actor" and hasattr(LogEntry, key):
            setattr(instance, key, value() if callable(value) else value)


pre_save.connect(_fill_log_entry, sender=LogEntry, dispatch_uid="dms_fill_log_entry", weak=False)


class AuditContextMiddleware(AuditlogMiddleware):
    """auditlog's middleware without connecting a receiver per request (see above)."""

    def __call__(self, request):
        set_cid(request)
        token = auditlog_value.set({**self.get_extra_data(request), _REQUEST_MARK: True})
        try:
            return self.get_response(request)
        finally:
            auditlog_value.reset(token)


# --- Flash messages: the store made when a page uses it -------------------------------------------


class LazyMessageMiddleware(MessageMiddleware):
    """Django's message middleware, with the request's message store made on first use: an API
    call never uses it, and making it (cookie and session stores) cost each of them a fiftieth of
    its time. A store that was never made has nothing to save."""

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = request.__dict__.get("_messages")
        if type(messages) is SimpleLazyObject and messages._wrapped is empty:
            return response
        return super().process_response(request, response)
