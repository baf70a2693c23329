"""Uploading the records: a kind of delivery of messaging's outbox (registered in apps.py with
dms.messaging.outbox.register_sender), so the same worker, poll and wake send it.

A record is written pending in the settle step's transaction (services.record_build) and the
worker is woken once it commits. Each pass (`deliver_due`) takes the pending records due now and
claims each with one conditional UPDATE that succeeds only while nobody holds it (a lease of
DMS_OUTBOX_LEASE_SECONDS, `claimed_by` a token of the claim); the claim commits before the platform
is called, and what the worker records afterwards is written only WHERE claimed_by is still its
token. A failure worth retrying releases the claim until now + outbox.backoff(attempts) (1, 2, 4 ...
minutes, at most an hour); after DMS_OUTBOX_MAX_ATTEMPTS attempts, or at once for a failure that
will not pass by itself (platform.py), the record is failed with the reason. Each attempt leaves an
UploadAttempt row.

Exactly once: the platform keys a record on the company and the settlement list number and
answers a repeat as a duplicate, which is recorded as uploaded. So a worker killed after the
platform took a record, before it recorded so, leaves it in doubt; the next worker to claim it
sends it again and the platform's answer settles it — the record is on the platform once.
"""

import logging

from django.conf import settings
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from dms.messaging.outbox import backoff, free, lease, new_token

from . import platform
from .models import PlatformSettings, RepairRecord, UploadAttempt, UploadState

log = logging.getLogger(__name__)
Outcome = UploadAttempt.Outcome


def due(now, limit: int) -> list[tuple[int, str]]:
    """(id, claimed_by) of the records due now, oldest due first."""
    return list(
        RepairRecord.objects.filter(state=UploadState.PENDING, next_attempt_at__lte=now)
        .filter(free(now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", "claimed_by")[:limit]
    )


def claim(pk: int, previous: str, now) -> str | None:
    token = new_token()
    taken = (
        RepairRecord.objects.filter(
            pk=pk, state=UploadState.PENDING, claimed_by=previous, next_attempt_at__lte=now
        )
        .filter(free(now))
        .update(claimed_until=now + lease(), claimed_by=token, attempts=F("attempts") + 1)
    )
    return token if taken else None


def _record(pk: int, token: str, **fields) -> bool:
    done = RepairRecord.objects.filter(pk=pk, claimed_by=token).update(**fields)
    if not done:
        log.warning(
            "Repair record %s was taken over by another worker (lease lapsed): result not recorded", pk
        )
    return bool(done)


def _attempt(record: RepairRecord, outcome: str, *, http_status=None, message: str = "") -> None:
    UploadAttempt.objects.create(
        record=record, at=timezone.now(), outcome=outcome, http_status=http_status, message=message[:300]
    )


def upload_claimed(pk: int, token: str) -> str:
    """Upload one claimed record; what became of it (sent, duplicate, retry, failed, manual)."""
    record = RepairRecord.objects.select_related("store").get(pk=pk)
    config = PlatformSettings.objects.filter(store_id=record.store_id, active=True).first()
    now = timezone.now()
    # Reasons are kept in the installation's language (Chinese), as messaging keeps them.
    with override(settings.LANGUAGE_CODE):
        if config is None:
            reason = _("No platform is set for this store: upload it by hand (the export).")
            if _record(pk, token, state=UploadState.MANUAL, reason=reason, claimed_until=None, claimed_by="",
                       next_attempt_at=None):  # fmt: skip
                _attempt(record, Outcome.FAILED, message=reason)
            return "manual"
        try:
            result = platform.upload(config, record.data)
        except platform.UploadFailed as exc:
            return _failed(record, token, exc, now)
        except Exception as exc:  # a fault of ours: kept on the record, retried like the platform's
            log.exception("Uploading repair record %s failed unexpectedly", pk)
            return _failed(
                record, token, platform.UploadFailed(f"{type(exc).__name__}: {exc}", retry=True), now
            )
        if _record(
            pk, token, state=UploadState.SENT, sent_at=timezone.now(), reason="", last_error="",
            platform_record_id=result.platform_record_id, claimed_until=None, claimed_by="", next_attempt_at=None,
        ):  # fmt: skip
            _attempt(
                record, Outcome.DUPLICATE if result.duplicate else Outcome.SENT, http_status=result.http_status,
                message=result.message,
            )  # fmt: skip
        return "duplicate" if result.duplicate else "sent"


def _failed(record: RepairRecord, token: str, exc: platform.UploadFailed, now) -> str:
    reason = exc.reason[:300]
    if exc.retry and record.attempts < settings.DMS_OUTBOX_MAX_ATTEMPTS:
        if _record(record.pk, token, last_error=reason, claimed_until=None, claimed_by="",
                   next_attempt_at=now + backoff(record.attempts)):  # fmt: skip
            _attempt(record, Outcome.RETRY, http_status=exc.http_status, message=reason)
        return "retry"
    if _record(record.pk, token, state=UploadState.FAILED, reason=reason, last_error=reason, claimed_until=None,
               claimed_by="", next_attempt_at=None):  # fmt: skip
        _attempt(record, Outcome.FAILED, http_status=exc.http_status, message=reason)
    return "failed"


def deliver_due(*, limit: int = 500) -> int:
    """Upload the records due now; how many were tried (outbox.register_sender's contract)."""
    done = 0
    while done < limit:
        batch = due(timezone.now(), min(50, limit - done))
        progressed = False
        for pk, previous in batch:
            token = claim(pk, previous, timezone.now())
            if token is None:
                continue  # another worker took it
            progressed = True
            done += 1
            upload_claimed(pk, token)
        if not progressed:
            break
    return done
