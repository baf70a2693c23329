"""Who is asking, in which store, in which language."""

from django.utils import translation

from .models import ApiToken
from .tenancy import NoTenant, resolve_tenant

SESSION_STORE_KEY = "dms_store"


def _bearer(request) -> str | None:
    header = request.headers.get("Authorization", "")
    if header[:7].lower() == "bearer ":
        return header[7:].strip() or None
    return None


class TenantMiddleware:
    """Authenticates API bearer tokens and attaches the lazily resolved tenant.

    A bearer token replaces the session user for that request; such requests carry no
    ambient credentials, so they need no CSRF token.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.api_token = None
        raw = _bearer(request)
        if raw is not None:
            token = ApiToken.objects.find(raw)
            if token is not None:
                request.user = token.user
                request.api_token = token
                request._dont_enforce_csrf_checks = True
        request.tenant_error = None
        request.tenant = _tenant_or_none(request)
        return self.get_response(request)


def _tenant_or_none(request):
    user = request.user
    if not user.is_authenticated:
        return None
    if request.api_token is not None:
        code = request.headers.get("X-Store")
    else:
        code = request.session.get(SESSION_STORE_KEY)
    try:
        return resolve_tenant(user, code)
    except NoTenant as exc:
        if request.api_token is None and code:
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
