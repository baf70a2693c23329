"""Comebacks (返修) on small hand-made histories: every earlier order inside its repair-quality
warranty is looked at, periods by vehicle category and kind of work (art. 37), a store's longer
periods (never shorter), the advisor's decision through the workflow, the store paying, the link to
the original order's technician and QC inspector, the month's list and the first-time-fix rate."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from conftest import make_user
from dms.core.roles import Role
from dms.scheduling.models import Technician
from dms.workshop import actions, comebacks, services
from dms.workshop.models import (
    ComebackStatus,
    LaborOperation,
    RepairOrder,
    RepairOrderEvent,
    RepairOrderLine,
    State,
    StoreQualityWarranty,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def brake_job(group):
    return LaborOperation.objects.create(
        group=group, code="B20", name="更换前刹车片", standard_hours=Decimal("1.0"), skill="general"
    )


@pytest.fixture
def engine_job(group):
    return LaborOperation.objects.create(
        group=group, code="E50", name="发动机大修", standard_hours=Decimal("12.0"), skill="engine"
    )


@pytest.fixture
def history(store, sa, vehicle, customer, tech, qc):
    """An earlier order of the vehicle, delivered `days` ago at `km`, its labor operations done by
    tech1 and passed by qc1."""
    n = iter(range(1, 100))

    def make(*, days: int, km: int, work_class: str = "minor", ops=()):
        order = RepairOrder.objects.create(
            store=store, number=f"RO-H{next(n)}", state=State.DELIVERED, customer=customer, vehicle=vehicle,
            advisor=sa, technician=tech, complaint="异响", mileage_in=km, mileage_out=km, work_class=work_class,
            delivered_at=timezone.now() - timedelta(days=days),
        )  # fmt: skip
        for op in ops:
            RepairOrderLine.objects.create(order=order, kind="labor", description=op.name, quantity=1,
                                           unit_price=100, amount=100, labor_operation=op, state="done")  # fmt: skip
        RepairOrderEvent.objects.create(order=order, at=order.delivered_at - timedelta(hours=1), by=qc,
                                        action="qc-pass", from_state="finished", to_state="ready")  # fmt: skip
        return order

    return make


def visit(tenant, vehicle, km: int, **kw):
    return services.repair_order_create(
        tenant=tenant, vehicle_id=vehicle.pk, mileage_km=km, complaint="又响了", **kw
    )


def test_an_overhaul_inside_its_100_days_is_found_behind_a_later_oil_change(tenant, vehicle, history):
    overhaul = history(days=60, km=10_000, work_class="overhaul")
    history(days=20, km=11_000, work_class="minor")  # its 10 days are over
    order = visit(tenant, vehicle, 12_500)
    assert (
        order.comeback_of == overhaul
        and order.comeback_status == ComebackStatus.SUSPECTED
        and order.is_comeback
    )


@pytest.mark.parametrize(
    ("category", "work_class", "days", "km", "inside"),
    [
        ("car", "overhaul", 100, 20_000, True), ("car", "overhaul", 101, 1, False),
        ("car", "overhaul", 5, 20_001, False), ("car", "level2", 30, 5_000, True), ("car", "level2", 31, 1, False),
        ("car", "minor", 10, 2_000, True), ("car", "minor", 11, 1, False), ("car", "minor", 1, 2_001, False),
        ("motorcycle", "overhaul", 80, 7_000, True), ("motorcycle", "overhaul", 81, 1, False),
        ("motorcycle", "overhaul", 1, 7_001, False), ("motorcycle", "level2", 10, 800, True),
        ("motorcycle", "level2", 11, 1, False), ("motorcycle", "minor", 1, 801, False),
        ("other", "overhaul", 60, 6_000, True), ("other", "overhaul", 61, 1, False),
        ("other", "minor", 7, 700, True), ("other", "minor", 8, 1, False), ("other", "level2", 1, 701, False),
    ],
)  # fmt: skip
def test_periods_by_vehicle_category_and_kind_of_work(
    tenant, vehicle, history, category, work_class, days, km, inside
):
    vehicle.category = category
    vehicle.save(update_fields=["category"])
    earlier = history(days=days, km=30_000 - km, work_class=work_class)
    found = comebacks.find(vehicle.pk, 30_000, timezone.now() - timedelta(minutes=1))
    assert (found == earlier) is inside


def test_a_store_may_promise_longer_never_shorter(store, tenant, vehicle, history):
    period = StoreQualityWarranty(store=store, category="car", work_class="minor", km=1_000, days=5)
    with pytest.raises(ValidationError) as refused:
        period.full_clean()
    assert set(refused.value.message_dict) == {"km", "days"}
    with pytest.raises(ValidationError):
        StoreQualityWarranty(
            store=store, category="motorcycle", work_class="overhaul", km=7_000, days=79
        ).full_clean()
    longer = StoreQualityWarranty(store=store, category="car", work_class="minor", km=3_000, days=30)
    longer.full_clean()
    longer.save()
    earlier = history(days=25, km=9_500)  # 25 days and 2,500 km: outside the law's 10 days / 2,000 km
    assert comebacks.find(vehicle.pk, 12_000, timezone.now()) == earlier


def test_the_fault_in_common_is_compared_and_the_advisor_confirms_with_a_reason(
    tenant, vehicle, history, brake_job, engine_job, tech, qc, store
):
    engine = history(days=50, km=9_000, work_class="overhaul", ops=[engine_job])
    brakes = history(days=3, km=11_800, ops=[brake_job])
    order = visit(tenant, vehicle, 12_000)
    assert order.comeback_of == brakes  # the most recent, until the fault is known
    services.line_add(tenant=tenant, order_id=order.pk, kind="labor", labor_operation_id=engine_job.pk)
    found = comebacks.candidates(RepairOrder.objects.get(pk=order.pk))
    assert [c.order for c in found] == [engine, brakes]
    assert found[0].same_operations == ["E50 发动机大修"] and found[0].same_systems == ["engine"]

    with pytest.raises(Exception) as no_reason:
        actions.take(tenant=tenant, order_id=order.pk, action="confirm-comeback", data={})
    assert no_reason.value.errors[0]["field"] == "reason"
    actions.take(tenant=tenant, order_id=order.pk, action="confirm-comeback",
                 data={"reason": "同一故障：发动机异响", "original_order_id": str(engine.pk)})  # fmt: skip
    order = RepairOrder.objects.get(pk=order.pk)
    assert order.comeback_status == ComebackStatus.CONFIRMED and order.comeback_of == engine
    assert (order.comeback_technician, order.comeback_inspector) == (tech, qc)
    assert order.customer_total == Decimal("0.00") and order.total > 0
    assert set(order.lines.values_list("payer", flat=True)) == {"store"}
    assert order.state == State.DRAFT
    assert order.events.filter(action="confirm-comeback", reason="同一故障：发动机异响").exists()


def test_an_overruled_comeback_is_paid_by_the_customer_and_cannot_be_overruled_twice(
    tenant, vehicle, history, brake_job
):
    history(days=3, km=11_800, ops=[brake_job])
    order = visit(tenant, vehicle, 12_000)
    services.line_add(tenant=tenant, order_id=order.pk, kind="labor", labor_operation_id=brake_job.pk)
    actions.take(tenant=tenant, order_id=order.pk, action="confirm-comeback", data={"reason": "同一故障"})
    actions.take(
        tenant=tenant, order_id=order.pk, action="overrule-comeback", data={"reason": "客户改装导致"}
    )
    order = RepairOrder.objects.get(pk=order.pk)
    assert (order.comeback_status, order.is_comeback) == (ComebackStatus.OVERRULED, False)
    assert order.customer_total == order.total > 0 and order.comeback_technician_id is None
    with pytest.raises(Exception) as again:
        actions.take(tenant=tenant, order_id=order.pk, action="overrule-comeback", data={"reason": "x"})
    assert again.value.status == 409


def test_a_comeback_needs_an_earlier_repair_inside_its_warranty(tenant, vehicle, history):
    outside = history(days=40, km=11_000)
    order = visit(tenant, vehicle, 12_000)
    assert order.comeback_status == ComebackStatus.NONE
    with pytest.raises(Exception) as refused:
        actions.take(tenant=tenant, order_id=order.pk, action="confirm-comeback",
                     data={"reason": "客户说是同一问题", "original_order_id": outside.pk})  # fmt: skip
    assert refused.value.errors[0]["field"] == "original_order_id"


def test_the_store_pays_only_the_lines_of_a_confirmed_comeback(tenant, vehicle):
    order = visit(tenant, vehicle, 12_000)
    with pytest.raises(Exception) as refused:
        services.line_add(tenant=tenant, order_id=order.pk, kind="fee", description="返修", quantity="1",
                          unit_price="10.00", payer="store")  # fmt: skip
    assert refused.value.errors[0]["field"] == "payer"


def _settle_free(people, tech, order_id):
    services.order_sign(tenant=people["sa"], order_id=order_id)
    services.order_dispatch(tenant=people["foreman"], order_id=order_id, technician_id=tech.pk)
    services.order_start(tenant=people["tech"], order_id=order_id)
    services.order_finish(tenant=people["tech"], order_id=order_id)
    services.order_qc_pass(tenant=people["qc"], order_id=order_id)
    services.order_settle(tenant=people["cashier"], order_id=order_id, payments=[])


def test_the_month_list_and_the_first_time_fix_rate(
    tenant, manager_tenant, vehicle, history, brake_job, tech, qc, api, people
):
    history(days=3, km=11_800, ops=[brake_job])
    order = visit(tenant, vehicle, 12_000)
    services.line_add(tenant=tenant, order_id=order.pk, kind="labor", labor_operation_id=brake_job.pk)
    actions.take(tenant=tenant, order_id=order.pk, action="confirm-comeback", data={"reason": "同一故障"})
    _settle_free(people, tech, order.pk)
    assert RepairOrder.objects.get(pk=order.pk).customer_total == 0

    month = timezone.localdate().strftime("%Y-%m")
    answer = api.get(f"/comebacks?month={month}").json()
    assert answer["count"] == 1
    item = answer["items"][0]
    assert item["number"] == order.number and item["original"]["number"] == "RO-H1"
    assert item["technician"]["name"] == "tech1" or item["technician"]["id"] == tech.user_id
    assert item["qc_inspector"]["id"] == qc.pk and item["reason"] == "同一故障"

    delivered_month = (timezone.localdate() - timedelta(days=3)).strftime("%Y-%m")
    report = comebacks.report(manager_tenant, delivered_month)
    tech_row = next(r for r in report["technician"] if r["name"] == tech.user.username)
    assert (tech_row["delivered"], tech_row["comebacks"], tech_row["first_time_fix"]) == (1, 1, 0.0)
    assert [
        o.number for o in comebacks.came_back(manager_tenant, delivered_month, "technician", "tech1")
    ] == ["RO-H1"]


@pytest.mark.parametrize("month", ["2026-13", "26-01", "", "2026-1", "abcd-ef"])
def test_a_bad_month_is_refused(api, month):
    r = api.get(f"/comebacks?month={month}")
    assert r.status_code in (400, 422) and "detail" in r.json()


def test_another_groups_comebacks_and_orders_are_not_seen(tenant, vehicle, history, brake_job, outsider_api):
    history(days=3, km=11_800, ops=[brake_job])
    order = visit(tenant, vehicle, 12_000)
    r = outsider_api.post(f"/repair-orders/{order.pk}/actions/confirm-comeback", {"reason": "x"})
    assert r.status_code == 404
    actions.take(tenant=tenant, order_id=order.pk, action="confirm-comeback", data={"reason": "同一故障"})
    month = timezone.localdate().strftime("%Y-%m")
    assert outsider_api.get(f"/comebacks?month={month}").json() == {"count": 0, "items": []}


def test_the_api_confirms_with_the_version_read(api, tenant, vehicle, history):
    history(days=3, km=11_800)
    order = visit(tenant, vehicle, 12_000)
    r = api.post(f"/repair-orders/{order.pk}/actions/confirm-comeback", {"reason": "同一故障", "version": 99})
    assert r.status_code == 409
    r = api.post(
        f"/repair-orders/{order.pk}/actions/confirm-comeback",
        {"reason": "同一故障", "version": order.version},
    )
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["comeback_status"] == "confirmed" and "overrule-comeback" in body["allowed_actions"]
    assert "confirm-comeback" not in body["allowed_actions"]


def test_the_month_report_lists_people_by_pinyin(manager_tenant, store, sa, vehicle, customer):
    for n, name in enumerate(["张伟", "王芳", "陈静", "Alan"]):
        user = make_user(f"t{n}", store, Role.TECHNICIAN)
        user.display_name = name
        user.save(update_fields=["display_name"])
        RepairOrder.objects.create(
            store=store, number=f"RO-P{n}", state=State.DELIVERED, customer=customer, vehicle=vehicle, advisor=sa,
            technician=Technician.objects.create(store=store, user=user, skills=["general"]), complaint="保养",
            mileage_in=1000 + n, mileage_out=1000 + n, delivered_at=timezone.now() - timedelta(minutes=n),
        )  # fmt: skip
    report = comebacks.report(manager_tenant, timezone.localdate().strftime("%Y-%m"))
    assert [r["label"] for r in report["technician"]] == ["Alan", "陈静", "王芳", "张伟"]
