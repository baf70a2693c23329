"""Flash messages: made when a page uses them, kept for the next page, never made for the API."""

from django.contrib import messages
from django.contrib.messages import get_messages
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils.functional import empty

from dms.core.middleware import LazyMessageMiddleware


def _through(view):
    request = RequestFactory().get("/")
    request.session = {}
    response = LazyMessageMiddleware(lambda r: view(r))(request)
    return request, response


def test_a_message_added_by_a_page_is_kept_for_the_next_one():
    def view(request):
        messages.success(request, "已保存")
        return HttpResponse("ok")

    request, response = _through(view)

    follow = RequestFactory().get("/")
    follow.session, follow.COOKIES = {}, {k: v.value for k, v in response.cookies.items()}
    LazyMessageMiddleware(lambda r: HttpResponse())(follow)
    assert [str(m) for m in get_messages(follow)] == ["已保存"]


def test_a_request_that_uses_no_message_makes_no_store_and_sets_no_cookie():
    request, response = _through(lambda r: HttpResponse("{}"))

    assert request._messages._wrapped is empty
    assert not response.cookies


def test_an_api_call_makes_no_message_store(api):
    response = api.get("/me")

    assert response.status_code == 200
    assert response.wsgi_request._messages._wrapped is empty
