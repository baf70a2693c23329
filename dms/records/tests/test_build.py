"""The record of a settled order: built in the settle step's transaction, with what the law lists,
as the order was at settlement; queued for upload where the store has a platform."""

from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from dms.core.events import publish
from dms.records.models import RepairRecord, UploadState
from dms.records.subscribers import on_repair_order_settled
from dms.workshop.models import LaborOperation, LineState, RepairOrder, RepairOrderLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def brake_job(group):
    return LaborOperation.objects.create(
        group=group, code="B20", name="更换前刹车片", standard_hours=Decimal("1.2"), skill="general"
    )


@pytest.fixture
def pads(admin_tenant):
    from dms.parts.services import part_create, stock_receive

    part = part_create(tenant=admin_tenant, number="45022-T2A-A01", name="前刹车片", price="420.00")
    stock_receive(tenant=admin_tenant, part_id=part.pk, quantity="4")
    return part


def test_settling_builds_the_record_with_what_the_law_lists(settled, store, vehicle, brake_job, pads):
    # given an order with a labor operation, a part, a material without a part number and a fee
    order_id = settled(lines=[
        {"kind": "labor", "labor_operation_id": brake_job.pk},
        {"kind": "part", "part_id": pads.pk, "quantity": "1"},
        {"kind": "material", "description": "刹车油 DOT4", "quantity": "0.5", "unit_price": "80.00"},
        {"kind": "fee", "description": "检测费", "quantity": "1", "unit_price": "50.00"},
    ])  # fmt: skip

    # then the settlement built one record of it
    order = RepairOrder.objects.get(pk=order_id)
    record = RepairRecord.objects.get(order_id=order_id)
    today = timezone.localdate().strftime("%Y%m%d")
    assert record.data == {
        "companyname": "深圳一店",
        "vehicleplatenumber": "粤B12345",
        "vin": vehicle.vin,
        "repairdate": today,
        "repairmileage": "23456",
        "settledate": today,
        "costlistcode": order.settlement_number,
        "certificatecode": "",
        "faultdescription": "左前轮异响，刹车时明显",
        "repairprojectlist": [
            {"repairproject": "更换前刹车片", "workinghours": "1.20", "feecategory": "labor"}
        ],
        "vehiclepartslist": [
            {
                "partsname": "前刹车片",
                "partscode": "45022-T2A-A01",
                "partsquantity": "1.00",
                "feecategory": "materials",
            },
            {
                "partsname": "刹车油 DOT4",
                "partscode": "",
                "partsquantity": "0.50",
                "feecategory": "materials",
            },
        ],
        "costlist": [
            {"feecategory": "diagnosis", "feename": "诊断费", "amount": "0.00"},
            {"feecategory": "inspection", "feename": "检测费", "amount": "0.00"},
            {"feecategory": "materials", "feename": "材料费", "amount": "460.00"},
            {"feecategory": "labor", "feename": "工时费", "amount": f"{order.labor_total:.2f}"},
            {"feecategory": "processing", "feename": "加工费", "amount": "0.00"},
            {"feecategory": "other", "feename": "其他费用", "amount": "50.00"},
        ],
    }
    assert order.settlement_number.startswith("JS-")
    assert (record.store, record.vin, record.plate, record.settlement_number) == (
        store, vehicle.vin, "粤B12345", order.settlement_number,
    )  # fmt: skip
    assert record.settled_on == timezone.localdate()


def test_a_declined_line_is_not_in_the_record(settled):
    order_id = settled(lines=[
        {"kind": "labor", "description": "更换前刹车片", "quantity": "1.5", "unit_price": "200.00"},
    ])  # fmt: skip
    # given the same order with a recommendation the customer declined, settled again
    order = RepairOrder.objects.get(pk=order_id)
    RepairRecord.objects.filter(order_id=order_id).delete()
    RepairOrderLine.objects.create(order=order, kind="labor", description="四轮定位", quantity=Decimal("1"),
                                   unit_price=Decimal("150"), amount=Decimal("150"), state=LineState.DECLINED)  # fmt: skip
    with transaction.atomic():
        publish(type="repair_order.settled", store=order.store, subject=order)

    # then the record lists only the work done
    record = RepairRecord.objects.get(order_id=order_id)
    assert [p["repairproject"] for p in record.data["repairprojectlist"]] == ["更换前刹车片"]


def test_the_record_keeps_the_plate_of_the_day_of_settlement(settled, vehicle, admin_tenant):
    from dms.vehicles.models import Vehicle
    from dms.vehicles.services import vehicle_update

    order_id = settled()
    # when the car gets a new plate afterwards
    vehicle_update(tenant=admin_tenant, vehicle_id=vehicle.pk, plate="粤B99999",
                   version=Vehicle.objects.get(pk=vehicle.pk).version)  # fmt: skip

    # then the record still says the plate it had
    record = RepairRecord.objects.get(order_id=order_id)
    assert Vehicle.objects.get(pk=vehicle.pk).plate == "粤B99999"
    assert record.plate == "粤B12345"
    assert record.data["vehicleplatenumber"] == "粤B12345"


def test_the_event_handled_twice_builds_one_record(settled):
    order_id = settled()
    order = RepairOrder.objects.select_related("store").get(pk=order_id)
    event = type("E", (), {"subject_id": order_id})()

    on_repair_order_settled(event)

    assert RepairRecord.objects.filter(order_id=order.pk).count() == 1


def test_without_a_platform_the_record_is_kept_for_upload_by_hand(settled):
    record = RepairRecord.objects.get(order_id=settled())

    assert record.state == UploadState.MANUAL
    assert record.next_attempt_at is None


def test_with_a_platform_the_record_is_queued_for_upload(settled, platform):
    record = RepairRecord.objects.get(order_id=settled())

    assert record.state == UploadState.PENDING
    assert record.next_attempt_at is not None
    assert record.attempts == 0


def test_an_inactive_platform_keeps_records_for_upload_by_hand(settled, platform):
    platform.active = False
    platform.save()

    record = RepairRecord.objects.get(order_id=settled())

    assert record.state == UploadState.MANUAL


def test_a_settlement_that_is_refused_leaves_no_record(admin_tenant, vehicle, platform):
    from dms.core.errors import DomainError

    from .conftest import settle

    # when the payments do not add up, the settlement is refused
    with pytest.raises(DomainError):
        settle(admin_tenant, vehicle, payments=[{"method": "cash", "amount": "1.00"}])

    # then no record was built, nothing is queued
    assert not RepairRecord.objects.exists()
