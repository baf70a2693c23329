"""Capacity is kept in the admin by the foreman and the managers, for their own group only."""

import pytest
from django.test import Client

from conftest import make_user
from dms.core.roles import Role
from dms.scheduling.models import Bay, Technician


@pytest.fixture
def foreman_client(store):
    c = Client()
    c.force_login(make_user("foreman1", store, Role.FOREMAN, is_staff=True))
    return c


def test_the_foreman_keeps_the_bays_of_the_group_only(foreman_client, store, other_group_store):
    Bay.objects.create(store=store, name="1号举升机")
    Bay.objects.create(store=other_group_store, name="外店工位")

    page = foreman_client.get("/admin/scheduling/bay/").content.decode()

    assert "1号举升机" in page and "外店工位" not in page


def test_the_foreman_adds_a_technician_with_skills_and_weekdays(foreman_client, store, technician):
    r = foreman_client.post(
        "/admin/scheduling/technician/add/",
        {"store": store.pk, "user": technician.pk, "level": "senior", "skills": ["engine", "ev"],
         "works_from": "08:30", "works_until": "17:30", "weekdays": ["0", "1", "2"], "active": "on"},
    )  # fmt: skip

    assert r.status_code == 302, r.content.decode()[:3000]
    t = Technician.objects.get()
    assert (t.skills, t.weekdays) == (["engine", "ev"], [0, 1, 2])


def test_a_store_of_another_group_cannot_be_chosen(foreman_client, other_group_store):
    r = foreman_client.post(
        "/admin/scheduling/bay/add/", {"store": other_group_store.pk, "name": "X", "kind": "lift"}
    )

    assert r.status_code == 200 and not Bay.objects.exists()


def test_a_service_advisor_has_no_capacity_admin(sa):
    sa.is_staff = True
    sa.save()
    c = Client()
    c.force_login(sa)

    assert "scheduling/bay" not in c.get("/admin/").content.decode()
    assert c.get("/admin/scheduling/bay/").status_code in (302, 403)
