"""How the printed documents lay out on A4 when an order is busy: many lines, long words, extra
work approved during the repair, the walk-around of the check-in. The customer signs under what
they agree to: the signatures are never alone on a page, a second page repeats the order's number
and the table's heads, and each page says which of how many it is. A normal order stays one page.

The pages are asserted on WeasyPrint's laid-out document (each page's anchors: the ids of what it
holds) and, where poppler's pdftotext is installed, on the text of the PDF itself.
DMS_KEEP_DOCUMENTS=1 keeps the PDFs under var/screenshots/documents/ to look at them
(pdftoppm -png -r 60 ...)."""

import os
import shutil
import subprocess
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone, translation

from dms.parts.services import part_create
from dms.reception.services import checkin_create, checkin_open_order, checkin_sign
from dms.reception.tests.tenancy_world import png_data_url
from dms.workshop import documents, selectors, services
from dms.workshop.models import RepairOrder

SHANGHAI = ZoneInfo("Asia/Shanghai")
MORNING = datetime(2027, 3, 8, 9, 30, tzinfo=SHANGHAI)
STATUS_URL = "http://testserver/c/s/token/"
pytestmark = pytest.mark.own_clock

COMPLAINT = (
    "客户反映：1. 冷车启动时发动机舱有“哒哒”异响，持续约 30 秒后消失，最近两周明显加重；\n"
    "2. 高速 100 km/h 以上方向盘抖动，松开方向盘车辆向右跑偏，上个月做过四轮定位；\n"
    "3. 刹车时前轮有尖叫声，踩到底有金属摩擦感；\n"
    "4. 空调制冷效果差，出风口有霉味，后排乘客反映有水滴下来；\n"
    "5. 仪表盘胎压灯和发动机故障灯偶尔点亮，熄火再启动后消失；\n"
    "6. 做 6 万公里保养，顺便检查底盘、更换雨刮片，客户要求旧件带走，车内贵重物品已自行取走。"
)
APPROVAL_NOTE = "张先生电话同意更换左前下摆臂和稳定杆连杆，正时皮带本次不换，下次保养再议。"


@pytest.fixture(autouse=True)
def _the_week_before():
    with time_machine.travel(MORNING - timedelta(days=7), tick=True):
        yield


@pytest.fixture
def parts(people):
    clerk = people["clerk"]
    rows = [
        (
            "08232-P99-K4LH1",
            "全合成机油 0W-20（4 升装，API SP 级，适用于涡轮增压发动机）",
            "78.00",
            "l",
            "oem",
        ),
        ("15400-RTA-003", "机油滤清器", "68.00", "piece", "original"),
        ("17220-5BA-A00", "空气滤清器滤芯", "145.00", "piece", "original"),
        ("80292-TBA-A11", "空调滤清器（活性炭型，除味）", "168.00", "piece", "original"),
        ("45022-TBA-A01", "前刹车片（一套，含消音片和报警线）", "460.00", "set", "original"),
        ("45251-TBA-A00", "前刹车盘", "520.00", "piece", "original"),
        ("51360-TBA-A02", "左前下摆臂总成（含球头和衬套）", "890.00", "piece", "original"),
        ("51320-TBA-A01", "前稳定杆连杆", "210.00", "piece", "oem"),
        ("76620-TBA-H01", "雨刮片（一对）", "120.00", "pair", "original"),
        ("14400-5BA-A01", "正时皮带套件（含张紧轮和惰轮）", "1280.00", "set", "original"),
        ("UC-76200", "左后视镜总成（旧件）", "300.00", "piece", "used"),
    ]
    return {
        number: part_create(tenant=clerk, number=number, name=name, price=price, unit=unit, quality=quality)
        for number, name, price, unit, quality in rows
    }


def busy_order(people, tech, vehicle, oil_change, parts) -> RepairOrder:
    """Opened from a check-in (the walk-around with damage marks, the customer's signature): long
    words, 22 lines at reception, three more found during the repair (two approved on the phone,
    one declined); the work goes on."""
    sa, t = people["sa"], people["tech"]
    checkin = checkin_create(
        tenant=sa, vehicle_id=vehicle.pk, cover_seat=True, cover_wheel=True, cover_floor=True, fuel_level=3,
        mileage_km=61230, warning_lamps=["engine", "tyre"], valuables="行车记录仪存储卡、墨镜",
        damage_marks=[
            {"x": 0.25, "y": 0.3, "kind": "scratch", "note": "左前门下沿约 15 厘米划痕"},
            {"x": 0.7, "y": 0.8, "kind": "dent", "note": "后保险杠右侧凹陷"},
            {"x": 0.5, "y": 0.1, "kind": "chip", "note": "前挡风玻璃石击点"},
        ],
    ).pk  # fmt: skip
    checkin_open_order(
        tenant=sa, checkin_id=checkin, complaint=COMPLAINT, promised_at=timezone.localtime().replace(hour=18),
        payment_method="wechat", old_parts="take", preauth_amount="200.00", preauth_minutes=30, work_class="level2",
    )  # fmt: skip
    order = RepairOrder.objects.get(checkin__pk=checkin)

    def add(**kw):
        return services.line_add(tenant=sa, order_id=order.pk, **kw)

    p = {number: part.pk for number, part in parts.items()}
    add(kind="labor", labor_operation_id=oil_change.pk, discount="24.00")
    for description, hours, fee in [
        ("6 万公里保养项目检查（含底盘螺栓紧固、各油液液位检查、灯光检查、轮胎换位）", "1.5", "labor"),
        (
            "冷车启动异响诊断：听诊气门室、正时皮带张紧轮，读取发动机故障码并做冷启动数据流分析",
            "1.0",
            "diagnosis",
        ),
        ("高速方向盘抖动检查：动平衡、四轮定位复检、检查传动轴和悬挂球头间隙", "1.2", "inspection"),
        ("更换前刹车片及刹车盘，清洁卡钳导向销并加注专用润滑脂", "1.5", "labor"),
        ("空调系统清洗杀菌（蒸发箱泡沫清洗），疏通空调排水管", "1.0", "labor"),
        ("更换空气滤清器、空调滤清器", "0.3", "labor"),
        ("胎压监测系统检查、重新匹配胎压传感器", "0.5", "labor"),
        ("更换雨刮片", "0.2", "labor"),
    ]:
        add(kind="labor", description=description, quantity=hours, fee_category=fee)
    add(kind="labor", description="发动机故障灯检查（厂家技术通报 TSB-2026-031，质保范围内）", quantity="0.8",
        payer="warranty", warranty_reason="新车质保期内，厂家技术通报覆盖，已获厂家批准（批准号 W2027-0301）")  # fmt: skip
    for number, quantity in [("08232-P99-K4LH1", "4.5"), ("15400-RTA-003", "1"), ("17220-5BA-A00", "1"),
                             ("80292-TBA-A11", "1"), ("45022-TBA-A01", "1"), ("45251-TBA-A00", "2"),
                             ("76620-TBA-H01", "1"), ("UC-76200", "1")]:  # fmt: skip
        add(kind="part", part_id=p[number], quantity=quantity)
    add(kind="material", description="刹车系统清洗剂", quantity="2", unit_price="35.00")
    add(kind="material", description="空调蒸发箱清洗泡沫及杀菌除味剂", quantity="1", unit_price="128.00")
    add(
        kind="fee",
        description="故障诊断费（电脑检测）",
        quantity="1",
        unit_price="150.00",
        fee_category="diagnosis",
    )
    add(kind="fee", description="废油及废旧配件环保处理费", quantity="1", unit_price="20.00")
    checkin_sign(tenant=sa, checkin_id=checkin, data_url=png_data_url(width=360, height=120))
    if RepairOrder.objects.get(pk=order.pk).signed_at is None:  # the check-in's event signs it after commit
        services.order_sign(tenant=sa, order_id=order.pk)

    with time_machine.travel(MORNING.replace(hour=11), tick=False):
        services.order_dispatch(tenant=people["foreman"], order_id=order.pk, technician_id=tech.pk)
        services.order_start(tenant=t, order_id=order.pk)
        found = [
            services.line_add(
                tenant=t, order_id=order.pk, kind="part", part_id=p["51360-TBA-A02"], quantity="1"
            ),
            services.line_add(
                tenant=t, order_id=order.pk, kind="part", part_id=p["51320-TBA-A01"], quantity="2"
            ),
            services.line_add(
                tenant=t, order_id=order.pk, kind="part", part_id=p["14400-5BA-A01"], quantity="1"
            ),
        ]
        services.order_request_approval(tenant=sa, order_id=order.pk)
        services.order_approve(tenant=sa, order_id=order.pk, method="phone", note=APPROVAL_NOTE,
                               decisions={found[2].pk: "decline"})  # fmt: skip
    return RepairOrder.objects.get(pk=order.pk)


def settle_and_deliver(order, people) -> RepairOrder:
    """Finished, checked, paid (WeChat and cash) and delivered."""
    services.order_finish(tenant=people["tech"], order_id=order.pk)
    services.order_qc_pass(tenant=people["qc"], order_id=order.pk, checklist={"制动": True, "底盘": True})
    due = RepairOrder.objects.get(pk=order.pk).customer_total
    services.order_settle(tenant=people["cashier"], order_id=order.pk, certificate_number="粤B0012345",
                          payments=[{"method": "wechat", "amount": f"{due - 500:.2f}"}, {"method": "cash", "amount": "500.00"}])  # fmt: skip
    services.order_deliver(
        tenant=people["sa"], order_id=order.pk, mileage_out=order.mileage_in + 2, old_parts_returned=True
    )
    return RepairOrder.objects.get(pk=order.pk)


@pytest.fixture
def busy(people, tech, vehicle, oil_change, parts):
    with time_machine.travel(MORNING, tick=False):
        return busy_order(people, tech, vehicle, oil_change, parts)


@pytest.fixture
def busy_delivered(busy, people):
    with time_machine.travel(MORNING.replace(hour=17), tick=False):
        return settle_and_deliver(busy, people)


@pytest.fixture
def normal_delivered(people, tech, vehicle, oil_change, parts):
    """A usual visit: the 20,000 km service and front brake pads, from a check-in with one scratch;
    the worn wiper found during the work, approved; settled and delivered."""
    sa, p = people["sa"], {number: part.pk for number, part in parts.items()}
    with time_machine.travel(MORNING, tick=False):
        checkin = checkin_create(
            tenant=sa, vehicle_id=vehicle.pk, cover_seat=True, cover_wheel=True, cover_floor=True, fuel_level=4,
            mileage_km=20100, damage_marks=[{"x": 0.25, "y": 0.3, "kind": "scratch", "note": "左前门"}],
        ).pk  # fmt: skip
        checkin_open_order(tenant=sa, checkin_id=checkin, complaint="做 2 万公里保养；刹车时前轮有尖叫声。",
                           old_parts="take", work_class="minor")  # fmt: skip
        order = RepairOrder.objects.get(checkin__pk=checkin)
        add = lambda **kw: services.line_add(tenant=sa, order_id=order.pk, **kw)  # noqa: E731
        add(kind="labor", labor_operation_id=oil_change.pk)
        add(kind="labor", description="更换前刹车片", quantity="1.2")
        for number, quantity in [("08232-P99-K4LH1", "4.5"), ("15400-RTA-003", "1"), ("45022-TBA-A01", "1")]:
            add(kind="part", part_id=p[number], quantity=quantity)
        add(kind="fee", description="废油环保处理费", quantity="1", unit_price="20.00")
        checkin_sign(tenant=sa, checkin_id=checkin, data_url=png_data_url(width=360, height=120))
        if RepairOrder.objects.get(pk=order.pk).signed_at is None:
            services.order_sign(tenant=sa, order_id=order.pk)
    with time_machine.travel(MORNING.replace(hour=11), tick=False):
        services.order_dispatch(tenant=people["foreman"], order_id=order.pk, technician_id=tech.pk)
        services.order_start(tenant=people["tech"], order_id=order.pk)
        services.line_add(
            tenant=people["tech"], order_id=order.pk, kind="part", part_id=p["76620-TBA-H01"], quantity="1"
        )
        services.order_request_approval(tenant=sa, order_id=order.pk)
        services.order_approve(tenant=sa, order_id=order.pk, method="phone", note="客户同意更换雨刮片")
    with time_machine.travel(MORNING.replace(hour=15), tick=False):
        return settle_and_deliver(order, people)


def laid_out(kind: str, tenant, order, language: str, *, lines: int | None = None):
    """The document as WeasyPrint lays it out, and its PDF. `lines`: print only the order's first
    so many lines (the repair order's layout with fewer lines, the rest unchanged)."""
    from weasyprint import HTML

    order = selectors.order_get(tenant, order.pk)
    with translation.override(language):
        if kind == "repair-order":
            template = documents.REPAIR_ORDER_TEMPLATE
            context = documents.repair_order_context(tenant, order, status_url=STATUS_URL)
            if lines is not None:
                context["lines"] = context["lines"][:lines]
        else:
            template = documents.SETTLEMENT_TEMPLATE
            context = documents.settlement_context(tenant, order)
        html = documents.render_html(template, context)
    document = HTML(string=html, base_url="http://testserver/").render()
    pdf = document.write_pdf()
    if os.environ.get("DMS_KEEP_DOCUMENTS"):  # to look at them: pdftoppm -png -r 60 file.pdf out
        out = Path("var/screenshots/documents")
        out.mkdir(parents=True, exist_ok=True)
        count = lines if lines is not None else len(order.lines.all())
        (out / f"layout-{kind}-{count}-lines-{language}.pdf").write_bytes(pdf)
    return document, pdf


def pages_of(document) -> list[set[str]]:
    """What each page holds, by the ids of the template's parts: line-<n> (the repair order's
    lines), labor-<n>, part-<n>, fee-<n> (the settlement list's), sums, charges, signatures."""
    return [set(page.anchors) for page in document.pages]


def texts_of(pdf: bytes) -> list[str]:
    """The text of each page of the PDF (poppler's pdftotext)."""
    out = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return out.decode().split("\f")[:-1]  # each page ends with a form feed


needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils not installed")
LANGUAGES = ["zh-hans", "en"]


# --- A busy order takes two pages, and the customer signs under its last lines ------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_busy_repair_order_takes_two_pages_and_signs_under_its_last_lines(busy, people, language):
    document, _pdf = laid_out("repair-order", people["sa"], busy, language)
    pages = pages_of(document)

    assert len(pages) == 2
    first, last = pages
    assert {"line-1", "line-22"} <= first
    # the last lines (the extra work approved on the phone among them), the sums and the signatures
    assert {"line-23", "line-24", "line-25", "sums", "signatures"} <= last
    printed = sorted(a for page in pages for a in page if a.startswith("line-"))
    assert printed == sorted(f"line-{n}" for n in range(1, 26))  # each line once, none lost


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_busy_settlement_list_signs_under_its_last_charges(busy_delivered, people, language):
    document, _pdf = laid_out("settlement", people["cashier"], busy_delivered, language)
    pages = pages_of(document)

    assert len(pages) == 2
    first, last = pages
    assert {"labor-1", "part-1"} <= first
    assert {"fee-1", "fee-2", "charges", "signatures"} <= last
    assert "signatures" not in first


def test_however_many_lines_the_signatures_never_stand_alone(busy, people):
    """From a page that just fits to one that just overflows, and on: the signatures share their
    page with the last lines of the order."""
    page_counts = set()
    for count in (2, 3, 4, 5, 9, 14, 19, 24):
        document, _pdf = laid_out("repair-order", people["sa"], busy, "en", lines=count)
        pages = pages_of(document)
        page_counts.add(len(pages))

        assert len(pages) <= 2, count
        assert {"sums", "signatures", f"line-{count}"} <= pages[-1], (count, pages[-1])
    assert page_counts == {1, 2}  # the counts still span the step from one page to two


@needs_pdftotext
@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hans", {"title": "机动车维修任务委托书", "head": "工时/数量", "sign": "客户签字", "page": "第 {} 页，共 2 页"}),
        ("en", {"title": "Vehicle repair order", "head": "Hours / qty", "sign": "Customer's signature", "page": "Page {} of 2"}),
    ],
)  # fmt: skip
def test_the_second_page_repeats_the_order_number_and_the_table_head(
    busy, people, api, api_en, language, words
):
    client = api if language == "zh-hans" else api_en
    response = client.get(f"/documents/repair-orders/{busy.pk}/repair-order.pdf")
    assert response.status_code == 200

    first, last = texts_of(response.content)
    assert words["page"].format(1) in first and words["page"].format(2) in last
    # the second page says whose it is: the store, the document, its number; and the lines' heads
    assert "深圳一店 · " + words["title"] in last and f"No. {busy.number}" in last
    assert words["head"] in first and words["head"] in last
    assert "深圳一店 · " not in first  # the first page has the full head instead
    # the customer signs on the page of the last lines
    assert words["sign"] in last and "前稳定杆连杆" in last and "正时皮带套件" in last
    assert words["sign"] not in first


@needs_pdftotext
def test_the_settlement_lists_second_page_names_the_list_and_the_order(busy_delivered, api):
    response = api.get(f"/documents/repair-orders/{busy_delivered.pk}/settlement.pdf")

    first, last = texts_of(response.content)
    number = busy_delivered.settlement_number
    assert "第 1 页，共 2 页" in first and "第 2 页，共 2 页" in last
    assert "机动车维修结算清单" in last and number in last and busy_delivered.number in last
    assert "客户签字" in last and "废油及废旧配件环保处理费" in last


# --- A normal order stays on one page -------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_normal_order_prints_each_document_on_one_page(normal_delivered, people, language):
    for kind in ("repair-order", "settlement"):
        document, _pdf = laid_out(kind, people["cashier"], normal_delivered, language)

        assert len(document.pages) == 1, kind
        assert "signatures" in pages_of(document)[0], kind


@needs_pdftotext
def test_a_normal_orders_single_page_says_so_and_has_no_running_head(normal_delivered, people):
    _document, pdf = laid_out("repair-order", people["sa"], normal_delivered, "zh-hans")

    (page,) = texts_of(pdf)
    assert "第 1 页，共 1 页" in page and "深圳一店 · " not in page
