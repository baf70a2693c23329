"""The pages: the record's card on the repair order, the administrator's list of failures with its
retry and export, the platform settings form, and the owner's page by a signed link."""

import io
from datetime import timedelta
from urllib.parse import urlsplit

import openpyxl
import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from dms.records import links
from dms.records.models import PlatformSettings, RepairRecord, UploadState

from .conftest import COMPANY, PASSWORD, settle

pytestmark = pytest.mark.django_db


def client_of(user) -> Client:
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(user)
    return c


@pytest.fixture
def failed(settled, platform):
    record = RepairRecord.objects.get(order_id=settled())
    RepairRecord.objects.filter(pk=record.pk).update(state=UploadState.FAILED, reason="企业编码或密码错误")
    record.refresh_from_db()
    return record


def test_the_order_page_shows_the_failed_upload_and_the_administrator_s_retry(admin, sa, failed):
    page = client_of(admin).get(f"/orders/{failed.order_id}/").content.decode()
    advisor_page = client_of(sa).get(f"/orders/{failed.order_id}/").content.decode()

    assert "电子健康档案" in page and "上传失败" in page and "企业编码或密码错误" in page
    assert f"/records/{failed.pk}/retry/" in page
    assert "上传失败" in advisor_page
    assert f"/records/{failed.pk}/retry/" not in advisor_page


def test_an_unsettled_order_has_no_record_card(admin, admin_tenant, vehicle):
    from dms.workshop.services import repair_order_create

    order = repair_order_create(
        tenant=admin_tenant, vehicle_id=vehicle.pk, mileage_km=20000, complaint="保养"
    )

    page = client_of(admin).get(f"/orders/{order.pk}/").content.decode()

    assert 'id="repair-record"' not in page


def test_the_retry_from_the_order_card_answers_the_card_again(admin, failed):
    r = client_of(admin).post(f"/records/{failed.pk}/retry/", HTTP_HX_REQUEST="true")

    assert r.status_code == 200
    assert 'id="repair-record"' in r.content.decode() and "已重新排队上传" in r.content.decode()
    assert RepairRecord.objects.get(pk=failed.pk).state == UploadState.PENDING


def test_an_advisor_may_not_retry_from_a_page(sa, failed):
    r = client_of(sa).post(f"/records/{failed.pk}/retry/")

    assert r.status_code == 403
    assert RepairRecord.objects.get(pk=failed.pk).state == UploadState.FAILED


def test_the_list_opens_on_the_failures(admin, failed, settled):
    sent = RepairRecord.objects.get(order_id=settled(complaint="保养"))
    RepairRecord.objects.filter(pk=sent.pk).update(state=UploadState.SENT)

    page = client_of(admin).get("/records/").content.decode()

    assert failed.settlement_number in page and "企业编码或密码错误" in page
    assert sent.settlement_number not in page


def test_the_list_is_the_administrator_s(sa):
    assert client_of(sa).get("/records/").status_code == 403
    assert client_of(sa).get("/records/export/").status_code == 403
    assert client_of(sa).get("/records/platform/").status_code == 403


def test_a_bad_month_on_the_list_says_so(admin, failed):
    r = client_of(admin).get("/records/", {"month": "2026-99", "state": ""})

    assert r.status_code == 200
    assert "YYYY-MM" in r.content.decode()


def test_the_export_page_gives_the_month_as_excel(admin, failed):
    r = client_of(admin).get("/records/export/", {"month": timezone.localdate().strftime("%Y-%m")})

    assert r["Content-Disposition"].startswith("attachment;")
    rows = list(openpyxl.load_workbook(io.BytesIO(r.content)).worksheets[0].values)
    assert rows[0][1] == "车牌"
    assert rows[1][6] == failed.settlement_number


def test_the_platform_form_saves_and_never_shows_the_password(admin, store):
    c = client_of(admin)
    r = c.post("/records/platform/", {"base_url": "https://platform.example.cn", "company_code": COMPANY,
                                      "password": PASSWORD, "active": "on"})  # fmt: skip

    assert r.status_code == 302
    config = PlatformSettings.objects.get(store=store)
    assert (config.base_url, config.plain_password, config.active) == (
        "https://platform.example.cn",
        PASSWORD,
        True,
    )
    assert PASSWORD not in c.get("/records/platform/").content.decode()


def test_the_platform_form_shows_what_is_wrong(admin):
    r = client_of(admin).post("/records/platform/", {"base_url": "http://192.168.1.5", "company_code": COMPANY,
                                                     "password": PASSWORD})  # fmt: skip

    assert r.status_code == 400
    assert "192.168.1.5" in r.content.decode()
    assert not PlatformSettings.objects.exists()


# --- The owner's page ---------------------------------------------------------------------------


def test_the_owner_reads_the_record_on_the_signed_link_without_signing_in(failed):
    r = Client().get(urlsplit(links.owner_url(failed)).path)

    text = r.content.decode()
    assert r.status_code == 200
    assert "您的爱车维修档案" in text
    assert failed.settlement_number in text and "更换前刹车片" in text and "粤B12345" in text
    assert r["X-Robots-Tag"] == "noindex, nofollow"
    assert "no-cache" in r["Cache-Control"] or "max-age=0" in r["Cache-Control"]


def test_the_owner_sees_earlier_repairs_but_never_a_later_one(admin_tenant, vehicle):
    first = settle(admin_tenant, vehicle, complaint="首保", mileage=13000,
                   lines=[{"kind": "labor", "description": "首次保养", "quantity": "1", "unit_price": "0.00"}])  # fmt: skip
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        second = settle(admin_tenant, vehicle, complaint="空调不凉", mileage=15000,
                        lines=[{"kind": "labor", "description": "空调检修", "quantity": "1", "unit_price": "100.00"}])  # fmt: skip
    first_record, second_record = (RepairRecord.objects.get(order_id=o) for o in (first, second))

    on_first = Client().get(f"/records/r/{links.make_token(first_record.pk)}/").content.decode()
    on_second = Client().get(f"/records/r/{links.make_token(second_record.pk)}/").content.decode()

    assert "首次保养" in on_second and "空调检修" in on_second
    assert "空调检修" not in on_first


@pytest.mark.parametrize("token", ["abc", "1:forged:sig"])
def test_a_forged_link_opens_nothing(token):
    assert Client().get(f"/records/r/{token}/").status_code == 404


def test_an_altered_link_opens_nothing(failed):
    token = links.make_token(failed.pk)
    altered = format(failed.pk + 1, "x") + token[token.index(":") :]

    assert Client().get(f"/records/r/{altered}/").status_code == 404


def test_a_link_expires_after_two_years(failed):
    url = f"/records/r/{links.make_token(failed.pk)}/"

    with time_machine.travel(timezone.now() + timedelta(days=731)):
        assert Client().get(url).status_code == 404


def test_the_owner_s_page_takes_no_post(failed):
    assert Client().post(f"/records/r/{links.make_token(failed.pk)}/").status_code == 405
