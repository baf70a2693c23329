"""Every log line of a request carries its request id; in production each line is one JSON object.

`RequestIdMiddleware` takes the id the reverse proxy sent in X-Request-ID (nginx: `$request_id`)
when it is a sane token (letters, digits and `._:-`, at most 128), or makes one; it answers it in the
response's X-Request-ID header (gunicorn's access log writes it too: gunicorn.conf.py) and keeps it,
with the path, in a context variable until the response is closed. `RequestContext`, a filter on
every handler of LOGGING, copies them onto each record (`-` outside a request). `JsonFormatter`
writes a record as one line: time, level, logger, message, request_id, path, status (when the record
knows it: django.request's 4xx and 5xx lines), and the exception's traceback. No dependency.

The masking filter (dms/core/logmask.py) stays on the handlers: it runs on the record before it is
formatted, whichever the format.
"""

import json
import logging
import re
import uuid
from contextvars import ContextVar
from datetime import UTC, datetime

from django.core.signals import request_finished

from .logmask import mask_mobiles

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}")
_request: ContextVar[tuple[str, str] | None] = ContextVar("dms_request_log", default=None)


def request_id_from(value: str | None) -> str:
    """The proxy's id when it is a sane token, else a new one (32 hex digits)."""
    value = (value or "").strip()
    return value if _SANE.fullmatch(value) else uuid.uuid4().hex


def current_request_id() -> str | None:
    context = _request.get()
    return context[0] if context else None


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get(HEADER))
        request.request_id = request_id
        # Kept until the response is closed (request_finished), not only while the middleware runs:
        # Django writes its "Not Found" and "Internal Server Error" lines after the middleware.
        _request.set((request_id, mask_mobiles(request.path)))
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _forget(**kwargs) -> None:
    _request.set(None)


request_finished.connect(_forget, dispatch_uid="dms_request_log_forget")


class RequestContext(logging.Filter):
    """Puts the request's id and path on each record (`-` outside a request)."""

    def filter(self, record: logging.LogRecord) -> bool:
        context = _request.get()
        if not hasattr(record, "request_id"):
            record.request_id = context[0] if context else "-"
        if not hasattr(record, "path"):
            record.path = context[1] if context else None
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line (see above)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None),
            "path": getattr(record, "path", None),
        }
        status = getattr(record, "status_code", None)
        if status is not None:
            line["status"] = status
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)
