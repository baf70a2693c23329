"""One action adapter: a step taken from the order page and the same step over the API go through
the same input checks and the same service, and answer the same sentence for the same mistake."""

import pytest
from django.test import Client
from django.urls import reverse

from dms.core.errors import Conflict, DomainError
from dms.workshop import actions, services, workflow
from dms.workshop.models import LineState, RepairOrder, State


@pytest.fixture
def order(people, vehicle, oil_change):
    o = services.repair_order_create(
        tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15000, complaint="做一次常规保养"
    )
    services.line_add(tenant=people["sa"], order_id=o.pk, kind="labor", labor_operation_id=oil_change.pk)
    services.order_sign(tenant=people["sa"], order_id=o.pk)
    return RepairOrder.objects.get(pk=o.pk)


@pytest.fixture
def foreman_client(foreman):
    c = Client()
    c.force_login(foreman)
    return c


def test_every_step_of_the_workflow_has_its_input_read_in_one_place():
    assert set(actions.STEPS) == set(workflow.TRANSITIONS)


def test_a_page_and_the_api_refuse_a_dispatch_without_technician_with_the_same_sentence(
    order, foreman, foreman_client, api_as
):
    over_api = api_as(foreman).post(f"/repair-orders/{order.pk}/actions/dispatch", {"version": order.version})
    on_page = foreman_client.post(
        reverse("workshop:action", args=[order.pk, "dispatch"]), {"version": order.version}, follow=True
    )

    assert over_api.status_code == 400
    sentence = over_api.json()["errors"][0]["message"]
    assert over_api.json()["errors"][0]["field"] == "technician_id" and sentence == "请选择技师。"
    assert sentence in on_page.content.decode()
    assert RepairOrder.objects.get(pk=order.pk).state == State.SIGNED


def test_a_page_posts_text_and_the_api_sends_json_for_the_same_step(
    order, foreman, foreman_client, tech, api_as
):
    foreman_client.post(
        reverse("workshop:action", args=[order.pk, "dispatch"]),
        {"version": str(order.version), "technician_id": str(tech.pk)},
    )
    o = RepairOrder.objects.get(pk=order.pk)
    assert (o.state, o.technician_id) == (State.DISPATCHED, tech.pk)

    # Dispatched again over the API, to the same technician (a re-dispatch is allowed).
    r = api_as(foreman).post(
        f"/repair-orders/{order.pk}/actions/dispatch", {"version": o.version, "technician_id": tech.pk}
    )
    assert r.status_code == 200 and r.json()["version"] == o.version + 1


def test_a_stale_version_from_the_page_changes_nothing(order, foreman_client, tech):
    r = foreman_client.post(
        reverse("workshop:action", args=[order.pk, "dispatch"]),
        {"version": str(order.version - 1), "technician_id": str(tech.pk)},
        follow=True,
    )

    assert "此记录刚被他人修改" in r.content.decode()
    assert RepairOrder.objects.get(pk=order.pk).state == State.SIGNED


def test_the_customers_decisions_from_the_page_are_the_apis_decisions(
    people, order, tech, oil_change, sa_client
):
    services.order_dispatch(tenant=people["foreman"], order_id=order.pk, technician_id=tech.pk)
    services.order_start(tenant=people["tech"], order_id=order.pk)
    extra = services.line_add(
        tenant=people["tech"], order_id=order.pk, kind="labor", labor_operation_id=oil_change.pk
    )
    services.order_request_approval(tenant=people["sa"], order_id=order.pk)

    sa_client.post(
        reverse("workshop:action", args=[order.pk, "approve"]),
        {"method": "phone", "note": "客户电话拒绝", f"decision_{extra.pk}": "decline"},
    )

    o = RepairOrder.objects.get(pk=order.pk)
    assert o.state == State.IN_PROGRESS and o.lines.get(pk=extra.pk).state == LineState.DECLINED
    assert o.events.get(action="approve").data["decisions"] == {str(extra.pk): "decline"}


@pytest.mark.parametrize(
    ("action", "data", "field"),
    [
        ("dispatch", {"technician_id": "三号"}, "technician_id"),
        ("dispatch", {"technician_id": True}, "technician_id"),
        ("approve", {"decisions": ["approve"]}, "decisions"),
        ("settle", {"payments": "all of it"}, "payments"),
        ("qc-fail", {"reason": "x" * 301}, "reason"),
        ("deliver", {"mileage_out": "很多"}, "mileage_out"),
        ("dispatch", {"version": "v2", "technician_id": 1}, "version"),
    ],
)
def test_input_of_the_wrong_shape_is_refused_on_its_field_before_anything_is_locked(
    order, people, action, data, field
):
    with pytest.raises(DomainError) as exc:
        actions.take(tenant=people["sa"], order_id=order.pk, action=action, data=data)

    assert exc.value.status == 400 and [e["field"] for e in exc.value.errors] == [field]
    assert RepairOrder.objects.get(pk=order.pk).version == order.version


def test_an_unknown_step_answers_409_with_the_steps_possible_now(order, people, api):
    with pytest.raises(Conflict) as exc:
        actions.take(tenant=people["sa"], order_id=order.pk, action="teleport")
    assert "cancel" in exc.value.extra["allowed_actions"]

    r = api.post(f"/repair-orders/{order.pk}/actions/teleport", {})
    assert r.status_code == 409 and r.json()["state"] == "signed"


def test_a_step_on_another_groups_order_is_not_found(order, outsider_tenant):
    with pytest.raises(DomainError) as exc:
        actions.take(tenant=outsider_tenant, order_id=order.pk, action="cancel", data={"reason": "x"})
    assert exc.value.status == 404
