"""The customer's decision on extra work comes in rounds (issue 12): each "request-approval" starts
one, kept on the order, its history and its event; the customer's decision (by their signed link)
names the round its link was signed for and counts only for the current one; staff record a
decision by phone or in person, never as made on the link."""

import pytest
from django.apps import apps

from dms.core.errors import Conflict, DomainError, Forbidden
from dms.core.models import Event
from dms.workshop import services
from dms.workshop.models import LineState, RepairOrder, RepairOrderEvent, State


@pytest.fixture
def working(people, vehicle, oil_change, tech):
    o = services.repair_order_create(
        tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15000, complaint="保养"
    )
    services.line_add(tenant=people["sa"], order_id=o.pk, kind="labor", labor_operation_id=oil_change.pk)
    services.order_sign(tenant=people["sa"], order_id=o.pk)
    services.order_dispatch(tenant=people["foreman"], order_id=o.pk, technician_id=tech.pk)
    services.order_start(tenant=people["tech"], order_id=o.pk)
    return RepairOrder.objects.get(pk=o.pk)


def propose(order, people, what="更换前刹车片"):
    # Priced by the advisor: a technician may not set a line's price (test_line_rights.py).
    return services.line_add(
        tenant=people["sa"], order_id=order.pk, kind="labor", description=what, quantity="1",
        unit_price="380.00",
    )  # fmt: skip


def ask(order, people) -> RepairOrder:
    services.order_request_approval(tenant=people["sa"], order_id=order.pk)
    return RepairOrder.objects.get(pk=order.pk)


def test_each_request_for_approval_is_a_new_round_on_the_order_its_history_and_event(working, people):
    assert working.approval_round == 0

    propose(working, people)
    first = ask(working, people)
    services.order_approve(tenant=people["sa"], order_id=working.pk, method="phone", note="电话同意")
    propose(working, people, "更换雨刮片")
    second = ask(working, people)

    assert (first.approval_round, second.approval_round) == (1, 2)
    asked = RepairOrderEvent.objects.filter(order=working, action="request-approval").order_by("id")
    assert [e.data["round"] for e in asked] == [1, 2]
    published = Event.objects.filter(type="repair_order.approval_requested", subject_id=working.pk).order_by(
        "id"
    )
    assert [e.payload["round"] for e in published] == [1, 2]


def test_a_refused_request_starts_no_round(working, people):
    with pytest.raises(DomainError):
        services.order_request_approval(tenant=people["sa"], order_id=working.pk)  # nothing proposed

    assert RepairOrder.objects.get(pk=working.pk).approval_round == 0


def test_the_customers_decision_counts_for_its_round_only(working, people):
    line = propose(working, people)
    ask(working, people)
    services.order_approve(tenant=people["sa"], order_id=working.pk, method="phone", note="电话同意")
    wipers = propose(working, people, "更换雨刮片")
    ask(working, people)

    # the first round's link, sent after the second round was asked (checked under the lock)
    with pytest.raises(Conflict) as exc:
        services.order_approve(
            order_id=working.pk,
            method="link",
            by_customer=True,
            approval_round=1,
            decisions={wipers.pk: "approve"},
        )
    assert exc.value.field == "approval_round"
    assert RepairOrder.objects.get(pk=working.pk).state == State.AWAITING_APPROVAL
    assert wipers.__class__.objects.get(pk=wipers.pk).state == LineState.PROPOSED

    services.order_approve(
        order_id=working.pk,
        method="link",
        by_customer=True,
        approval_round=2,
        decisions={wipers.pk: "decline"},
    )
    assert wipers.__class__.objects.get(pk=wipers.pk).state == LineState.DECLINED
    assert line.__class__.objects.get(pk=line.pk).state == LineState.APPROVED  # the phone decision stands


def test_without_the_round_its_link_proves_there_is_no_customers_decision(working, people):
    propose(working, people)
    ask(working, people)

    with pytest.raises(Forbidden):
        services.order_approve(order_id=working.pk, method="link", by_customer=True)

    assert RepairOrder.objects.get(pk=working.pk).state == State.AWAITING_APPROVAL


@pytest.mark.parametrize("who", ["sa", "tech", "qc", "clerk", "cashier"])
def test_staff_cannot_record_a_decision_as_made_on_the_link(working, people, who):
    propose(working, people)
    ask(working, people)

    with pytest.raises((DomainError, Forbidden)):
        services.order_approve(tenant=people[who], order_id=working.pk, method="link")

    assert RepairOrder.objects.get(pk=working.pk).state == State.AWAITING_APPROVAL
    assert not RepairOrderEvent.objects.filter(order=working, action="approve").exists()


def test_the_migration_counts_the_rounds_of_orders_asked_before(working, people):
    from importlib import import_module

    migration = import_module("dms.workshop.migrations.0003_repairorder_approval_round")
    propose(working, people)
    ask(working, people)
    services.order_approve(tenant=people["sa"], order_id=working.pk, method="phone", note="电话同意")
    propose(working, people, "更换雨刮片")
    ask(working, people)
    RepairOrder.objects.update(approval_round=0)  # as before the field existed

    migration.count_rounds(apps, None)

    assert RepairOrder.objects.get(pk=working.pk).approval_round == 2
