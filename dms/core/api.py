"""The API's reusable pieces: authentication (TenantAuth), the error schema, the sentences for
invalid input, and the sign-in router. The API itself (one NinjaAPI with every app's routers and the
error answers) is assembled in config/api.py, above every app."""

from datetime import datetime

from django.contrib.auth import authenticate
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import APIKeyHeader

from . import services
from .models import ApiToken


class TenantAuth(APIKeyHeader):
    """A bearer token (resolved by TenantMiddleware) or a browser session with a CSRF token."""

    param_name = "Authorization"
    openapi_type = "http"
    openapi_scheme = "bearer"

    def __call__(self, request):
        return self.authenticate(request, None)

    def authenticate(self, request, key):
        if not request.user.is_authenticated:
            return None
        _check_csrf_of_session(request)
        if request.tenant is None:
            raise request.tenant_error or HttpError(403, _("This account does not work in any store."))
        return request.tenant


def _check_csrf_of_session(request) -> None:
    """A browser session's writes carry the CSRF token (a bearer token is no ambient credential)."""
    if request.api_token is None and request.method not in ("GET", "HEAD", "OPTIONS"):
        reason = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
        if reason is not None:
            raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header."))


class SignedInAuth(TenantAuth):
    """A bearer token, or a browser session with a CSRF token; no store needed (signing out)."""

    def authenticate(self, request, key):
        if not request.user.is_authenticated:
            return None
        _check_csrf_of_session(request)
        return request.user


class BearerAuth(TenantAuth):
    """A bearer token only: the call acts on the token itself."""

    def authenticate(self, request, key):
        return request.api_token


def validation_message(err: dict) -> str:
    """The sentence for one of pydantic's validation errors (ninja's 422), in the user's language."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    messages = {
        "missing": _("This field is required."),
        "int_parsing": _("Enter a whole number."),
        "int_type": _("Enter a whole number."),
        "int_from_float": _("Enter a whole number."),
        "decimal_parsing": _("Enter an amount such as 1280.00."),
        "decimal_max_places": _("Use at most 2 decimal places."),
        "decimal_max_digits": _("Too large: at most %(n)s digits.") % {"n": ctx.get("max_digits")},
        "decimal_whole_digits": _("Too large: at most %(n)s digits before the decimal point.")
        % {"n": ctx.get("whole_digits")},
        "finite_number": _("Enter a finite number."),
        "year_out_of_range": _("Enter a year from %(first)s to %(last)s.")
        % {"first": ctx.get("first"), "last": ctx.get("last")},
        "bool_parsing": _("Enter true or false."),
        "date_from_datetime_parsing": _("Enter a date as YYYY-MM-DD."),
        "date_parsing": _("Enter a date as YYYY-MM-DD."),
        "datetime_parsing": _("Enter a date and time in ISO 8601, such as 2026-05-01T09:30:00+08:00."),
        "datetime_from_date_parsing": _(
            "Enter a date and time in ISO 8601, such as 2026-05-01T09:30:00+08:00."
        ),
        "string_type": _("Enter text."),
        "string_too_long": _("At most %(n)s characters.") % {"n": ctx.get("max_length")},
        "greater_than_equal": _("Must be at least %(n)s.") % {"n": ctx.get("ge")},
        "less_than_equal": _("Must be at most %(n)s.") % {"n": ctx.get("le")},
        "literal_error": _("Choose one of: %(v)s.") % {"v": ctx.get("expected")},
        "enum": _("Choose one of: %(v)s.") % {"v": ctx.get("expected")},
        "extra_forbidden": _("Unknown field."),
        "model_attributes_type": _("Send a JSON object."),
        "json_invalid": _("The body is not valid JSON."),
    }
    return messages.get(kind, err.get("msg", _("Invalid value.")))


# --- Auth ------------------------------------------------------------------------------------------

auth_router = Router(tags=["auth"])


# One step of a record's timeline (dms/core/workflow: who, when, from which state to which, why), for
# the answers of /…/events and /…/history. Each API names its own schema after it (OrderEventOut,
# ClaimEventOut, InsuranceEventOut), as the OpenAPI document always had; no docstring here, so that
# none of them gains a description.
class EventFields(Schema):
    at: datetime
    by: str | None
    action: str
    from_state: str
    to_state: str
    reason: str
    data: dict


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    expires_at: datetime


class ErrorOut(Schema):
    detail: str
    errors: list[dict] = []


@auth_router.post("/token", auth=None, response={200: TokenOut, 401: ErrorOut, 403: ErrorOut})
def token_create(request, payload: TokenIn):
    """Exchange a username and password for a bearer token. Repeated failures lock the account."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if getattr(request, "axes_locked_out", False):
        # Answered here in JSON; left set, AxesMiddleware would swap this answer for its HTML page.
        request.axes_locked_out = False
        return Status(
            403,
            {"detail": _("Too many failed sign-ins: this account is locked for 15 minutes."), "errors": []},
        )
    if user is None or not user.is_active:
        return Status(401, {"detail": _("Wrong username or password."), "errors": []})
    token, raw = ApiToken.issue(user)
    return Status(200, {"token": raw, "expires_at": token.expires_at})


class RevokedOut(Schema):
    revoked: int


@auth_router.post("/logout", auth=BearerAuth(), response={204: None, 401: ErrorOut})
def token_logout(request):
    """Sign this client out: the bearer token sent with this call stops working at once (401 from
    then on). Other tokens of the user keep working."""
    services.token_revoke(token=request.api_token)
    return Status(204, None)


@auth_router.post(
    "/tokens/revoke-all", auth=SignedInAuth(), response={200: RevokedOut, 401: ErrorOut, 403: ErrorOut}
)
def tokens_revoke_all(request):
    """Sign the user out of every API client: all their tokens stop working at once, the one sent
    with this call included (answered with how many were revoked). Also called with a browser
    session (with its CSRF token), e.g. after losing a device. A password change or a deactivation
    of the user revokes them too."""
    return Status(200, {"revoked": services.tokens_revoke_all(user=request.user)})
