"""The demo showroom: sales1's day has prospects by grade, showroom1 has approvals waiting."""

import pytest
import time_machine
from django.conf import settings
from django.db import transaction
from django.test import Client, override_settings

from conftest import suite_start
from dms.core.models import User
from dms.sales.models import Lead, Quotation, SalesOrder, StockVehicle

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo, loaded once for this module (its files in a folder of its own), in a transaction
    rolled back at its end."""
    from dms.demo.dealership import load_demo

    media = tmp_path_factory.mktemp("sales-demo-media")
    storages = {**settings.STORAGES, "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}}}  # fmt: skip
    fast_hashing = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(suite_start(), tick=False), \
            override_settings(MEDIA_ROOT=media, STORAGES=storages, PASSWORD_HASHERS=fast_hashing), \
            django_db_blocker.unblock(), transaction.atomic():  # fmt: skip
        yield load_demo(customers=60, other_customers=5)
        transaction.set_rollback(True)


def test_the_demo_showroom_has_stock_prospects_and_an_order(demo):
    assert demo["sales"] == {"stock": 6, "leads": 6, "visits": 3, "orders": 1}
    assert StockVehicle.objects.filter(state="in_transit").count() == 2
    assert Quotation.objects.filter(state="pending_approval").count() == 1
    assert Lead.objects.filter(state="lost_pending").count() == 1
    order = SalesOrder.objects.get()
    assert (order.paid, order.stock_vehicle.model) == (5000, "XR-V")


def test_sales1_starts_on_my_day_and_showroom1_sees_approvals(demo):
    c = Client()
    c.force_login(User.objects.get(username="sales1"))
    day = c.get("/", follow=True)
    m = Client()
    m.force_login(User.objects.get(username="showroom1"))

    assert day.status_code == 200 and "刘思远" in day.content.decode()
    approvals = m.get("/sales/approvals/").content.decode()
    assert "客户对比丰田 RAV4" in approvals and "已在别家购买" in approvals
    assert m.get("/sales/desk/").status_code == 200


def test_the_demo_showroom_day_runs_in_opening_hours_before_now(demo):
    """Loaded at 10:00, the door's parties arrived one after another this morning, the H prospect
    came back and drove after arriving, and no prospect was created, answered or followed up after
    now or before the store opened on its day."""
    from dms.demo.service import CLOSES, OPENS, TZ
    from dms.sales.models import SalesHistory, ShowroomVisit, TestDrive

    now = suite_start()
    opened = now.replace(hour=OPENS.hour, minute=OPENS.minute)
    visits = list(ShowroomVisit.objects.order_by("arrived_at"))
    drive = TestDrive.objects.get()
    back = next(v for v in visits if v.lead_id == drive.lead_id)

    assert [opened <= v.arrived_at < now for v in visits] == [True] * 3
    assert len({v.arrived_at for v in visits}) == 3
    assert back.arrived_at < drive.started_at < drive.finished_at < now
    assert [(v.party_size, v.left_at is None) for v in visits] == [(2, False), (1, True), (3, True)]
    for lead in Lead.objects.all():
        assert lead.created_at < now and (lead.first_contact_at or lead.created_at) >= lead.created_at
        moments = [lead.created_at, lead.first_contact_at, lead.next_follow_up_at]
        assert all(OPENS <= m.astimezone(TZ).time() <= CLOSES for m in moments if m), lead.name
    assert SalesHistory.objects.filter(at__gt=now).count() == 0
    assert SalesOrder.objects.get().delivery_due.astimezone(TZ).hour == 10
