"""With DEBUG off, as `make run` and production serve: errors in the API's shape or as a page in the
user's language, never Django's debug page or a stack trace."""

import json

import pytest
from django.test import Client


@pytest.fixture
def quiet_client(settings):
    settings.DEBUG = False
    return Client(raise_request_exception=False)


def test_an_unknown_api_path_answers_the_apis_json_error(quiet_client, db):
    r = quiet_client.get("/api/v1/no-such-thing", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert r.status_code == 404 and r["Content-Type"].startswith("application/json")
    assert r.json() == {"detail": "未找到。", "errors": []}


def test_an_unknown_page_answers_a_page_in_chinese(quiet_client, sa):
    quiet_client.force_login(sa)
    r = quiet_client.get("/no-such-page/")

    assert r.status_code == 404
    assert "页面不存在" in r.content.decode()


def test_a_failure_inside_the_api_answers_json_without_the_stack_trace(db):
    from django.test import RequestFactory

    from dms.core.errors_views import server_error

    r = server_error(RequestFactory().get("/api/v1/customers"))

    assert r.status_code == 500 and r["Content-Type"].startswith("application/json")
    assert "Traceback" not in r.content.decode() and json.loads(r.content)["detail"]


def test_a_failing_page_answers_a_plain_page_without_the_stack_trace(db):
    from django.test import RequestFactory

    from dms.core.errors_views import server_error

    r = server_error(RequestFactory().get("/customers/"))
    assert r.status_code == 500 and "Traceback" not in r.content.decode()


def test_the_database_away_before_the_view_answers_503_with_retry_after(quiet_client, sa, monkeypatch):
    """A token no worker has resolved yet needs the database in the middleware, before the API's
    own handler: a restart of the database is a 503 there too (tests/test_database_faults.py)."""
    from django.db import OperationalError

    from dms.core.middleware import forget_tokens
    from dms.core.models import ApiToken

    raw = ApiToken.issue(sa)[1]
    forget_tokens()  # as in a worker that has not seen it yet

    def away(*args, **kwargs):
        raise OperationalError("connection refused; database is locked")  # either vendor's words

    monkeypatch.setattr(type(ApiToken.objects), "find", away)
    r = quiet_client.get(
        "/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_ACCEPT_LANGUAGE="zh-hans"
    )

    assert r.status_code == 503 and r["Retry-After"] == "5"
    assert r.json() == {"detail": "暂时无法连接数据库：本次操作未做任何更改，请稍后重试。", "errors": []}


def test_the_database_away_on_a_page_answers_503_without_the_stack_trace(quiet_client, sa, monkeypatch):
    from django.db import OperationalError

    from dms.core import middleware

    def away(request):
        raise OperationalError("connection refused; database is locked")

    quiet_client.force_login(sa)
    monkeypatch.setattr(middleware, "_tenant_or_none", away)
    r = quiet_client.get("/customers/")

    assert r.status_code == 503 and r["Retry-After"] == "5" and "Traceback" not in r.content.decode()


def test_no_such_table_on_sqlite_stays_a_fault_of_ours(quiet_client, sa, monkeypatch):
    from django.db import OperationalError, connection

    from dms.core import middleware

    if connection.vendor != "sqlite":
        pytest.skip("SQLite's message for a missing table")

    def broken(request):
        raise OperationalError("no such table: core_store")

    quiet_client.force_login(sa)
    monkeypatch.setattr(middleware, "_tenant_or_none", broken)
    assert quiet_client.get("/customers/").status_code == 500
