"""/api/v1/ answers a path it does not have with 404: Django's resolver, and the API's JSON."""

import pytest
from django.urls import Resolver404, get_resolver


@pytest.mark.parametrize(
    "path", ["/api/v1/nope", "/api/v1/check-ins/7/nope", "/api/v1/check-insx", "/api/v2/me"]
)
def test_a_path_the_api_does_not_have_is_not_found(path):
    with pytest.raises(Resolver404):
        get_resolver().resolve(path)


def test_an_unknown_api_path_answers_404_in_json(api):
    r = api.get("/no-such-thing")
    assert r.status_code == 404
