"""The foreman's dispatch board (派工) and the three daily progress reviews."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dms.core.middleware import forget_tokens
from dms.workshop import services_floor
from dms.workshop.models import ProgressReview, RepairOrder, ReviewSlot, State

from .test_floor_setup import *  # noqa: F403

SH = ZoneInfo("Asia/Shanghai")
BOARD = reverse("floor:dispatch")


def test_the_board_shows_waiting_jobs_with_skills_hours_and_each_technician(
    client_for, foreman, signed_order, tech, other_tech
):
    r = client_for(foreman).get(BOARD)

    assert r.status_code == 200
    html = r.content.decode()
    assert signed_order.number in html and "粤B12345" in html
    assert "保养" in html and "标准工时 0.80 h" in html  # the oil change needs maintenance, 0.8 h
    assert tech.name in html and other_tech.name in html
    assert "缺少技能" in html  # the body-and-paint technician lacks maintenance


def test_assigning_a_job_dispatches_it_through_the_workflow(client_for, foreman, signed_order, tech):
    r = client_for(foreman).post(
        reverse("floor:assign", args=[signed_order.pk]), {"technician_id": tech.pk}, HTTP_HX_REQUEST="true"
    )

    assert r.status_code == 200
    assert "已派工给 tech1" in r.content.decode()
    order = RepairOrder.objects.get(pk=signed_order.pk)
    assert order.state == State.DISPATCHED and order.technician == tech
    assert order.events.filter(action="dispatch").exists()


def test_without_script_the_form_post_redirects_back_to_the_board(client_for, foreman, signed_order, tech):
    c = client_for(foreman)
    r = c.post(reverse("floor:assign", args=[signed_order.pk]), {"technician_id": tech.pk})

    assert r.status_code == 302 and r["Location"] == BOARD
    assert "已派工给 tech1" in c.get(BOARD).content.decode()


def test_a_skill_mismatch_answers_with_the_services_message(client_for, foreman, signed_order, other_tech):
    r = client_for(foreman).post(
        reverse("floor:assign", args=[signed_order.pk]),
        {"technician_id": other_tech.pk},
        HTTP_HX_REQUEST="true",
    )

    assert "缺少" in r.content.decode() and "保养" in r.content.decode()
    assert RepairOrder.objects.get(pk=signed_order.pk).state == State.SIGNED


def test_dispatching_without_choosing_a_technician_says_so(client_for, foreman, signed_order):
    r = client_for(foreman).post(reverse("floor:assign", args=[signed_order.pk]), {}, HTTP_HX_REQUEST="true")

    assert "请选择技师" in r.content.decode()


def test_a_technician_cannot_dispatch(client_for, tech_user, signed_order, tech):
    page = client_for(tech_user).get(BOARD)
    post = client_for(tech_user).post(
        reverse("floor:assign", args=[signed_order.pk]), {"technician_id": tech.pk}
    )

    assert page.status_code == 403 and post.status_code == 403
    assert RepairOrder.objects.get(pk=signed_order.pk).state == State.SIGNED


def test_a_dispatched_job_shows_under_its_technician_with_the_load(client_for, foreman, job_in_work, tech):
    html = client_for(foreman).get(BOARD).content.decode()

    assert "待做 0.8 h / 今日工作 9.0 h" in html or "今日休息" in html
    assert "没有待派工的已签字工单" in html


def test_the_board_over_the_api(api_for, foreman, signed_order, job_in_work, tech, other_tech):
    r = api_for(foreman).get("/floor/dispatch-board")

    assert r.status_code == 200
    body = r.json()
    assert [w["number"] for w in body["waiting"]] == [signed_order.number]
    assert body["waiting"][0]["skills"] == ["maintenance"]
    assert body["waiting"][0]["unfit_technician_ids"] == [other_tech.pk]
    row = next(t for t in body["technicians"] if t["id"] == tech.pk)
    assert row["load_hours"] == "0.80" and row["job_ids"] == [job_in_work.pk]
    assert [r["slot"] for r in body["reviews"]] == ["10:00", "14:00", "16:30"]


def test_a_technician_gets_403_from_the_boards_api(api_for, tech_user):
    assert api_for(tech_user).get("/floor/dispatch-board").status_code == 403


# --- Progress reviews --------------------------------------------------------------------------------


def test_reviews_are_counted_for_the_nearest_of_the_three_times(people, make_order):
    with time_machine.travel(datetime(2026, 12, 1, 10, 5, tzinfo=SH), tick=False):
        make_order(hours=3)
        morning = services_floor.progress_review_record(tenant=people["foreman"], note="两台车等配件")
    with time_machine.travel(datetime(2026, 12, 1, 15, 0, tzinfo=SH), tick=False):
        noon = services_floor.progress_review_record(tenant=people["foreman"])
    with time_machine.travel(datetime(2026, 12, 1, 16, 20, tzinfo=SH), tick=False):
        afternoon = services_floor.progress_review_record(tenant=people["foreman"])

    assert (morning.slot, noon.slot, afternoon.slot) == (
        ReviewSlot.MORNING,
        ReviewSlot.NOON,
        ReviewSlot.AFTERNOON,
    )
    assert morning.open_orders == 1 and morning.late_orders == 0 and morning.note == "两台车等配件"


def test_the_board_shows_which_reviews_are_done_today(client_for, foreman, people):
    with time_machine.travel(datetime(2026, 12, 1, 10, 5, tzinfo=SH), tick=False):
        services_floor.progress_review_record(tenant=people["foreman"])
    with time_machine.travel(datetime(2026, 12, 1, 14, 40, tzinfo=SH), tick=False):
        html = client_for(foreman).get(BOARD).content.decode()

    assert "✓ 已完成 10:05" in html
    assert html.count("尚未进行") == 1  # 14:00 is due and not done; 16:30 comes later
    assert "稍后" in html


def test_recording_a_review_from_the_board(client_for, foreman, make_order):
    with time_machine.travel(datetime(2026, 12, 1, 14, 0, tzinfo=SH), tick=False):
        make_order(hours=1)  # promised at 15:00, so late by the afternoon review
    with time_machine.travel(datetime(2026, 12, 1, 16, 35, tzinfo=SH), tick=False):
        r = client_for(foreman).post(
            reverse("floor:review"), {"note": "一台延误，已通知服务顾问"}, HTTP_HX_REQUEST="true"
        )

    assert r.status_code == 200 and "下午进度检查 16:30 已记录" in r.content.decode()
    review = ProgressReview.objects.get()
    assert review.by == foreman and review.open_orders == 1 and review.late_orders == 1


def test_progress_reviews_over_the_api(api_for, foreman, tech_user):
    ok = api_for(foreman).post("/floor/progress-reviews", {"note": "正常"})
    too_long = api_for(foreman).post("/floor/progress-reviews", {"note": "长" * 501})
    not_theirs = api_for(tech_user).post("/floor/progress-reviews", {"note": "正常"})

    assert ok.status_code == 201 and ok.json()["note"] == "正常"
    assert too_long.status_code == 422 and too_long.json()["errors"][0]["field"] == "note"
    assert not_theirs.status_code == 403
    assert ProgressReview.objects.count() == 1


# --- A bounded number of queries --------------------------------------------------------------------------


@pytest.mark.parametrize("fetch", ["page", "api"])
def test_the_dispatch_board_issues_the_same_queries_for_5_and_20_orders(
    client_for, api_for, foreman, bulk_orders, people, django_assert_max_num_queries, fetch
):
    c, api = client_for(foreman), api_for(foreman)
    get = (lambda: c.get(BOARD)) if fetch == "page" else (lambda: api.get("/floor/dispatch-board"))
    bulk_orders(5)

    forget_tokens()  # each measure reads the token: its 15-second cache may run out between them
    with CaptureQueriesContext(connection) as small:
        assert get().status_code == 200
    bulk_orders(15)
    forget_tokens()

    with django_assert_max_num_queries(len(small)):
        r = get()
    assert r.status_code == 200
    assert len(small) <= 15


def test_the_board_counts_every_open_order_and_shows_cards_only_for_waiting_and_working_ones(
    people, vehicle, make_order, tech
):
    from datetime import timedelta

    from django.utils import timezone

    from dms.workshop import selectors_floor, services

    sa = people["sa"]
    draft = services.repair_order_create(tenant=sa, vehicle_id=vehicle.pk, mileage_km=vehicle.mileage_km,
                                         complaint="异响", promised_at=timezone.now() + timedelta(hours=1))  # fmt: skip
    waiting = make_order(hours=3)
    working = services.order_dispatch(
        tenant=people["foreman"], order_id=make_order(hours=2).pk, technician_id=tech.pk
    )
    later = timezone.now() + timedelta(hours=2)  # the draft and the dispatched one are late by then

    board = selectors_floor.dispatch_board(people["foreman"], now=later)

    assert (board.open_orders, board.late_orders) == (3, 2)
    assert [w.order.pk for w in board.waiting] == [waiting.pk]
    row = next(r for r in board.technicians if r.technician.pk == tech.pk)
    assert [o.pk for o in row.jobs] == [working.pk] and working.pk in board.late_ids
    assert draft.pk not in {w.order.pk for w in board.waiting}
    assert selectors_floor.floor_counts(people["foreman"], later) == (3, 2)
