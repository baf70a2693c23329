"""The audit log names who made a change: the request's user, and no one left over from before."""

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry

from dms.customers.models import Customer
from dms.customers.services import customer_create

pytestmark = pytest.mark.django_db


def _creator(customer) -> str | None:
    entry = LogEntry.objects.get_for_object(customer).get(action=LogEntry.Action.CREATE)
    return entry.actor.username if entry.actor else None


def test_a_change_made_through_the_api_names_the_user_and_address(api, sa):
    r = api.post("/customers", {"name": "王建国", "mobile": "13800001111"}, REMOTE_ADDR="10.0.0.7")
    assert r.status_code == 201, r.content

    entry = LogEntry.objects.get_for_object(Customer.objects.get(pk=r.json()["id"])).get()
    assert (entry.actor, entry.remote_addr) == (sa, "10.0.0.7")


def test_a_change_outside_any_request_names_no_one_left_over_from_an_earlier_import(tenant, manager):
    with set_actor(manager):  # an import: its entries name who ran it
        imported = customer_create(tenant=tenant, name="李娜", mobile="13800002222").record
    later = customer_create(tenant=tenant, name="张伟", mobile="13800003333").record  # a task, say

    assert (_creator(imported), _creator(later)) == ("manager1", None)
