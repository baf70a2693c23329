"""The audit log names who made a change: the request's user, and no one left over from before."""

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry

from conftest import valid_vin
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


def test_a_creation_says_who_and_when_without_copying_the_record_into_the_log(api, sa):
    r = api.post("/customers", {"name": "王建国", "mobile": "13800004444", "email": "wjg@example.cn"})
    assert r.status_code == 201, r.content

    entry = LogEntry.objects.get_for_object(Customer.objects.get(pk=r.json()["id"])).get()
    assert (entry.action, entry.actor, entry.object_repr) == (LogEntry.Action.CREATE, sa, "王建国")
    assert not entry.changes and not entry.changes_text
    assert not LogEntry.objects.filter(changes__icontains="13800004444").exists()
    # A change keeps its before and after.
    r = api.patch(
        f"/customers/{r.json()['id']}", {"email": "wang@example.cn", "version": r.json()["version"]}
    )
    assert r.status_code == 200, r.content
    change = LogEntry.objects.get(action=LogEntry.Action.UPDATE, object_pk=str(r.json()["id"]))
    assert change.changes_dict["email"] == ["wjg@example.cn", "wang@example.cn"]


def test_a_vehicles_first_owner_is_part_of_its_registration_and_a_transfer_is_logged(
    api, sa, customer, brand
):
    from dms.vehicles.models import Vehicle, VehicleOwnership

    r = api.post("/vehicles", {"customer_id": customer.pk, "vin": valid_vin(777), "plate": "粤B7C777",
                               "brand": brand.name, "model": "雅阁"})  # fmt: skip
    assert r.status_code == 201, r.content
    vehicle = Vehicle.objects.get(pk=r.json()["id"])
    assert LogEntry.objects.get_for_object(vehicle).get().actor == sa
    assert not LogEntry.objects.get_for_model(VehicleOwnership).exists()

    buyer = api.post("/customers", {"name": "李娜", "mobile": "13800005555"}).json()
    r = api.post(f"/vehicles/{vehicle.pk}/transfer", {"new_owner_id": buyer["id"], "note": "二手车置换"})
    assert r.status_code == 200, r.content
    created = LogEntry.objects.get_for_model(VehicleOwnership).filter(action=LogEntry.Action.CREATE)
    assert [(e.actor, e.object_repr.split()[0]) for e in created] == [(sa, "李娜")]
