"""Retention periods (PIPL, issue 12): the worker removes texts, check-in photos, signatures, audit
diffs, sign-in records, the event log (with its webhook deliveries) and imports' error lists past
their period, and only those."""

from datetime import timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from axes.models import AccessAttempt, AccessLog
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from conftest import suite_start, valid_vin
from dms.core import retention
from dms.customers.services import customer_update
from dms.messaging.models import Message
from dms.reception.models import CheckIn, CheckInPhoto
from dms.vehicles.services import vehicle_create
from dms.workshop.models import RepairOrder
from dms.workshop.services import repair_order_create

YEAR = timedelta(days=365)


def ago(delta):
    """Build what the block creates as if it were `delta` ago (the clock moved back, then forward)."""
    return time_machine.travel(suite_start() - delta, tick=False)


def _message(customer, store, key, state="sent"):
    return Message.objects.create(
        group=store.group, store=store, customer=customer, channel="sms", purpose="service", kind="test",
        body="您好", address=customer.mobile, idempotency_key=key, state=state,
    )  # fmt: skip


def test_texts_older_than_three_years_go_and_pending_or_newer_ones_stay(customer, store):
    with ago(3 * YEAR + timedelta(days=2)):
        old = _message(customer, store, "old")
        old_pending = _message(customer, store, "old-pending", state="scheduled")
    with ago(3 * YEAR - timedelta(days=2)):
        recent = _message(customer, store, "recent")

    assert retention.run(only=("messages",)) == {"messages": 1}
    left = set(Message.objects.values_list("pk", flat=True))
    assert old.pk not in left and {old_pending.pk, recent.pk} <= left
    assert retention.run(only=("messages",)) == {"messages": 0}  # idempotent


@pytest.fixture
def make_order(tenant, customer, brand, store, private_media):
    """An order for a new car, ended (delivered) `ended_ago` before now (None: still open), with a
    signed check-in carrying one photo."""
    serial = iter(range(100, 200))

    def make(ended_ago):
        v = vehicle_create(
            tenant=tenant, owner_id=customer.pk, vin=valid_vin(next(serial)), brand_id=brand.pk, model="思域",
            mileage_km=1000,
        ).record  # fmt: skip
        order = repair_order_create(tenant=tenant, vehicle_id=v.pk, mileage_km=1000, complaint="保养")
        ci = CheckIn.objects.create(
            store=store, vehicle=v, customer=customer, created_by=tenant.user, repair_order=order
        )
        ci.signature.save("s.png", ContentFile(b"sig"), save=True)
        photo = CheckInPhoto(checkin=ci, at=timezone.now())
        photo.image.save("p.jpg", ContentFile(b"jpeg"), save=True)
        CheckIn.objects.filter(pk=ci.pk).update(photo_count=1)
        if ended_ago is not None:
            RepairOrder.objects.filter(pk=order.pk).update(
                state="delivered", delivered_at=timezone.now() - ended_ago
            )
        return ci, photo

    return make


def test_photos_go_three_years_after_the_order_ended(
    make_order, private_media, django_capture_on_commit_callbacks
):
    old_ci, old_photo = make_order(3 * YEAR + timedelta(days=1))
    new_ci, new_photo = make_order(3 * YEAR - timedelta(days=1))
    open_ci, open_photo = make_order(None)
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.run(only=("checkin_photos",)) == {"checkin_photos": 1}

    assert set(CheckInPhoto.objects.values_list("pk", flat=True)) == {new_photo.pk, open_photo.pk}
    assert not (private_media / old_photo.image.name).exists()
    assert (private_media / new_photo.image.name).exists()
    old_ci.refresh_from_db()
    assert old_ci.photo_count == 0 and old_ci.signature.name  # the signature has its own period
    assert retention.run(only=("checkin_photos",)) == {"checkin_photos": 0}


def test_signatures_go_five_years_after_the_order_ended_and_the_check_in_stays(
    make_order, private_media, django_capture_on_commit_callbacks
):
    old_ci, _p = make_order(5 * YEAR + timedelta(days=1))
    new_ci, _p = make_order(5 * YEAR - timedelta(days=1))
    name = old_ci.signature.name
    with django_capture_on_commit_callbacks(execute=True):
        assert retention.run(only=("checkin_signatures",)) == {"checkin_signatures": 1}

    old_ci.refresh_from_db()
    new_ci.refresh_from_db()
    assert old_ci.signature.name == "" and new_ci.signature.name
    assert not (private_media / name).exists()
    assert RepairOrder.objects.filter(pk=old_ci.repair_order_id).exists()


def test_audit_diffs_go_after_five_years(tenant, customer):
    with ago(5 * YEAR + timedelta(days=1)):
        customer_update(tenant=tenant, customer_id=customer.pk, version=customer.version, wechat="wx_old")
    customer.refresh_from_db()
    customer_update(tenant=tenant, customer_id=customer.pk, version=customer.version, wechat="wx_new")
    before = LogEntry.objects.count()

    done = retention.run(only=("audit_diffs",))

    assert done["audit_diffs"] >= 1 and LogEntry.objects.count() == before - done["audit_diffs"]
    assert not LogEntry.objects.filter(timestamp__lt=timezone.now() - 5 * YEAR).exists()
    assert "wx_new" in str(list(LogEntry.objects.values_list("changes", flat=True)))


def test_sign_in_records_go_after_a_year(db):
    for when in (YEAR + timedelta(days=1), YEAR - timedelta(days=1)):
        with ago(when):  # attempt_time is set on creation
            AccessLog.objects.create(username="sa1", ip_address="10.0.0.1", user_agent="x")
    with ago(2 * YEAR):
        AccessAttempt.objects.create(
            username="sa1",
            ip_address="10.0.0.9",
            user_agent="x",
            failures_since_start=3,
            get_data="",
            post_data="",
        )

    assert retention.run(only=("sign_in_records",)) == {"sign_in_records": 2}
    assert AccessLog.objects.count() == 1 and not AccessAttempt.objects.exists()


def test_a_period_of_0_keeps_for_ever(customer, store, settings):
    settings.DMS_RETENTION_MESSAGES_DAYS = 0
    with ago(10 * YEAR):
        _message(customer, store, "ancient")
    assert "messages" not in retention.run()
    assert Message.objects.filter(idempotency_key="ancient").exists()


def test_the_event_log_goes_after_three_years_with_its_webhook_deliveries(customer, store):
    from django.db import transaction

    from dms.core.events import publish
    from dms.core.models import Event
    from dms.messaging.models import WebhookDelivery, WebhookSubscription

    WebhookSubscription.objects.create(group=store.group, url="https://erp.example.cn/hook", events=["*"],
                                       secret="s" * 32)  # fmt: skip

    def event(reason):
        with transaction.atomic():
            return publish(type="customer.noted", store=store, subject=customer, payload={"reason": reason})

    with ago(3 * YEAR + timedelta(days=2)):
        old = event("张三说下周来")  # the body its deliveries send quotes the customer
    with ago(3 * YEAR - timedelta(days=2)):
        recent = event("张三改约")

    done = retention.run(only=("event_log",))

    assert done == {"event_log": 2}  # the event and its delivery
    assert list(Event.objects.values_list("pk", flat=True)) == [recent.pk]
    assert list(WebhookDelivery.objects.values_list("event_id", flat=True)) == [recent.pk]
    assert old.pk not in set(WebhookDelivery.objects.values_list("event_id", flat=True))
    assert retention.run(only=("event_log",)) == {"event_log": 0}


def test_an_imports_error_list_goes_after_90_days_and_its_counts_stay(store, tenant):
    from dms.customers.models import ImportJob

    def job(name):
        return ImportJob.objects.create(
            group=store.group, store=store, user=tenant.user, filename=name, status="done", error_rows=1,
            created_customers=5, errors=[{"row": 2, "column": "手机", "field": "mobile", "message": "1391234567 不对"}],
        )  # fmt: skip

    with ago(timedelta(days=91)):
        old = job("旧.xlsx")
    with ago(timedelta(days=89)):
        recent = job("新.xlsx")

    assert retention.run(only=("import_errors",)) == {"import_errors": 1}
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.errors == [] and (old.error_rows, old.created_customers) == (1, 5)
    assert recent.errors[0]["message"] == "1391234567 不对"
    assert retention.run(only=("import_errors",)) == {"import_errors": 0}


def test_every_purge_is_registered_by_its_app():
    assert {
        "messages", "checkin_photos", "checkin_signatures", "audit_diffs", "sign_in_records", "event_log",
        "import_errors",
    } <= set(retention.registered())  # fmt: skip


def test_the_worker_runs_the_sweep_once_queued_and_each_sweep_queues_the_next(customer, store):
    waiting = DBTaskResult.objects.filter(
        task_path=retention.retention_sweep.module_path, status=TaskResultStatus.READY
    )
    call_command("ensure_retention_sweep", verbosity=0)
    call_command("ensure_retention_sweep", verbosity=0)
    assert waiting.count() == 1

    with ago(4 * YEAR):
        _message(customer, store, "old")
    waiting.delete()
    result = retention.retention_sweep.call()
    assert result["messages"] == 1
    assert waiting.count() == 1 and waiting.get().run_after > timezone.now() + timedelta(hours=23)
