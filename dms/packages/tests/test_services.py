"""Applying a package or canned job to a repair order: every line or none, priced now."""

from decimal import Decimal

import pytest

from dms.core.errors import Conflict, DomainError, Forbidden, NotFound
from dms.core.tenancy import resolve_tenant
from dms.packages.models import Application
from dms.packages.services import canned_job_apply, package_apply, recommendation_accept
from dms.workshop.models import LineState, RepairOrder, RepairOrderEvent, RepairOrderLine
from dms.workshop.services import line_add, repair_order_create

pytestmark = pytest.mark.django_db


def lines(order):
    return [(ln.kind, ln.description, str(ln.quantity), str(ln.unit_price), str(ln.amount))
            for ln in RepairOrderLine.objects.filter(order=order).order_by("id")]  # fmt: skip


def test_a_package_adds_its_labor_at_the_store_rate_and_its_parts_at_their_price(people, order, schedule):
    package_apply(tenant=people["sa"], order_id=order.pk, package_id=schedule["10k"].pk)

    assert lines(order) == [
        ("labor", "更换机油机滤", "0.80", "300.00", "240.00"),
        ("part", "机油 0W-20", "4.00", "78.00", "312.00"),
        ("part", "机油滤清器", "1.00", "68.00", "68.00"),
        ("labor", "多项目检查", "0.30", "300.00", "90.00"),
    ]
    order.refresh_from_db()
    assert order.total == Decimal("710.00")
    assert RepairOrderEvent.objects.filter(order=order, action="package-apply").count() == 1


def test_labor_hours_follow_the_items_quantity_and_the_stores_own_rate(people, order, schedule, store):
    store.labor_rate = Decimal("320.00")
    store.save()
    schedule["10k"].items.filter(labor_operation__code="M10").update(quantity=Decimal("1.5"))
    sa = resolve_tenant(people["sa"].user)

    package_apply(tenant=sa, order_id=order.pk, package_id=schedule["10k"].pk)

    assert lines(order)[0] == ("labor", "更换机油机滤", "1.20", "320.00", "384.00")


def test_a_package_with_a_retired_part_adds_nothing_and_says_which(people, order, schedule, catalogue):
    catalogue["filter"].active = False
    catalogue["filter"].save()

    with pytest.raises(DomainError) as refused:
        package_apply(tenant=people["sa"], order_id=order.pk, package_id=schedule["10k"].pk)

    assert refused.value.errors[0]["field"] == "package_id" and "15400-RTA" in str(refused.value.message)
    assert lines(order) == [] and not Application.objects.exists()


def test_when_one_line_fails_midway_none_of_the_package_is_kept(people, order, schedule, monkeypatch):
    # given the third line_add call fails (e.g. a price the order cannot take)
    from dms.packages import services

    calls = []

    def failing(**kw):
        calls.append(kw)
        if len(calls) == 3:
            raise DomainError("boom", field="quantity")
        return line_add(**kw)

    monkeypatch.setattr(services, "line_add", failing)

    with pytest.raises(DomainError):
        package_apply(tenant=people["sa"], order_id=order.pk, package_id=schedule["10k"].pk)

    # then the two lines already added are rolled back with it
    assert lines(order) == []
    order.refresh_from_db()
    assert order.total == 0 and order.version == 1


def test_the_same_package_twice_on_one_order_is_refused(people, order, schedule):
    package_apply(tenant=people["sa"], order_id=order.pk, package_id=schedule["10k"].pk)

    with pytest.raises(Conflict):
        package_apply(tenant=people["sa"], order_id=order.pk, package_id=schedule["10k"].pk)
    assert len(lines(order)) == 4


def test_a_package_for_another_brand_is_refused_with_a_reason(people, order, schedule, group):
    from dms.core.models import Brand

    toyota = Brand.objects.create(group=group, name="广汽丰田")
    schedule["10k"].brand = toyota
    schedule["10k"].save()

    with pytest.raises(DomainError) as refused:
        package_apply(tenant=people["sa"], order_id=order.pk, package_id=schedule["10k"].pk)

    assert refused.value.errors == [{"field": "package_id", "message": refused.value.message}]
    assert "广汽丰田" in str(refused.value.message) and "思域" in str(refused.value.message)


def test_a_stale_version_is_refused(people, order, schedule):
    with pytest.raises(Conflict):
        package_apply(tenant=people["sa"], order_id=order.pk, package_id=schedule["10k"].pk, version=99)


def test_a_technician_cannot_apply_packages(people, order, schedule, brake_job):
    with pytest.raises(Forbidden):
        package_apply(tenant=people["tech"], order_id=order.pk, package_id=schedule["10k"].pk)
    with pytest.raises(Forbidden):
        canned_job_apply(tenant=people["tech"], order_id=order.pk, canned_job_id=brake_job.pk)


def test_another_groups_order_or_package_is_not_found(people, order, schedule, outsider_tenant):
    with pytest.raises(NotFound):
        package_apply(tenant=outsider_tenant, order_id=order.pk, package_id=schedule["10k"].pk)
    assert lines(order) == []


def test_a_canned_job_adds_its_lines(people, order, brake_job):
    applied = canned_job_apply(tenant=people["sa"], order_id=order.pk, canned_job_id=brake_job.pk)

    assert applied.canned_job == brake_job and len(applied.lines) == 2
    assert lines(order) == [
        ("labor", "更换前刹车片", "1.00", "300.00", "300.00"),
        ("part", "前刹车片", "1.00", "560.00", "560.00"),
    ]


def test_once_work_has_started_a_canned_job_becomes_extra_work_for_the_customer_to_approve(
    people, order, brake_job, tech
):
    from dms.workshop.services import order_dispatch, order_sign, order_start

    line_add(tenant=people["sa"], order_id=order.pk, kind="labor", description="检查", quantity="0.5")
    order_sign(tenant=people["sa"], order_id=order.pk)
    order_dispatch(tenant=people["foreman"], order_id=order.pk, technician_id=tech.pk)
    order_start(tenant=people["tech"], order_id=order.pk)

    canned_job_apply(tenant=people["sa"], order_id=order.pk, canned_job_id=brake_job.pk)

    assert list(RepairOrderLine.objects.filter(order=order, is_additional=True).values_list("state", flat=True)) == [
        LineState.PROPOSED, LineState.PROPOSED]  # fmt: skip


def test_a_delivered_order_takes_no_package(people, order, schedule):
    RepairOrder.objects.filter(pk=order.pk).update(state="delivered")

    with pytest.raises(Conflict):
        package_apply(tenant=people["sa"], order_id=order.pk, package_id=schedule["10k"].pk)
    assert not Application.objects.exists()


# --- A declined item, taken up again ---------------------------------------------------------------------


@pytest.fixture
def declined_pads(people, order, catalogue):
    line = line_add(tenant=people["sa"], order_id=order.pk, kind="part", part_id=catalogue["pads"].pk, quantity="1",
                    unit_price="500.00")  # fmt: skip
    RepairOrderLine.objects.filter(pk=line.pk).update(state=LineState.DECLINED)
    RepairOrder.objects.filter(pk=order.pk).update(state="delivered")
    return line


def test_a_declined_item_is_added_again_at_todays_price(people, vehicle, declined_pads):
    now = repair_order_create(
        tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15000, complaint="刹车异响"
    )

    line = recommendation_accept(tenant=people["sa"], order_id=now.pk, line_id=declined_pads.pk)

    assert (line.order_id, line.description, line.unit_price, line.state) == (now.pk, "前刹车片", Decimal("560.00"),
                                                                              LineState.APPROVED)  # fmt: skip
    with pytest.raises(Conflict):
        recommendation_accept(tenant=people["sa"], order_id=now.pk, line_id=declined_pads.pk)


def test_only_a_declined_item_of_the_same_vehicle_can_be_taken_up(people, vehicle, declined_pads, order, customer,
                                                                  brand):  # fmt: skip
    from conftest import valid_vin
    from dms.vehicles.services import vehicle_create

    other = vehicle_create(tenant=people["sa"], owner_id=customer.pk, vin=valid_vin(42), brand_id=brand.pk,
                           model="CR-V", mileage_km=100).record  # fmt: skip
    theirs = repair_order_create(tenant=people["sa"], vehicle_id=other.pk, mileage_km=100, complaint="保养")
    with pytest.raises(NotFound):
        recommendation_accept(tenant=people["sa"], order_id=theirs.pk, line_id=declined_pads.pk)

    kept = RepairOrderLine.objects.create(
        order=order, kind="fee", description="洗车", quantity=1, unit_price=0, amount=0
    )
    now = repair_order_create(tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15000, complaint="异响")
    with pytest.raises(NotFound):
        recommendation_accept(tenant=people["sa"], order_id=now.pk, line_id=kept.pk)
    with pytest.raises(NotFound):  # nor one declined on the very order it would go on
        recommendation_accept(tenant=people["sa"], order_id=declined_pads.order_id, line_id=declined_pads.pk)


def test_an_outsider_cannot_take_up_our_declined_item(people, declined_pads, outsider_tenant):
    with pytest.raises(NotFound):
        recommendation_accept(
            tenant=outsider_tenant, order_id=declined_pads.order_id, line_id=declined_pads.pk
        )
