"""The answers for a page that is not there, not allowed, or failed, when DEBUG is off (as `make run`
and production serve): the API's JSON error shape under /api/, a page in the user's language
elsewhere. A 500 never carries the stack trace to the client."""

import sys

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views import defaults

API_PREFIX = "/api/"


def _answer(request, status: int, message: str, template: str):
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": message, "errors": []}, status=status)
    return render(request, template, {"message": message}, status=status)


def bad_request(request, exception=None):
    """A request Django cannot read (a multipart body without its boundary, a suspicious header)."""
    if request.path.startswith(API_PREFIX):
        message = _("The request could not be read: send a JSON body with Content-Type: application/json.")
        return JsonResponse({"detail": message, "errors": [{"field": None, "message": message}]}, status=400)
    return defaults.bad_request(request, exception)


def not_found(request, exception=None):
    return _answer(request, 404, _("Not found."), "404.html")


def forbidden(request, exception=None):
    return _answer(request, 403, _("Your role does not allow this."), "403.html")


def database_away(exc: BaseException | None) -> bool:
    """Whether `exc` says the database cannot be reached just now (restarted, failed over, the
    connection cut; SQLite's "database is locked"): the transaction was rolled back, nothing was
    written, and the same request will work again shortly. SQLite raises the same class for "no such
    table": a fault of ours, not this."""
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    return connection.vendor != "sqlite" or "locked" in str(exc)


DATABASE_AWAY_RETRY_SECONDS = 5


def database_away_response(request) -> HttpResponse:
    """503 with Retry-After: the API's error shape under /api/, a page elsewhere."""
    message = _("The database cannot be reached just now: nothing was changed. Try again shortly.")
    if request.path.startswith(API_PREFIX):
        response = JsonResponse({"detail": message, "errors": []}, status=503)
    else:
        response = HttpResponse(loader.get_template("500.html").render({"message": message}), status=503)
    response["Retry-After"] = str(DATABASE_AWAY_RETRY_SECONDS)
    return response


def server_error(request):
    # Called inside Django's `except` around the failing middleware or view. The database away
    # outside the API's views (the token's or the session's lookup in a middleware, a page) is a
    # 503 like the API's own (config/api.py), not a fault of ours.
    if database_away(sys.exc_info()[1]):
        return database_away_response(request)
    # No request context processors: the error may have come from one of them.
    message = _("Something went wrong on our side. The request was not carried out; please try again.")
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": message, "errors": []}, status=500)
    return HttpResponseServerError(loader.get_template("500.html").render({"message": message}))
