"""API answers rendered directly, for the busiest calls."""

import json

from django.http import HttpResponse
from ninja.responses import NinjaJSONEncoder


def json_answer(body: dict, status: int = 200) -> HttpResponse:
    """An answer built in its documented schema's shape, rendered as ninja renders it but not
    validated again on the way out (the busiest calls; a test holds each to its schema)."""
    return HttpResponse(
        json.dumps(body, cls=NinjaJSONEncoder), status=status, content_type="application/json; charset=utf-8"
    )
