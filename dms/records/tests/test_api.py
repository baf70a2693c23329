"""GET /repair-records (state, month), one record, the retry action, the export, the store's
platform settings; bad input and other groups' records."""

import csv
import io

import openpyxl
import pytest
from django.utils import timezone

from conftest import ApiClient
from dms.records.models import PlatformSettings, RepairRecord, UploadAttempt, UploadState

from .conftest import COMPANY, PASSWORD

pytestmark = pytest.mark.django_db


def put(client, path, body):
    return client._call("put", path, body)


@pytest.fixture
def api(admin):
    return ApiClient(admin)


@pytest.fixture
def sa_api(sa):
    return ApiClient(sa)


@pytest.fixture
def failed(settled, platform):
    record = RepairRecord.objects.get(order_id=settled())
    RepairRecord.objects.filter(pk=record.pk).update(
        state=UploadState.FAILED, reason="企业编码或密码错误", attempts=8, next_attempt_at=None
    )
    record.refresh_from_db()
    return record


def test_the_list_filters_by_upload_state_and_month(api, failed, settled):
    sent = RepairRecord.objects.get(order_id=settled(complaint="保养"))
    RepairRecord.objects.filter(pk=sent.pk).update(state=UploadState.SENT, sent_at=timezone.now())
    month = timezone.localdate().strftime("%Y-%m")

    failures = api.get("/repair-records", {"state": "failed", "month": month}).json()
    everything = api.get("/repair-records").json()
    last_year = api.get("/repair-records", {"month": f"{timezone.localdate().year - 1}-01"}).json()

    assert [(r["id"], r["state"], r["reason"]) for r in failures["items"]] == [
        (failed.pk, "failed", "企业编码或密码错误")
    ]
    assert failures["count"] == 1
    assert everything["count"] == 2
    assert last_year == {"count": 0, "items": []}


@pytest.mark.parametrize("query", [{"month": "2026-13"}, {"month": "May"}, {"state": "lost"}, {"limit": 500}])
def test_bad_filters_are_refused_with_a_sentence(api, query):
    r = api.get("/repair-records", query)

    assert r.status_code == 422
    assert r.json()["detail"]
    assert r.json()["errors"][0]["field"] in query


def test_one_record_shows_what_is_uploaded_and_the_owner_s_link(api, failed):
    r = api.get(f"/repair-records/{failed.pk}")

    body = r.json()
    assert r.status_code == 200
    assert body["record"]["costlistcode"] == failed.settlement_number
    assert body["record"]["repairprojectlist"] == [
        {"repairproject": "更换前刹车片", "workinghours": "1.50", "feecategory": "labor"}
    ]
    assert body["labor_hours"] == "1.50"
    assert "/records/r/" in body["owner_url"]
    assert body["state_label"] == "上传失败"


def test_the_administrator_queues_a_failed_record_again(api, failed):
    r = api.post(f"/repair-records/{failed.pk}/actions/retry")

    assert r.status_code == 200
    assert (r.json()["state"], r.json()["attempts"]) == ("pending", 0)
    failed.refresh_from_db()
    assert failed.state == UploadState.PENDING and failed.next_attempt_at is not None
    assert failed.attempt_log.first().outcome == UploadAttempt.Outcome.RETRIED


def test_a_retry_of_an_uploaded_record_is_a_conflict(api, failed):
    RepairRecord.objects.filter(pk=failed.pk).update(state=UploadState.SENT)

    r = api.post(f"/repair-records/{failed.pk}/actions/retry")

    assert r.status_code == 409
    assert r.json()["state"] == "sent"
    assert RepairRecord.objects.get(pk=failed.pk).state == UploadState.SENT


def test_a_retry_without_a_platform_is_a_conflict_that_says_so(api, failed):
    PlatformSettings.objects.all().delete()

    r = api.post(f"/repair-records/{failed.pk}/actions/retry")

    assert r.status_code == 409
    assert "平台" in r.json()["detail"]


def test_an_advisor_reads_records_but_may_not_retry(sa_api, failed):
    assert sa_api.get(f"/repair-records/{failed.pk}").status_code == 200
    assert sa_api.post(f"/repair-records/{failed.pk}/actions/retry").status_code == 403
    assert RepairRecord.objects.get(pk=failed.pk).state == UploadState.FAILED


def test_another_group_sees_nothing_of_ours(outsider_api, failed):
    for r in (
        outsider_api.get(f"/repair-records/{failed.pk}"),
        outsider_api.post(f"/repair-records/{failed.pk}/actions/retry"),
    ):
        assert r.status_code in (403, 404)
    assert outsider_api.get("/repair-records").json()["count"] == 0
    assert RepairRecord.objects.get(pk=failed.pk).state == UploadState.FAILED


def test_the_export_lists_the_month_s_records_with_chinese_headings(api, failed):
    r = api.get("/repair-records/export")

    assert r.status_code == 200
    assert r["Content-Type"].startswith("text/csv")
    text = r.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][:3] == ["门店", "车牌", "VIN"]
    assert rows[1][1:3] == ["粤B12345", failed.vin]
    assert rows[1][6] == failed.settlement_number
    assert "更换前刹车片 1.50" in rows[1][9]
    assert RepairRecord.objects.get(pk=failed.pk).exported_at is not None


def test_the_export_as_excel(api, failed):
    r = api.get("/repair-records/export", {"format": "xlsx", "month": timezone.localdate().strftime("%Y-%m")})

    book = openpyxl.load_workbook(io.BytesIO(r.content))
    rows = list(book.worksheets[0].values)
    assert rows[0][6] == "结算清单编号"
    assert rows[1][6] == failed.settlement_number
    assert list(book.worksheets[1].values)[1][:3] == (failed.settlement_number, "维修项目", "更换前刹车片")


def test_an_advisor_may_not_export(sa_api, failed):
    assert sa_api.get("/repair-records/export").status_code == 403


def test_the_platform_settings_never_show_the_password(api, store, settings):
    r = put(api, "/repair-records/platform", {"base_url": "https://platform.example.cn/", "company_code": COMPANY,
                                             "password": PASSWORD})  # fmt: skip

    assert r.status_code == 200
    assert PASSWORD not in r.content.decode()
    assert r.json()["password_set"] is True
    raw = PlatformSettings.objects.filter(store=store).values_list("password", flat=True).get()
    assert raw.startswith("enc:v1:") and PASSWORD not in raw
    assert PlatformSettings.objects.get(store=store).plain_password == PASSWORD
    got = api.get("/repair-records/platform").json()
    assert (got["configured"], got["base_url"], got["company_code"]) == (
        True,
        "https://platform.example.cn/",
        COMPANY,
    )


def test_a_change_without_a_password_keeps_the_one_set_before(api, store):
    put(
        api,
        "/repair-records/platform",
        {"base_url": "https://a.example.cn", "company_code": COMPANY, "password": PASSWORD},
    )

    r = put(
        api,
        "/repair-records/platform",
        {"base_url": "https://b.example.cn", "company_code": COMPANY, "active": False},
    )

    assert r.status_code == 200
    config = PlatformSettings.objects.get(store=store)
    assert (config.base_url, config.active, config.plain_password) == (
        "https://b.example.cn",
        False,
        PASSWORD,
    )


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"base_url": "ftp://platform.example.cn", "company_code": COMPANY, "password": "x"}, "base_url"),
        ({"base_url": "http://127.0.0.1:8000", "company_code": COMPANY, "password": "x"}, "base_url"),
        ({"base_url": "http://10.1.2.3", "company_code": COMPANY, "password": "x"}, "base_url"),
        ({"base_url": "https://platform.example.cn", "company_code": " ", "password": "x"}, "company_code"),
        ({"base_url": "https://platform.example.cn", "company_code": COMPANY}, "password"),
        ({"base_url": "https://platform.example.cn", "company_code": COMPANY, "password": "x",
          "upload_path": "upload?x=1"}, "upload_path"),
    ],
)  # fmt: skip
def test_bad_platform_settings_are_refused_naming_the_field(api, body, field):
    r = put(api, "/repair-records/platform", body)

    assert r.status_code == 400
    assert field in [e["field"] for e in r.json()["errors"]]
    assert not PlatformSettings.objects.exists()


def test_an_advisor_may_not_read_or_set_the_platform(sa_api):
    assert sa_api.get("/repair-records/platform").status_code == 403
    r = put(
        sa_api,
        "/repair-records/platform",
        {"base_url": "https://a.example.cn", "company_code": "1", "password": "x"},
    )
    assert r.status_code == 403
    assert not PlatformSettings.objects.exists()


def test_the_list_does_not_grow_queries_with_records(api, admin, admin_tenant, store, vehicle):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from dms.workshop.services import repair_order_create

    def add(n, start):
        for i in range(start, start + n):
            order = repair_order_create(
                tenant=admin_tenant, vehicle_id=vehicle.pk, mileage_km=13000, complaint="保养"
            )
            RepairRecord.objects.create(
                store=store, order=order, vehicle=vehicle, vin=vehicle.vin, plate="粤B12345",
                settlement_number=f"JS-2026-{i:05d}", settled_on=timezone.localdate(), state=UploadState.FAILED,
                data={"costlistcode": f"JS-2026-{i:05d}"},
            )  # fmt: skip

    page = Client()
    page.force_login(admin)

    def count(fetch):
        with CaptureQueriesContext(connection) as ctx:
            r = fetch()
        assert r.status_code == 200
        return len(ctx.captured_queries), r.content.decode()

    add(2, 1)
    count(lambda: api.get("/repair-records"))  # the first call also notes the token's use
    count(lambda: page.get("/records/"))
    small_api, _ = count(lambda: api.get("/repair-records"))
    small_page, _ = count(lambda: page.get("/records/"))
    add(12, 100)
    large_api, body = count(lambda: api.get("/repair-records"))
    large_page, html = count(lambda: page.get("/records/"))

    assert "JS-2026-00111" in body and "JS-2026-00111" in html
    assert large_api == small_api <= 10
    assert large_page == small_page
