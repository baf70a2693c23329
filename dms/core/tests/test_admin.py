"""The admin shows an administrator only their own group's reference data."""

import pytest
from django.test import Client

from conftest import make_user
from dms.core.roles import Role


@pytest.fixture
def administrator(store):
    return make_user("admin", store, Role.ADMINISTRATOR, is_staff=True, is_superuser=True)


@pytest.fixture
def admin_client(administrator):
    c = Client()
    c.force_login(administrator)
    return c


def test_administrator_lists_only_own_group_stores(admin_client, store, other_group_store):
    page = admin_client.get("/admin/core/store/").content.decode()
    assert store.name in page
    assert other_group_store.name not in page


def test_administrator_cannot_open_another_groups_store(admin_client, other_group_store):
    r = admin_client.get(f"/admin/core/store/{other_group_store.pk}/change/", follow=True)
    assert other_group_store.name not in r.content.decode()
    assert r.redirect_chain and r.redirect_chain[-1][0] == "/admin/"


def test_a_service_advisor_has_no_admin(sa):
    sa.is_staff = True
    sa.save()
    c = Client()
    c.force_login(sa)
    assert "core/store" not in c.get("/admin/").content.decode()
