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
