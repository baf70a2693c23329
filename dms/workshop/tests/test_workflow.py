"""The repair order's steps, each by the role that takes it."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from dms.core.errors import Conflict, DomainError, Forbidden
from dms.followups.models import FollowUp
from dms.vehicles.models import ServiceRecord
from dms.workshop import services
from dms.workshop.models import LineState, RepairOrder, RepairOrderEvent, State


@pytest.fixture
def order(people, vehicle, oil_change):
    o = services.repair_order_create(
        tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15000, complaint="做一次常规保养，刹车有点软"
    )
    services.line_add(tenant=people["sa"], order_id=o.pk, kind="labor", labor_operation_id=oil_change.pk)
    return o


def _refresh(order) -> RepairOrder:
    return RepairOrder.objects.get(pk=order.pk)


def test_opening_records_mileage_number_and_the_customer(people, vehicle):
    o = services.repair_order_create(
        tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15000, complaint="异响"
    )
    assert o.number.startswith("RO-SZ01-") and o.number.endswith("000001")
    assert o.customer_id == vehicle.owner_id and o.state == State.DRAFT
    vehicle.refresh_from_db()
    assert vehicle.mileage_km == 15000


def test_mileage_lower_than_the_last_reading_refuses_the_order(people, vehicle):
    with pytest.raises(DomainError) as exc:
        services.repair_order_create(
            tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=100, complaint="异响"
        )
    assert exc.value.errors[0]["field"] == "mileage_km"
    assert not RepairOrder.objects.exists()


def test_labor_line_prices_standard_hours_at_the_store_rate(order, store):
    order = _refresh(order)
    line = order.lines.get()
    assert line.quantity == Decimal("0.80") and line.unit_price == store.labor_rate
    assert order.labor_total == order.total == Decimal("0.80") * store.labor_rate


def test_the_whole_loop_by_each_role(order, people, tech, oil_filter):
    sa, foreman, t, qc, cashier = (people[k] for k in ("sa", "foreman", "tech", "qc", "cashier"))
    services.order_sign(tenant=sa, order_id=order.pk)
    services.order_dispatch(tenant=foreman, order_id=order.pk, technician_id=tech.pk)
    services.order_start(tenant=t, order_id=order.pk)
    extra = services.line_add(
        tenant=t, order_id=order.pk, kind="part", part_id=oil_filter.pk, quantity="1", note="滤芯堵塞"
    )
    assert extra.state == LineState.PROPOSED and extra.is_additional
    services.order_request_approval(tenant=sa, order_id=order.pk)
    services.order_approve(tenant=sa, order_id=order.pk, method="phone", note="张先生电话同意")
    services.order_finish(tenant=t, order_id=order.pk)
    services.order_qc_fail(tenant=qc, order_id=order.pk, reason="机油液位偏低")
    services.order_finish(tenant=t, order_id=order.pk)
    services.order_qc_pass(tenant=qc, order_id=order.pk, checklist={"油位": True, "无渗漏": True})
    o = _refresh(order)
    services.order_settle(
        tenant=cashier,
        order_id=order.pk,
        payments=[{"method": "wechat", "amount": f"{o.customer_total:.2f}"}],
    )
    services.order_deliver(tenant=sa, order_id=order.pk, mileage_out=15002)
    o = _refresh(order)
    assert o.state == State.DELIVERED and o.rework_count == 1
    assert all(
        getattr(o, f)
        for f in (
            "signed_at",
            "dispatched_at",
            "started_at",
            "finished_at",
            "qc_passed_at",
            "settled_at",
            "delivered_at",
        )
    )
    assert list(o.events.values_list("action", flat=True)) == [
        "open", "line-add", "sign", "dispatch", "start", "line-add", "request-approval", "approve", "finish",
        "qc-fail", "finish", "qc-pass", "settle", "deliver",
    ]  # fmt: skip
    record = ServiceRecord.objects.get(reference=o.number)
    assert record.amount_paid == o.customer_total and record.customer_id == o.customer_id
    followup = FollowUp.objects.get(repair_order=o)
    assert followup.due_at <= timezone.now() + timedelta(days=2)
    assert followup.assigned_to.username == "care1"


def test_a_step_out_of_order_is_refused_with_the_allowed_ones(order, people):
    with pytest.raises(Conflict) as exc:
        services.order_finish(tenant=people["tech"], order_id=order.pk)
    assert exc.value.extra["state"] == "draft"
    assert "sign" in exc.value.extra["allowed_actions"]


def test_a_technician_cannot_sign_for_the_customer(order, people):
    with pytest.raises(Forbidden):
        services.order_sign(tenant=people["tech"], order_id=order.pk)
    assert _refresh(order).state == State.DRAFT


def test_a_stale_version_changes_nothing(order, people):
    stale = _refresh(order).version - 1
    with pytest.raises(Conflict):
        services.order_sign(tenant=people["sa"], order_id=order.pk, version=stale)
    assert _refresh(order).state == State.DRAFT


def test_dispatch_needs_the_skills_of_the_job(order, people, other_tech):
    services.order_sign(tenant=people["sa"], order_id=order.pk)
    with pytest.raises(DomainError) as exc:
        services.order_dispatch(tenant=people["foreman"], order_id=order.pk, technician_id=other_tech.pk)
    assert "保养" in exc.value.message or "Maintenance" in exc.value.message


def test_extra_work_within_the_preauthorised_amount_needs_no_call(
    people, vehicle, oil_change, tech, oil_filter
):
    o = services.repair_order_create(
        tenant=people["sa"],
        vehicle_id=vehicle.pk,
        mileage_km=15000,
        complaint="保养",
        preauth_amount="100.00",
    )
    services.line_add(tenant=people["sa"], order_id=o.pk, kind="labor", labor_operation_id=oil_change.pk)
    services.order_sign(tenant=people["sa"], order_id=o.pk)
    services.order_dispatch(tenant=people["foreman"], order_id=o.pk, technician_id=tech.pk)
    services.order_start(tenant=people["tech"], order_id=o.pk)
    line = services.line_add(
        tenant=people["tech"], order_id=o.pk, kind="part", part_id=oil_filter.pk, quantity="1"
    )
    assert line.state == LineState.APPROVED and line.approved_by_method == "preauthorised"
    second = services.line_add(
        tenant=people["tech"], order_id=o.pk, kind="part", part_id=oil_filter.pk, quantity="1"
    )
    assert second.state == LineState.PROPOSED  # 136.00 is beyond the 100.00 pre-authorised


def test_a_declined_item_stays_as_a_recommendation_and_costs_nothing(order, people, tech, oil_filter):
    services.order_sign(tenant=people["sa"], order_id=order.pk)
    services.order_dispatch(tenant=people["foreman"], order_id=order.pk, technician_id=tech.pk)
    services.order_start(tenant=people["tech"], order_id=order.pk)
    before = _refresh(order).total
    line = services.line_add(
        tenant=people["tech"], order_id=order.pk, kind="part", part_id=oil_filter.pk, quantity="1"
    )
    services.order_request_approval(tenant=people["sa"], order_id=order.pk)
    services.order_approve(
        tenant=people["sa"], order_id=order.pk, method="phone", note="张先生电话：暂不更换",
        decisions={line.pk: "decline"},
    )  # fmt: skip
    line.refresh_from_db()
    assert line.state == LineState.DECLINED
    assert _refresh(order).total == before


def test_settlement_must_cover_the_customers_share(order, people, tech):
    o = _ready(order, people, tech)
    with pytest.raises(DomainError) as exc:
        services.order_settle(
            tenant=people["cashier"], order_id=o.pk, payments=[{"method": "cash", "amount": "1.00"}]
        )
    assert exc.value.errors[0]["field"] == "payments"
    assert _refresh(order).state == State.READY


def _ready(order, people, tech):
    services.order_sign(tenant=people["sa"], order_id=order.pk)
    services.order_dispatch(tenant=people["foreman"], order_id=order.pk, technician_id=tech.pk)
    services.order_start(tenant=people["tech"], order_id=order.pk)
    services.order_finish(tenant=people["tech"], order_id=order.pk)
    services.order_qc_pass(tenant=people["qc"], order_id=order.pk)
    return _refresh(order)


def test_a_return_within_the_repair_quality_warranty_is_a_comeback(order, people, tech, vehicle):
    o = _ready(order, people, tech)
    services.order_settle(
        tenant=people["cashier"],
        order_id=o.pk,
        payments=[{"method": "card", "amount": f"{o.customer_total:.2f}"}],
    )
    services.order_deliver(tenant=people["sa"], order_id=o.pk)
    again = services.repair_order_create(
        tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15800, complaint="保养后还是异响"
    )
    assert again.is_comeback and again.comeback_of_id == o.pk
    with time_machine.travel(timezone.now() + timedelta(days=11)):
        later = services.repair_order_create(
            tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15900, complaint="洗车"
        )
    assert not later.is_comeback


def test_cancel_needs_a_reason_and_is_recorded(order, people):
    with pytest.raises(DomainError):
        services.order_cancel(tenant=people["sa"], order_id=order.pk, reason="")
    services.order_cancel(tenant=people["sa"], order_id=order.pk, reason="客户改约")
    event = RepairOrderEvent.objects.filter(order=order, action="cancel").get()
    assert (event.from_state, event.to_state, event.reason) == ("draft", "cancelled", "客户改约")
