"""The admin shows an administrator only their own group's reference data."""

import pytest
from django.test import Client

from conftest import make_user
from dms.core.roles import Role


@pytest.fixture
def administrator(store):
    return make_user("admin", store, Role.ADMINISTRATOR, is_staff=True)


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


# --- Every admin page is scoped to the group or not there (issue 12) ----------------------------------


@pytest.fixture
def other_administrator(other_group_store):
    return make_user("admin9", other_group_store, Role.ADMINISTRATOR, is_staff=True)


@pytest.fixture
def our_secrets(tenant, client, sa):
    """What one group's administrator must never read of another group: a customer's name and
    mobile in the audit log's change diff, and a failed sign-in of one of its users."""
    from dms.customers.services import customer_create

    customer_create(tenant=tenant, name="欧阳娜娜", mobile="13987654321", title="ms")
    client.post("/login/", {"username": sa.username, "password": "wrong-password"})
    return ["欧阳娜娜", "13987654321", "98765"]


def _admin_changelists():
    """Every model the admin site offers, enumerated (not the ones we remember)."""
    from django.apps import apps
    from django.contrib import admin
    from django.urls import reverse

    return [
        reverse(f"admin:{m._meta.app_label}_{m._meta.model_name}_changelist")
        for m in apps.get_models()
        if admin.site.is_registered(m)
    ]


def test_no_admin_page_shows_another_groups_personal_data(our_secrets, other_administrator):
    c = Client()
    c.force_login(other_administrator)
    pages = _admin_changelists() + ["/admin/"]
    assert "/admin/auditlog/logentry/" in pages and "/admin/axes/accessattempt/" in pages

    for url in pages:
        r = c.get(url)
        assert r.status_code in (200, 403), url
        body = r.content.decode()
        assert not any(secret in body for secret in our_secrets), url


def test_the_audit_log_and_sign_in_attempts_show_the_own_groups_entries(our_secrets, administrator):
    c = Client()
    c.force_login(administrator)

    assert "欧阳娜娜" in c.get("/admin/auditlog/logentry/").content.decode()
    assert "sa1" in c.get("/admin/axes/accessattempt/").content.decode()


def test_task_results_and_permission_groups_are_not_in_the_admin():
    pages = _admin_changelists()
    assert not any(p.startswith(("/admin/django_tasks_db/", "/admin/auth/group/")) for p in pages)


def test_a_group_administrator_cannot_be_a_superuser(store):
    from django.core.exceptions import ValidationError
    from django.db import IntegrityError, transaction

    user = make_user("boss", store, Role.ADMINISTRATOR, is_staff=True)
    user.is_superuser = True
    with pytest.raises(ValidationError):
        user.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        user.save()


def test_every_audited_record_leads_to_its_group():
    """So that the system's own changes (imports, tasks) show in the right group's audit log."""
    from auditlog.registry import auditlog

    from dms.core.admin import group_path

    assert {m.__name__: group_path(m) for m in auditlog.get_models() if group_path(m) is None} == {}
