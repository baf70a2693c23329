"""Publishing events and reacting to them: a fact is written with the change or not at all; a
handler in the transaction can refuse the change; a handler after commit never sees a change that
rolled back and never breaks one that committed."""

import logging

import pytest
from django.db import transaction

from dms.core import events
from dms.core.models import Event


@pytest.fixture
def handlers():
    """Subscriptions a test makes, removed afterwards (the registry is the process's)."""
    made = []

    def subscribe(pattern, handler, phase="commit"):
        events.subscribe(pattern, handler, phase=phase)
        made.append((pattern, handler, phase))

    yield subscribe
    for pattern, handler, phase in made:
        events.unsubscribe(pattern, handler, phase=phase)


class Boom(Exception):
    pass


def publish(store, type="test.happened", **kw):
    return events.publish(type=type, store=store, **kw)


def test_an_event_records_type_store_subject_actor_and_payload(store, sa):
    with transaction.atomic():
        event = publish(store, type="test.happened", subject=store, actor=sa, payload={"n": 1})

    row = Event.objects.get(pk=event.pk)
    assert (row.type, row.store_id, row.group_id, row.actor_id, row.payload) == (
        "test.happened", store.pk, store.group_id, sa.pk, {"n": 1},
    )  # fmt: skip
    assert (row.subject_type, row.subject_id) == ("store", store.pk) and row.at is not None


def test_ids_only_grow_so_readers_can_page_after_the_last(store):
    with transaction.atomic():
        ids = [publish(store).pk for _ in range(3)]
    assert ids == sorted(ids) and len(set(ids)) == 3


@pytest.mark.django_db(transaction=True)
def test_publishing_outside_a_transaction_is_refused(store):
    with pytest.raises(events.NotInTransaction):
        publish(store)
    assert not Event.objects.exists()


@pytest.mark.parametrize("bad", ["Repair.Done", "repair_order", "repair_order.", "a.b.c", "x" * 61 + ".y"])
def test_an_event_type_is_record_dot_past_tense_in_snake_case(store, bad):
    with transaction.atomic(), pytest.raises(ValueError):
        publish(store, type=bad)


def test_a_transaction_phase_handler_writes_with_the_change(store, handlers):
    seen = []
    handlers("test.happened", lambda e: seen.append((e.type, transaction.get_connection().in_atomic_block)),
             phase="transaction")  # fmt: skip

    with transaction.atomic():
        publish(store)
        assert seen == [("test.happened", True)]  # at once, inside the transaction


@pytest.mark.django_db(transaction=True)
def test_a_failing_transaction_phase_handler_rolls_back_the_change_and_the_event(store, handlers):
    def refuse(event):
        raise Boom("no")

    handlers("test.*", refuse, phase="transaction")

    with pytest.raises(Boom), transaction.atomic():
        store.name = "改名"
        store.save(update_fields=["name"])
        publish(store)

    store.refresh_from_db()
    assert store.name == "深圳一店" and not Event.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_commit_phase_handler_runs_only_after_commit(store, handlers):
    seen = []
    handlers("test.happened", lambda e: seen.append(Event.objects.filter(pk=e.pk).exists()))

    with transaction.atomic():
        publish(store)
        assert seen == []  # not yet: the transaction may still roll back

    assert seen == [True]  # after commit, the event is there for everyone


@pytest.mark.django_db(transaction=True)
def test_a_commit_phase_handler_never_runs_for_a_change_that_rolled_back(store, handlers):
    seen = []
    handlers("*", seen.append)

    with pytest.raises(Boom), transaction.atomic():
        publish(store)
        raise Boom

    assert seen == [] and not Event.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failing_commit_phase_handler_is_logged_with_the_event_and_the_change_stays(
    store, handlers, caplog
):
    after = []

    def broken(event):
        raise Boom("provider down")

    handlers("test.happened", broken)
    handlers("test.happened", after.append)

    with caplog.at_level(logging.ERROR, logger="dms.core.events"), transaction.atomic():
        event = publish(store)

    assert Event.objects.filter(pk=event.pk).exists()
    assert f"event {event.pk} (test.happened)" in caplog.text and "Boom" in caplog.text
    assert [e.pk for e in after] == [event.pk]  # the next handler still ran


@pytest.mark.parametrize(
    ("pattern", "reached"),
    [
        ("widget.signed", {"widget.signed"}),
        ("widget.*", {"widget.signed", "widget.delivered"}),
        ("*", {"widget.signed", "widget.delivered", "gadget.booked", "widgets.signed"}),
        ("gadget.*", {"gadget.booked"}),
    ],
)
def test_a_pattern_is_a_type_a_records_types_or_everything(store, handlers, pattern, reached):
    seen = []  # (types no app subscribes to: the apps' own handlers stay out of it)
    handlers(pattern, lambda e: seen.append(e.type), phase="transaction")

    with transaction.atomic():
        for type in ("widget.signed", "widget.delivered", "gadget.booked", "widgets.signed"):
            publish(store, type=type)

    assert set(seen) == reached


def test_subscribing_the_same_handler_twice_runs_it_once(store, handlers):
    seen = []

    def handler(event):
        seen.append(event.pk)

    handlers("test.happened", handler, phase="transaction")
    handlers("test.happened", handler, phase="transaction")

    assert [s.handler for s in events.subscriptions("test.happened")].count(handler) == 1
    with transaction.atomic():
        publish(store)
    assert len(seen) == 1


@pytest.mark.parametrize(
    ("pattern", "phase"), [("repair_order", "commit"), ("*.signed", "commit"), ("a.b", "later")]
)
def test_a_wrong_pattern_or_phase_is_refused(pattern, phase):
    with pytest.raises(ValueError):
        events.subscribe(pattern, print, phase=phase)


def test_the_apps_subscriptions_are_in_the_registry():
    """What the service loop's apps react to (their AppConfig.ready)."""
    made = {(s.pattern, s.handler.__module__, s.phase) for s in events.subscriptions()}

    assert {
        ("repair_order.delivered", "dms.followups.subscribers", "transaction"),
        # the texts are written to the outbox with the step (the worker sends them after commit)
        ("repair_order.opened", "dms.portal.subscribers", "transaction"),
        ("repair_order.signed", "dms.portal.subscribers", "transaction"),
        ("repair_order.approval_requested", "dms.portal.subscribers", "transaction"),
        ("appointment.booked", "dms.scheduling.subscribers", "transaction"),
        ("*", "dms.messaging.webhooks", "transaction"),
    } <= made
