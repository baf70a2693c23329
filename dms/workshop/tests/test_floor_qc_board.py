"""QC (质检) by the inspector with the order's checklist, and the shop-floor wall board (看板)."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dms.core.middleware import forget_tokens
from dms.workshop import selectors_floor, services_floor
from dms.workshop.models import RepairOrder, RepairOrderEvent, State

from .test_floor_setup import *  # noqa: F403

QC = reverse("floor:qc")
WALL = reverse("floor:board")


@pytest.fixture
def finished(job_in_work, people):
    services_floor.job_clock(tenant=people["tech"], order_id=job_in_work.pk, action="on")
    services_floor.job_finish(tenant=people["tech"], order_id=job_in_work.pk)
    return RepairOrder.objects.get(pk=job_in_work.pk)


def test_the_qc_page_lists_finished_orders_with_their_checklist(client_for, qc, finished):
    html = client_for(qc).get(QC).content.decode()

    assert finished.number in html
    for item in ("作业项目全部完成", "无漏油渗水", "车辆清洁", "三件套已取下"):
        assert item in html
    assert "旧件按客户要求处理" not in html  # no part was replaced


def test_the_checklist_follows_the_kind_of_work_and_the_lines(finished, people, oil_filter):
    order = selectors_floor._orders(people["qc"], [State.FINISHED]).get(pk=finished.pk)
    assert [c for c, _ in selectors_floor.qc_checklist(order)] == [
        "work_done",
        "no_leaks",
        "clean",
        "covers_off",
    ]

    order.work_class = "overhaul"
    codes = [c for c, _ in selectors_floor.qc_checklist(order)]
    assert {"lamps_off", "road_test"} <= set(codes)


def test_qc_passes_when_every_item_is_ticked(client_for, qc, finished):
    codes = ["work_done", "no_leaks", "clean", "covers_off"]

    r = client_for(qc).post(
        reverse("floor:qc_pass", args=[finished.pk]), {"item": codes, "version": finished.version}
    )

    assert r.status_code == 302
    order = RepairOrder.objects.get(pk=finished.pk)
    assert order.state == State.READY and order.qc_passed_at is not None
    event = RepairOrderEvent.objects.get(order=order, action="qc-pass")
    assert event.data["checklist"] == dict.fromkeys(codes, True)


def test_qc_does_not_pass_with_an_item_unticked(client_for, qc, finished):
    c = client_for(qc)
    c.post(reverse("floor:qc_pass", args=[finished.pk]), {"item": ["work_done", "clean", "covers_off"]})

    assert RepairOrder.objects.get(pk=finished.pk).state == State.FINISHED
    assert "未勾选：无漏油渗水" in c.get(QC).content.decode()


def test_qc_failure_sends_the_job_back_as_rework(client_for, qc, finished, tech_user):
    r = client_for(qc).post(reverse("floor:qc_fail", args=[finished.pk]), {"reason": "机油液位偏低"})

    assert r.status_code == 302
    order = RepairOrder.objects.get(pk=finished.pk)
    assert order.state == State.IN_PROGRESS and order.rework_count == 1
    html = client_for(tech_user).get(reverse("floor:my_jobs")).content.decode()
    assert order.number in html and "开工" in html


def test_qc_failure_needs_a_reason(client_for, qc, finished):
    c = client_for(qc)
    c.post(reverse("floor:qc_fail", args=[finished.pk]), {"reason": " "})

    assert RepairOrder.objects.get(pk=finished.pk).state == State.FINISHED
    assert "质检" in c.get(QC).content.decode()


def test_a_technician_cannot_pass_qc(client_for, tech_user, finished):
    page = client_for(tech_user).get(QC)
    post = client_for(tech_user).post(reverse("floor:qc_pass", args=[finished.pk]), {"item": ["work_done"]})

    assert page.status_code == 403 and post.status_code == 403
    assert RepairOrder.objects.get(pk=finished.pk).state == State.FINISHED


# --- The wall board ----------------------------------------------------------------------------------------


def test_the_wall_board_shows_every_open_order_without_the_topbar(
    client_for, tech_user, signed_order, finished
):
    r = client_for(tech_user).get(WALL)

    html = r.content.decode()
    assert r.status_code == 200
    assert 'class="topbar"' not in html
    assert 'hx-trigger="every 30s"' in html
    assert html.count("粤B12345") == 2
    for column in ("待派工", "维修中", "待质检", "待交车"):
        assert column in html
    assert "tech1" in html


def test_the_board_refreshes_as_a_fragment(client_for, tech_user, signed_order):
    r = client_for(tech_user).get(WALL, HTTP_HX_REQUEST="true")

    html = r.content.decode()
    assert "<html" not in html and "wb-columns" in html


def test_late_and_at_risk_orders_are_marked(client_for, tech_user, make_order):
    make_order(hours=1)  # 0.8 h of labor: on time
    make_order(hours=2)
    later = timezone.now() + timedelta(minutes=90)  # the first is late, the second has 30 min for 0.8 h

    with time_machine.travel(later, tick=False):
        html = client_for(tech_user).get(WALL).content.decode()
        board = selectors_floor.wall_board(_tenant(tech_user))

    assert "wb-flag late" in html and "wb-flag risk" in html
    assert (board.late_orders, board.at_risk) == (1, 1)


def _tenant(user):
    from dms.core.tenancy import resolve_tenant

    return resolve_tenant(user)


def test_the_board_over_the_api(api_for, tech_user, signed_order, job_in_work):
    body = api_for(tech_user).get("/floor/board").json()

    assert body["open_orders"] == 2
    columns = {i["number"]: i["column"] for i in body["items"]}
    assert columns == {signed_order.number: "waiting", job_in_work.number: "dispatched"}


def test_an_account_working_in_no_store_cannot_see_the_board(client_for, group, store):
    from dms.core.models import User

    stranger = User.objects.create_user(username="nobody", password="x" * 12, group=group)
    assert client_for(stranger).get(WALL).status_code == 403


def test_anonymous_visitors_are_sent_to_sign_in(client):
    r = client.get(WALL)
    assert r.status_code == 302 and "/login/" in r["Location"]


@pytest.mark.parametrize("fetch", ["page", "fragment", "api"])
def test_the_wall_board_issues_the_same_queries_for_5_and_20_orders(
    client_for, api_for, tech_user, bulk_orders, django_assert_max_num_queries, fetch
):
    c, api = client_for(tech_user), api_for(tech_user)
    get = {
        "page": lambda: c.get(WALL),
        "fragment": lambda: c.get(WALL, HTTP_HX_REQUEST="true"),
        "api": lambda: api.get("/floor/board"),
    }[fetch]
    bulk_orders(5)
    forget_tokens()  # each measure reads the token: its 15-second cache may run out between them
    with CaptureQueriesContext(connection) as small:
        assert get().status_code == 200
    bulk_orders(15)
    forget_tokens()

    with django_assert_max_num_queries(len(small)):
        r = get()
    assert r.status_code == 200
    assert len(small) <= 12


def test_qc_page_queries_do_not_grow_with_orders(client_for, qc, bulk_orders, django_assert_max_num_queries):
    c = client_for(qc)
    bulk_orders(5)
    with CaptureQueriesContext(connection) as small:
        c.get(QC)
    bulk_orders(20)

    with django_assert_max_num_queries(len(small)):
        assert c.get(QC).status_code == 200


def test_my_jobs_queries_do_not_grow_with_jobs(
    client_for, tech_user, bulk_orders, django_assert_max_num_queries
):
    c = client_for(tech_user)
    bulk_orders(5)
    with CaptureQueriesContext(connection) as small:
        c.get(reverse("floor:my_jobs"))
    bulk_orders(20)

    with django_assert_max_num_queries(len(small)):
        assert c.get(reverse("floor:my_jobs")).status_code == 200


def test_both_boards_answer_in_their_documented_shape(api_for, foreman, signed_order, job_in_work):
    # Each answer is exactly what its schema in the OpenAPI document says, field for field.
    import json

    from ninja.responses import NinjaJSONEncoder

    from dms.workshop.api_floor import DispatchBoardOut, WallBoardOut

    def documented(schema, answer: dict) -> dict:
        return json.loads(json.dumps(schema.model_validate(answer).model_dump(), cls=NinjaJSONEncoder))

    api = api_for(foreman)
    dispatch, wall = api.get("/floor/dispatch-board"), api.get("/floor/board")

    assert dispatch.status_code == wall.status_code == 200
    assert dispatch.json() == documented(DispatchBoardOut, dispatch.json())
    assert wall.json() == documented(WallBoardOut, wall.json())
    assert [w["id"] for w in dispatch.json()["waiting"]] == [signed_order.pk]
    assert {i["id"] for i in wall.json()["items"]} == {signed_order.pk, job_in_work.pk}
