"""The printed documents of a repair order: the repair order (任务委托书) and the settlement list
(维修结算清单). What they print is asserted on the HTML that WeasyPrint lays out; the pages and the
API answer real PDFs."""

import os
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.utils import timezone, translation

from dms.parts.services import part_create
from dms.workshop import actions, documents, selectors, services
from dms.workshop.models import RepairOrder, RepairOrderEvent

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2027, 3, 8, 9, 30, tzinfo=SHANGHAI)  # after the vehicle's first reading
STATUS_URL = "http://testserver/c/s/token/"
CERTIFICATE = "粤B0012345"  # the completion certificate of the level-2 maintenance (机动车维修竣工出厂合格证)
# The printed dates are asserted: this module keeps its own clock, the week before MORNING.
pytestmark = pytest.mark.own_clock


@pytest.fixture(autouse=True)
def _the_week_before():
    """The store, the people and the car are filed the week before the order is opened."""
    with time_machine.travel(MORNING - timedelta(days=7), tick=True):
        yield


@pytest.fixture
def printed_store(store):
    store.address = "深圳市南山区科技园路 8 号"
    store.phone = "0755-86001234"
    store.save()
    return store


@pytest.fixture
def catalogue(people, oil_filter):
    clerk = people["clerk"]
    return {
        "filter": oil_filter,
        "oil": part_create(
            tenant=clerk,
            number="08232-P99-K4LH1",
            name="全合成机油 0W-20",
            unit="l",
            price="78.00",
            quality="oem",
        ),  # fmt: skip
        "pads": part_create(tenant=clerk, number="45022-TBA-A01", name="前刹车片", price="460.00"),
        "mirror": part_create(
            tenant=clerk, number="UC-76200", name="左后视镜总成（旧件）", price="300.00", quality="used"
        ),  # fmt: skip
        "wiper": part_create(tenant=clerk, number="76620-TBA-H01", name="雨刮片", price="120.00"),
    }


def open_order(people, vehicle, oil_change, catalogue) -> RepairOrder:
    """At reception: the customer's words, the estimate (a discount, a warranty line, a pending
    decision, parts of each quality, a diagnosis fee and another fee), the terms; signed."""
    sa = people["sa"]
    order = services.repair_order_create(
        tenant=sa, vehicle_id=vehicle.pk, mileage_km=15000, complaint="做 2 万公里保养；刹车时前轮有尖叫声，空调有异味。",
        promised_at=timezone.localtime().replace(hour=17, minute=0), payment_method="wechat", old_parts="take",
        free_wash=True, preauth_amount="100.00", preauth_minutes=30, work_class="level2",
    )  # fmt: skip
    add = lambda **kw: services.line_add(tenant=sa, order_id=order.pk, **kw)  # noqa: E731
    add(kind="labor", labor_operation_id=oil_change.pk, discount="24.00")
    add(
        kind="labor", description="四轮定位检测", quantity="1", unit_price="200.00", fee_category="inspection"
    )
    add(kind="labor", description="更换前刹车片", quantity="1.2", payer="warranty",
        warranty_reason="包修期内刹车片异常磨损，厂家已批准")  # fmt: skip
    add(kind="labor", description="检查空调异味", quantity="0.5", warranty="pending",
        warranty_reason="等待厂家技术支持答复")  # fmt: skip
    add(kind="part", part_id=catalogue["oil"].pk, quantity="4.5")
    add(kind="part", part_id=catalogue["filter"].pk, quantity="1")
    add(kind="part", part_id=catalogue["pads"].pk, quantity="1", payer="warranty",
        warranty_reason="包修期内刹车片异常磨损，厂家已批准")  # fmt: skip
    add(kind="part", part_id=catalogue["mirror"].pk, quantity="1")
    add(kind="material", description="刹车系统清洗剂", quantity="1", unit_price="35.00")
    add(kind="fee", description="故障诊断费", quantity="1", unit_price="150.00", fee_category="diagnosis")
    add(kind="fee", description="废油环保处理费", quantity="1", unit_price="20.00")
    services.order_sign(tenant=sa, order_id=order.pk)
    return order


def finish_order(order, people, tech, catalogue, *, deliver: bool) -> RepairOrder:
    """The repair with extra work (one item approved, one declined), QC, payment, delivery."""
    sa, t = people["sa"], people["tech"]
    services.order_dispatch(tenant=people["foreman"], order_id=order.pk, technician_id=tech.pk)
    services.order_start(tenant=t, order_id=order.pk)
    services.line_add(tenant=t, order_id=order.pk, kind="labor", description="清洗节气门", quantity="0.5")
    wiper = services.line_add(
        tenant=t, order_id=order.pk, kind="part", part_id=catalogue["wiper"].pk, quantity="1"
    )
    services.order_request_approval(tenant=sa, order_id=order.pk)
    services.order_approve(tenant=sa, order_id=order.pk, method="phone", note="张先生电话同意清洗，雨刮片下次再换",
                           decisions={wiper.pk: "decline"})  # fmt: skip
    services.order_finish(tenant=t, order_id=order.pk)
    services.order_qc_pass(tenant=people["qc"], order_id=order.pk, checklist={"制动": True, "油位": True})
    due = RepairOrder.objects.get(pk=order.pk).customer_total
    services.order_settle(tenant=people["cashier"], order_id=order.pk, certificate_number=CERTIFICATE,
                          payments=[{"method": "wechat", "amount": f"{due - 500:.2f}"}, {"method": "cash", "amount": "500.00"}])  # fmt: skip
    if deliver:
        services.order_deliver(tenant=sa, order_id=order.pk, mileage_out=15002, old_parts_returned=True)
    return RepairOrder.objects.get(pk=order.pk)


@pytest.fixture
def opened(people, vehicle, oil_change, catalogue, printed_store):
    with time_machine.travel(MORNING, tick=False):
        return open_order(people, vehicle, oil_change, catalogue)


@pytest.fixture
def delivered(opened, people, tech, catalogue):
    with time_machine.travel(MORNING.replace(hour=16), tick=False):
        return finish_order(opened, people, tech, catalogue, deliver=True)


def html_of(kind: str, tenant, order, language="zh-hans") -> str:
    order = selectors.order_get(tenant, order.pk)
    with translation.override(language):
        if kind == "repair_order":
            context = documents.repair_order_context(tenant, order, status_url=STATUS_URL)
            return documents.render_html(documents.REPAIR_ORDER_TEMPLATE, context)
        return documents.render_html(
            documents.SETTLEMENT_TEMPLATE, documents.settlement_context(tenant, order)
        )


def texts_in(html: str, *texts) -> list[str]:
    """The texts missing from the document."""
    return [t for t in texts if t not in html]


# --- The repair order -----------------------------------------------------------------------------


def test_the_repair_order_prints_the_store_the_customer_the_car_and_the_customers_words(opened, people):
    html = html_of("repair_order", people["sa"], opened)

    assert not texts_in(
        html, "机动车维修任务委托书", "深圳一店", "粤交运管许可深字440300001号", "深圳市南山区科技园路 8 号",
        "0755-86001234", opened.number, "2027-03-08 09:30", "sa1", "张三", "13812345678", "粤B12345",
        opened.vehicle.vin, "东风本田 思域", "15,000 km", "做 2 万公里保养；刹车时前轮有尖叫声，空调有异味。",
    )  # fmt: skip


def test_the_repair_order_prints_each_line_with_its_payer_and_warranty_decision(opened, people):
    html = html_of("repair_order", people["sa"], opened)

    assert not texts_in(
        html, "更换机油机滤", "M10", "0.80 小时", "300.00", "-24.00", "216.00",  # labor at the rate, 10% off
        "四轮定位检测", "1 小时", "200.00",
        "更换前刹车片", "保修", "包修期内刹车片异常磨损，厂家已批准",
        "检查空调异味", "待诊断/审批", "等待厂家技术支持答复",
        "全合成机油 0W-20", "4.50 升", "351.00", "机油滤清器", "15400-RTA-003",
        "刹车系统清洗剂", "材料", "故障诊断费", "其他费用",
    )  # fmt: skip


def test_the_repair_order_prints_the_estimate_and_what_the_customer_pays(opened, people):
    order = RepairOrder.objects.get(pk=opened.pk)
    html = html_of("repair_order", people["sa"], opened)

    # labor 240 + 200 + 360 + 150; parts 351 + 68 + 460 + 300 + 35; fees 150 + 20; less 24
    assert (order.labor_total, order.parts_total, order.discount_total) == (950, 1214, 24)
    assert not texts_in(
        html, "工时费", "¥950.00", "¥1,214.00", "¥170.00", "-¥24.00", f"¥{order.total:,.2f}",
        "保修承担", "¥820.00",  # the warranty's share: 360 + 460
        "客户应付", f"¥{order.customer_total:,.2f}",
    )  # fmt: skip


def test_the_repair_order_prints_the_terms_the_customer_signs(opened, people):
    html = html_of("repair_order", people["sa"], opened)

    assert not texts_in(
        html, "预计完工", "2027-03-08 17:00", "微信支付", "旧件由客户带走", "免费洗车", "是",
        "¥100.00", "30 分钟", "客户签字", "追加项目",
    )  # fmt: skip


def test_the_repair_order_carries_a_qr_code_of_the_customers_status_link(opened, people):
    order = selectors.order_get(people["sa"], opened.pk)
    context = documents.repair_order_context(people["sa"], order, status_url=STATUS_URL)

    assert context["status_url"] == STATUS_URL
    assert context["qr_svg"].startswith("<svg") and "viewBox" in context["qr_svg"]
    assert context["signature_data_url"] is None  # the hook for reception's signature image
    assert context["qr_svg"] in html_of("repair_order", people["sa"], opened)


def test_a_role_that_may_not_see_contacts_prints_the_mobile_masked(opened, people):
    html = html_of("repair_order", people["foreman"], opened)

    assert "138****5678" in html and "13812345678" not in html


def test_the_repair_order_prints_in_english_when_asked(opened, people):
    html = html_of("repair_order", people["sa"], opened, language="en")

    assert not texts_in(html, "Vehicle repair order", "Customer's share", "Covered by warranty")


def test_declined_extra_work_stays_listed_but_is_not_charged(delivered, people):
    html = html_of("repair_order", people["sa"], delivered)

    assert "雨刮片" in html and "客户已拒绝" in html
    assert "雨刮片" not in html_of("settlement", people["sa"], delivered)


# --- The settlement list --------------------------------------------------------------------------


def test_settling_gives_the_settlement_list_its_own_gap_free_number(
    delivered, people, vehicle, oil_change, catalogue
):
    event = RepairOrderEvent.objects.get(order=delivered, action="settle")
    assert event.data["settlement_number"] == "JS-SZ01-2027-000001"

    # a settlement refused (payments short) takes no number; the next one gets 000002
    with time_machine.travel(MORNING.replace(day=12), tick=False):
        second = open_order(people, vehicle, oil_change, catalogue)
        order = RepairOrder.objects.get(pk=second.pk)
        services.order_dispatch(tenant=people["foreman"], order_id=order.pk,
                                technician_id=delivered.technician_id)  # fmt: skip
        for step in (services.order_start, services.order_finish):
            step(tenant=people["tech"], order_id=order.pk)
        services.order_qc_pass(tenant=people["qc"], order_id=order.pk)
        due = RepairOrder.objects.get(pk=order.pk).customer_total
        with pytest.raises(services.DomainError):
            services.order_settle(tenant=people["cashier"], order_id=order.pk, certificate_number="粤0000002",
                                  payments=[{"method": "cash", "amount": "1.00"}])  # fmt: skip
        services.order_settle(tenant=people["cashier"], order_id=order.pk, certificate_number="粤0000002",
                              payments=[{"method": "cash", "amount": f"{due:.2f}"}])  # fmt: skip

    assert RepairOrderEvent.objects.get(order=order, action="settle").data["settlement_number"] == (
        "JS-SZ01-2027-000002"
    )


def test_the_settlement_list_prints_what_the_regulation_asks(delivered, people):
    html = html_of("settlement", people["cashier"], delivered)

    assert not texts_in(
        html, "机动车维修结算清单", "深圳一店", "粤交运管许可深字440300001号", "JS-SZ01-2027-000001",
        delivered.number, "粤B12345", delivered.vehicle.vin, "15,000 km", "15,002 km", "二级维护", "合格证号", CERTIFICATE,
        "2027-03-08 09:30",  # in
        "2027-03-08 16:30",  # settled and out
    )  # fmt: skip


def test_the_settlement_list_itemises_labor_and_parts_with_their_quality(delivered, people):
    html = html_of("settlement", people["cashier"], delivered)

    assert not texts_in(
        html, "更换机油机滤", "0.80", "216.00", "清洗节气门", "150.00",
        "08232-P99-K4LH1", "全合成机油 0W-20", "4.50 升", "78.00", "351.00", "同质件",
        "45022-TBA-A01", "前刹车片", "原厂件", "UC-76200", "左后视镜总成（旧件）", "修复件",
        "刹车系统清洗剂",
    )  # fmt: skip


def test_the_settlement_list_groups_charges_as_the_regulation_names_them(delivered, people):
    order = selectors.order_get(people["cashier"], delivered.pk)
    context = documents.settlement_context(people["cashier"], order)
    html = html_of("settlement", people["cashier"], delivered)

    # labor 240 + 360 + 150 (throttle) + 150 (AC check); 四轮定位检测 was entered as an inspection
    # fee, 故障诊断费 as a diagnosis fee
    totals = context["totals"]
    assert (totals["diagnosis"], totals["inspection"], totals["materials"], totals["labor"]) == (
        150,
        200,
        1214,
        900,
    )
    assert (totals["processing"], totals["other"]) == (0, 20)
    assert totals["discount"] == 24 and totals["total"] == order.total
    assert sum(p["amount"] for p in context["payers"]) == order.total
    assert not texts_in(
        html, "诊断费", "检测费", "材料费", "工时费", "加工费", "其他费用", "¥150.00", "¥200.00", "¥900.00", "¥1,214.00",
        "¥20.00",
    )  # fmt: skip


def test_the_settlement_list_says_who_paid_what_and_how(delivered, people):
    order = RepairOrder.objects.get(pk=delivered.pk)
    html = html_of("settlement", people["cashier"], delivered)

    assert not texts_in(
        html, "客户", f"¥{order.customer_total:,.2f}", "保修", "¥820.00",
        "微信支付", f"¥{order.customer_total - 500:,.2f}", "现金", "¥500.00",
    )  # fmt: skip


def test_the_settlement_list_names_the_qc_inspector_the_quality_warranty_and_old_parts(delivered, people):
    html = html_of("settlement", people["cashier"], delivered)

    # level-2 maintenance: 30 days or 5,000 km from delivery on 2027-03-08 at 15,002 km
    assert not texts_in(
        html, "qc1", "二级维护", "30 天", "5,000 km", "2027-04-07", "20,002 km", "已交还客户", "客户签字"
    )


def test_before_delivery_the_quality_warranty_counts_from_today(opened, people, tech, catalogue):
    with time_machine.travel(MORNING.replace(hour=16), tick=False):
        order = finish_order(opened, people, tech, catalogue, deliver=False)
        html = html_of("settlement", people["cashier"], order)

    assert not texts_in(html, "2027-04-07", "20,000 km", "若今日交车", "旧件由客户带走")


def test_the_settlement_list_is_refused_before_settling(opened, people):
    order = selectors.order_get(people["sa"], opened.pk)

    with pytest.raises(documents.Conflict) as exc:
        documents.settlement_context(people["sa"], order)
    assert exc.value.extra["state"] == "signed"


def test_the_settlement_list_is_built_in_a_few_queries(delivered, people, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        order = selectors.order_get(people["cashier"], delivered.pk)
        documents.settlement_context(people["cashier"], order)


# --- Words: a part's name, units in the reader's language, a comeback -------------------------------


def test_a_part_is_named_by_its_name_not_a_persons(delivered, people):
    html = html_of("settlement", people["cashier"], delivered)

    # the parts table's head: 名称 (a thing's name), never 姓名 (a person's)
    assert ">名称</th>" in html and "姓名" not in html
    assert ">Name</th>" in html_of("settlement", people["cashier"], delivered, language="en")


def test_english_counts_hours_and_parts_in_the_plural_and_one_in_the_singular(delivered, people):
    order_en = html_of("repair_order", people["sa"], delivered, language="en")
    settlement_en = html_of("settlement", people["cashier"], delivered, language="en")

    assert not texts_in(
        order_en, "0.80 hours", ">1 hour<", "1.20 hours", "0.50 hours", "4.50 litres", ">1 piece<", ">1<",
    )  # fmt: skip
    assert "1 hours" not in order_en and "piece<" in order_en
    assert not texts_in(settlement_en, "4.50 litres", ">1 piece<")


def test_chinese_prints_the_unit_after_the_number_as_before(delivered, people):
    html = html_of("repair_order", people["sa"], delivered)

    assert not texts_in(html, "0.80 小时", ">1 小时<", "4.50 升", ">1 个<")


def test_more_than_one_piece_is_pieces(people, vehicle, oil_change, catalogue, printed_store):
    with time_machine.travel(MORNING, tick=False):
        order = services.repair_order_create(tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15000,
                                             complaint="换雨刮片")  # fmt: skip
        services.line_add(tenant=people["sa"], order_id=order.pk, kind="part", part_id=catalogue["wiper"].pk,
                          quantity="2")  # fmt: skip
        services.line_add(tenant=people["sa"], order_id=order.pk, kind="labor", description="更换雨刮片",
                          quantity="2")  # fmt: skip

    assert not texts_in(
        html_of("repair_order", people["sa"], order, language="en"), ">2 pieces<", ">2 hours<"
    )
    assert not texts_in(html_of("repair_order", people["sa"], order), ">2 个<", ">2 小时<")


@pytest.fixture
def comeback(delivered, people, vehicle, tech):
    """Four days after delivery the brakes squeal again: a comeback of the delivered order,
    confirmed by the advisor, repaired at the store's cost, settled and delivered."""
    sa = people["sa"]
    with time_machine.travel(MORNING.replace(day=12, hour=10), tick=False):
        order = services.repair_order_create(tenant=sa, vehicle_id=vehicle.pk, mileage_km=15400,
                                             complaint="刹车时前轮又有尖叫声。")  # fmt: skip
        assert order.comeback_of_id == delivered.pk  # found: inside the level-2 maintenance's 30 days
        services.line_add(
            tenant=sa, order_id=order.pk, kind="labor", description="重新安装前刹车片", quantity="1"
        )
        actions.take(tenant=sa, order_id=order.pk, action="confirm-comeback",
                     data={"reason": "同一故障：前刹车片异响"})  # fmt: skip
        services.order_sign(tenant=sa, order_id=order.pk)
        services.order_dispatch(tenant=people["foreman"], order_id=order.pk, technician_id=tech.pk)
        services.order_start(tenant=people["tech"], order_id=order.pk)
        services.order_finish(tenant=people["tech"], order_id=order.pk)
        services.order_qc_pass(tenant=people["qc"], order_id=order.pk)
        services.order_settle(tenant=people["cashier"], order_id=order.pk, payments=[])
    return RepairOrder.objects.get(pk=order.pk)


def test_a_comebacks_documents_name_the_order_it_repairs_again(comeback, delivered, people):
    original = RepairOrder.objects.get(pk=delivered.pk)
    assert original.settlement_number == "JS-SZ01-2027-000001"
    named = f"原委托书 {original.number}（结算单号 JS-SZ01-2027-000001，2027-03-08 交车）"

    settlement = html_of("settlement", people["cashier"], comeback)
    repair_order = html_of("repair_order", people["sa"], comeback)

    assert not texts_in(settlement, "返修", named, "本店（返修）")  # the store pays
    assert named in repair_order
    assert "本店（返修）承担" in repair_order and "保修承担" not in repair_order  # who pays the estimate
    assert (
        f"Original order {original.number} (settlement list No. JS-SZ01-2027-000001, delivered 2027-03-08)"
        in html_of("settlement", people["cashier"], comeback, language="en")
    )


def test_only_a_confirmed_comeback_names_an_earlier_order(delivered, people, vehicle):
    with time_machine.travel(MORNING.replace(day=12, hour=10), tick=False):
        suspected = services.repair_order_create(tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15400,
                                                 complaint="刹车异响")  # fmt: skip
    assert suspected.comeback_of_id == delivered.pk

    assert "原委托书" not in html_of("repair_order", people["sa"], suspected)
    assert "原委托书" not in html_of("repair_order", people["sa"], delivered)


def test_a_comebacks_settlement_list_takes_one_query_more(comeback, people, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        order = selectors.order_get(people["cashier"], comeback.pk)
        documents.settlement_context(people["cashier"], order)


# --- Pages and API --------------------------------------------------------------------------------


def assert_pdf(response, filename_part: str):
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline; filename=")
    assert filename_part in response["Content-Disposition"]
    assert response.content.startswith(b"%PDF") and len(response.content) > 5_000
    if os.environ.get("DMS_KEEP_DOCUMENTS"):  # to look at them: DMS_KEEP_DOCUMENTS=1 pytest ...
        out = Path("var/screenshots/documents")
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{filename_part}.pdf").write_bytes(response.content)


def test_the_pages_answer_both_documents_as_pdf(delivered, sa_client):
    r = sa_client.get(f"/documents/orders/{delivered.pk}/repair-order.pdf")
    assert_pdf(r, f"{delivered.number}-repair-order.pdf")

    r = sa_client.get(f"/documents/orders/{delivered.pk}/settlement.pdf")
    assert_pdf(r, f"{delivered.number}-settlement.pdf")


def test_the_settlement_page_explains_why_before_settling(opened, sa_client):
    r = sa_client.get(f"/documents/orders/{opened.pk}/settlement.pdf")

    assert r.status_code == 409
    assert "结算后才能打印结算清单" in r.content.decode()


def test_the_api_answers_the_repair_order_as_pdf(opened, api):
    r = api.get(f"/documents/repair-orders/{opened.pk}/repair-order.pdf")

    assert_pdf(r, "repair-order.pdf")


def test_the_api_refuses_the_settlement_list_before_settling(opened, api):
    r = api.get(f"/documents/repair-orders/{opened.pk}/settlement.pdf")

    assert r.status_code == 409
    assert r.json()["state"] == "signed" and "结算" in r.json()["detail"]


def test_another_group_gets_404_for_our_documents(delivered, outsider_api, outsider_client):
    for path in ("repair-order.pdf", "settlement.pdf"):
        assert outsider_api.get(f"/documents/repair-orders/{delivered.pk}/{path}").status_code == 404
        assert outsider_client.get(f"/documents/orders/{delivered.pk}/{path}").status_code == 404


def test_signing_in_is_required(opened, anonymous_api):
    assert anonymous_api.get(f"/documents/repair-orders/{opened.pk}/repair-order.pdf").status_code == 401
    r = Client().get(f"/documents/orders/{opened.pk}/repair-order.pdf")
    assert r.status_code == 302 and "/login" in r["Location"]


def test_the_print_buttons_offer_the_settlement_list_only_once_settled(opened, delivered, people):
    from django.template.loader import render_to_string

    draft = RepairOrder(pk=opened.pk, state="signed")
    with translation.override("zh-hans"):
        before = render_to_string("workshop/print/_buttons.html", {"order": draft})
        after = render_to_string("workshop/print/_buttons.html", {"order": delivered})
    assert "repair-order.pdf" in before and "settlement.pdf" not in before
    assert "settlement.pdf" in after and "打印结算清单" in after
