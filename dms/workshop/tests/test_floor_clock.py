"""Clocking on, pausing, resuming and clocking off a job (打卡), through the API and the services."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from dms.core.errors import Conflict, Forbidden
from dms.core.tenancy import resolve_tenant
from dms.workshop import selectors_floor, services, services_floor
from dms.workshop.models import ClockEnd, JobClock, RepairOrder, RepairOrderEvent, State

from .test_floor_setup import *  # noqa: F403

SH = ZoneInfo("Asia/Shanghai")


def _at(hour, minute=0):
    return datetime(2026, 12, 1, hour, minute, tzinfo=SH)


def test_the_first_clock_on_starts_the_order(job_in_work, tech_user, api_for):
    r = api_for(tech_user).post(f"/floor/orders/{job_in_work.pk}/clock", {"action": "on"})

    assert r.status_code == 200, r.content
    assert r.json()["work"] == "working" and r.json()["order_state"] == State.IN_PROGRESS
    order = RepairOrder.objects.get(pk=job_in_work.pk)
    assert order.state == State.IN_PROGRESS and order.started_at is not None
    clock = JobClock.objects.get(order=order)
    assert clock.ended_at is None and clock.by == tech_user
    assert list(order.events.values_list("action", flat=True))[-2:] == ["start", "clock-on"]


def test_pause_resume_and_off_add_up_to_the_clocked_hours(job_in_work, people, tech):
    t = people["tech"]
    with time_machine.travel(_at(9), tick=False):
        services_floor.job_clock(tenant=t, order_id=job_in_work.pk, action="on")
    with time_machine.travel(_at(10), tick=False):
        services_floor.job_clock(
            tenant=t, order_id=job_in_work.pk, action="pause", reason="parts", note="等刹车片"
        )
    with time_machine.travel(_at(10, 30), tick=False):
        services_floor.job_clock(tenant=t, order_id=job_in_work.pk, action="resume")
    with time_machine.travel(_at(11), tick=False):
        services_floor.job_clock(tenant=t, order_id=job_in_work.pk, action="off")

    hours = selectors_floor.clocked_hours(t, order_ids=[job_in_work.pk])
    assert hours == {(job_in_work.pk, tech.pk): Decimal("1.50")}
    order = selectors_floor._orders(t, [State.IN_PROGRESS]).get(pk=job_in_work.pk)
    assert selectors_floor.efficiency(order, Decimal("1.50")) == Decimal("0.53")  # 0.8 h standard / 1.5 h
    paused = JobClock.objects.filter(order=job_in_work).order_by("started_at").first()
    assert (paused.ended_by, paused.pause_reason, paused.pause_note) == (ClockEnd.PAUSE, "parts", "等刹车片")


def test_a_pause_needs_one_of_the_reasons(job_in_work, tech_user, api_for):
    api = api_for(tech_user)
    api.post(f"/floor/orders/{job_in_work.pk}/clock", {"action": "on"})

    no_reason = api.post(f"/floor/orders/{job_in_work.pk}/clock", {"action": "pause"})
    other_without_note = api.post(
        f"/floor/orders/{job_in_work.pk}/clock", {"action": "pause", "reason": "other"}
    )
    unknown = api.post(f"/floor/orders/{job_in_work.pk}/clock", {"action": "nap"})

    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "reason"
    assert "暂停" in no_reason.json()["detail"]
    assert other_without_note.status_code == 400 and other_without_note.json()["errors"][0]["field"] == "note"
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "action"
    assert JobClock.objects.get(order=job_in_work).ended_at is None  # still working


def test_a_technician_cannot_clock_on_another_technicians_job(job_in_work, other_tech, api_for):
    r = api_for(other_tech.user).post(f"/floor/orders/{job_in_work.pk}/clock", {"action": "on"})

    assert r.status_code == 403
    assert RepairOrder.objects.get(pk=job_in_work.pk).state == State.DISPATCHED
    assert not JobClock.objects.exists()


def test_a_technician_works_on_one_job_at_a_time(make_order, people, tech):
    first, second = make_order(), make_order()
    for o in (first, second):
        services.order_dispatch(tenant=people["foreman"], order_id=o.pk, technician_id=tech.pk)
    services_floor.job_clock(tenant=people["tech"], order_id=first.pk, action="on")

    with pytest.raises(Conflict) as exc:
        services_floor.job_clock(tenant=people["tech"], order_id=second.pk, action="on")

    assert first.number in str(exc.value.message)
    assert RepairOrder.objects.get(pk=second.pk).state == State.DISPATCHED  # not started either
    services_floor.job_clock(tenant=people["tech"], order_id=first.pk, action="pause", reason="break")
    services_floor.job_clock(tenant=people["tech"], order_id=second.pk, action="on")
    assert JobClock.objects.filter(ended_at__isnull=True).get().order_id == second.pk


@pytest.mark.parametrize("action", ["resume", "off", "pause"])
def test_steps_that_make_no_sense_now_answer_409(job_in_work, tech_user, api_for, action):
    r = api_for(tech_user).post(
        f"/floor/orders/{job_in_work.pk}/clock", {"action": action, "reason": "break"}
    )

    assert r.status_code == 409, r.content
    assert r.json()["state"] == State.DISPATCHED


def test_an_order_not_dispatched_yet_cannot_be_clocked(signed_order, tech_user, api_for):
    r = api_for(tech_user).post(f"/floor/orders/{signed_order.pk}/clock", {"action": "on"})

    assert r.status_code == 409
    assert "派工" in r.json()["detail"]


def test_the_foreman_may_clock_for_the_technician(job_in_work, people, tech, foreman):
    clock = services_floor.job_clock(tenant=people["foreman"], order_id=job_in_work.pk, action="on")

    assert clock.technician == tech and clock.by == foreman


def test_clocking_off_during_a_pause_ends_the_days_work(job_in_work, people):
    t = people["tech"]
    services_floor.job_clock(tenant=t, order_id=job_in_work.pk, action="on")
    services_floor.job_clock(tenant=t, order_id=job_in_work.pk, action="pause", reason="approval")

    services_floor.job_clock(tenant=t, order_id=job_in_work.pk, action="off")

    assert JobClock.objects.get().ended_by == ClockEnd.OFF
    with pytest.raises(Conflict):
        services_floor.job_clock(tenant=t, order_id=job_in_work.pk, action="resume")
    services_floor.job_clock(tenant=t, order_id=job_in_work.pk, action="on")  # next morning


def test_finishing_stops_the_clock_and_the_job_waits_for_qc(job_in_work, tech_user, api_for):
    api = api_for(tech_user)
    api.post(f"/floor/orders/{job_in_work.pk}/clock", {"action": "on"})

    r = api.post(f"/floor/orders/{job_in_work.pk}/finish", {})

    assert r.status_code == 200, r.content
    assert r.json()["state"] == State.FINISHED
    assert JobClock.objects.get().ended_by == ClockEnd.FINISH


def test_the_floors_finish_button_finishes_the_job_and_stops_the_clock(
    job_in_work, tech_user, people, client_for
):
    services_floor.job_clock(tenant=people["tech"], order_id=job_in_work.pk, action="on")

    r = client_for(tech_user).post(reverse("floor:finish", args=[job_in_work.pk]), HTTP_HX_REQUEST="true")

    assert r.status_code == 200 and "等待质检" in r.content.decode()
    assert RepairOrder.objects.get(pk=job_in_work.pk).state == State.FINISHED
    assert JobClock.objects.get().ended_by == ClockEnd.FINISH


def test_finishing_through_the_orders_api_stops_the_clock_too(job_in_work, tech_user, people, api_for):
    services_floor.job_clock(tenant=people["tech"], order_id=job_in_work.pk, action="on")

    r = api_for(tech_user).post(f"/repair-orders/{job_in_work.pk}/actions/finish", {})

    assert r.status_code == 200, r.content
    assert JobClock.objects.get().ended_by == ClockEnd.FINISH  # the same step as the floor's button


def test_finishing_with_extra_work_undecided_is_refused_and_the_clock_runs_on(job_in_work, people, brake_job):
    t = people["tech"]
    services_floor.job_clock(tenant=t, order_id=job_in_work.pk, action="on")
    services_floor.finding_report(tenant=t, order_id=job_in_work.pk, description="", note="前刹车片剩 2 mm",
                                  labor_operation_id=brake_job.pk)  # fmt: skip

    with pytest.raises(Exception) as exc:
        services_floor.job_finish(tenant=t, order_id=job_in_work.pk)

    assert "客户" in str(exc.value.message)
    assert JobClock.objects.get().ended_at is None
    assert RepairOrder.objects.get(pk=job_in_work.pk).state == State.IN_PROGRESS


def test_a_qc_failure_sends_the_job_back_and_the_technician_clocks_on_again(job_in_work, people):
    t = people["tech"]
    services_floor.job_clock(tenant=t, order_id=job_in_work.pk, action="on")
    services_floor.job_finish(tenant=t, order_id=job_in_work.pk)
    services.order_qc_fail(tenant=people["qc"], order_id=job_in_work.pk, reason="机油液位偏低")

    services_floor.job_clock(tenant=t, order_id=job_in_work.pk, action="on")

    order = RepairOrder.objects.get(pk=job_in_work.pk)
    assert order.state == State.IN_PROGRESS and order.rework_count == 1
    assert JobClock.objects.filter(order=order).count() == 2


def test_a_clock_left_running_on_a_job_finished_elsewhere_stops_at_the_finish(
    job_in_work, make_order, people, tech
):
    t = people["tech"]
    with time_machine.travel(_at(9), tick=False):
        services_floor.job_clock(tenant=t, order_id=job_in_work.pk, action="on")
    with time_machine.travel(_at(10), tick=False):
        services.order_finish(tenant=t, order_id=job_in_work.pk)  # the order page's button, not the floor's
    nxt = make_order(hours=30)
    services.order_dispatch(tenant=people["foreman"], order_id=nxt.pk, technician_id=tech.pk)

    with time_machine.travel(_at(13), tick=False):
        services_floor.job_clock(tenant=t, order_id=nxt.pk, action="on")
        hours = selectors_floor.clocked_hours(t)

    assert hours[(job_in_work.pk, tech.pk)] == Decimal("1.00")


def test_a_technician_without_the_work_permission_cannot_clock(job_in_work, people):
    with pytest.raises(Forbidden):
        services_floor.job_clock(tenant=people["cashier"], order_id=job_in_work.pk, action="on")


def test_events_keep_who_paused_and_why(job_in_work, people, tech_user):
    services_floor.job_clock(tenant=people["tech"], order_id=job_in_work.pk, action="on")
    services_floor.job_clock(tenant=resolve_tenant(tech_user), order_id=job_in_work.pk, action="pause",
                             reason="other", note="举升机故障")  # fmt: skip

    event = RepairOrderEvent.objects.filter(order=job_in_work, action="clock-pause").get()
    assert event.by == tech_user and event.reason == "举升机故障"


def test_a_job_is_at_risk_when_its_labor_left_exceeds_the_time_left(make_order, people):
    o = make_order(hours=0.5)
    order = selectors_floor._orders(people["sa"], [State.SIGNED]).get(pk=o.pk)
    now = o.promised_at - timedelta(minutes=30)
    assert selectors_floor.timing(order, now).at_risk  # 0.8 h of work, 0.5 h left
    assert selectors_floor.timing(order, o.promised_at + timedelta(minutes=1)).late
