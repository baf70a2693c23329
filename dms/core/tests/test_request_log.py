"""Each request has an id (the proxy's X-Request-ID when sane, else a new one), answered in the
response's header and written on every log line of the request; in JSON, one object per line."""

import io
import json
import logging

import pytest
from django.test import Client

from dms.core.logmask import MaskPersonalData
from dms.core.requestlog import JsonFormatter, RequestContext

pytestmark = pytest.mark.django_db


@pytest.fixture
def console():
    """The configured console handler, writing into a buffer."""
    handler = next(
        h for h in logging.getLogger().handlers if any(isinstance(f, RequestContext) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield handler, stream
    handler.setStream(previous)


@pytest.fixture
def json_console(console):
    handler, stream = console
    previous = handler.formatter
    handler.setFormatter(JsonFormatter())
    yield stream
    handler.setFormatter(previous)


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_the_proxys_request_id_is_answered_and_on_the_requests_log_line(json_console):
    r = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="nginx-7f3a9c01")
    assert r.status_code == 404
    assert r["X-Request-ID"] == "nginx-7f3a9c01"
    [line] = [x for x in lines(json_console) if x["logger"] == "django.request"]
    assert line["request_id"] == "nginx-7f3a9c01"
    assert line["path"] == "/no-such-page/"
    assert line["status"] == 404
    assert line["level"] == "WARNING" and "Not Found" in line["message"]
    assert line["time"].endswith("+00:00")


@pytest.mark.parametrize("sent", [None, "", "a b", "x" * 200, "<script>", "id\nforged: line"])
def test_without_a_sane_id_the_app_makes_one(json_console, sent):
    headers = {} if sent is None else {"HTTP_X_REQUEST_ID": sent}
    r = Client().get("/no-such-page/", **headers)
    made = r["X-Request-ID"]
    assert made != sent and len(made) == 32 and int(made, 16) >= 0
    assert [x["request_id"] for x in lines(json_console) if x["logger"] == "django.request"] == [made]


def test_two_requests_have_two_ids():
    client = Client()
    assert client.get("/login/")["X-Request-ID"] != client.get("/login/")["X-Request-ID"]


def test_a_line_outside_a_request_has_no_id_and_a_mobile_is_still_masked(json_console):
    logging.getLogger("dms.anything").warning("Texting %s failed", "13812345678")
    [line] = lines(json_console)
    assert line["request_id"] == "-" and line["path"] is None
    assert line["message"] == "Texting 138****5678 failed"


def test_an_exception_is_in_the_same_json_line_masked(json_console):
    try:
        raise ValueError("Key (mobile)=(13812345678) already exists")
    except ValueError:
        logging.getLogger("dms.anything").exception("Import failed")
    [line] = lines(json_console)
    assert "ValueError" in line["exc"] and "138****5678" in line["exc"] and "13812345678" not in line["exc"]


def test_the_text_format_carries_the_id_too(console):
    _handler, stream = console
    r = Client().get("/no-such-page/", HTTP_X_REQUEST_ID="abc-123")
    assert "[abc-123]" in stream.getvalue() and r["X-Request-ID"] == "abc-123"


def test_masking_stays_on_the_handler():
    handler = next(
        h for h in logging.getLogger().handlers if any(isinstance(f, RequestContext) for f in h.filters)
    )
    assert any(isinstance(f, MaskPersonalData) for f in handler.filters)
