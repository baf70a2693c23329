"""The settlement list's fees (诊断费、检测费、材料费、工时费、加工费、其他费用): each line is counted as
the fee chosen when it was added (by default its labor operation's), never guessed from its words;
the API's order answer carries the same totals, and the category changes until settlement."""

from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps as django_apps

from dms.workshop import documents, selectors, services
from dms.workshop.models import LaborOperation, RepairOrder, RepairOrderLine

pytestmark = pytest.mark.django_db


@pytest.fixture
def engine_diagnosis(group):
    return LaborOperation.objects.create(group=group, code="FD01", name="发动机故障诊断", standard_hours=Decimal("1.0"),
                                         skill="engine", fee_category="diagnosis")  # fmt: skip


@pytest.fixture
def order(tenant, vehicle):
    return services.repair_order_create(
        tenant=tenant, vehicle_id=vehicle.pk, mileage_km=12_500, complaint="故障灯亮"
    )


def add(tenant, order, **kw):
    return services.line_add(tenant=tenant, order_id=order.pk, **kw)


def settle(people, tech, order) -> RepairOrder:
    services.order_sign(tenant=people["sa"], order_id=order.pk)
    services.order_dispatch(tenant=people["foreman"], order_id=order.pk, technician_id=tech.pk)
    services.order_start(tenant=people["tech"], order_id=order.pk)
    services.order_finish(tenant=people["tech"], order_id=order.pk)
    services.order_qc_pass(tenant=people["qc"], order_id=order.pk)
    due = RepairOrder.objects.get(pk=order.pk).customer_total
    services.order_settle(tenant=people["cashier"], order_id=order.pk, payments=[{"method": "cash", "amount": f"{due:.2f}"}])  # fmt: skip
    return RepairOrder.objects.get(pk=order.pk)


def test_a_line_is_counted_as_its_labor_operations_fee_unless_chosen(
    tenant, order, engine_diagnosis, oil_change
):
    diagnosis = add(tenant, order, kind="labor", labor_operation_id=engine_diagnosis.pk)
    inspected = add(
        tenant, order, kind="labor", labor_operation_id=engine_diagnosis.pk, fee_category="inspection"
    )
    oil = add(tenant, order, kind="labor", labor_operation_id=oil_change.pk)

    assert (diagnosis.fee_category, inspected.fee_category, oil.fee_category) == (
        "diagnosis",
        "inspection",
        "labor",
    )


def test_without_an_operation_labor_is_labor_a_fee_other_and_parts_materials(tenant, order, oil_filter):
    labor = add(tenant, order, kind="labor", description="四轮定位检测", quantity="1", unit_price="200.00")
    fee = add(tenant, order, kind="fee", description="故障诊断费", quantity="1", unit_price="150.00")
    part = add(tenant, order, kind="part", part_id=oil_filter.pk, quantity="1")
    material = add(tenant, order, kind="material", description="清洗剂", quantity="1", unit_price="35.00")

    # the words 检测 and 诊断 decide nothing
    assert [ln.fee_category for ln in (labor, fee, part, material)] == [
        "labor",
        "other",
        "materials",
        "materials",
    ]


def test_a_part_is_never_counted_as_a_diagnosis_fee(api, order, oil_filter):
    r = api.post(f"/repair-orders/{order.pk}/lines", {"kind": "part", "part_id": oil_filter.pk, "quantity": "1",
                                                      "fee_category": "diagnosis"})  # fmt: skip

    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "fee_category" and "材料费" in r.json()["detail"]
    assert not RepairOrderLine.objects.filter(order=order).exists()


def test_an_unknown_fee_is_refused_by_the_api(api, order):
    r = api.post(f"/repair-orders/{order.pk}/lines", {"kind": "fee", "description": "拖车费", "quantity": "1",
                                                      "unit_price": "300.00", "fee_category": "towing"})  # fmt: skip

    assert r.status_code == 422
    assert not RepairOrderLine.objects.filter(order=order).exists()


def test_the_api_answers_each_lines_fee_and_the_settlement_lists_totals(
    api, order, engine_diagnosis, oil_filter
):
    api.post(f"/repair-orders/{order.pk}/lines", {"kind": "labor", "labor_operation_id": engine_diagnosis.pk})
    api.post(f"/repair-orders/{order.pk}/lines", {"kind": "fee", "description": "尾气检测", "quantity": "1",
                                                  "unit_price": "80.00", "fee_category": "inspection"})  # fmt: skip
    api.post(f"/repair-orders/{order.pk}/lines", {"kind": "labor", "description": "刹车盘车削", "quantity": "1",
                                                  "unit_price": "260.00", "fee_category": "processing"})  # fmt: skip
    r = api.post(
        f"/repair-orders/{order.pk}/lines", {"kind": "part", "part_id": oil_filter.pk, "quantity": "1"}
    )

    assert r.status_code == 201
    body = r.json()
    assert [ln["fee_category"] for ln in body["lines"]] == [
        "diagnosis",
        "inspection",
        "processing",
        "materials",
    ]
    # the store's rate is 300.00 an hour: FD01 is 1.0 h
    assert body["charges"] == {"diagnosis": "300.00", "inspection": "80.00", "materials": "68.00",
                               "labor": "0.00", "processing": "260.00", "other": "0.00"}  # fmt: skip
    assert api.get("/labor-operations").json()[0]["fee_category"] == "diagnosis"


def test_the_advisor_changes_a_lines_fee_until_the_order_is_settled(
    api, people, tech, order, oil_change, oil_filter
):
    line = add(
        people["sa"], order, kind="labor", description="四轮定位检测", quantity="1", unit_price="200.00"
    )
    part = add(people["sa"], order, kind="part", part_id=oil_filter.pk, quantity="1")

    r = api.patch(f"/repair-orders/{order.pk}/lines/{line.pk}", {"fee_category": "inspection"})
    assert r.status_code == 200 and r.json()["charges"]["inspection"] == "200.00"
    assert r.json()["lines"][0]["fee_category"] == "inspection"

    stale = api.patch(f"/repair-orders/{order.pk}/lines/{line.pk}", {"fee_category": "labor", "version": 1})
    assert stale.status_code == 409
    part_as_fee = api.patch(f"/repair-orders/{order.pk}/lines/{part.pk}", {"fee_category": "other"})
    assert part_as_fee.status_code == 400 and part_as_fee.json()["errors"][0]["field"] == "fee_category"

    settle(people, tech, order)
    late = api.patch(f"/repair-orders/{order.pk}/lines/{line.pk}", {"fee_category": "labor"})
    assert late.status_code == 409 and "结算" in late.json()["detail"]
    assert RepairOrderLine.objects.get(pk=line.pk).fee_category == "inspection"


def test_a_technician_may_not_change_a_lines_fee(api_as, tech_user, tenant, order):
    line = add(tenant, order, kind="labor", description="检查", quantity="1", unit_price="100.00")

    r = api_as(tech_user).patch(f"/repair-orders/{order.pk}/lines/{line.pk}", {"fee_category": "diagnosis"})

    assert r.status_code == 403
    assert RepairOrderLine.objects.get(pk=line.pk).fee_category == "labor"


def test_the_settlement_list_counts_each_fee_by_the_lines_category_never_by_its_words(
    people, tech, order, engine_diagnosis
):
    sa = people["sa"]

    def item(kind, description, price, fee=None):
        add(sa, order, kind=kind, description=description, quantity="1", unit_price=price, fee_category=fee)

    add(sa, order, kind="labor", labor_operation_id=engine_diagnosis.pk)  # 诊断费 300
    item("labor", "四轮定位检测", "200.00")  # 工时费: its words say 检测, nobody chose inspection
    item("fee", "尾气排放", "80.00", "inspection")
    item("labor", "刹车盘车削", "260.00", "processing")
    item("fee", "故障诊断费", "150.00")  # 其他费用: the words again
    settled = settle(people, tech, order)

    context = documents.settlement_context(
        people["cashier"], selectors.order_get(people["cashier"], settled.pk)
    )
    charges = {c["fee"]: c["amount"] for c in context["charges"]}
    assert charges == {
        "diagnosis": 300,
        "inspection": 80,
        "materials": 0,
        "labor": 200,
        "processing": 260,
        "other": 150,
    }
    assert [c["label"] for c in context["charges"]] == [
        "诊断费",
        "检测费",
        "材料费",
        "工时费",
        "加工费",
        "其他费用",
    ]
    html = documents.render_html(documents.SETTLEMENT_TEMPLATE, context)
    for text in (
        "诊断费",
        "¥300.00",
        "检测费",
        "¥80.00",
        "加工费",
        "¥260.00",
        "工时费",
        "¥200.00",
        "其他费用",
        "¥150.00",
    ):
        assert text in html, text


def test_the_order_page_adds_a_line_with_its_fee_and_changes_it(sa_client, order):
    r = sa_client.post(f"/orders/{order.pk}/lines/", {"kind": "labor", "description": "刹车盘车削", "quantity": "1",
                                                      "unit_price": "260.00", "discount": "0", "payer": "customer",
                                                      "warranty": "no", "fee_category": "processing"})  # fmt: skip
    assert r.status_code == 302
    line = RepairOrderLine.objects.get(order=order)
    assert line.fee_category == "processing"

    page = sa_client.get(f"/orders/{order.pk}/").content.decode()
    assert f'action="/orders/{order.pk}/lines/{line.pk}/fee/"' in page and "加工费" in page

    sa_client.post(f"/orders/{order.pk}/lines/{line.pk}/fee/", {"fee_category": "inspection"})
    assert RepairOrderLine.objects.get(pk=line.pk).fee_category == "inspection"


def test_the_upgrade_counts_earlier_lines_as_the_settlement_list_guessed_them_once(
    tenant, order, oil_filter, group
):
    checker = LaborOperation.objects.create(
        group=group, code="DQ03", name="电器故障检测", standard_hours=Decimal("1.0")
    )
    by_op = add(tenant, order, kind="labor", labor_operation_id=checker.pk)
    diagnosis = add(tenant, order, kind="fee", description="故障诊断费", quantity="1", unit_price="150.00")
    labor = add(tenant, order, kind="labor", description="更换机油", quantity="1", unit_price="120.00")
    fee = add(tenant, order, kind="fee", description="废油处理费", quantity="1", unit_price="20.00")
    part = add(tenant, order, kind="part", part_id=oil_filter.pk, quantity="1")
    # as the lines were before the category existed
    RepairOrderLine.objects.filter(order=order).update(fee_category="labor")
    LaborOperation.objects.filter(pk=checker.pk).update(fee_category="labor")

    import_module("dms.workshop.migrations.0006_fee_categories").categorise(django_apps, None)

    got = dict(RepairOrderLine.objects.filter(order=order).values_list("pk", "fee_category"))
    assert [got[ln.pk] for ln in (by_op, diagnosis, labor, fee, part)] == [
        "inspection", "diagnosis", "labor", "other", "materials"]  # fmt: skip
    assert LaborOperation.objects.get(pk=checker.pk).fee_category == "inspection"
