"""The customer page's personal-data card (PIPL, issue 12): notices and consents shown, the export
and erasure buttons for those who may, erasure behind a typed confirmation."""

import io
import json
import zipfile

import pytest
from django.test import Client

from conftest import make_user
from dms.core.roles import Role
from dms.customers.models import Customer, ErasureRecord


@pytest.fixture
def manager_client(store):
    """The general manager: exports, and erases (Perm.CUSTOMER_ERASE)."""
    c = Client()
    c.force_login(make_user("gm1", store, Role.GENERAL_MANAGER))
    return c


def test_the_manager_sees_the_notices_and_the_export_and_erase_buttons(manager_client, customer):
    page = manager_client.get(f"/customers/{customer.pk}/").content.decode()
    assert "个人信息处理告知（营销信息）" in page
    assert f"/customers/{customer.pk}/data-export/" in page and f"/customers/{customer.pk}/erase/" in page


def test_an_advisor_sees_neither_and_may_not_open_the_erase_page(sa_client, customer):
    page = sa_client.get(f"/customers/{customer.pk}/").content.decode()
    assert "/data-export/" not in page and "/erase/" not in page
    assert f"/customers/{customer.pk}/service-notice/" in page  # the advisor gives the notice
    assert sa_client.get(f"/customers/{customer.pk}/erase/").status_code == 403
    assert (
        sa_client.post(f"/customers/{customer.pk}/erase/", {"reason": "x", "confirm": "张三"}).status_code
        == 403
    )
    assert Customer.objects.get(pk=customer.pk).name == "张三"


def test_another_group_gets_404(outsider_client, customer):
    assert outsider_client.get(f"/customers/{customer.pk}/erase/").status_code == 404
    assert outsider_client.post(f"/customers/{customer.pk}/data-export/").status_code == 404


def test_the_service_notice_is_recorded_from_the_page(sa_client, customer):
    r = sa_client.post(f"/customers/{customer.pk}/service-notice/")
    assert r.status_code == 302
    event = customer.consent_events.get()
    assert (event.purpose, event.granted, event.notice_version) == ("service", True, 1)
    assert "通知版本 1" in sa_client.get(f"/customers/{customer.pk}/").content.decode()


def test_the_export_button_downloads_the_file(manager_client, customer):
    r = manager_client.post(f"/customers/{customer.pk}/data-export/")
    assert r.status_code == 200 and r["Content-Type"] == "application/zip"
    data = json.loads(zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content))).read("data.json"))
    assert data["records"]["customers.Customer"]["rows"][0]["name"] == "张三"


def test_erasure_needs_the_name_typed(manager_client, customer):
    url = f"/customers/{customer.pk}/erase/"
    assert "张三" in manager_client.get(url).content.decode()
    wrong = manager_client.post(url, {"reason": "客户书面申请", "confirm": "张"})
    assert wrong.status_code == 200 and not ErasureRecord.objects.exists()

    done = manager_client.post(url, {"reason": "客户书面申请", "confirm": "张三"})
    assert done.status_code == 302
    customer.refresh_from_db()
    assert customer.name.startswith("已删除客户") and customer.mobile == ""
    page = manager_client.get(f"/customers/{customer.pk}/").content.decode()
    assert "张三" not in page and "13812345678" not in page and "个人信息已于" in page


def test_an_administrator_may_erase_the_other_managers_export_but_may_not(store, customer):
    for role, erase in ((Role.ADMINISTRATOR, True), (Role.SERVICE_MANAGER, False),
                        (Role.SHOWROOM_MANAGER, False), (Role.CUSTOMER_MANAGER, False)):  # fmt: skip
        c = Client()
        c.force_login(make_user(f"u_{role}", store, role))
        page = c.get(f"/customers/{customer.pk}/").content.decode()
        assert f"/customers/{customer.pk}/data-export/" in page, role  # all of them export
        assert (f"/customers/{customer.pk}/erase/" in page) is erase, role
        assert c.get(f"/customers/{customer.pk}/erase/").status_code == (200 if erase else 403), role


def test_an_erased_file_refuses_consent_with_a_sentence_not_an_error_page(manager_client, customer):
    manager_client.post(f"/customers/{customer.pk}/erase/", {"reason": "客户书面申请", "confirm": "张三"})
    for url in (f"/customers/{customer.pk}/consent/", f"/customers/{customer.pk}/service-notice/"):
        r = manager_client.post(url, {"granted": "on"}, follow=True)
        assert r.status_code == 200 and "新建客户档案" in r.content.decode()
    assert not Customer.objects.get(pk=customer.pk).marketing_consent
