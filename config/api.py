"""The public REST API (../shared/API.md): the one NinjaAPI under /api/v1/, its error answers, and
every app's routers.

The API is assembled here, above every app, so that dms/core imports no domain app: core keeps the
reusable pieces (TenantAuth, ErrorOut, the sign-in router in dms/core/api.py) and each app its own
routers; this module only puts them together.
"""

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from dms.core import api as core_api
from dms.core import api_events, api_org
from dms.core.errors import DomainError
from dms.customers import api as customers_api
from dms.followups import api as followups_api
from dms.messaging import api as messaging_api
from dms.packages import api as packages_api
from dms.parts import api as parts_api
from dms.portal import api as portal_api
from dms.reception import api as reception_api
from dms.scheduling import api as scheduling_api
from dms.vehicles import api as vehicles_api
from dms.workshop import api as workshop_api
from dms.workshop import api_floor, api_print

api = NinjaAPI(
    title="OpenDMS API",
    version="1",
    description="The public REST API of OpenDMS. Conventions: see API.md. Authenticate with POST /api/v1/auth/token.",
    auth=core_api.TenantAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)

# Every router, as (prefix, router), in the order they are mounted. An app that mounts several
# lists them in its api module as ROUTERS = [(prefix, router), ...].
ROUTERS = [
    ("/auth", core_api.auth_router),
    ("/", api_org.router),
    ("/customers", customers_api.router),
    ("/vehicles", vehicles_api.router),
    ("/appointments", scheduling_api.appointments_router),
    ("/technicians", scheduling_api.technicians_router),
    ("/parts", parts_api.router),
    ("/repair-orders", workshop_api.router),
    ("/labor-operations", workshop_api.labor_router),
    ("/events", api_events.router),
    *api_floor.ROUTERS,
    *api_print.ROUTERS,
    *reception_api.ROUTERS,
    *packages_api.ROUTERS,
    *followups_api.ROUTERS,
    *portal_api.ROUTERS,
    *messaging_api.ROUTERS,
    # A new app's API: import its api module above and add its routers here (one line each), e.g.
    # dms/core/api_events.py (the events feed) and dms/messaging/api.py (messages, webhooks).
]

for _prefix, _router in ROUTERS:
    api.add_router(_prefix, _router)


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


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc: NinjaValidationError):
    errors = []
    for err in exc.errors:
        # ("body", "payload", "body") names the field `body` of the body parameter `payload`: only the
        # leading location and parameter are dropped, a field may carry either name.
        loc = [str(p) for p in err.get("loc", ())]
        if loc and loc[0] in ("body", "query", "path", "header", "cookie"):
            loc = loc[1:]
        if loc and loc[0] == "payload":
            loc = loc[1:]
        errors.append({"field": ".".join(loc) or None, "message": str(core_api.validation_message(err))})
    detail = errors[0]["message"] if len(errors) == 1 else _("Please correct the marked fields.")
    if len(errors) == 1 and errors[0]["field"]:
        detail = f"{errors[0]['field']}: {detail}"
    return api.create_response(request, {"detail": detail, "errors": errors}, status=422)
