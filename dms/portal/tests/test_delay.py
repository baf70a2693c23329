"""Promised times at risk: the SA sees the orders about to be late, announces a new time, and the
customer hears of it by SMS before the old time passes."""

from datetime import datetime

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from dms.core.errors import Conflict, DomainError, Forbidden
from dms.messaging.models import Message
from dms.portal import selectors, services
from dms.portal.models import PromiseChange
from dms.workshop import services as workshop
from dms.workshop.models import RepairOrderEvent

from .conftest import SHANGHAI, fresh


def at(hh, mm=0):
    return datetime(2026, 5, 4, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def more_orders(people, vehicle, oil_change):
    """Three more orders of the same store: promised at 09:20, 15:00 and none."""

    def make(promised):
        o = workshop.repair_order_create(
            tenant=people["sa"],
            vehicle_id=vehicle.pk,
            mileage_km=15000,
            complaint="检查",
            promised_at=promised,
        )
        workshop.line_add(tenant=people["sa"], order_id=o.pk, kind="labor", labor_operation_id=oil_change.pk)
        return o

    return {"soon": make(at(9, 20)), "later": make(at(15)), "none": make(None)}


def test_orders_promised_within_30_minutes_or_late_are_at_risk(order, more_orders, clock, store):
    assert [o.pk for o in selectors.orders_at_risk(store, at(9))] == [more_orders["soon"].pk]

    # at 11:40 the 12:00 order joins; at 12:30 both are late
    assert [o.pk for o in selectors.orders_at_risk(store, at(11, 40))] == [more_orders["soon"].pk, order.pk]
    assert len(selectors.orders_at_risk(store, at(12, 30))) == 2


def test_a_car_ready_or_delivered_is_not_at_risk(working, people, clock, store):
    workshop.order_finish(tenant=people["tech"], order_id=working.pk)
    assert [o.pk for o in selectors.orders_at_risk(store, at(12, 30))] == [working.pk]  # in QC: still at risk

    workshop.order_qc_pass(tenant=people["qc"], order_id=working.pk, checklist={})
    assert selectors.orders_at_risk(store, at(12, 30)) == []


def test_another_stores_orders_are_not_listed(order, second_store):
    assert selectors.orders_at_risk(second_store, at(12, 30)) == []


def test_the_at_risk_list_takes_one_query(order, more_orders, store, django_assert_num_queries):
    with django_assert_num_queries(1):
        orders = selectors.orders_at_risk(store, at(12, 30))
        [(o.customer.name, o.vehicle.plate, str(o.advisor)) for o in orders]


def test_announcing_a_delay_records_it_and_texts_the_customer(
    order, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        change = services.order_delay_announce(
            tenant=people["sa"], order_id=order.pk, new_promised_at=at(16), reason="配件下午到货"
        )

    assert (change.previous_at, change.promised_at, change.reason) == (at(12), at(16), "配件下午到货")
    event = RepairOrderEvent.objects.get(order=order, action="delay")
    assert event.by.username == "sa1" and event.reason == "配件下午到货"
    assert event.data["promised_at"] == at(16).isoformat()
    sms = Message.objects.get(subject_id=order.pk, kind="delay")  # queued with the change
    assert "2026-05-04 16:00" in sms.body and "配件下午到货" in sms.body and sms.address == "13812345678"
    assert sms.state == "queued" and sms.by.username == "sa1"
    # the order carries the new promise; the change keeps what was promised before
    assert fresh(order).promised_at == at(16)
    assert PromiseChange.objects.get(order=order).previous_at == at(12)
    assert selectors.current_promise(fresh(order)) == at(16)


def test_a_moved_promise_is_no_longer_at_risk(order, people, store):
    services.order_delay_announce(
        tenant=people["sa"], order_id=order.pk, new_promised_at=at(16), reason="等配件"
    )

    assert selectors.orders_at_risk(store, at(11, 45)) == []


def test_the_status_page_shows_the_new_promise(order, people, client):
    from dms.portal import links

    services.order_delay_announce(
        tenant=people["sa"], order_id=order.pk, new_promised_at=at(16), reason="等配件"
    )

    page = client.get(links.status_path(order)).content.decode()
    assert "5月4日 16:00" in page and "交车时间已调整" in page


@pytest.mark.parametrize(
    "when, reason, field",
    [(None, "等配件", "new_promised_at"), (at(8), "等配件", "new_promised_at"), (at(12), "等配件", "new_promised_at"),
     (at(16), "  ", "reason"), (at(16), "长" * 201, "reason")],
    ids=["no-time", "past", "same-as-now", "no-reason", "reason-too-long"],
)  # fmt: skip
def test_a_bad_delay_is_refused_with_the_field_and_nothing_is_told(order, people, when, reason, field):
    with pytest.raises(DomainError) as exc:
        services.order_delay_announce(
            tenant=people["sa"], order_id=order.pk, new_promised_at=when, reason=reason
        )

    assert field in {e["field"] for e in exc.value.errors}
    assert not PromiseChange.objects.exists() and not Message.objects.filter(kind="delay").exists()


def test_a_technician_cannot_move_the_promise(order, people):
    with pytest.raises(Forbidden):
        services.order_delay_announce(
            tenant=people["tech"], order_id=order.pk, new_promised_at=at(16), reason="x"
        )


def test_no_delay_once_the_car_is_ready(working, people):
    workshop.order_finish(tenant=people["tech"], order_id=working.pk)
    workshop.order_qc_pass(tenant=people["qc"], order_id=working.pk, checklist={})

    with pytest.raises(Conflict):
        services.order_delay_announce(
            tenant=people["sa"], order_id=working.pk, new_promised_at=at(16), reason="x"
        )


def test_the_at_risk_partial_lists_them_for_the_advisor(order, more_orders, people, clock):
    clock.move_to(at(12, 10))
    request = RequestFactory().get("/")
    request.tenant = people["sa"]

    html = Template('{% include "portal/_at_risk.html" %}').render(Context({"request": request}))

    assert "交车时间预警" in html and order.number in html and more_orders["soon"].number in html
    assert "已超时 10 分钟" in html and "已超时 2 小时 50 分钟" in html
    assert more_orders["later"].number not in html


def test_the_at_risk_partial_is_empty_when_all_is_well(order, people):
    request = RequestFactory().get("/")
    request.tenant = people["sa"]

    assert (
        Template('{% include "portal/_at_risk.html" %}').render(Context({"request": request})).strip() == ""
    )
