"""The public REST API (../shared/API.md): one NinjaAPI, auth, tenancy and error answers."""

from datetime import datetime

from django.contrib.auth import authenticate
from django.http import Http404
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import APIKeyHeader

from .errors import DomainError
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
        if request.api_token is None and request.method not in ("GET", "HEAD", "OPTIONS"):
            reason = CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {})
            if reason is not None:
                raise HttpError(403, _("CSRF check failed: send the X-CSRFToken header."))
        if request.tenant is None:
            raise request.tenant_error or HttpError(403, _("This account does not work in any store."))
        return request.tenant


api = NinjaAPI(
    title="OpenDMS API",
    version="1",
    description="The public REST API of OpenDMS. Conventions: see API.md. Authenticate with POST /api/v1/auth/token.",
    auth=TenantAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)


# --- Error answers: {"detail": sentence, "errors": [{"field", "message"}]} -------------------------


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found."), "errors": []}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(
        request, {"detail": _("Sign in first: send a valid bearer token."), "errors": []}, status=401
    )


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400 and str(exc).startswith("Cannot parse request body"):
        # ninja's own sentence is English only (and, with DEBUG, carries the parser's internals).
        message = _("The body is not valid JSON.")
        return api.create_response(
            request, {"detail": message, "errors": [{"field": None, "message": message}]}, status=400
        )
    return api.create_response(request, {"detail": str(exc), "errors": []}, status=exc.status_code)


def _pydantic_message(err: dict) -> str:
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    messages = {
        "missing": _("This field is required."),
        "int_parsing": _("Enter a whole number."),
        "int_type": _("Enter a whole number."),
        "int_from_float": _("Enter a whole number."),
        "decimal_parsing": _("Enter an amount such as 1280.00."),
        "decimal_max_places": _("Use at most 2 decimal places."),
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


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc: NinjaValidationError):
    errors = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path", "payload", "header")]
        errors.append({"field": ".".join(loc) or None, "message": str(_pydantic_message(err))})
    detail = errors[0]["message"] if len(errors) == 1 else _("Please correct the marked fields.")
    if len(errors) == 1 and errors[0]["field"]:
        detail = f"{errors[0]['field']}: {detail}"
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)


# --- Auth ------------------------------------------------------------------------------------------

auth_router = Router(tags=["auth"])


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


api.add_router("/auth", auth_router)


def _register_routers():
    from dms.core.api_org import router as org_router
    from dms.customers.api import router as customers_router
    from dms.parts.api import router as parts_router
    from dms.scheduling.api import appointments_router, technicians_router
    from dms.vehicles.api import router as vehicles_router
    from dms.workshop.api import labor_router
    from dms.workshop.api import router as orders_router

    api.add_router("/", org_router)
    api.add_router("/customers", customers_router)
    api.add_router("/vehicles", vehicles_router)
    api.add_router("/appointments", appointments_router)
    api.add_router("/technicians", technicians_router)
    api.add_router("/parts", parts_router)
    api.add_router("/repair-orders", orders_router)
    api.add_router("/labor-operations", labor_router)
    # Apps that mount several routers list them as (prefix, router) pairs in ROUTERS.
    from importlib import import_module

    for module in (
        "dms.workshop.api_floor", "dms.workshop.api_print", "dms.reception.api", "dms.packages.api",
        "dms.followups.api", "dms.portal.api",
    ):  # fmt: skip
        for prefix, router in import_module(module).ROUTERS:
            api.add_router(prefix, router)


_register_routers()
