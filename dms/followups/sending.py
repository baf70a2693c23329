"""Touches that send themselves: an SMS, WeChat or e-mail touch goes through the outbox when due.

The outbox (dms.messaging.services.message_queue) decides what may go: marketing only with the
customer's consent (else nothing is queued: the touch is closed as not sent, with the reason), no
message to a customer who opted out or has no address (withheld), and no SMS or WeChat in the
store's quiet hours (scheduled for their end). The touch keeps the message's id; its text is the
rule's script rendered for the customer, in the installation's language (Chinese)."""

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from dms.core.errors import Conflict, DomainError
from dms.messaging.models import Purpose, State
from dms.messaging.services import message_queue

from .models import SENDING_CHANNELS, FollowUp
from .plans import script_for

BATCH = 500


def due_to_send(now: datetime):
    return (
        FollowUp.objects.filter(
            state=FollowUp.State.OPEN,
            due_at__lte=now,
            message_id__isnull=True,
            rule__channel__in=SENDING_CHANNELS,
        )
        .select_related("store", "customer", "customer__customer_manager", "vehicle", "rule", "assigned_to")
        .order_by("due_at", "pk")
    )


def touch_send(f: FollowUp, *, now: datetime | None = None) -> FollowUp:
    """Queue one due sending touch's message and close the touch: sent (queued or scheduled after
    the quiet hours) or not sent (no consent, opted out, no address), with the reason."""
    now = now or timezone.now()
    text = script_for(f, settings.LANGUAGE_CODE)
    purpose = Purpose.MARKETING if f.rule.marketing else Purpose.SERVICE
    outcome, note = FollowUp.Outcome.SENT, ""
    try:
        message = message_queue(
            store=f.store, customer=f.customer, channel=f.rule.channel, purpose=purpose, kind="note",
            params={"text": text}, subject=("followup", f.pk), idempotency_key=f"touch-{f.pk}",
        )  # fmt: skip
    except (Conflict, DomainError) as exc:
        message, outcome, note = None, FollowUp.Outcome.WITHHELD, str(exc.message)
    else:
        if message.state == State.SUPPRESSED:
            outcome, note = FollowUp.Outcome.WITHHELD, message.reason
        elif message.state == State.SCHEDULED:
            note = message.reason
    f.state, f.outcome, f.done_at = FollowUp.State.DONE, outcome, now
    f.message_id = message.pk if message is not None else None
    f.note = "\n".join(x for x in (f.note, note) if x)
    f.save(update_fields=["state", "outcome", "done_at", "message_id", "note"])
    return f


def touches_send_due(*, now: datetime | None = None, limit: int = BATCH) -> int:
    """Send the sending touches that are due; each in its own transaction. Returns how many."""
    now = now or timezone.now()
    sent = 0
    for pk in list(due_to_send(now).values_list("pk", flat=True)[:limit]):
        with transaction.atomic():
            f = due_to_send(now).select_for_update(of=("self",), skip_locked=True).filter(pk=pk).first()
            if f is None:
                continue
            touch_send(f, now=now)
            sent += 1
    return sent
