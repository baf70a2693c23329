"""The public REST API (../shared/API.md): the one NinjaAPI under /api/v1/, its error answers, and
every app's routers.

The API is assembled here, above every app, so that dms/core imports no domain app: core keeps the
reusable pieces (TenantAuth, ErrorOut, the sign-in router in dms/core/api.py) and each app its own
routers; this module only puts them together.
"""

import logging

from django.db import DataError, InterfaceError, OperationalError, connection
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.parser import Parser

from dms.claims import api as claims_api
from dms.core import api as core_api
from dms.core import api_events, api_org
from dms.core.errors import DomainError
from dms.customers import api as customers_api
from dms.customers import api_privacy
from dms.followups import api as followups_api
from dms.messaging import api as messaging_api
from dms.packages import api as packages_api
from dms.parts import api as parts_api
from dms.portal import api as portal_api
from dms.reception import api as reception_api
from dms.records import api as records_api
from dms.sales import api as sales_api
from dms.satisfaction import api as satisfaction_api
from dms.scheduling import api as scheduling_api
from dms.vehicles import api as vehicles_api
from dms.workshop import api as workshop_api
from dms.workshop import api_floor, api_print, api_quality


def _has_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class DmsParser(Parser):
    """JSON bodies as ninja reads them, refusing text with a NUL character in it: no field of ours
    takes one, PostgreSQL cannot store one, and SQLite would keep it silently."""

    def parse_body(self, request):
        data = super().parse_body(request)
        if _has_nul(data):
            raise DomainError(_("Text may not contain a NUL character (\\u0000)."))
        return data


class DmsApi(NinjaAPI):
    """The API, whose OpenAPI document also lists the error answers every operation can give."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_errors(schema)
        return schema


def document_errors(schema: dict) -> None:
    """Add to each operation the statuses the API answers with ErrorOut ({"detail", "errors"}) that its
    view does not declare: 400 (a DomainError: the request cannot be carried out) and 422 (invalid
    input) where it takes parameters or a body, 401 unless it is open to all, 403 (the role may not),
    404 (a record in its path, or named by an `..._id` field of its query or body, not found or another
    group's), 409 (a stale version, or a step the record's state does not allow now) on every write,
    503 (the database is unreachable: a restart, a failover) on every operation."""
    error = {"$ref": "#/components/schemas/ErrorOut"}
    sentences = {
        400: "The request cannot be carried out: `detail` says why.",
        401: "Sign in first: no valid bearer token.",
        403: "Your role may not do this.",
        404: "Not found (or not your dealer group's): the record in the path, or one the request names.",
        409: "Someone else changed the record meanwhile, or its state does not allow this now.",
        422: "Invalid input: `errors` names each field.",
        503: "The database cannot be reached just now: nothing was changed; try again shortly.",
    }
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(
        "ErrorOut", core_api.ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
    )
    for operations in schema.get("paths", {}).values():
        for method, op in operations.items():
            if not isinstance(op, dict) or "responses" not in op:
                continue
            params = op.get("parameters") or []
            has_input = bool(params) or "requestBody" in op
            body_props = set()
            for content in (op.get("requestBody") or {}).get("content", {}).values():
                ref = content.get("schema", {}).get("$ref", "")
                target = components.get(ref.rsplit("/", 1)[-1], {}) if ref else content.get("schema", {})
                body_props |= set(target.get("properties", {}))
            statuses = {403, 503}
            if op.get("security"):
                statuses.add(401)
            references = body_props | {p.get("name", "") for p in params if p.get("in") == "query"}
            if any(p.get("in") == "path" for p in params) or any(n.endswith("_id") for n in references):
                statuses.add(404)
            if has_input:
                statuses |= {400, 422}
            if method != "get":
                # Any write may meet a record in a state that refuses it (a reservation already
                # released, a job already finished), not only a versioned write or a workflow step.
                statuses.add(409)
            declared = {int(code) for code in op["responses"]}
            for status in sorted(statuses - declared):
                op["responses"].setdefault(
                    status,
                    {"description": sentences[status], "content": {"application/json": {"schema": error}}},
                )


log = logging.getLogger(__name__)

api = DmsApi(
    title="OpenDMS API",
    version="1",
    description="The public REST API of OpenDMS. Conventions: see API.md. Authenticate with POST /api/v1/auth/token.",
    auth=core_api.TenantAuth(),
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
    parser=DmsParser(),
)

# Every router, as (prefix, router), in the order they are mounted. An app that mounts several
# lists them in its api module as ROUTERS = [(prefix, router), ...].
ROUTERS = [
    ("/auth", core_api.auth_router),
    ("/", api_org.router),
    ("/customers", customers_api.router),
    *api_privacy.ROUTERS,
    ("/vehicles", vehicles_api.router),
    ("/appointments", scheduling_api.appointments_router),
    ("/technicians", scheduling_api.technicians_router),
    ("/parts", parts_api.router),
    ("/repair-orders", workshop_api.router),
    ("/labor-operations", workshop_api.labor_router),
    ("/comebacks", workshop_api.comebacks_router),
    *api_quality.ROUTERS,
    ("/events", api_events.router),
    *api_floor.ROUTERS,
    *api_print.ROUTERS,
    *reception_api.ROUTERS,
    *packages_api.ROUTERS,
    *followups_api.ROUTERS,
    *portal_api.ROUTERS,
    *messaging_api.ROUTERS,
    *satisfaction_api.ROUTERS,
    *sales_api.ROUTERS,
    *records_api.ROUTERS,
    *claims_api.ROUTERS,
    # A new app's API: import its api module above and add its routers here (one line each), e.g.
    # dms/core/api_events.py (the events feed) and dms/messaging/api.py (messages, webhooks).
]

for _prefix, _router in ROUTERS:
    api.add_router(_prefix, _router)


# --- Error answers: {"detail": sentence, "errors": [{"field", "message"}]} -------------------------


@api.exception_handler(DomainError)
def _domain_error(request, exc: DomainError):
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def _database_away(request, exc):
    # The database went away (restarted, failed over, the connection cut): the transaction was
    # rolled back, nothing is half-written. Django drops the broken connection at the request's end
    # and the next request opens a new one.
    if connection.vendor == "sqlite" and "locked" not in str(exc):
        raise exc  # SQLite says "no such table" with the same class: a fault of ours, a 500
    log.warning("Database unavailable: %s", exc)
    response = api.create_response(
        request, {"detail": _("The database cannot be reached just now: nothing was changed. Try again shortly."),
                  "errors": []}, status=503,
    )  # fmt: skip
    response["Retry-After"] = "5"
    return response


@api.exception_handler(DataError)
def _unstorable(request, exc):
    # Input the checks let through but the database refuses to store: a NUL character in text
    # (PostgreSQL), a number beyond a column's range. The statement was rolled back.
    log.info("Unstorable input: %s", exc)
    message = _(
        "A value in the request cannot be stored (a control character such as NUL, or a number out of range)."
    )
    return api.create_response(request, {"detail": message, "errors": []}, status=400)


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
