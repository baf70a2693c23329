"""The answers for a page that is not there, not allowed, or failed, when DEBUG is off (as `make run`
and production serve): the API's JSON error shape under /api/, a page in the user's language
elsewhere. A 500 never carries the stack trace to the client."""

from django.http import HttpResponseServerError, JsonResponse
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


def server_error(request):
    # No request context processors: the error may have come from one of them.
    message = _("Something went wrong on our side. The request was not carried out; please try again.")
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": message, "errors": []}, status=500)
    return HttpResponseServerError(loader.get_template("500.html").render({"message": message}))
