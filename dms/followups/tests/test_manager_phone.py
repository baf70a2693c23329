"""Scripts give the customer their manager's own phone: the work phone the manager entered (on My day
or by the group's administrator), else the store's."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import ApiClient, make_user
from dms.core.models import Store, User
from dms.core.roles import Role
from dms.customers.models import Customer
from dms.followups.models import FollowUp, TouchRule
from dms.followups.plans import ensure_defaults, script_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def cm(store):
    Store.objects.filter(pk=store.pk).update(phone="0755-88886666")
    user = make_user("cm1", store, Role.CUSTOMER_MANAGER)
    User.objects.filter(pk=user.pk).update(display_name="王经理")
    user.refresh_from_db()
    return user


@pytest.fixture
def cm_client(cm):
    c = Client()
    c.force_login(cm)
    return c


@pytest.fixture
def renewal(store, vehicle, cm):
    """The 30-day insurance SMS of cm1's customer, whose script ends with the manager and a phone."""
    ensure_defaults(store.group_id)
    Customer.objects.filter(pk=vehicle.owner_id).update(customer_manager=cm)
    return FollowUp.objects.create(
        store=store, kind="insurance", customer=vehicle.owner, vehicle=vehicle, assigned_to=cm, channel="sms",
        due_at=timezone.now() + timedelta(hours=1), rule=TouchRule.objects.get(code="insurance_30"),
        subject_date=timezone.localdate() + timedelta(days=30),
    )  # fmt: skip


def _script(touch) -> str:
    return script_for(
        FollowUp.objects.select_related("customer__customer_manager", "store").get(pk=touch.pk), "zh-hans"
    )


def test_the_script_gives_the_managers_own_phone(renewal, cm):
    User.objects.filter(pk=cm.pk).update(phone="13922223333")

    script = _script(renewal)

    assert "王经理 13922223333" in script and "0755-88886666" not in script


def test_without_a_phone_of_their_own_the_script_gives_the_stores(renewal):
    assert "王经理 0755-88886666" in _script(renewal)


def test_the_manager_enters_their_phone_on_my_day(cm_client, cm, renewal):
    page = cm_client.get("/followups/day/").content.decode()
    assert 'name="phone"' in page and "0755-88886666" in page  # the store's, as the placeholder

    r = cm_client.post("/settings/phone/", {"phone": " 139 2222 3333 ", "next": "/followups/day/"})

    cm.refresh_from_db()
    assert r.status_code == 302 and r["Location"] == "/followups/day/"
    assert cm.phone == "139 2222 3333"
    assert "王经理 139 2222 3333" in _script(renewal)


def test_a_phone_that_is_not_one_is_refused_with_a_sentence(cm_client, cm):
    r = cm_client.post("/settings/phone/", {"phone": "call me", "next": "/followups/day/"}, follow=True)

    cm.refresh_from_db()
    assert cm.phone == ""
    assert "13812345678" in r.content.decode()  # the sentence shows what a phone number looks like


def test_an_empty_phone_gives_the_stores_again(cm_client, cm, renewal):
    User.objects.filter(pk=cm.pk).update(phone="13922223333")

    cm_client.post("/settings/phone/", {"phone": ""})

    assert "王经理 0755-88886666" in _script(renewal)


def test_the_api_says_who_i_am_with_my_phone(cm):
    User.objects.filter(pk=cm.pk).update(phone="13922223333")

    me = ApiClient(cm).get("/me").json()

    assert me["id"] == cm.pk and me["phone"] == "13922223333"
