"""Logs never hold a mobile number in clear: the handlers of LOGGING mask every mainland mobile
(message, arguments, traceback), axes writes the user name and address masked, and gunicorn's
access log (a customer search's query string) is masked too."""

import io
import logging

import pytest
from django.test import Client

from dms.core.logmask import MaskPersonalData, mask_mobiles

FULL = "13812345678"


@pytest.fixture
def console():
    """What the configured console handler writes."""
    handler = next(
        h for h in logging.getLogger().handlers if any(isinstance(f, MaskPersonalData) for f in h.filters)
    )
    stream = io.StringIO()
    previous = handler.setStream(stream)
    yield stream
    handler.setStream(previous)


def test_the_log_masks_a_mobile_in_the_message_its_arguments_and_the_traceback(console):
    log = logging.getLogger("dms.anything")
    log.warning("Customer 13912345678 and %s (%s)", FULL, "+86 137-1234-5678")
    try:
        raise ValueError(f"duplicate key value violates unique constraint DETAIL: Key (mobile)=({FULL})")
    except ValueError:
        log.exception("Sending message %s failed", 42)

    written = console.getvalue()
    assert "139****5678" in written and "138****5678" in written and "137****5678" in written
    assert FULL not in written and "13912345678" not in written and "1234-5678" not in written
    assert "Sending message 42 failed" in written and "ValueError" in written


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("RO-2026120712345678", "RO-2026120712345678"),  # a longer number is not a mobile
        ("VIN LVHRU1840N5012345", "VIN LVHRU1840N5012345"),
        ("tel 138 1234 5678.", "tel 138****5678."),
        ("id=8613812345678&x", "id=138****5678&x"),
        ("12812345678", "12812345678"),  # not a mobile prefix
    ],
)
def test_what_counts_as_a_mobile(text, expected):
    assert mask_mobiles(text) == expected


def test_axes_writes_the_user_name_and_address_masked(caplog, db):
    caplog.set_level(logging.INFO)
    for password in ("wrong-password-1", "wrong-password-2"):
        Client(REMOTE_ADDR="203.0.113.77").post("/login/", {"username": FULL, "password": password})

    axes_lines = [r.getMessage() for r in caplog.records if r.name.startswith("axes")]
    assert axes_lines and any("138****5678" in line for line in axes_lines)
    written = "\n".join(r.getMessage() for r in caplog.records)
    assert FULL not in written and "203.0.113.77" not in written and "wrong-password" not in written


def test_gunicorns_access_log_is_masked():
    from gunicorn.config import Config

    from dms.core.logmask import GunicornLogger

    logger = GunicornLogger(Config())
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.access_log.addHandler(handler)
    try:
        logger.access_log.info('"GET /api/v1/customers?q=%s HTTP/1.1" 200', FULL)
    finally:
        logger.access_log.removeHandler(handler)

    assert "q=138****5678" in stream.getvalue() and FULL not in stream.getvalue()
