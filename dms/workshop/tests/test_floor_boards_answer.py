"""What the dispatch board and the wall board answer over the API, pinned field by field on a small
store with an order in each open state: waiting with skills, a declined and a part line, late, at
risk, clocked on, paused, awaiting the customer, finished, ready, on an inactive technician's
hands. The boards are read in a way tuned for hundreds of orders; this says that the answer is
the one a customer of the API relies on."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import make_user, valid_vin
from dms.core.models import User
from dms.core.roles import Role
from dms.parts.services import part_create
from dms.scheduling.models import Technician
from dms.vehicles.services import vehicle_create
from dms.workshop import services, services_floor
from dms.workshop.models import LaborOperation, LineState, RepairOrderLine

from .test_floor_setup import *  # noqa: F403

pytestmark = pytest.mark.own_clock
SH = ZoneInfo("Asia/Shanghai")
BUILT = datetime(2026, 3, 4, 10, 30, tzinfo=SH)  # a Wednesday
READ = BUILT + timedelta(hours=2)


@pytest.fixture
def clock():
    with time_machine.travel(BUILT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(
    clock, people, tenant, customer, brand, vehicle, oil_change, brake_job, tech, other_tech, store, group
):
    """The store at 10:30; the boards are read at 12:30."""
    sa, foreman = people["sa"], people["foreman"]
    engine = LaborOperation.objects.create(
        group=group, code="E10", name="发动机检查", standard_hours=Decimal("2.0"), skill="engine"
    )
    general = LaborOperation.objects.create(
        group=group, code="G01", name="全车检查", standard_hours=Decimal("0.5"), skill="general"
    )
    body = LaborOperation.objects.create(
        group=group, code="S01", name="钣金修复", standard_hours=Decimal("3.0"), skill="body"
    )
    pads = part_create(tenant=people["clerk"], number="45022-T2A-A01", name="前刹车片", price="380.00")
    no_plate = vehicle_create(
        tenant=tenant, owner_id=customer.pk, vin=valid_vin(2), plate="", brand_id=brand.pk, model="雅阁",
        mileage_km=30000,
    ).record  # fmt: skip
    retired_user = make_user("tech3", store, Role.TECHNICIAN)
    User.objects.filter(pk=retired_user.pk).update(display_name="王师傅")
    retired = Technician.objects.create(store=store, user=retired_user, skills=["engine"])

    def order(hours, *ops, car=vehicle, sign=True):
        o = services.repair_order_create(
            tenant=sa, vehicle_id=car.pk, mileage_km=car.mileage_km, complaint="检查",
            promised_at=BUILT + timedelta(hours=hours) if hours is not None else None,
        )  # fmt: skip
        for op in ops:
            services.line_add(tenant=sa, order_id=o.pk, kind="labor", labor_operation_id=op.pk)
        return services.order_sign(tenant=sa, order_id=o.pk) if sign else o

    def dispatch(o, technician=tech):
        return services.order_dispatch(tenant=foreman, order_id=o.pk, technician_id=technician.pk)

    made = {
        "draft": order(1, oil_change, sign=False),
        "draft_bare": order(None, car=no_plate, sign=False),
        "waiting": order(3.5, oil_change, engine, general, body, brake_job),
        "waiting_late": order(1.5, general, car=no_plate),
        "at_risk": dispatch(order(2.5, oil_change, engine)),
        "clocked_on": dispatch(order(6, oil_change)),
        "paused": dispatch(order(5, oil_change, engine)),
        "asking": dispatch(order(7, oil_change)),
        "finished": dispatch(order(8, oil_change)),
        "ready": dispatch(order(9, oil_change)),
        "retired": dispatch(order(4, engine), technician=retired),
    }
    waiting = made["waiting"]
    services.line_add(tenant=sa, order_id=waiting.pk, kind="part", part_id=pads.pk, quantity="1")
    RepairOrderLine.objects.filter(order=waiting, labor_operation=body).update(state=LineState.DECLINED)
    for name in ("clocked_on", "paused", "asking", "finished", "ready"):
        services.order_start(tenant=foreman, order_id=made[name].pk)
    services_floor.job_clock(tenant=foreman, order_id=made["paused"].pk, action="on")
    clock.shift(timedelta(minutes=20))
    services_floor.job_clock(tenant=foreman, order_id=made["paused"].pk, action="pause", reason="parts")
    services_floor.job_clock(tenant=foreman, order_id=made["clocked_on"].pk, action="on")
    RepairOrderLine.objects.filter(order=made["paused"], labor_operation=oil_change).update(
        state=LineState.DONE
    )
    services_floor.finding_report(
        tenant=foreman, order_id=made["asking"].pk, description="更换发动机支架", note="支架开裂",
        labor_operation_id=engine.pk,
    )  # fmt: skip
    services.order_request_approval(tenant=sa, order_id=made["asking"].pk)
    for name in ("finished", "ready"):
        services.order_finish(tenant=foreman, order_id=made[name].pk)
    services.order_qc_pass(tenant=people["qc"], order_id=made["ready"].pk)
    services_floor.progress_review_record(tenant=foreman, note="正常")
    Technician.objects.filter(pk=retired.pk).update(active=False)
    names = {o.pk: name for name, o in made.items()}
    names |= {tech.pk: "tech1", other_tech.pk: "tech2", retired.pk: "tech3"}
    numbers = {o.number: name for name, o in made.items()}
    clock.move_to(READ)
    return names, numbers


def _named(body, names, numbers):
    """The answer with ids and numbers replaced by the names of the world (ids are random)."""
    if isinstance(body, list):
        return [_named(v, names, numbers) for v in body]
    if not isinstance(body, dict):
        return body
    out = {}
    for key, value in body.items():
        if key in ("id", "technician_id", "current_order_id") and value is not None:
            value = names[value]
        elif key in ("job_ids", "unfit_technician_ids"):
            value = [names[v] for v in value]
        elif key == "number":
            value = numbers[value]
        out[key] = _named(value, names, numbers)
    return out


# What each order's card says on both boards (OrderBrief), by the world's names.
BRIEFS = {
    "draft_bare": {
        "state": "draft",
        "state_label": "已开单",
        "plate": "LVHRU1848N5000002",
        "model": "东风本田 雅阁",
        "technician_id": None,
        "technician": None,
        "promised_at": None,
        "standard_hours": "0.00",
        "remaining_hours": "0.00",
        "timing": {"late": False, "at_risk": False, "hours_left": None},
    },
    "draft": {
        "state": "draft",
        "state_label": "已开单",
        "plate": "粤B12345",
        "model": "东风本田 思域",
        "technician_id": None,
        "technician": None,
        "promised_at": "2026-03-04T03:30:00Z",
        "standard_hours": "0.80",
        "remaining_hours": "0.80",
        "timing": {"late": True, "at_risk": False, "hours_left": "-1.00"},
    },
    "waiting_late": {
        "state": "signed",
        "state_label": "客户已签字",
        "plate": "LVHRU1848N5000002",
        "model": "东风本田 雅阁",
        "technician_id": None,
        "technician": None,
        "promised_at": "2026-03-04T04:00:00Z",
        "standard_hours": "0.50",
        "remaining_hours": "0.50",
        "timing": {"late": True, "at_risk": False, "hours_left": "-0.50"},
    },
    "waiting": {
        "state": "signed",
        "state_label": "客户已签字",
        "plate": "粤B12345",
        "model": "东风本田 思域",
        "technician_id": None,
        "technician": None,
        "promised_at": "2026-03-04T06:00:00Z",
        "standard_hours": "4.80",
        "remaining_hours": "4.80",
        "timing": {"late": False, "at_risk": True, "hours_left": "1.50"},
    },
    "at_risk": {
        "state": "dispatched",
        "state_label": "已派工",
        "plate": "粤B12345",
        "model": "东风本田 思域",
        "technician_id": "tech1",
        "technician": "tech1",
        "promised_at": "2026-03-04T05:00:00Z",
        "standard_hours": "2.80",
        "remaining_hours": "2.80",
        "timing": {"late": False, "at_risk": True, "hours_left": "0.50"},
    },
    "retired": {
        "state": "dispatched",
        "state_label": "已派工",
        "plate": "粤B12345",
        "model": "东风本田 思域",
        "technician_id": "tech3",
        "technician": "王师傅",
        "promised_at": "2026-03-04T06:30:00Z",
        "standard_hours": "2.00",
        "remaining_hours": "2.00",
        "timing": {"late": False, "at_risk": False, "hours_left": "2.00"},
    },
    "paused": {
        "state": "in_progress",
        "state_label": "维修中",
        "plate": "粤B12345",
        "model": "东风本田 思域",
        "technician_id": "tech1",
        "technician": "tech1",
        "promised_at": "2026-03-04T07:30:00Z",
        "standard_hours": "2.80",
        "remaining_hours": "2.00",
        "timing": {"late": False, "at_risk": False, "hours_left": "3.00"},
    },
    "clocked_on": {
        "state": "in_progress",
        "state_label": "维修中",
        "plate": "粤B12345",
        "model": "东风本田 思域",
        "technician_id": "tech1",
        "technician": "tech1",
        "promised_at": "2026-03-04T08:30:00Z",
        "standard_hours": "0.80",
        "remaining_hours": "0.80",
        "timing": {"late": False, "at_risk": False, "hours_left": "4.00"},
    },
    "asking": {
        "state": "awaiting_approval",
        "state_label": "待客户确认",
        "plate": "粤B12345",
        "model": "东风本田 思域",
        "technician_id": "tech1",
        "technician": "tech1",
        "promised_at": "2026-03-04T09:30:00Z",
        "standard_hours": "2.80",
        "remaining_hours": "2.80",
        "timing": {"late": False, "at_risk": False, "hours_left": "5.00"},
    },
    "finished": {
        "state": "finished",
        "state_label": "完工待质检",
        "plate": "粤B12345",
        "model": "东风本田 思域",
        "technician_id": "tech1",
        "technician": "tech1",
        "promised_at": "2026-03-04T10:30:00Z",
        "standard_hours": "0.80",
        "remaining_hours": "0.00",
        "timing": {"late": False, "at_risk": False, "hours_left": "6.00"},
    },
    "ready": {
        "state": "ready",
        "state_label": "质检通过，待交车",
        "plate": "粤B12345",
        "model": "东风本田 思域",
        "technician_id": "tech1",
        "technician": "tech1",
        "promised_at": "2026-03-04T11:30:00Z",
        "standard_hours": "0.80",
        "remaining_hours": "0.00",
        "timing": {"late": False, "at_risk": False, "hours_left": None},
    },
}


def test_the_dispatch_board_answers_every_field_as_pinned(world, api_for, foreman):
    names, numbers = world

    r = api_for(foreman).get("/floor/dispatch-board")

    assert r.status_code == 200
    body = _named(r.json(), names, numbers)
    assert body["now"] == "2026-03-04T04:30:00Z"
    assert (body["open_orders"], body["late_orders"]) == (11, 2)  # the draft and the late waiting one
    assert body["waiting"] == [
        {"id": "waiting_late", "number": "waiting_late", **BRIEFS["waiting_late"], "skills": [],
         "unfit_technician_ids": []},
        # 0.8 + 2.0 + 0.5 + 1.5 h: the declined body work and the part do not count, general mechanics is no
        # skill, maintenance is needed twice
        {"id": "waiting", "number": "waiting", **BRIEFS["waiting"], "skills": ["engine", "maintenance"],
         "unfit_technician_ids": ["tech2"]},
    ]  # fmt: skip
    assert body["technicians"] == [  # tech3 is inactive: off the board, though with a job
        {"id": "tech1", "name": "tech1", "skills": ["maintenance", "engine"], "works_today": True,
         "working_hours": "9.00", "load_hours": "8.40", "clocked_today": "2.00", "current_order_id": "clocked_on",
         "job_ids": ["at_risk", "paused", "clocked_on", "asking"]},
        {"id": "tech2", "name": "tech2", "skills": ["body", "paint"], "works_today": True, "working_hours": "9.00",
         "load_hours": "0.00", "clocked_today": "0.00", "current_order_id": None, "job_ids": []},
    ]  # fmt: skip
    assert body["reviews"] == [
        {"slot": "10:00", "state": "done", "at": "2026-03-04T02:50:00Z", "by": "foreman1", "note": "正常"},
        {"slot": "14:00", "state": "upcoming", "at": None, "by": None, "note": ""},
        {"slot": "16:30", "state": "upcoming", "at": None, "by": None, "note": ""},
    ]


def test_the_wall_board_answers_every_field_as_pinned(world, api_for, tech_user):
    names, numbers = world

    r = api_for(tech_user).get("/floor/board")

    assert r.status_code == 200
    body = _named(r.json(), names, numbers)
    assert (body["now"], body["open_orders"], body["late_orders"], body["at_risk_orders"]) == (
        "2026-03-04T04:30:00Z", 11, 2, 2
    )  # fmt: skip
    columns = [
        ("draft_bare", "reception", None, ""), ("draft", "reception", None, ""),
        ("waiting_late", "waiting", None, ""), ("waiting", "waiting", None, ""),
        ("at_risk", "dispatched", "not_started", ""), ("retired", "dispatched", "not_started", ""),
        ("paused", "repair", "paused", "parts"), ("clocked_on", "repair", "working", ""),
        ("asking", "repair", "not_started", ""),
        ("finished", "qc", None, ""), ("ready", "ready", None, ""),
    ]  # fmt: skip
    expected = [
        {"id": name, "number": name, **BRIEFS[name], "column": column, "work": work, "pause_reason": reason}
        for name, column, work, reason in columns
    ]
    # Within a column by promised time; an order promised for no time sorts as the database sorts
    # NULL (first in SQLite, last in PostgreSQL).
    bare = next(i for i in body["items"] if i["id"] == "draft_bare")
    assert bare == expected[0]
    assert [i for i in body["items"] if i is not bare] == expected[1:]
