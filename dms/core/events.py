"""Events: what happened, published once, and the apps that react to it.

A step that changes a record publishes one event in its own transaction:

    with transaction.atomic():
        ...  # the change
        publish(type="repair_order.delivered", store=order.store, subject=order, actor=user,
                payload={"mileage_out": 15003})

`publish` writes the Event row (dms.core.models.Event: type, store, subject, actor, time, JSON
payload), so the fact and the change commit or roll back together. Types are
`<record>.<what happened>` in snake case, the past tense: `repair_order.signed`,
`appointment.booked`, `check_in.signed`.

Apps above the one where it happened react by subscribing, in their AppConfig.ready():

    from dms.core.events import subscribe
    subscribe("repair_order.delivered", create_follow_up, phase="transaction")
    subscribe("repair_order.*", text_the_customer)  # phase="commit"

A pattern is an exact type, `<record>.*` or `*`. A handler takes the Event.

- phase "transaction": run at once, inside the publishing transaction, for rows that must be
  written with the change (the follow-up a delivery leaves). An exception in the handler aborts
  the whole change: the caller sees it as if the step itself had failed.
- phase "commit" (the default): run after the transaction commits (transaction.on_commit), for
  what must never happen for a change that was rolled back: texting a customer, calling out.
  Nothing runs when it rolls back. An exception there is logged with the event's id and never
  reaches the user, whose change is already saved; slow work belongs in a task the handler
  queues.

Handlers run in the order they subscribed; the registry is a plain list tests can read
(`subscriptions()`), and subscribing the same handler to the same pattern and phase again is a
no-op (AppConfig.ready may run more than once in tests).
"""

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from .models import Event

log = logging.getLogger(__name__)

PHASES = ("transaction", "commit")
TYPE = re.compile(r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$")  # repair_order.qc_passed
PATTERN = re.compile(r"^(\*|[a-z][a-z0-9_]*\.(\*|[a-z][a-z0-9_]*))$")
Handler = Callable[[Event], None]


@dataclass(frozen=True)
class Subscription:
    pattern: str
    handler: Handler
    phase: str

    def matches(self, type: str) -> bool:
        if self.pattern == "*":
            return True
        if self.pattern.endswith(".*"):
            return type.startswith(self.pattern[:-1])
        return type == self.pattern


_SUBSCRIPTIONS: list[Subscription] = []


class NotInTransaction(RuntimeError):
    """publish() was called outside transaction.atomic(): the event could outlive a change that
    rolls back, or be lost while the change stays."""


def subscribe(pattern: str, handler: Handler, *, phase: str = "commit") -> None:
    """Call `handler(event)` for every event whose type matches `pattern` (see the module doc)."""
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {PHASES}, not {phase!r}")
    if not PATTERN.match(pattern or ""):
        raise ValueError(f"pattern must be a type, '<record>.*' or '*', not {pattern!r}")
    subscription = Subscription(pattern, handler, phase)
    if subscription not in _SUBSCRIPTIONS:
        _SUBSCRIPTIONS.append(subscription)


def unsubscribe(pattern: str, handler: Handler, *, phase: str = "commit") -> None:
    """Remove a subscription (tests that subscribe a handler of their own)."""
    subscription = Subscription(pattern, handler, phase)
    if subscription in _SUBSCRIPTIONS:
        _SUBSCRIPTIONS.remove(subscription)


def subscriptions(type: str | None = None, *, phase: str | None = None) -> list[Subscription]:
    """The registry, or the subscriptions a type would reach, in the order they run."""
    return [
        s for s in _SUBSCRIPTIONS if (type is None or s.matches(type)) and (phase is None or s.phase == phase)
    ]


def subject_name(instance) -> str:
    """The short name of a record in event types: the model's `event_name`, else its model name
    (`repair_order` for RepairOrder needs event_name: model names carry no underscores)."""
    return getattr(type(instance), "event_name", None) or instance._meta.model_name


def publish(
    *, type: str, store, subject=None, actor=None, payload: dict | None = None, at=None, group=None
) -> Event:
    """Record that `type` happened to `subject` (a model instance, or None) in `store`, by `actor`
    (a user, or None for the customer or the system); run its handlers (see the module doc).
    Must be called inside transaction.atomic(). `group` is needed only when `store` is None."""
    if not transaction.get_connection().in_atomic_block:
        raise NotInTransaction(f"publish({type!r}) must run inside transaction.atomic()")
    if not TYPE.match(type) or len(type) > 60:
        raise ValueError(f"an event type is '<record>.<what happened>' in snake case, not {type!r}")
    if store is None and group is None:
        raise ValueError("an event belongs to a store or, at least, a dealer group")
    event = Event.objects.create(
        group_id=group.pk if group is not None else store.group_id,
        store=store,
        type=type,
        subject_type=subject_name(subject) if subject is not None else "",
        subject_id=subject.pk if subject is not None else None,
        actor=actor if actor is not None and actor.pk else None,
        at=at or timezone.now(),
        payload=payload or {},
    )
    # Handlers in the change's own transaction may read the subject as the publisher holds it
    # (`subject_of`): the row they would read back is the one just written.
    event.subject_object = subject
    for s in subscriptions(type):
        if s.phase == "transaction":
            s.handler(event)
        else:
            transaction.on_commit(_after_commit(s, event))
    return event


def subject_of(event: Event, model):
    """The event's subject as a `model` instance: the publisher's own instance in its transaction
    (phase "transaction"), else None (read it by `event.subject_id`)."""
    subject = getattr(event, "subject_object", None)
    return subject if isinstance(subject, model) and subject.pk == event.subject_id else None


def _after_commit(subscription: Subscription, event: Event) -> Callable[[], None]:
    def run() -> None:
        event.subject_object = None  # after the commit, handlers read the subject as committed
        try:
            subscription.handler(event)
        except Exception:
            log.exception(
                "Handler %s of event %s (%s) failed",
                getattr(subscription.handler, "__qualname__", subscription.handler),
                event.pk,
                event.type,
            )

    return run


# --- Reading the log in order ------------------------------------------------------------------------
# An event's id comes from a sequence when it is written, not when its transaction commits: on
# PostgreSQL a reader may see id 11 before id 10 commits. Readers that must not miss or reorder
# events (the events API, webhook deliveries) take them in the order of the transactions that wrote
# them (Event.txid, then id) and only once no transaction can add one before them any more.


def final(qs: QuerySet[Event]) -> QuerySet[Event]:
    """The events no transaction can add anything before any more (see the module doc).

    PostgreSQL: those of transactions below the snapshot's xmin, taken once so that the count and
    the page agree (a later snapshot's xmin is never lower: all of these are finished and visible
    to it), and the reading transaction's own. SQLite: all of them (ids are in commit order)."""
    if connection.vendor != "postgresql":
        return qs
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint, "
            "pg_current_xact_id_if_assigned()::text::bigint"
        )
        horizon, own = cursor.fetchone()
    done = Q(txid__lt=horizon)
    if own is not None:
        done |= Q(txid=own)
    return qs.filter(done)


def after(qs: QuerySet[Event], txid: int | None, id: int) -> QuerySet[Event]:
    """The events after (txid, id) in the log's order, (txid, id); txid is null on SQLite."""
    if txid is None:
        return qs.filter(id__gt=id)
    return qs.filter(Q(txid__gt=txid) | Q(txid=txid, id__gt=id))
