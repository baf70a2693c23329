"""The demo dealership's service loop (dms/demo/service.py), loaded by `manage.py load_demo`."""

import io
from collections import Counter
from datetime import datetime, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone

from dms.core.models import Event, User
from dms.core.tenancy import resolve_tenant
from dms.demo.relationships import SHOWROOM_HOURS
from dms.demo.service import CLOSES, OPENS, TZ, workday_now
from dms.followups.models import FollowUp
from dms.followups.selectors import queue
from dms.parts.models import StockMove
from dms.parts.selectors import low_stock
from dms.scheduling.models import Appointment, Bay, OpeningHours, Technician, WorkshopHours
from dms.workshop.models import LaborOperation, RepairOrder, RepairOrderEvent, State
from dms.workshop.workflow import TRANSITIONS

CUSTOMERS = 120  # enough cars for every order; the command's default is 300


# Loaded at three times of a Tuesday (Beijing): every test below holds at each. Outside opening
# hours the day's work is the last working day's (service.workday_now).
LOADED_AT = {
    "working-hours": datetime(2026, 12, 1, 14, 0, tzinfo=TZ),
    "early-morning": datetime(2026, 12, 1, 6, 30, tzinfo=TZ),  # before opening
    "evening": datetime(2026, 12, 1, 21, 0, tzinfo=TZ),  # a European afternoon
}


@pytest.fixture(scope="module", params=list(LOADED_AT))
def demo(request, django_db_setup, django_db_blocker):
    """The demo, loaded by the command once per time of day, in a transaction rolled back at its end;
    the clock stays at that time (ticking) for the module's tests."""
    out = io.StringIO()
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    clock = time_machine.travel(LOADED_AT[request.param], tick=True)
    with clock, fast_hashing, django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", customers=CUSTOMERS, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


pytestmark = [pytest.mark.django_db, pytest.mark.own_clock]


def _sz01():
    return RepairOrder.objects.filter(store__code="SZ01")


def test_sz01_has_open_orders_in_every_state_and_a_delivered_history(demo):
    states = Counter(_sz01().values_list("state", flat=True))

    open_states = set(State.values) - {State.DELIVERED, State.CANCELLED}
    assert open_states <= set(states), states
    assert sum(n for s, n in states.items() if s in open_states) >= 12
    assert states[State.DELIVERED] >= 20


def test_orders_were_made_through_the_services_with_real_numbers_and_events(demo):
    for order in _sz01().prefetch_related("events"):
        actions = [e.action for e in order.events.all()]
        assert order.number.startswith("RO-SZ01-")
        assert actions[0] == "open"
        if order.state == State.DELIVERED:
            assert {"sign", "dispatch", "start", "finish", "qc-pass", "settle", "deliver"} <= set(actions)
            assert (
                order.opened_at < order.signed_at < order.started_at < order.finished_at < order.delivered_at
            )
        times = [e.at for e in order.events.all()]
        assert times == sorted(times), order.number
    numbers = list(_sz01().values_list("number", flat=True))
    assert len(numbers) == len(set(numbers))


def test_an_orders_core_events_carry_the_times_of_its_history(demo):
    steps = {"open": "repair_order.opened"} | {a: f"repair_order.{t.event}" for a, t in TRANSITIONS.items()}
    for order in _sz01().prefetch_related("events"):
        history = [(steps[e.action], e.at) for e in order.events.all() if e.action in steps]
        published = Event.objects.filter(
            subject_type="repair_order", subject_id=order.pk, type__in=steps.values()
        )

        assert list(published.order_by("at", "id").values_list("type", "at")) == history, order.number
    arrived = Appointment.objects.filter(store__code="SZ01", state=Appointment.State.ARRIVED)
    assert arrived.exists()
    for appointment in arrived.prefetch_related("events"):
        history = {e.action: e.at for e in appointment.events.all()}
        published = dict(
            Event.objects.filter(subject_type="appointment", subject_id=appointment.pk).values_list(
                "type", "at"
            )
        )
        assert (published["appointment.booked"], published["appointment.arrived"]) == (
            history["book"], history["arrive"]
        )  # fmt: skip


def test_the_history_is_spread_over_past_weeks_and_some_open_orders_are_late(demo):
    now = timezone.now()
    delivered = _sz01().filter(state=State.DELIVERED)
    days = {o.delivered_at.date() for o in delivered}
    assert len(days) >= 10
    assert min(o.delivered_at for o in delivered) < now - timezone.timedelta(days=14)
    late = _sz01().exclude(state__in=(State.DELIVERED, State.SETTLED)).filter(promised_at__lt=now)
    assert late.count() >= 2
    assert not RepairOrderEvent.objects.filter(at__gt=now).exists()


def test_the_days_work_happens_in_opening_hours_whenever_the_demo_is_loaded(demo):
    now = timezone.now()
    open_orders = _sz01().exclude(state__in=(State.DELIVERED, State.SETTLED, State.CANCELLED))
    events = RepairOrderEvent.objects.filter(order__in=open_orders)
    assert open_orders.count() >= 10
    assert all(OPENS <= e.at.astimezone(TZ).time() <= CLOSES for e in events)
    assert all(OPENS <= o.opened_at.astimezone(TZ).time() <= CLOSES for o in open_orders)
    arrived = Appointment.objects.filter(store__code="SZ01", state="arrived")
    assert arrived.exists() and all(a.start <= now and a.arrived_at <= now for a in arrived)
    # what is promised for later is promised within opening hours
    later = open_orders.filter(promised_at__gt=now)
    assert later.exists() and all(OPENS <= o.promised_at.astimezone(TZ).time() <= CLOSES for o in later)


def test_complaints_at_the_counter_and_on_calls_were_opened_in_opening_hours(demo):
    # Loaded at night, the demo's cases are dated by the last working day (the counter case was not
    # opened at 4 in the morning); only the customers' own survey links may be answered at any hour.
    from dms.satisfaction.models import Complaint

    staff_cases = Complaint.objects.filter(store__group__code="DEMO").exclude(source="survey")
    assert staff_cases.filter(source="counter").exists()
    assert all(OPENS <= c.opened_at.astimezone(TZ).time() <= CLOSES for c in staff_cases), [
        (c.source, c.opened_at.astimezone(TZ)) for c in staff_cases
    ]


def test_technicians_with_users_and_skills(demo):
    techs = {t.user.username: t for t in Technician.objects.filter(store__code="SZ01").select_related("user")}
    assert len(techs) == 6
    tech1, tech2 = techs["tech1"], techs["tech2"]
    assert {"maintenance", "engine", "electrical", "general"} <= set(tech1.skills)
    assert {"body", "paint"} <= set(tech2.skills)
    assert tech1.team.name == "机电组" and tech2.team.name == "钣喷组"
    without_login = [t for name, t in techs.items() if name not in ("tech1", "tech2")]
    assert all(not t.user.has_usable_password() for t in without_login)
    assert _sz01().filter(technician=tech1).count() >= 8


def test_the_floor_clocked_the_work_as_the_orders_went(demo):
    """Every job in repair was clocked, its technician's clock running (one per technician), a job waiting for
    the customer's approval was paused at the request, and every finished job was clocked from its
    start to its finish: the floor's clocked hours and efficiency have something to count."""
    from dms.workshop.models import JobClock

    running = list(JobClock.objects.filter(order__store__code="SZ01", ended_at__isnull=True))
    in_repair = _sz01().filter(state=State.IN_PROGRESS)
    assert all(o.clocks.exists() for o in in_repair)
    assert sorted(c.technician_id for c in running) == sorted({o.technician_id for o in in_repair})
    assert {c.order_id for c in running} <= {o.pk for o in in_repair}
    waiting = _sz01().filter(state=State.AWAITING_APPROVAL)
    assert waiting and all(o.clocks.last().pause_reason == "approval" for o in waiting)
    for order in _sz01().filter(state=State.DELIVERED):
        events = {e.action: e.at for e in order.events.all()}
        clocks = list(order.clocks.all())
        assert events["start"] == clocks[0].started_at and clocks[-1].ended_at == events["finish"]
        assert clocks[-1].ended_by == "finish" and {c.technician_id for c in clocks} == {order.technician_id}
    for clocks in _by_technician(JobClock.objects.filter(order__store__code="SZ01")):
        for before, after in zip(clocks, clocks[1:], strict=False):
            assert before.ended_at is not None and before.ended_at <= after.started_at  # one job at a time


def _by_technician(clocks):
    by = {}
    for c in clocks.order_by("started_at", "id"):
        by.setdefault(c.technician_id, []).append(c)
    return by.values()


def test_the_workshop_has_hours_bays_and_labor_operations(demo):
    hours = WorkshopHours.objects.get(store__code="SZ01")
    assert OpeningHours.objects.filter(workshop=hours).count() == 7
    kinds = Counter(Bay.objects.filter(store__code="SZ01").values_list("kind", flat=True))
    assert kinds["lift"] == 6 and kinds["alignment"] == 1 and kinds["wash"] == 1
    ops = {o.name: o for o in LaborOperation.objects.filter(group__code="DEMO")}
    assert len(ops) >= 25
    assert str(ops["更换机油机滤"].standard_hours) == "0.50"
    assert str(ops["四轮定位"].standard_hours) == "1.00"


def test_parts_have_stock_and_some_are_low(demo):
    parts1 = resolve_tenant(User.objects.get(username="parts1"))
    low = low_stock(parts1)
    assert 3 <= low.count <= 10
    assert StockMove.objects.filter(store__code="SZ01", kind="issue").count() >= 30
    assert StockMove.objects.filter(store__code="SZ01", kind="reserve").exists()


def test_appointments_today_and_tomorrow_in_several_states(demo):
    today = workday_now(timezone.now()).astimezone(TZ).date()  # the working day's
    appointments = Appointment.objects.filter(store__code="SZ01")
    days = {a.start.astimezone(TZ).date() for a in appointments}
    assert days == {today, today + timezone.timedelta(days=1)}
    states = set(appointments.values_list("state", flat=True))
    assert {"arrived", "confirmed", "booked", "cancelled"} <= states
    assert appointments.count() >= 10


def test_care1_has_follow_ups_due_today_overdue_and_done(demo):
    care1 = resolve_tenant(User.objects.get(username="care1"))
    buckets = queue(care1)
    assert buckets.counts["today"] >= 2
    assert buckets.counts["overdue"] >= 1
    assert buckets.counts["later"] >= 1
    mine = FollowUp.objects.filter(assigned_to__username="care1")
    assert mine.filter(state="done", reached=True).count() >= 8
    assert mine.filter(complaint=True).count() == 1
    assert mine.filter(state="done", reached=False, attempts=3).count() == 1
    assert mine.filter(state="open", consent=False).count() == 1


def test_care2_made_the_older_calls_after_delivery_at_sz02_and_has_the_recent_one_to_make(demo):
    calls = FollowUp.objects.filter(store__code="SZ02", kind="after_service")
    assert set(calls.values_list("assigned_to__username", flat=True)) == {"care2"}
    assert calls.filter(state="done", reached=True, done_by__username="care2").count() == 2
    assert calls.filter(state="open").count() == 1


def test_the_new_car_was_handed_over_in_the_showrooms_hours_and_its_first_touches_are_on_cm1s_day(demo):
    now = timezone.now().astimezone(TZ)
    opens, closes = SHOWROOM_HOURS
    first = FollowUp.objects.filter(rule__code__in=("new_car_sms_2h", "new_car_call_2h")).select_related(
        "rule"
    )
    assert sorted(first.values_list("channel", flat=True)) == ["call", "sms"]

    for touch in first:
        handed_over = (touch.due_at - timedelta(hours=touch.rule.offset_hours)).astimezone(TZ)
        assert handed_over <= now and opens <= handed_over.time() <= closes, handed_over
        # overdue or due today: on cm1's day
        assert touch.assigned_to.username == "cm1" and touch.state == "open"
        assert touch.due_at.astimezone(TZ).date() <= now.date()


def test_care1_sees_the_queue_page(demo):
    client = Client()
    client.force_login(User.objects.get(username="care1"))

    r = client.get("/followups/")

    assert r.status_code == 200
    assert "回访" in r.content.decode()


def test_loading_twice_with_if_empty_adds_nothing(demo):
    before = (RepairOrder.objects.count(), FollowUp.objects.count(), StockMove.objects.count())
    call_command("load_demo", "--if-empty", verbosity=0)
    assert (RepairOrder.objects.count(), FollowUp.objects.count(), StockMove.objects.count()) == before


def test_the_orders_texts_were_recorded_when_their_steps_queued_them(demo):
    from dms.messaging.models import Message, Provider

    texts = Message.objects.filter(subject_type="repair_order", kind="status_link")
    assert texts.exists()
    for text in texts:
        opened = RepairOrder.objects.get(pk=text.subject_id).opened_at
        assert text.provider == Provider.RECORDING and text.created_at == text.sent_at == opened
