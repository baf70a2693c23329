"""/api/v1/'s URL dispatch by first segment gives what Django's resolver gives over the full list."""

import re

import pytest
from django.urls import Resolver404, get_resolver
from django.urls.resolvers import URLResolver

from config.urls import API_PREFIX
from dms.core.api import api


def _served():
    """The resolver serving /api/v1/, and Django's plain one over the same full list."""
    ours = next(p for p in get_resolver().url_patterns if str(p.pattern) == API_PREFIX)
    plain = URLResolver(ours.pattern, ours.url_patterns, app_name=ours.app_name, namespace=ours.namespace)
    return ours, plain


def _sample(route: str) -> str:
    return API_PREFIX + re.sub(r"<(?:\w+:)?\w+>", "7", route)


def test_every_api_path_resolves_as_over_the_full_list():
    ours, plain = _served()
    assert len(ours.url_patterns) == len(api.urls[0]) > 80
    for p in ours.url_patterns:
        path = _sample(str(p.pattern))
        expected, got = plain.resolve(path), get_resolver().resolve("/" + path)
        assert (got.func, got.kwargs, got.url_name, got.route, got.namespaces) == (
            expected.func, expected.kwargs, expected.url_name, API_PREFIX + expected.route, expected.namespaces
        ), path  # fmt: skip


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v1/check-ins/7/nope", "/api/v1/check-insx", "/api/v2/me"]
)
def test_a_path_the_api_does_not_have_is_not_found(path):
    with pytest.raises(Resolver404):
        get_resolver().resolve(path)


def test_an_unknown_api_path_answers_404_in_json(api):
    r = api.get("/no-such-thing")
    assert r.status_code == 404
