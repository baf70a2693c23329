"""Uploading through messaging's outbox to a local fake of the platform: a token, the record, the
answer recorded; retries with backoff, failures with the reason, a lease, exactly once."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from dms.messaging import outbox
from dms.records import uploads
from dms.records.models import PlatformSettings, RepairRecord, UploadAttempt, UploadState

from .conftest import COMPANY

pytestmark = pytest.mark.django_db


def record_of(order_id) -> RepairRecord:
    return RepairRecord.objects.get(order_id=order_id)


def test_a_worker_pass_uploads_the_record_to_the_platform(settled, platform, fake_platform):
    record = record_of(settled())

    # when a worker of the outbox makes its pass
    outbox.run()

    # then the platform has the record, with the store's company code and its token
    assert len(fake_platform.sent) == 1
    sent = fake_platform.sent[0]
    assert sent["companycode"] == COMPANY
    assert sent["access_token"].startswith("tok-")
    assert {k: sent[k] for k in record.data} == record.data
    record.refresh_from_db()
    assert record.state == UploadState.SENT
    assert record.platform_record_id == sent["recordid"]
    assert record.sent_at is not None and record.attempts == 1
    assert [a.outcome for a in record.attempt_log.all()] == ["sent"]


def test_the_access_token_is_kept_for_the_next_records(settled, platform, fake_platform):
    settled()
    outbox.run()
    settled(complaint="保养")

    outbox.run()

    assert len(fake_platform.sent) == 2
    assert fake_platform.token_requests == 1
    raw = PlatformSettings.objects.filter(pk=platform.pk).values_list("access_token", flat=True).get()
    assert raw.startswith("enc:v1:")  # sealed in the database, as the password


def test_an_expired_token_is_renewed_within_the_same_attempt(settled, platform, fake_platform):
    settled()
    outbox.run()
    record = record_of(settled(complaint="保养"))
    fake_platform.revoke_tokens()

    outbox.run()

    record.refresh_from_db()
    assert record.state == UploadState.SENT and record.attempts == 1
    assert fake_platform.token_requests == 2


def test_a_platform_that_is_down_is_retried_with_backoff(settled, platform, fake_platform, settings):
    settings.DMS_OUTBOX_RETRY_BASE_SECONDS = 60
    record = record_of(settled())
    fake_platform.fail_with = [503]  # the token call

    outbox.run()

    # then the record waits a minute, with the error, still queued
    record.refresh_from_db()
    assert record.state == UploadState.PENDING
    assert "503" in record.last_error
    assert timedelta(seconds=55) < record.next_attempt_at - timezone.now() <= timedelta(seconds=60)
    assert fake_platform.sent == []
    # a pass before then does nothing; a pass after it uploads
    outbox.run()
    assert fake_platform.sent == []
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        outbox.run()
    record.refresh_from_db()
    assert record.state == UploadState.SENT and record.attempts == 2
    assert [a.outcome for a in record.attempt_log.order_by("at", "id")] == ["retry", "sent"]


def test_after_the_last_attempt_the_record_fails_with_the_reason(settled, platform, fake_platform, settings):
    settings.DMS_OUTBOX_MAX_ATTEMPTS = 2
    record = record_of(settled())
    fake_platform.fail_with = [500, 500]

    outbox.run()
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        outbox.run()

    record.refresh_from_db()
    assert record.state == UploadState.FAILED
    assert "500" in record.reason
    assert record.next_attempt_at is None


def test_a_record_the_platform_refuses_fails_at_once_with_its_message(settled, platform, fake_platform):
    record = record_of(settled())
    RepairRecord.objects.filter(pk=record.pk).update(data={**record.data, "vin": "LVH123"})

    outbox.run()

    record.refresh_from_db()
    assert record.state == UploadState.FAILED
    assert "vin应为17位" in record.reason
    assert record.attempts == 1


def test_a_wrong_password_fails_with_the_platform_s_reason(settled, platform, fake_platform):
    platform.password = "wrong"
    platform.save()
    record = record_of(settled())

    outbox.run()

    record.refresh_from_db()
    assert record.state == UploadState.FAILED
    assert "企业编码或密码错误" in record.reason
    assert fake_platform.sent == []


def test_a_record_whose_store_lost_its_platform_is_kept_for_upload_by_hand(settled, platform, fake_platform):
    record = record_of(settled())
    PlatformSettings.objects.filter(pk=platform.pk).update(active=False)

    outbox.run()

    record.refresh_from_db()
    assert record.state == UploadState.MANUAL
    assert fake_platform.requests == []


def test_a_private_address_is_not_called_unless_allowed(settled, platform, fake_platform, settings):
    record = record_of(settled())
    settings.DMS_RECORDS_ALLOW_PRIVATE = False

    outbox.run()

    record.refresh_from_db()
    assert record.state == UploadState.FAILED
    assert "127.0.0.1" in record.reason
    assert fake_platform.requests == []


def test_an_upload_whose_answer_was_lost_reaches_the_platform_once(
    settled, platform, fake_platform, settings
):
    # given a worker that uploaded the record and died before recording it (its lease held)
    record = record_of(settled())
    token = uploads.claim(record.pk, "", timezone.now())
    from dms.records import platform as platform_api

    platform_api.upload(platform, record.data)
    assert len(fake_platform.sent) == 1

    # when the lease lapses and the next worker takes the record over
    with time_machine.travel(timezone.now() + timedelta(seconds=settings.DMS_OUTBOX_LEASE_SECONDS + 1)):
        outbox.run()

    # then the platform answers that it has it: uploaded, and on the platform once
    record.refresh_from_db()
    assert record.state == UploadState.SENT
    assert len(fake_platform.sent) == 1
    assert [a.outcome for a in record.attempt_log.all()] == [UploadAttempt.Outcome.DUPLICATE]
    # and the dead worker's late word changes nothing
    assert not uploads._record(record.pk, token, state=UploadState.FAILED)
    record.refresh_from_db()
    assert record.state == UploadState.SENT


def test_a_record_held_by_a_live_worker_is_not_taken(settled, platform, fake_platform):
    record = record_of(settled())
    assert uploads.claim(record.pk, "", timezone.now()) is not None

    outbox.run()

    assert fake_platform.requests == []
    assert uploads.claim(record.pk, "", timezone.now()) is None


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite runs one writer at a time")
@pytest.mark.django_db(transaction=True)
def test_two_workers_claiming_at_once_upload_once(settled, platform, fake_platform):
    from conftest import at_once

    record = record_of(settled())
    now = timezone.now()

    tokens = at_once([lambda: uploads.claim(record.pk, "", now), lambda: uploads.claim(record.pk, "", now)])

    assert sorted(t is None for t in tokens) == [False, True]


def test_one_failing_sender_does_not_stop_the_others(settled, platform, fake_platform, monkeypatch):
    record = record_of(settled())

    def broken(*, limit):
        raise RuntimeError("a sender with a fault")

    # given a kind of delivery with a fault, registered before the records
    monkeypatch.setattr(outbox, "_SENDERS", {"broken": broken, **outbox.senders()})

    outbox.run()

    record.refresh_from_db()
    assert record.state == UploadState.SENT
