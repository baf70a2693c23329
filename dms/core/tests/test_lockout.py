"""The sign-in lockout (issue 12): a username is locked however many addresses guess at it, clients
behind a trusted proxy are told apart by X-Forwarded-For, and the API and the sign-in page count
together."""

import pytest
from axes.models import AccessAttempt
from django.test import Client

from conftest import PASSWORD
from dms.core.signin import client_ip

PROXY = "10.0.0.2"


def ask_token(username, password, address="192.0.2.1", **headers):
    return Client(REMOTE_ADDR=address).post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
        **headers,
    )


def sign_in_page(username, password, address="192.0.2.1", **headers):
    return Client(REMOTE_ADDR=address).post(
        "/login/", {"username": username, "password": password}, **headers
    )


def test_guessing_from_ten_addresses_locks_the_username(sa, settings):
    # given ten addresses, each trying one wrong password (below the limit per address)
    assert settings.AXES_FAILURE_LIMIT == 5 and settings.DMS_LOGIN_USERNAME_FAILURE_LIMIT == 10
    answers = [ask_token("sa1", f"guess-{i}", address=f"198.51.100.{i + 1}").status_code for i in range(10)]
    assert answers == [401] * 9 + [403]  # the tenth failure locks the username

    # when the right password comes from yet another address, on the API or on the sign-in page
    api = ask_token("sa1", PASSWORD, address="203.0.113.77")
    page = sign_in_page("sa1", PASSWORD, address="203.0.113.78")

    # then the username is locked
    assert api.status_code == 403
    assert "token" not in api.json()
    assert page.status_code == 429
    assert "_auth_user_id" not in page.wsgi_request.session


def test_nine_guesses_from_nine_addresses_leave_the_user_in(sa):
    for i in range(9):
        ask_token("sa1", f"guess-{i}", address=f"198.51.100.{i + 1}")

    assert ask_token("sa1", PASSWORD, address="203.0.113.77").status_code == 200


def test_without_a_trusted_proxy_a_forwarded_for_header_is_ignored(sa, settings):
    # given no trusted proxy (the default): a client writing its own X-Forwarded-For each time
    assert settings.DMS_TRUSTED_PROXY_COUNT == 0
    for i in range(5):
        ask_token("sa1", "guess-again", address="192.0.2.9", HTTP_X_FORWARDED_FOR=f"198.51.100.{i + 1}")

    # then its failures are counted for its own address, and it is locked
    assert (
        ask_token("sa1", PASSWORD, address="192.0.2.9", HTTP_X_FORWARDED_FOR="198.51.100.99").status_code
        == 403
    )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"192.0.2.9"}


def test_behind_a_trusted_proxy_clients_are_told_apart_by_x_forwarded_for(sa, settings):
    # given the app behind one reverse proxy, which every request comes from
    settings.DMS_TRUSTED_PROXY_COUNT = 1

    # when one client behind it fails five times
    for _ in range(5):
        ask_token("sa1", "guess-again", address=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7")

    # then that client is locked, even with the right password
    assert ask_token("sa1", PASSWORD, address=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 403
    # but the SA at the service desk, behind the same proxy, signs in on the API and on the page
    assert ask_token("sa1", PASSWORD, address=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.5").status_code == 200
    page = sign_in_page("sa1", PASSWORD, address=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.6")
    assert page.status_code == 302
    # and the guessing client is still locked: another client's success does not clear its failures
    assert ask_token("sa1", PASSWORD, address=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 403
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}


def test_behind_a_trusted_proxy_a_client_cannot_choose_its_address(sa, settings):
    # the client writes an address; the proxy appends the one it really came from
    settings.DMS_TRUSTED_PROXY_COUNT = 1
    for i in range(5):
        ask_token("sa1", "guess-again", address=PROXY, HTTP_X_FORWARDED_FOR=f"198.51.100.{i + 1}, 192.0.2.50")

    assert ask_token("sa1", PASSWORD, address=PROXY, HTTP_X_FORWARDED_FOR="192.0.2.50").status_code == 403


def test_the_api_and_the_sign_in_page_count_together(sa):
    # given three failures on the API and two on the sign-in page, from the same address
    for _ in range(3):
        ask_token("sa1", "guess-again")
    answers = [sign_in_page("sa1", "guess-again").status_code for _ in range(2)]
    assert answers == [200, 429]  # the form again with its error; the fifth failure locks

    # then both are locked
    assert ask_token("sa1", PASSWORD).status_code == 403
    assert sign_in_page("sa1", PASSWORD).status_code == 429


def test_the_sign_in_page_counts_towards_the_usernames_lock(sa):
    for i in range(10):
        sign_in_page("sa1", f"guess-{i}", address=f"198.51.100.{i + 1}")

    assert ask_token("sa1", PASSWORD, address="203.0.113.77").status_code == 403


@pytest.mark.parametrize(
    ("trusted", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.1", "198.51.100.1", "192.0.2.1"),
        (1, PROXY, "198.51.100.1", "198.51.100.1"),
        (1, PROXY, "1.2.3.4, 198.51.100.1", "198.51.100.1"),
        (2, PROXY, "1.2.3.4, 198.51.100.1, 10.0.0.1", "198.51.100.1"),
        (2, PROXY, "198.51.100.1", PROXY),  # did not pass through both proxies
        (1, PROXY, "", PROXY),
        (1, PROXY, "not-an-address", PROXY),
        (1, PROXY, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address(settings, rf, trusted, remote, forwarded, expected):
    settings.DMS_TRUSTED_PROXY_COUNT = trusted
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)

    assert client_ip(request) == expected
