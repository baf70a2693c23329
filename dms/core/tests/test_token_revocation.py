"""API tokens can be revoked (issue 12): signing out one client, all of them, a password change
(admin, set_password, changepassword), a deactivation; and a token opens the API only."""

import pytest
from django.contrib.auth.hashers import make_password
from django.core.management import call_command
from django.test import Client

from conftest import PASSWORD, ApiClient, make_user
from dms.core.models import ApiToken
from dms.core.roles import Role

NEW_PASSWORD = "another-pass-2027"


def bearer(api: ApiClient) -> str:
    return api.headers["HTTP_AUTHORIZATION"]


# --- Signing out ----------------------------------------------------------------------------------


def test_logout_revokes_the_token_used_at_once(sa):
    # given two clients of the SA, both signed in
    phone, laptop = ApiClient(sa), ApiClient(sa)
    assert phone.get("/me").status_code == 200  # in the token cache of this process

    # when the phone signs out
    r = phone.post("/auth/logout")

    # then its token is refused at once, with a sentence; the laptop keeps working
    assert r.status_code == 204
    refused = phone.get("/me")
    assert refused.status_code == 401
    assert refused.json()["detail"]
    assert laptop.get("/me").status_code == 200
    assert ApiToken.objects.filter(user=sa, revoked_at__isnull=False).count() == 1


def test_a_signed_out_token_cannot_sign_out_again(sa):
    api = ApiClient(sa)
    api.post("/auth/logout")

    assert api.post("/auth/logout").status_code == 401


def test_logout_without_a_token_is_answered_401(anonymous_api, sa_client):
    assert anonymous_api.post("/auth/logout").status_code == 401
    # a browser session has no token to revoke: it signs out with the page's sign-out
    assert sa_client.post("/api/v1/auth/logout").status_code == 401


def test_revoke_all_signs_the_user_out_of_every_client(sa, manager):
    phone, laptop, other_user = ApiClient(sa), ApiClient(sa), ApiClient(manager)
    assert phone.get("/me").status_code == laptop.get("/me").status_code == 200

    r = laptop.post("/auth/tokens/revoke-all")

    assert r.status_code == 200
    assert r.json() == {"revoked": 2}
    assert phone.get("/me").status_code == 401
    assert laptop.get("/me").status_code == 401
    assert other_user.get("/me").status_code == 200


def test_revoke_all_from_a_browser_session_needs_its_csrf_token(sa):
    api = ApiClient(sa)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(sa)

    without_csrf = browser.post("/api/v1/auth/tokens/revoke-all")

    assert without_csrf.status_code == 403
    assert api.get("/me").status_code == 200

    browser.get("/")  # the page sets the CSRF cookie
    csrf = browser.cookies["csrftoken"].value
    r = browser.post("/api/v1/auth/tokens/revoke-all", HTTP_X_CSRFTOKEN=csrf)

    assert r.status_code == 200
    assert r.json() == {"revoked": 1}
    assert api.get("/me").status_code == 401


def test_a_new_sign_in_after_revoke_all_works(sa, client):
    api = ApiClient(sa)
    api.post("/auth/tokens/revoke-all")

    r = client.post(
        "/api/v1/auth/token", {"username": "sa1", "password": PASSWORD}, content_type="application/json"
    )

    assert r.status_code == 200
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {r.json()['token']}").status_code == 200


def test_the_openapi_document_describes_logout_and_revoke_all_with_their_answers(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]

    logout = paths["/api/v1/auth/logout"]["post"]
    revoke_all = paths["/api/v1/auth/tokens/revoke-all"]["post"]

    # at least these (config/api.py documents the common error answers on every operation too)
    assert {"204", "401"} <= set(logout["responses"])
    assert {"200", "401", "403"} <= set(revoke_all["responses"])
    assert logout["security"] and revoke_all["security"]
    assert logout["description"] and revoke_all["description"]


# --- A password change revokes every token ------------------------------------------------------


def test_set_password_and_save_revokes_every_token(sa):
    phone, laptop = ApiClient(sa), ApiClient(sa)
    assert phone.get("/me").status_code == 200

    sa.set_password(NEW_PASSWORD)
    sa.save()

    assert phone.get("/me").status_code == 401
    assert laptop.get("/me").status_code == 401


def test_a_password_changed_in_the_admin_revokes_every_token(sa, store):
    # given the group's administrator, and the SA signed in on a phone
    administrator = make_user("admin", store, Role.ADMINISTRATOR, is_staff=True)
    phone = ApiClient(sa)
    assert phone.get("/me").status_code == 200
    admin = Client()
    admin.force_login(administrator)

    # when the administrator sets a new password for the SA in the admin
    r = admin.post(
        f"/admin/core/user/{sa.pk}/password/", {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    )

    # then the phone is signed out
    assert r.status_code == 302, r.content.decode()[:2000]
    sa.refresh_from_db()
    assert sa.check_password(NEW_PASSWORD)
    assert phone.get("/me").status_code == 401


def test_manage_py_changepassword_revokes_every_token(sa, monkeypatch):
    phone = ApiClient(sa)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": NEW_PASSWORD)

    call_command("changepassword", "sa1", verbosity=0)

    assert phone.get("/me").status_code == 401


def test_a_password_hash_upgraded_at_sign_in_keeps_the_tokens(sa, settings, client):
    # given the SA's password hashed with an older algorithm, and a token
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    sa.password = make_password(PASSWORD, hasher="md5")
    sa.save(update_fields=["password"])
    phone = ApiClient(sa)

    # when the SA signs in on the web and Django re-hashes the password
    assert client.post("/login/", {"username": "sa1", "password": PASSWORD}).status_code == 302
    sa.refresh_from_db()
    assert sa.password.startswith("pbkdf2_")

    # then the phone stays signed in: the password did not change
    assert phone.get("/me").status_code == 200


def test_saving_a_user_without_changing_the_password_keeps_the_tokens(sa):
    phone = ApiClient(sa)

    sa.display_name = "王顾问"
    sa.save()

    assert phone.get("/me").status_code == 200


# --- A deactivated user, or one whose password is disabled, keeps no token -------------------------


def test_deactivation_revokes_every_token_and_reactivation_does_not_bring_them_back(sa):
    phone = ApiClient(sa)
    assert phone.get("/me").status_code == 200

    sa.is_active = False
    sa.save(update_fields=["is_active"])
    assert phone.get("/me").status_code == 401
    assert not ApiToken.objects.live().filter(user=sa).exists()

    sa.is_active = True
    sa.save(update_fields=["is_active"])
    assert phone.get("/me").status_code == 401


def test_an_unusable_password_revokes_every_token(sa):
    phone = ApiClient(sa)

    sa.set_unusable_password()
    sa.save()

    assert phone.get("/me").status_code == 401


# --- A token opens the API only ---------------------------------------------------------------------


@pytest.fixture
def operator_token(db):
    """A bearer token of the installation's operator (a superuser)."""
    return bearer(ApiClient(make_superuser()))


def make_superuser():
    from dms.core.models import User

    return User.objects.create_superuser("operator", password=PASSWORD)


def test_a_bearer_token_does_not_open_the_admin(operator_token):
    r = Client().get("/admin/", HTTP_AUTHORIZATION=operator_token)

    assert r.status_code == 302
    assert "/admin/login/" in r["Location"]


def test_a_bearer_token_does_not_open_a_page(sa):
    token = bearer(ApiClient(sa))

    r = Client().get("/", HTTP_AUTHORIZATION=token)

    assert r.status_code == 302
    assert "/login/" in r["Location"]


def test_a_bearer_token_cannot_write_through_a_page(sa, customer):
    # a page's form POST with only a bearer token: not signed in, and CSRF still applies
    token = bearer(ApiClient(sa))
    client = Client(enforce_csrf_checks=True)

    r = client.post("/settings/store/", {"store": "SZ01"}, HTTP_AUTHORIZATION=token)

    assert r.status_code in (302, 403)
    if r.status_code == 302:
        assert "/login/" in r["Location"]


def test_a_session_still_opens_pages_when_a_bearer_token_is_sent_too(sa, sa_client, technician):
    other_token = bearer(ApiClient(technician))

    r = sa_client.get("/", HTTP_AUTHORIZATION=other_token)

    assert r.status_code == 200
    assert r.wsgi_request.user == sa


def test_a_technicians_token_opens_the_api_with_the_technicians_role(technician):
    assert ApiClient(technician).get("/me").json()["role"] == Role.TECHNICIAN
