"""A request body is refused from its declared size, before anything reads it.

Django keeps a multipart upload's files in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE and on disk
beyond it, but never refuses one for its size; and CSRF checking reads the form (so the whole
upload) before any view runs. `BodyLimitMiddleware`, placed before CsrfViewMiddleware, compares
the Content-Length header with the route's limit and answers 413 with a sentence without reading
a byte of the body: the route's own limit (`max_body` on a function view, `limit_route` for an API
operation) or DMS_MAX_REQUEST_BYTES. Without a Content-Length Django reads no body at all.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _

_ROUTE_LIMITS: dict[str, int] = {}


def max_body(limit: int) -> Callable:
    """Decorate a function view that accepts bodies up to `limit` bytes (an upload)."""

    def decorate(view):
        view.max_body_bytes = limit
        return view

    return decorate


def limit_route(view_name: str, limit: int) -> None:
    """The limit of a route that is not a function view of its own (an API operation: "api:<url_name>")."""
    _ROUTE_LIMITS[view_name] = limit


def too_large_sentence(limit: int) -> str:
    return _("The upload is too large: at most %(mb)s MB per request. Send fewer or smaller files.") % {
        "mb": f"{limit / 1024 / 1024:.0f}"
    }


class BodyLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = request.resolver_match
        limit = getattr(view_func, "max_body_bytes", None) or (
            _ROUTE_LIMITS.get(match.view_name) if match else None
        )
        limit = limit or settings.DMS_MAX_REQUEST_BYTES
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # as Django reads it: no body
        if length <= limit:
            return None
        sentence = too_large_sentence(limit)
        if request.path.startswith("/api/"):
            return JsonResponse({"detail": sentence, "errors": []}, status=413)
        return HttpResponse(sentence, status=413, content_type="text/plain; charset=utf-8")
