"""Sending the outbox: claim what is due with a lease, send it, record how it went.

Every worker (tasks.send_due under `manage.py db_worker`, or `manage.py send_messages`) runs
`run()`: it takes the due messages (queued or scheduled, next_attempt_at passed) one by one and
claims each with one conditional UPDATE that succeeds only while nobody holds it — `claimed_until`
empty or passed — and that writes a new lease (`claimed_until` = now + DMS_OUTBOX_LEASE_SECONDS,
`claimed_by` = a token of this claim). The claim commits before the provider is called. Whatever
the worker records afterwards is written only WHERE claimed_by is still its token: a worker that
outlived its lease changes nothing.

Retries: a failure worth retrying (provider down, 5xx, throttled, connection refused) releases the
claim with next_attempt_at = now + BASE·2^(attempt-1), at most CAP (1, 2, 4 ... minutes, at most an
hour); after DMS_OUTBOX_MAX_ATTEMPTS attempts, or at once for a failure that will not pass (an
invalid number, an unknown template), the message is failed with the reason.

Exactly once, and where it is only at least once. The window is between the provider accepting a
message and our record of it: a worker killed (SIGKILL, power) there leaves a message whose lease
lapses while `claimed_by` is still set — "in doubt". The next worker that claims it does not
simply send again:

- a provider that drops a repeat of our idempotency key (`dedups`: WeChat's client_msg_id within
  its 10 minutes, the recording channel, the test fakes) gets the same key again — the message
  reaches the customer once;
- a provider we can ask (`find`: Alibaba Cloud's QuerySendDetails lists each SMS with the OutId we
  sent) is asked; if it has the message, it is recorded as sent without sending again. A failed
  lookup keeps the message in doubt and retries the lookup later;
- a provider that can do neither (Tencent Cloud SMS: SessionContext is only echoed back and its
  status reports come after delivery; SMTP) gets the message again: at least once, and only for a
  worker killed inside that window.

The lease (default 120 s) is longer than any provider call (DMS_OUTBOX_HTTP_TIMEOUT, 15 s), so a
live worker's call has ended, answered or timed out, before anyone takes its message over.

At send time the message is checked again: consent withdrawn or an opt-out since it was queued
suppresses it; quiet hours reached meanwhile (a retry at 21:05) schedule it for the morning.

A pass (`run`) sends the messages, then the webhook deliveries (webhooks.py), then the rows of every
kind of delivery an app above registered with `register_sender` (the uploads of the electronic
repair record, dms/records/uploads.py), each claimed, leased and retried the same way.
"""

import logging
import os
import socket
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from .channels import SendFailed, Sent, provider_for
from .channels.base import LookupUnsupported
from .models import PENDING_STATES, Message, Recipient, State
from .services import QUIET_CHANNELS, quiet_until, withheld_reason

log = logging.getLogger(__name__)


def new_token() -> str:
    """Who holds a claim: this host and process, and a random part per claim."""
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def lease() -> timedelta:
    return timedelta(seconds=settings.DMS_OUTBOX_LEASE_SECONDS)


def backoff(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt."""
    base, cap = settings.DMS_OUTBOX_RETRY_BASE_SECONDS, settings.DMS_OUTBOX_RETRY_CAP_SECONDS
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def free(now: datetime) -> Q:
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)


def due(now: datetime | None = None, limit: int = 50) -> list[tuple[int, str]]:
    """(id, claimed_by) of the messages due now, oldest due first."""
    now = now or timezone.now()
    return list(
        Message.objects.filter(state__in=PENDING_STATES, next_attempt_at__lte=now)
        .filter(free(now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", "claimed_by")[:limit]
    )


def claim(pk: int, previous: str, now: datetime) -> str | None:
    """Take message `pk` for this worker if nobody holds it; the token of the claim, or None."""
    token = new_token()
    taken = (
        Message.objects.filter(pk=pk, state__in=PENDING_STATES, next_attempt_at__lte=now, claimed_by=previous)
        .filter(free(now))
        .update(claimed_until=now + lease(), claimed_by=token, attempts=F("attempts") + 1)
    )
    return token if taken else None


def _record(pk: int, token: str, **fields) -> bool:
    done = Message.objects.filter(pk=pk, claimed_by=token).update(**fields)
    if not done:
        log.warning("Message %s was taken over by another worker (lease lapsed): result not recorded", pk)
    return bool(done)


def _sent(message: Message, token: str, result: Sent, provider: str) -> None:
    _record(
        message.pk, token, state=State.SENT, sent_at=timezone.now(), provider=provider,
        provider_message_id=result.provider_message_id[:100], reason=result.note[:200], last_error="",
        claimed_until=None, claimed_by="", next_attempt_at=None,
    )  # fmt: skip


def _failed(message: Message, token: str, exc: SendFailed, attempts: int, provider: str) -> None:
    now = timezone.now()
    if exc.retry and attempts < settings.DMS_OUTBOX_MAX_ATTEMPTS:
        _record(
            message.pk, token, last_error=exc.reason[:300], provider=provider, claimed_until=None,
            claimed_by="", next_attempt_at=now + backoff(attempts),
        )  # fmt: skip
    else:
        _record(
            message.pk, token, state=State.FAILED, reason=exc.reason[:200], last_error=exc.reason[:300],
            provider=provider, claimed_until=None, claimed_by="", next_attempt_at=None,
        )  # fmt: skip


def send_claimed(pk: int, token: str, *, in_doubt: bool) -> str:
    """Send one claimed message; returns what became of it (sent, retry, failed, suppressed,
    scheduled, found)."""
    message = Message.objects.select_related("store", "customer").get(pk=pk)
    now = timezone.now()
    recipient = Recipient.objects.filter(customer_id=message.customer_id).first()
    withheld = withheld_reason(message, message.customer, recipient)
    if withheld:
        _record(pk, token, state=State.SUPPRESSED, reason=withheld[:200], claimed_until=None, claimed_by="",
                next_attempt_at=None)  # fmt: skip
        return "suppressed"
    provider = provider_for(message.store_id, message.channel)
    if in_doubt and not provider.dedups:
        try:
            found = provider.find(message)
        except LookupUnsupported:
            found = None  # nothing to ask: sent again (at least once, see the module doc)
        except SendFailed as exc:
            if message.attempts >= settings.DMS_OUTBOX_MAX_ATTEMPTS:
                _failed(message, token, SendFailed(exc.reason, retry=False), message.attempts, provider.name)
                return "failed"
            # Still in doubt: keep it claimed (so the next worker asks again) until the retry.
            _record(pk, token, last_error=exc.reason[:300], claimed_until=now + backoff(message.attempts))
            return "retry"
        if found is not None:
            _sent(message, token, found, provider.name)
            return "found"
        in_doubt = False  # the provider has no such message: it is sent as any other
    if message.channel in QUIET_CHANNELS and not in_doubt:
        until = quiet_until(message.store, now)
        if until is not None:
            _record(pk, token, state=State.SCHEDULED, send_after=until, next_attempt_at=until, claimed_until=None,
                    claimed_by="", attempts=F("attempts") - 1)  # fmt: skip
            return "scheduled"
    try:
        result = provider.send(message)
    except SendFailed as exc:
        _failed(message, token, exc, message.attempts, provider.name)
        return "retry" if exc.retry and message.attempts < settings.DMS_OUTBOX_MAX_ATTEMPTS else "failed"
    except Exception as exc:  # a fault of ours: kept on the message, retried like a provider fault
        log.exception("Sending message %s failed unexpectedly", pk)
        _failed(
            message,
            token,
            SendFailed(f"{type(exc).__name__}: {exc}", retry=True),
            message.attempts,
            provider.name,
        )
        return "retry"
    _sent(message, token, result, provider.name)
    return "sent"


def send_due(*, limit: int = 500) -> int:
    """Send the messages due now, up to `limit`; returns how many were attempted."""
    done = 0
    while done < limit:
        batch = due(limit=min(50, limit - done))
        if not batch:
            break
        progressed = False
        for pk, previous in batch:
            now = timezone.now()
            token = claim(pk, previous, now)
            if token is None:
                continue  # another worker took it
            progressed = True
            send_claimed(pk, token, in_doubt=bool(previous))
            done += 1
        if not progressed:
            break
    return done


def next_due() -> datetime | None:
    """When the next pending message falls due (or its lease lapses)."""
    row = (
        Message.objects.filter(state__in=PENDING_STATES, next_attempt_at__isnull=False)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", "claimed_until")
        .first()
    )
    if row is None:
        return None
    return max(d for d in row if d is not None)


# --- Other kinds of delivery ---------------------------------------------------------------------
# One outbox for everything that leaves the building: an app above messaging with its own kind of
# delivery (the records app's uploads of the electronic repair record to the province's platform)
# keeps its rows itself and registers, in its AppConfig.ready, the function that sends the ones due:
#
#     outbox.register_sender("records", uploads.deliver_due)
#
# `deliver_due(*, limit)` sends at most `limit` rows due now and returns how many it tried. It is
# written like webhooks.deliver_due: rows written in the transaction of the change that caused
# them (then `tasks.wake` on commit), claimed one by one with a conditional UPDATE and a lease
# (`free`, `lease`, `new_token`: a worker that outlived its lease records nothing), retried after
# `backoff(attempts)`, failed with the reason after DMS_OUTBOX_MAX_ATTEMPTS. Every worker's pass
# (`run`) calls each registered sender after the messages and the webhooks, so the same worker,
# poll and wake serve it. A sender that raises is logged; the others still run.
_SENDERS: dict[str, Callable[..., int]] = {}


def register_sender(name: str, deliver_due: Callable[..., int]) -> None:
    """Have every worker's pass send `name`'s rows due now (see above); registering a name again
    replaces it (AppConfig.ready may run twice in tests)."""
    _SENDERS[name] = deliver_due


def senders() -> dict[str, Callable[..., int]]:
    return dict(_SENDERS)


def run(*, limit: int = 500) -> int:
    """One pass of a worker over everything that leaves: messages, webhook deliveries, then the
    registered senders' rows."""
    done = send_due(limit=limit)
    try:
        from . import webhooks
    except ImportError:  # pragma: no cover - webhooks need dms.core.events
        webhooks = None
    if webhooks is not None:
        done += webhooks.deliver_due(limit=limit)
    for name, deliver_due in list(_SENDERS.items()):
        try:
            done += deliver_due(limit=limit)
        except Exception:  # one kind's fault (its table, its code) does not stop the others
            log.exception("Sending the outbox's %s failed", name)
    return done
