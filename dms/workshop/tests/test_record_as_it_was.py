"""The record as it was: the order keeps the VIN, plate, mileage and customer's name of its time and
its settlement list number (gap-free per store and year); a later plate change does not rewrite
them, in the API's answer or on the settlement list. The settled visit leaves on the vehicle's
history what 三包 counts (date in, repair days, faults, major systems replaced)."""

from decimal import Decimal

import pytest

from dms.vehicles.models import ServiceRecord, Vehicle
from dms.workshop import services
from dms.workshop.models import LaborOperation, RepairOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def gearbox_job(group):
    return LaborOperation.objects.create(group=group, code="G90", name="更换变速器总成", standard_hours=Decimal("6.0"),
                                         skill="engine", major_system="gearbox")  # fmt: skip


def settled(people, tech, vehicle, job, km=12_500):
    order = services.repair_order_create(
        tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=km, complaint="换挡冲击"
    )
    services.line_add(tenant=people["sa"], order_id=order.pk, kind="labor", labor_operation_id=job.pk)
    services.order_sign(tenant=people["sa"], order_id=order.pk)
    services.order_dispatch(tenant=people["foreman"], order_id=order.pk, technician_id=tech.pk)
    services.order_start(tenant=people["tech"], order_id=order.pk)
    services.order_finish(tenant=people["tech"], order_id=order.pk)
    services.order_qc_pass(tenant=people["qc"], order_id=order.pk)
    due = RepairOrder.objects.get(pk=order.pk).customer_total
    services.order_settle(
        tenant=people["cashier"], order_id=order.pk, payments=[{"method": "cash", "amount": str(due)}]
    )
    return RepairOrder.objects.get(pk=order.pk)


def test_the_order_keeps_the_record_of_its_time_whatever_the_plate_becomes(
    api, people, tech, vehicle, gearbox_job
):
    first = settled(people, tech, vehicle, gearbox_job)
    second = settled(people, tech, vehicle, gearbox_job, km=12_600)
    assert (first.vin, first.plate, first.customer_name) == (vehicle.vin, "粤B12345", "张三")
    assert first.settlement_number.startswith("JS-") and first.settlement_number != second.settlement_number
    assert int(second.settlement_number[-6:]) == int(first.settlement_number[-6:]) + 1  # gap-free

    Vehicle.objects.filter(pk=vehicle.pk).update(plate="粤B99999")
    answer = api.get(f"/repair-orders/{first.pk}").json()
    assert (answer["settlement_number"], answer["vin"], answer["plate"], answer["mileage_in"]) == (
        first.settlement_number, vehicle.vin, "粤B12345", 12_500)  # fmt: skip
    assert "mileage_out" in answer


def test_the_settlement_list_prints_the_copied_values(sa_client, people, tech, vehicle, gearbox_job):
    from dms.workshop.documents import SETTLEMENT_TEMPLATE, render_html, settlement_context

    order = settled(people, tech, vehicle, gearbox_job)
    Vehicle.objects.filter(pk=vehicle.pk).update(plate="粤B99999")
    context = settlement_context(people["sa"], RepairOrder.objects.get(pk=order.pk))
    assert context["record"]["plate"] == context["vehicle"]["plate"] == "粤B12345"
    assert context["settlement_number"] == order.settlement_number
    html = render_html(SETTLEMENT_TEMPLATE, context)
    assert "粤B12345" in html and "粤B99999" not in html and order.settlement_number in html
    pdf = sa_client.get(f"/documents/orders/{order.pk}/settlement.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"


def test_an_order_opened_copies_the_vin_plate_and_name(tenant, vehicle):
    order = services.repair_order_create(
        tenant=tenant, vehicle_id=vehicle.pk, mileage_km=12_100, complaint="保养"
    )
    stored = RepairOrder.objects.get(pk=order.pk)
    assert (stored.vin, stored.plate, stored.customer_name, stored.settlement_number) == (
        vehicle.vin,
        "粤B12345",
        "张三",
        "",
    )
    assert order.customer_name == "张三"  # read from the row when asked


def test_the_settled_visit_records_what_sanbao_counts(people, tech, vehicle, gearbox_job):
    order = settled(people, tech, vehicle, gearbox_job)
    record = ServiceRecord.objects.get(reference=order.number)
    assert record.faults == ["G90 更换变速器总成"] and record.replaced_systems == ["gearbox"]
    assert record.repair_days == 1 and record.date_in == record.date
