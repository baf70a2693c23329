"""The completion certificate (机动车维修竣工出厂合格证): level-2 maintenance and overhauls are settled
with its number, checked and kept on the order, answered by the API and printed on the settlement
list; other work settles without one."""

import pytest

from dms.workshop import documents, selectors, services
from dms.workshop.models import RepairOrder, State

pytestmark = pytest.mark.django_db


def ready(people, tech, vehicle, *, work_class: str, km: int = 12_500) -> RepairOrder:
    sa = people["sa"]
    order = services.repair_order_create(
        tenant=sa, vehicle_id=vehicle.pk, mileage_km=km, complaint="二级维护", work_class=work_class
    )
    services.line_add(tenant=sa, order_id=order.pk, kind="labor", description="二级维护作业", quantity="2", unit_price="150.00")  # fmt: skip
    services.order_sign(tenant=sa, order_id=order.pk)
    services.order_dispatch(tenant=people["foreman"], order_id=order.pk, technician_id=tech.pk)
    services.order_start(tenant=people["tech"], order_id=order.pk)
    services.order_finish(tenant=people["tech"], order_id=order.pk)
    services.order_qc_pass(tenant=people["qc"], order_id=order.pk)
    return RepairOrder.objects.get(pk=order.pk)


PAY = {"payments": [{"method": "cash", "amount": "300.00"}]}


@pytest.fixture
def cashier_api(api_as, cashier):
    return api_as(cashier)


def test_level_2_maintenance_is_not_settled_without_the_certificates_number(
    cashier_api, people, tech, vehicle
):
    order = ready(people, tech, vehicle, work_class="level2")

    r = cashier_api.post(f"/repair-orders/{order.pk}/actions/settle", PAY)

    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "certificate_number" and "合格证" in r.json()["detail"]
    after = RepairOrder.objects.get(pk=order.pk)
    assert (after.state, after.settlement_number, after.payments.count()) == (State.READY, "", 0)


@pytest.mark.parametrize("number", ["No.12345", "12", "粤 001", "x" * 31])
def test_a_number_not_as_printed_is_refused(cashier_api, people, tech, vehicle, number):
    order = ready(people, tech, vehicle, work_class="overhaul")

    r = cashier_api.post(f"/repair-orders/{order.pk}/actions/settle", {**PAY, "certificate_number": number})

    assert r.status_code in (400, 422)
    assert RepairOrder.objects.get(pk=order.pk).state == State.READY


def test_the_overhaul_settles_with_its_number_answered_and_printed(cashier_api, people, tech, vehicle):
    order = ready(people, tech, vehicle, work_class="overhaul")

    r = cashier_api.post(
        f"/repair-orders/{order.pk}/actions/settle", {**PAY, "certificate_number": "粤B2027-000815"}
    )

    assert r.status_code == 200, r.content
    body = r.json()
    assert (body["state"], body["certificate_number"]) == ("settled", "粤B2027-000815")
    assert body["settlement_number"].startswith("JS-")
    context = documents.settlement_context(
        people["cashier"], selectors.order_get(people["cashier"], order.pk)
    )
    html = documents.render_html(documents.SETTLEMENT_TEMPLATE, context)
    assert "合格证号" in html and "粤B2027-000815" in html and "整车或总成修理" in html


def test_one_certificate_is_not_given_to_two_orders(cashier_api, people, tech, vehicle):
    first = ready(people, tech, vehicle, work_class="level2")
    cashier_api.post(
        f"/repair-orders/{first.pk}/actions/settle", {**PAY, "certificate_number": "440300-0001"}
    )
    second = ready(people, tech, vehicle, work_class="level2", km=12_600)

    r = cashier_api.post(
        f"/repair-orders/{second.pk}/actions/settle", {**PAY, "certificate_number": "440300-0001"}
    )

    assert r.status_code == 400 and first.number in r.json()["detail"]
    assert RepairOrder.objects.get(pk=second.pk).state == State.READY


def test_minor_work_settles_without_a_certificate(cashier_api, people, tech, vehicle):
    order = ready(people, tech, vehicle, work_class="minor")

    r = cashier_api.post(f"/repair-orders/{order.pk}/actions/settle", PAY)

    assert r.status_code == 200 and r.json()["certificate_number"] == ""
    html = documents.render_html(
        documents.SETTLEMENT_TEMPLATE,
        documents.settlement_context(people["cashier"], selectors.order_get(people["cashier"], order.pk)),
    )
    assert "合格证号" not in html


def test_the_order_page_asks_for_the_number_at_settlement(people, tech, vehicle, cashier):
    from django.test import Client

    order = ready(people, tech, vehicle, work_class="level2")
    client = Client()
    client.force_login(cashier)

    page = client.get(f"/orders/{order.pk}/").content.decode()
    assert 'name="certificate_number"' in page and "竣工出厂合格证" in page
    refused = client.post(f"/orders/{order.pk}/actions/settle/", {"method": "cash", "amount": "300.00", "version": order.version}, follow=True)  # fmt: skip
    assert "合格证" in refused.content.decode()
    assert RepairOrder.objects.get(pk=order.pk).state == State.READY

    client.post(f"/orders/{order.pk}/actions/settle/", {"method": "cash", "amount": "300.00", "version": order.version,
                                                      "certificate_number": "粤0012345"})  # fmt: skip
    settled = RepairOrder.objects.get(pk=order.pk)
    assert (settled.state, settled.certificate_number) == (State.SETTLED, "粤0012345")
