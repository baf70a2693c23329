"""The record carries the completion certificate's number (合格证) and the settlement list's fees
(诊断费, 检测费, 加工费 … by each line's fee_category) as they were at settlement: in what is built,
uploaded, exported, shown to the owner and answered by the API. A small hand-made history: a
level-2 maintenance with a diagnosis, an inspection fee, processing and parts, beside an oil change
that needs no certificate."""

import csv
import io
from decimal import Decimal
from urllib.parse import urlsplit

import openpyxl
import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import Client

from conftest import ApiClient
from dms.core.errors import Conflict
from dms.messaging import outbox
from dms.records import links
from dms.records.models import RepairRecord, UploadState
from dms.records.services import record_build
from dms.workshop import services as workshop
from dms.workshop.models import LaborOperation, LineState, RepairOrder, RepairOrderLine

pytestmark = pytest.mark.django_db

CERTIFICATE = "粤2026-0042"


@pytest.fixture
def diagnosis(group):
    """The group's fault-reading operation, counted as a diagnosis fee (诊断费) by default."""
    return LaborOperation.objects.create(
        group=group, code="FD01", name="故障诊断", standard_hours=Decimal("0.5"), fee_category="diagnosis"
    )


@pytest.fixture
def filter_part(admin_tenant):
    from dms.parts.services import part_create, stock_receive

    part = part_create(tenant=admin_tenant, number="15400-RTA-003", name="机油滤清器", price="60.00")
    stock_receive(tenant=admin_tenant, part_id=part.pk, quantity="5")
    return part


@pytest.fixture
def level2(settled, diagnosis, filter_part):
    """A level-2 maintenance settled with its certificate: the diagnosis (0.5 h), the service's labor,
    the cylinder head skimmed (加工费), an emissions test entered as a fee line (检测费), a filter and
    oil. Returns the order's id."""
    return settled(
        complaint="二级维护，发动机故障灯亮", work_class="level2", certificate_number=CERTIFICATE,
        lines=[
            {"kind": "labor", "labor_operation_id": diagnosis.pk},
            {"kind": "labor", "description": "二级维护作业", "quantity": "2", "unit_price": "150.00"},
            {"kind": "labor", "description": "缸盖平面加工", "quantity": "1", "unit_price": "300.00",
             "fee_category": "processing"},
            {"kind": "fee", "description": "尾气排放检测", "quantity": "1", "unit_price": "80.00",
             "fee_category": "inspection"},
            {"kind": "part", "part_id": filter_part.pk, "quantity": "1"},
            {"kind": "material", "description": "机油 5W-30", "quantity": "4", "unit_price": "45.00"},
        ],
    )  # fmt: skip


def record_of(order_id) -> RepairRecord:
    return RepairRecord.objects.get(order_id=order_id)


def fees(data) -> dict[str, str]:
    return {c["feecategory"]: c["amount"] for c in data["costlist"]}


# --- Built at settlement -------------------------------------------------------------------------------


def test_the_record_of_a_level2_maintenance_carries_its_certificate(level2):
    record = record_of(level2)

    assert RepairOrder.objects.get(pk=level2).certificate_number == CERTIFICATE
    assert record.certificate_number == CERTIFICATE
    assert record.data["certificatecode"] == CERTIFICATE


def test_each_item_and_part_says_the_fee_it_counts_as(level2):
    data = record_of(level2).data

    assert [(p["repairproject"], p["feecategory"]) for p in data["repairprojectlist"]] == [
        ("故障诊断", "diagnosis"), ("二级维护作业", "labor"), ("缸盖平面加工", "processing"),
    ]  # fmt: skip
    assert [(p["partsname"], p["feecategory"]) for p in data["vehiclepartslist"]] == [
        ("机油滤清器", "materials"), ("机油 5W-30", "materials"),
    ]  # fmt: skip


def test_the_fees_are_the_settlement_list_s_six_in_the_regulation_s_order(level2, store):
    data = record_of(level2).data
    diagnosis_fee = (Decimal("0.5") * store.labor_rate).quantize(Decimal("0.01"))

    assert [(c["feecategory"], c["feename"]) for c in data["costlist"]] == [
        ("diagnosis", "诊断费"), ("inspection", "检测费"), ("materials", "材料费"), ("labor", "工时费"),
        ("processing", "加工费"), ("other", "其他费用"),
    ]  # fmt: skip
    assert fees(data) == {
        "diagnosis": f"{diagnosis_fee:.2f}", "inspection": "80.00", "materials": "240.00", "labor": "300.00",
        "processing": "300.00", "other": "0.00",
    }  # fmt: skip


def test_an_order_without_a_certificate_has_none_in_its_record(settled):
    record = record_of(settled())

    assert record.certificate_number == ""
    assert record.data["certificatecode"] == ""


def test_a_declined_diagnosis_is_no_fee(settled, diagnosis):
    order_id = settled(
        lines=[{"kind": "labor", "description": "更换前刹车片", "quantity": "1", "unit_price": "200.00"}]
    )
    # given the same order with a diagnosis the customer declined, its record built again
    order = RepairOrder.objects.get(pk=order_id)
    RepairOrderLine.objects.create(order=order, kind="labor", description="故障诊断", quantity=Decimal("1"),
                                   unit_price=Decimal("100"), amount=Decimal("100"), fee_category="diagnosis",
                                   labor_operation=diagnosis, state=LineState.DECLINED)  # fmt: skip
    RepairRecord.objects.filter(order_id=order_id).delete()

    data = record_build(order=RepairOrder.objects.select_related("store", "vehicle").get(pk=order_id)).data

    assert fees(data)["diagnosis"] == "0.00"
    assert fees(data)["labor"] == "200.00"
    assert [p["repairproject"] for p in data["repairprojectlist"]] == ["更换前刹车片"]


def test_the_record_keeps_the_fees_as_they_were_at_settlement(level2, diagnosis, admin_tenant):
    before = record_of(level2).data
    # when the labor operation is counted otherwise from now on, and someone tries to recount the line
    diagnosis.fee_category = "labor"
    diagnosis.save()
    line = RepairOrderLine.objects.get(order_id=level2, labor_operation=diagnosis)
    with pytest.raises(Conflict):
        workshop.line_fee_category_set(
            tenant=admin_tenant, order_id=level2, line_id=line.pk, fee_category="labor"
        )

    # then the record (and the order's line) say what the settlement list said
    assert record_of(level2).data == before
    assert RepairOrderLine.objects.get(pk=line.pk).fee_category == "diagnosis"
    assert fees(before)["diagnosis"] != "0.00"


# --- Uploaded, answered, exported, shown ----------------------------------------------------------------


def test_the_platform_receives_the_certificate_and_the_fees(platform, fake_platform, level2):
    # given the store uploads to the platform: the level-2 order's record is queued at settlement
    assert record_of(level2).state == UploadState.PENDING

    outbox.run()

    sent = fake_platform.sent[0]
    assert sent["costlistcode"] == record_of(level2).settlement_number
    assert sent["certificatecode"] == CERTIFICATE
    assert fees(sent)["inspection"] == "80.00" and fees(sent)["processing"] == "300.00"
    assert {p["repairproject"]: p["feecategory"] for p in sent["repairprojectlist"]}[
        "故障诊断"
    ] == "diagnosis"
    assert record_of(level2).state == UploadState.SENT


def test_the_api_answers_the_certificate_and_the_fees(level2, admin):
    api = ApiClient(admin)
    record = record_of(level2)

    listed = api.get("/repair-records").json()["items"][0]
    one = api.get(f"/repair-records/{record.pk}").json()

    assert listed["certificate_number"] == CERTIFICATE
    assert one["certificate_number"] == CERTIFICATE
    assert one["record"]["certificatecode"] == CERTIFICATE
    assert one["record"]["costlist"][0] == {"feecategory": "diagnosis", "feename": "诊断费",
                                            "amount": fees(record.data)["diagnosis"]}  # fmt: skip
    assert [p["feecategory"] for p in one["record"]["vehiclepartslist"]] == ["materials", "materials"]


def test_a_record_kept_before_fees_were_recorded_still_answers(level2, admin):
    # given a record uploaded before the certificate and the fees were part of it
    record = record_of(level2)
    old = {k: v for k, v in record.data.items() if k not in ("certificatecode", "costlist")}
    old["repairprojectlist"] = [
        {k: v for k, v in p.items() if k != "feecategory"} for p in old["repairprojectlist"]
    ]
    RepairRecord.objects.filter(pk=record.pk).update(data=old)

    one = ApiClient(admin).get(f"/repair-records/{record.pk}")

    assert one.status_code == 200
    assert one.json()["record"]["certificatecode"] == "" and one.json()["record"]["costlist"] == []
    assert one.json()["record"]["repairprojectlist"][0]["feecategory"] == ""


def test_the_export_has_the_certificate_and_a_column_per_fee(level2, admin):
    r = ApiClient(admin).get("/repair-records/export")

    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    head, row = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert head[6:8] == ["结算清单编号", "竣工出厂合格证号"]
    assert head[12:18] == ["诊断费", "检测费", "材料费", "工时费", "加工费", "其他费用"]
    assert row["竣工出厂合格证号"] == CERTIFICATE
    assert (row["检测费"], row["加工费"], row["其他费用"]) == ("80.00", "300.00", "0.00")


def test_the_excel_export_gives_the_fees_as_numbers_and_each_line_s_fee(level2, admin):
    r = ApiClient(admin).get("/repair-records/export", {"format": "xlsx"})

    book = openpyxl.load_workbook(io.BytesIO(r.content))
    head, row = list(book.worksheets[0].values)[:2]
    assert row[head.index("竣工出厂合格证号")] == CERTIFICATE
    assert row[head.index("加工费")] == 300
    detail = list(book.worksheets[1].values)
    assert detail[0][-1] == "费用类别"
    assert {(d[2], d[-1]) for d in detail[1:]} >= {("故障诊断", "诊断费"), ("缸盖平面加工", "加工费"),
                                                   ("机油滤清器", "材料费")}  # fmt: skip


def test_the_owner_s_page_shows_the_certificate_and_the_fees(level2):
    record = record_of(level2)

    text = Client().get(urlsplit(links.owner_url(record)).path).content.decode()
    english = Client().get(urlsplit(links.owner_url(record)).path + "?lang=en").content.decode()

    assert "竣工出厂合格证号" in text and CERTIFICATE in text
    assert "诊断费" in text and "加工费" in text and "费用汇总" in text
    assert "Processing fee" in english and "Inspection fee" in english


def test_the_owner_s_page_of_an_order_without_a_certificate_does_not_name_one(settled):
    record = record_of(settled())

    text = Client().get(urlsplit(links.owner_url(record)).path).content.decode()

    assert "竣工出厂合格证号" not in text
    assert "工时费" in text


# --- Records built before: the migration ------------------------------------------------------------------


def _migrate(target):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)


@pytest.mark.django_db(transaction=True)
def test_records_built_before_get_the_certificate_and_those_not_uploaded_the_fees(level2, settled):
    manual, uploaded = record_of(level2), record_of(settled())
    strip = ("certificatecode", "costlist")
    for record in (manual, uploaded):  # as built before: no certificate, no fees
        old = {k: v for k, v in record.data.items() if k not in strip}
        for key in ("repairprojectlist", "vehiclepartslist"):
            old[key] = [{k: v for k, v in p.items() if k != "feecategory"} for p in old[key]]
        RepairRecord.objects.filter(pk=record.pk).update(data=old)
    RepairRecord.objects.filter(pk=uploaded.pk).update(state=UploadState.SENT)
    uploaded_data = record_of(uploaded.order_id).data
    try:
        _migrate([("records", "0001_initial")])

        _migrate([("records", "0002_certificate_and_fees")])
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())

    # the record still to upload by hand says what it would have said at settlement
    assert record_of(level2).certificate_number == CERTIFICATE
    assert record_of(level2).data == manual.data
    # the one on the platform keeps what was uploaded
    assert record_of(uploaded.order_id).data == uploaded_data
