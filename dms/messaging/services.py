"""Writes of messaging: queue a message, record an unsubscribe, link a WeChat openid.

`message_queue` is the one way a message to a customer is made. It writes the outbox row in the
caller's transaction (so a message exists exactly when the change that caused it commits) and
wakes the worker once that transaction commits; the worker sends it (outbox.py). Before writing:

- marketing needs the customer's recorded consent (Customer.marketing_consent, each change a
  ConsentEvent): without it, Conflict, and nothing is queued;
- a customer who opted out of every message gets none (kept as suppressed, with the reason);
- no address on the channel (no valid mobile, no e-mail, WeChat not linked): suppressed, with the
  reason;
- SMS and WeChat inside the store's quiet hours (default 21:00-08:30, the store's time zone):
  scheduled for the end of the quiet hours, never dropped. E-mail does not wake anyone: it goes.
"""

import functools
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dms.core import sqltext
from dms.core.errors import Conflict, DomainError, NotFound
from dms.core.events import subject_name
from dms.core.models import Store
from dms.customers.models import Customer
from dms.customers.services import consent_record

from .kinds import AUTO_PARAMS, KINDS, render
from .models import (
    DEFAULT_QUIET_END,
    DEFAULT_QUIET_START,
    Channel,
    ChannelConfig,
    Message,
    MessagingSettings,
    Purpose,
    Recipient,
    State,
)

MOBILE = re.compile(r"^1[3-9]\d{9}$")
QUIET_CHANNELS = (Channel.SMS, Channel.WECHAT)
# A reply that unsubscribes (Chinese carriers' convention: 回T退订), compared without case, spaces
# or punctuation.
UNSUBSCRIBE_WORDS = {"退订", "TD", "T", "退订T", "取消订阅"}


def _in_language(text) -> str:
    """A lazy text in the installation's language (Chinese): reasons are kept on the message."""
    with translation.override(settings.LANGUAGE_CODE):
        return str(text)


# --- Quiet hours --------------------------------------------------------------------------------


def quiet_hours(store: Store) -> tuple:
    row = MessagingSettings.objects.filter(store=store).values_list("quiet_start", "quiet_end").first()
    return row or (DEFAULT_QUIET_START, DEFAULT_QUIET_END)


def quiet_until(store: Store, now: datetime | None = None, *, hours: tuple | None = None) -> datetime | None:
    """The end of the store's quiet hours when `now` falls inside them, else None. `hours`: the
    store's (start, end) when the caller has read them (recipient_and_quiet_hours)."""
    start, end = hours or quiet_hours(store)
    if start == end:
        return None
    zone = ZoneInfo(store.time_zone or settings.TIME_ZONE)
    local = timezone.localtime(now or timezone.now(), zone)
    t = local.time()
    if start > end:  # over midnight: 21:00-08:30
        if t >= start:
            day = local.date() + timedelta(days=1)
        elif t < end:
            day = local.date()
        else:
            return None
    elif start <= t < end:  # within one day: 12:00-14:00
        day = local.date()
    else:
        return None
    return datetime.combine(day, end, tzinfo=zone)


def recipient_and_quiet_hours(store: Store, customer: Customer) -> tuple[Recipient | None, tuple]:
    """What message_queue reads besides the customer, in one statement: the customer's Recipient
    (None when messaging knows nothing of them: no WeChat linked, never opted out), with the fields
    it decides by, and the store's quiet hours (start, end). Plain SQL (two outer joins on a row
    of one): the ORM's five subqueries for it cost a queued message a twentieth of an order's
    Python time (tests: dms/messaging/tests/test_queue_statements.py)."""
    with connection.cursor() as cursor:
        cursor.execute(_recipient_and_hours_sql(), [customer.pk, store.pk])
        known, openid, opted_out, start, end = cursor.fetchone()
    if known is not None:  # the fields address_of and withheld_reason decide by
        recipient = Recipient(customer=customer, wechat_openid=openid, opted_out=bool(opted_out))
    else:
        recipient = None
    if start is None:
        return recipient, (DEFAULT_QUIET_START, DEFAULT_QUIET_END)
    return recipient, (_time(start), _time(end))


@functools.cache
def _recipient_and_hours_sql() -> str:
    """The statement, made once: the tables and columns are known once the models are."""
    r = sqltext.columns(Recipient, "customer", "wechat_openid", "opted_out")
    h = sqltext.columns(MessagingSettings, "store", "quiet_start", "quiet_end")
    return (
        f"SELECT r.{r['customer']}, r.{r['wechat_openid']}, r.{r['opted_out']}, h.{h['quiet_start']}, "
        f"h.{h['quiet_end']} FROM (SELECT 1 AS one) one "
        f"LEFT JOIN {sqltext.table(Recipient)} r ON r.{r['customer']} = %s "
        f"LEFT JOIN {sqltext.table(MessagingSettings)} h ON h.{h['store']} = %s"
    )


def _time(value) -> time:
    """A time column as the driver gives it (SQLite: text when not converted)."""
    return time.fromisoformat(value) if isinstance(value, str) else value


# --- Addresses and consent ----------------------------------------------------------------------


def address_of(customer: Customer, channel: str, recipient: Recipient | None) -> tuple[str, str]:
    """(address, why not): the customer's address on the channel, or the reason there is none."""
    if channel == Channel.SMS:
        mobile = (customer.mobile or "").strip()
        if MOBILE.match(mobile):
            return mobile, ""
        return "", _in_language(gettext_lazy("The customer has no valid mobile number to text."))
    if channel == Channel.EMAIL:
        if customer.email:
            return customer.email, ""
        return "", _in_language(gettext_lazy("The customer has no e-mail address."))
    if recipient is not None and recipient.wechat_openid:
        return recipient.wechat_openid, ""
    return "", _in_language(gettext_lazy("The customer has not linked their WeChat."))


def withheld_reason(message: Message, customer: Customer, recipient: Recipient | None) -> str:
    """Why a message must not go now (consent withdrawn, opted out), or ""."""
    if recipient is not None and recipient.opted_out:
        return _in_language(gettext_lazy("The customer opted out of all messages."))
    if message.purpose == Purpose.MARKETING and not customer.marketing_consent:
        return _in_language(gettext_lazy("The customer withdrew consent to marketing messages."))
    return ""


def _subject_of(subject) -> tuple[str, int | None]:
    """("repair_order", 123) from a record (named as in its events) or from such a pair."""
    if subject is None:
        return "", None
    if isinstance(subject, tuple):
        kind, pk = subject
        return str(kind), (int(pk) if pk is not None else None)
    return subject_name(subject), subject.pk


# --- Queueing -----------------------------------------------------------------------------------


def message_queue(
    *,
    store: Store,
    customer: Customer,
    channel: str,
    purpose: str,
    kind: str,
    params: dict | None = None,
    subject=None,
    idempotency_key: str | None = None,
    key_is_new: bool = False,
    by=None,
) -> Message:
    """Queue one message to `customer` from `store` (see the module doc). `kind` is a template of
    kinds.KINDS, `params` its parameters (store, name, phone and address are filled in when left
    out); `subject` the record it is about (a model instance or ("repair_order", id)). The same
    `idempotency_key` again (per dealer group) returns the message queued the first time, with
    `replayed` True, and queues nothing. `key_is_new`: the caller vouches that no message holds the
    key yet (it names a record made in the caller's transaction, or a random one): the row is
    inserted without looking for an earlier one (one statement fewer); were the key taken after all,
    the unique constraint fails the caller's transaction. Raises Conflict for marketing without
    consent, DomainError for bad input."""
    if channel not in Channel.values:
        raise DomainError(_("Choose one of: %(v)s.") % {"v": ", ".join(Channel.values)}, field="channel")
    if purpose not in Purpose.values:
        raise DomainError(_("Choose one of: %(v)s.") % {"v": ", ".join(Purpose.values)}, field="purpose")
    if kind not in KINDS:
        raise DomainError(_("Choose one of: %(v)s.") % {"v": ", ".join(KINDS)}, field="template")
    if customer.group_id != store.group_id:
        raise NotFound()
    key = (idempotency_key or "").strip() or None
    if key and len(key) > 100:
        raise DomainError(_("At most %(n)s characters.") % {"n": 100}, field="idempotency_key")

    values = {k: v for k, v in (params or {}).items() if v is not None}
    auto = {
        "store": store.name, "name": customer.salutation, "phone": store.phone or store.name,
        "address": store.address,
    }  # fmt: skip
    for name in AUTO_PARAMS:
        if name in KINDS[kind].names and not values.get(name):
            values[name] = auto[name]
    missing = [n for n in KINDS[kind].params if values.get(n) in (None, "")]
    if missing:
        raise DomainError(
            _("The message lacks: %(names)s.") % {"names": ", ".join(missing)},
            errors=[{"field": f"params.{n}", "message": _("This field is required.")} for n in missing],
        )
    if purpose == Purpose.MARKETING and not customer.marketing_consent:
        if key and (earlier := _earlier(store, key)) is not None:
            return _replay(
                earlier, customer=customer, channel=channel, kind=kind
            )  # queued before it was withdrawn
        raise Conflict(
            _("The customer has not consented to marketing messages: nothing was queued."), field="purpose"
        )

    recipient, hours = recipient_and_quiet_hours(store, customer)
    address, no_address = address_of(customer, channel, recipient)
    _subject, body = render(
        kind, values, marketing_sms=purpose == Purpose.MARKETING and channel == Channel.SMS
    )
    subject_type, subject_id = _subject_of(subject)
    now = timezone.now()
    message = Message(
        group_id=store.group_id, store=store, customer=customer, channel=channel, purpose=purpose, kind=kind,
        params={k: str(v) for k, v in values.items()}, body=body, address=address, subject_type=subject_type,
        subject_id=subject_id, idempotency_key=key, by=by if by is not None and by.pk else None,
        next_attempt_at=now,
    )  # fmt: skip
    reason = withheld_reason(message, customer, recipient) or no_address
    if reason:
        message.state, message.reason, message.next_attempt_at = State.SUPPRESSED, reason[:200], None
    elif channel in QUIET_CHANNELS and (until := quiet_until(store, now, hours=hours)):
        message.state, message.send_after, message.next_attempt_at = State.SCHEDULED, until, until
        message.reason = _in_language(gettext_lazy("Quiet hours: it goes at %(time)s.")) % {
            "time": timezone.localtime(until, until.tzinfo).strftime("%H:%M")
        }
    if key is None or key_is_new:
        message.save(force_insert=True)  # nothing to meet again: an error ends the caller's transaction
    else:
        # The group's unique key decides, without a savepoint: the row is inserted unless the key
        # is taken (ON CONFLICT DO NOTHING; SQLite: INSERT OR IGNORE), then the key's row tells
        # which: this message, or the one queued the first time.
        Message.objects.bulk_create([message], ignore_conflicts=True)
        taken = Message.objects.filter(group_id=store.group_id, idempotency_key=key)
        holder = taken.values_list("pk", flat=True).first()
        if holder != message.pk:
            earlier = _earlier(store, key) if holder is not None else None
            if earlier is None:  # not inserted, and no message holds the key: another constraint refused it
                raise IntegrityError(f"message {message.pk} was not inserted (idempotency key {key!r})")
            return _replay(earlier, customer=customer, channel=channel, kind=kind)
    message.replayed = False
    if message.state != State.SUPPRESSED:
        from . import tasks

        transaction.on_commit(lambda: tasks.wake(at=message.next_attempt_at))
    return message


def _earlier(store: Store, key: str) -> Message | None:
    return Message.objects.filter(group_id=store.group_id, idempotency_key=key).first()


def _replay(earlier: Message, *, customer: Customer, channel: str, kind: str) -> Message:
    if (earlier.customer_id, earlier.channel, earlier.kind) != (customer.pk, channel, kind):
        raise Conflict(
            _("This idempotency key was already used for another message."), field="idempotency_key"
        )
    earlier.replayed = True
    return earlier


# --- Unsubscribing, opting out, linking WeChat -----------------------------------------------------


def mainland_mobile(value: str) -> str:
    """13812345678 from "+86 138 1234 5678", "8613812345678" or "13812345678"; "" if not one."""
    digits = re.sub(r"[\s-]+", "", value or "").removeprefix("+")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits if MOBILE.match(digits) else ""


def is_unsubscribe_reply(text: str) -> bool:
    word = re.sub(r"[\s\W_]+", "", text or "").upper()
    return word in UNSUBSCRIBE_WORDS


def unsubscribe_marketing(*, customer: Customer, how: str) -> Customer:
    """The customer withdrew consent to marketing messages (a reply 退订, an e-mail's link):
    recorded as a ConsentEvent, honoured by every marketing message not yet sent."""
    return consent_record(customer=customer, granted=False, how=how, by=None)


def opt_out_all(*, customer: Customer, how: str, by=None) -> Recipient:
    """The customer wants no message at all, service notices included (and no marketing)."""
    with transaction.atomic():
        recipient, _created = Recipient.objects.select_for_update().get_or_create(customer=customer)
        if not recipient.opted_out:
            recipient.opted_out, recipient.opted_out_at, recipient.opted_out_how = (
                True,
                timezone.now(),
                how[:100],
            )
            recipient.save(update_fields=["opted_out", "opted_out_at", "opted_out_how"])
        consent_record(customer=customer, granted=False, how=how, by=by)
    return recipient


def inbound_sms(*, config: ChannelConfig, mobile: str, text: str) -> int:
    """A customer's SMS reply to one of the store's numbers. An unsubscribe word withdraws the
    marketing consent of every customer of the group with that mobile; returns how many."""
    mobile = mainland_mobile(mobile)
    if not is_unsubscribe_reply(text) or not mobile:
        return 0
    how = _in_language(gettext_lazy("SMS reply “%(text)s”")) % {"text": text.strip()[:20]}
    customers = list(Customer.objects.filter(group_id=config.store.group_id, mobile=mobile))
    for customer in customers:
        unsubscribe_marketing(customer=customer, how=how)
    return len(customers)


def delivery_report(
    *, config: ChannelConfig, key: str = "", provider_id: str = "", delivered: bool, detail: str = ""
) -> bool:
    """A provider's status report on a sent message, found by our key (Alibaba Cloud's out_id) or
    the provider's id (Tencent Cloud's sid): the carrier delivered it, or could not (failed, with
    the carrier's words). Whether a message of the store was found."""
    messages = Message.objects.filter(store_id=config.store_id, channel=config.channel, state=State.SENT)
    if key.startswith("odms-") and key[5:].isdigit():
        messages = messages.filter(pk=int(key[5:]))
    elif provider_id:
        messages = messages.filter(provider_message_id=provider_id)
    else:
        return False
    if delivered:
        return bool(messages.update(state=State.DELIVERED, delivered_at=timezone.now()))
    reason = _in_language(gettext_lazy("The carrier could not deliver it: %(detail)s")) % {"detail": detail}
    return bool(messages.update(state=State.FAILED, reason=reason[:200], last_error=detail[:300]))


def wechat_link(*, customer: Customer, openid: str) -> Recipient:
    """Link the customer's WeChat (their openid under the store's Official Account)."""
    openid = (openid or "").strip()
    if not openid or len(openid) > 64:
        raise DomainError(_("Enter the customer's WeChat openid."), field="openid")
    recipient, _created = Recipient.objects.update_or_create(
        customer=customer, defaults={"wechat_openid": openid}
    )
    return recipient
