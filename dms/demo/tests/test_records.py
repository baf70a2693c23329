"""The demo's electronic repair records: every settled order has its record, dated with the order;
SZ01's were uploaded but for two that failed; its platform is set but switched off (the demo never
calls out). The administrator's pages show them."""

import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from conftest import suite_start
from dms.core.models import User
from dms.records.build import local_date
from dms.records.models import PlatformSettings, RepairRecord, UploadState
from dms.workshop.models import RepairOrder


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module, in a transaction rolled back at its end."""
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with time_machine.travel(suite_start(), tick=False), fast_hashing, django_db_blocker.unblock(), \
            transaction.atomic():  # fmt: skip
        call_command("load_demo", customers=40, stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_every_settled_order_has_its_record_dated_with_the_order(demo):
    settled = RepairOrder.objects.filter(settled_at__isnull=False)
    records = {r.order_id: r for r in RepairRecord.objects.select_related("order", "order__store")}

    assert settled.count() == len(records) > 5
    for record in records.values():
        day = local_date(record.order, record.order.settled_at)
        assert record.settled_on == day
        assert record.data["settledate"] == day.strftime("%Y%m%d")


def test_sz01_shows_uploaded_and_failed_records_and_never_calls_out(demo):
    states = list(RepairRecord.objects.filter(store__code="SZ01").values_list("state", flat=True))

    assert states.count(UploadState.FAILED) == 2
    assert states.count(UploadState.SENT) == len(states) - 2
    assert not RepairRecord.objects.filter(state=UploadState.PENDING).exists()
    assert not PlatformSettings.objects.get(store__code="SZ01").active


def test_the_administrator_sees_the_failures(demo):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(User.objects.get(username="admin"))

    page = client.get("/records/").content.decode()
    home = client.get("/").content.decode()

    assert "上传失败" in page and "平台返回 HTTP 503" in page
    assert "未上传的汽车维修电子健康档案" in home
