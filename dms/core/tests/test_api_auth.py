"""/api/v1/auth/token, bearer tokens, the X-Store header, /me and /brands."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD, ApiClient
from dms.core.models import ApiToken, Brand, StoreMembership
from dms.core.roles import Role


@pytest.fixture
def web():
    """A client with no credentials, as an integration calling /auth/token."""
    return Client()


def ask_token(web, username, password, **headers):
    return web.post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
        **headers,
    )


# --- Token issue -----------------------------------------------------------------------------------


def test_the_right_password_gives_a_token_that_opens_the_api(web, sa):
    # given the service advisor's username and password
    # when an integration asks for a token
    r = ask_token(web, "sa1", PASSWORD)

    # then it gets one, valid for the configured lifetime, and it works as a bearer token
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["token"] and body["expires_at"]
    me = web.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    assert me.status_code == 200
    assert me.json()["username"] == "sa1"


def test_a_token_is_stored_only_as_a_hash(web, sa):
    # when a token is issued
    raw = ask_token(web, "sa1", PASSWORD).json()["token"]

    # then the raw token is nowhere in the database
    assert not ApiToken.objects.filter(key_hash=raw).exists()
    assert ApiToken.objects.filter(user=sa).count() == 1


def test_a_wrong_password_is_answered_401_with_a_sentence_and_no_token(web, sa):
    # when someone tries the SA's account with a wrong password
    r = ask_token(web, "sa1", "not-the-password")

    # then the answer is 401 with a sentence, and no token is issued
    assert r.status_code == 401
    body = r.json()
    assert "token" not in body
    assert body["detail"] and body["errors"] == []
    assert not ApiToken.objects.filter(user=sa).exists()


def test_the_wrong_password_sentence_is_in_chinese_by_default(web, sa):
    r = ask_token(web, "sa1", "not-the-password")

    assert "密码" in r.json()["detail"]


def test_the_wrong_password_sentence_is_in_english_when_asked(web, sa):
    r = ask_token(web, "sa1", "not-the-password", HTTP_ACCEPT_LANGUAGE="en")

    assert "password" in r.json()["detail"]


def test_an_unknown_user_is_answered_like_a_wrong_password(web, sa):
    wrong_password = ask_token(web, "sa1", "not-the-password")
    unknown_user = ask_token(web, "nobody", "not-the-password")

    assert unknown_user.status_code == wrong_password.status_code == 401
    assert unknown_user.json() == wrong_password.json()


def test_an_inactive_user_gets_no_token(web, sa):
    sa.is_active = False
    sa.save(update_fields=["is_active"])

    r = ask_token(web, "sa1", PASSWORD)

    assert r.status_code == 401
    assert not ApiToken.objects.filter(user=sa).exists()


def test_after_five_failures_the_account_is_locked_even_for_the_right_password(web, sa):
    # given five failed sign-ins
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert ask_token(web, "sa1", "guess-again").status_code == 401
    ask_token(web, "sa1", "guess-again")

    # when the right password is tried next
    r = ask_token(web, "sa1", PASSWORD)

    # then the account is locked: a JSON 403 with its own sentence, and no token
    assert r.status_code == 403
    assert r["Content-Type"].startswith("application/json")
    body = r.json()
    assert "token" not in body
    assert body["detail"] and body["detail"] != ask_token(web, "sa9", "x").json()["detail"]
    assert not ApiToken.objects.filter(user=sa).exists()


def test_the_lockout_sentence_is_in_chinese_by_default(web, sa):
    for _ in range(5):
        ask_token(web, "sa1", "guess-again")

    r = ask_token(web, "sa1", PASSWORD)

    assert r.status_code == 403
    assert "锁定" in r.json()["detail"]


def test_the_lockout_sentence_is_in_english_when_asked(web, sa):
    for _ in range(5):
        ask_token(web, "sa1", "guess-again")

    r = ask_token(web, "sa1", PASSWORD, HTTP_ACCEPT_LANGUAGE="en")

    assert r.status_code == 403
    assert "locked" in r.json()["detail"]


def test_four_failures_do_not_lock_the_account(web, sa):
    for _ in range(4):
        ask_token(web, "sa1", "guess-again")

    r = ask_token(web, "sa1", PASSWORD)

    assert r.status_code == 200
    assert "token" in r.json()


def test_a_locked_account_opens_again_after_the_cool_off(web, sa):
    with time_machine.travel(timezone.now(), tick=False) as clock:
        for _ in range(5):
            ask_token(web, "sa1", "guess-again")
        assert ask_token(web, "sa1", PASSWORD).status_code == 403

        clock.shift(timedelta(minutes=16))
        r = ask_token(web, "sa1", PASSWORD)

    assert r.status_code == 200


# --- Bearer tokens ---------------------------------------------------------------------------------


def test_an_expired_token_is_answered_401(sa):
    # given a token issued now
    api = ApiClient(sa)
    assert api.get("/me").status_code == 200

    # when it is used after its lifetime
    later = timezone.now() + timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS, minutes=1)
    with time_machine.travel(later):
        r = api.get("/me")

    # then it is refused with a sentence
    assert r.status_code == 401
    assert r.json()["detail"]


def test_a_token_just_before_expiry_still_works(sa):
    api = ApiClient(sa)
    almost = timezone.now() + timedelta(hours=settings.API_TOKEN_LIFETIME_HOURS, minutes=-1)

    with time_machine.travel(almost):
        r = api.get("/me")

    assert r.status_code == 200


def test_a_made_up_token_is_answered_401(db):
    r = Client().get("/api/v1/me", HTTP_AUTHORIZATION="Bearer not-a-real-token")

    assert r.status_code == 401
    assert r.json()["detail"]


def test_no_credentials_are_answered_401_in_json(anonymous_api):
    r = anonymous_api.get("/customers")

    assert r.status_code == 401
    assert r.json()["errors"] == []
    assert r.json()["detail"]


def test_a_token_of_a_deactivated_user_stops_working(sa):
    api = ApiClient(sa)
    sa.is_active = False
    sa.save(update_fields=["is_active"])

    assert api.get("/me").status_code == 401


# --- X-Store -------------------------------------------------------------------------------------------


@pytest.fixture
def sa_in_two_stores(sa, second_store):
    """The SA also works as a customer manager in the second store."""
    StoreMembership.objects.create(user=sa, store=second_store, role=Role.CUSTOMER_MANAGER)
    return sa


def test_without_x_store_the_user_acts_in_the_home_store(sa_in_two_stores, api):
    r = api.get("/me")

    assert r.status_code == 200
    assert r.json()["store"] == "SZ01"
    assert r.json()["role"] == Role.SERVICE_ADVISOR


def test_x_store_chooses_another_store_the_user_works_in_with_its_role(sa_in_two_stores, api):
    r = api.get("/me", HTTP_X_STORE="SZ02")

    assert r.status_code == 200
    body = r.json()
    assert body["store"] == "SZ02"
    assert body["role"] == Role.CUSTOMER_MANAGER
    assert sorted(s["code"] for s in body["stores"]) == ["SZ01", "SZ02"]


def test_x_store_of_a_store_of_the_group_the_user_does_not_work_in_is_403(sa, second_store, api):
    r = api.get("/me", HTTP_X_STORE="SZ02")

    assert r.status_code == 403
    assert "SZ02" in r.json()["detail"]


def test_x_store_of_another_groups_store_is_403(sa, other_group_store, api):
    r = api.get("/customers", HTTP_X_STORE=other_group_store.code)

    assert r.status_code == 403


def test_a_customer_created_with_x_store_is_registered_at_that_store(sa_in_two_stores, api):
    r = api.post("/customers", {"name": "王五", "mobile": "13700001111"}, HTTP_X_STORE="SZ02")

    assert r.status_code == 201, r.content
    assert r.json()["store"] == "SZ02"


# --- /me and /brands ---------------------------------------------------------------------------------------


def test_me_says_who_the_user_is_and_what_they_may_do(sa, api):
    r = api.get("/me")

    assert r.status_code == 200
    body = r.json()
    assert body["username"] == "sa1"
    assert body["store"] == "SZ01"
    assert "customer.see_contact" in body["permissions"]
    assert "vehicle.correct_mileage" not in body["permissions"]
    assert [s["code"] for s in body["stores"]] == ["SZ01"]
    assert body["stores"][0]["labor_rate"] == "300.00"


def test_a_technician_may_not_see_contact_data(technician):
    r = ApiClient(technician).get("/me")

    assert r.status_code == 200
    assert "customer.see_contact" not in r.json()["permissions"]
    assert "customer.view" in r.json()["permissions"]


def test_brands_lists_only_the_users_groups_brands(sa, brand, other_brand, api):
    Brand.objects.create(group=brand.group, name="广汽丰田", warranty_years=3, warranty_km=100_000)

    r = api.get("/brands")

    assert r.status_code == 200
    names = [b["name"] for b in r.json()]
    assert sorted(names) == sorted(["东风本田", "广汽丰田"])
    assert other_brand.name not in names
    honda = next(b for b in r.json() if b["name"] == "东风本田")
    assert (honda["warranty_years"], honda["warranty_km"]) == (3, 100_000)


def test_the_outsider_sees_only_their_own_groups_brands(brand, other_brand, outsider_api):
    r = outsider_api.get("/brands")

    assert [b["name"] for b in r.json()] == [other_brand.name]


def test_passwords_are_hashed_with_argon2_outside_the_tests():
    from config import settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
