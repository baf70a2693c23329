"""The promise sweep: every few minutes the worker finds the promised times at risk, warns the
advisor (top bar, the list of promises at risk) and texts the customer, once per promise."""

from datetime import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from conftest import at_once, make_user
from dms.core.roles import Role
from dms.customers.models import Customer
from dms.messaging import outbox
from dms.messaging.models import Message
from dms.portal import notify, selectors, services, tasks
from dms.portal.models import PromiseWarning
from dms.workshop import services as workshop

from .conftest import SHANGHAI

BADGE = "/c/staff/at-risk-badge/"


def at(hh, mm=0):
    return datetime(2026, 5, 4, hh, mm, tzinfo=SHANGHAI)


@pytest.fixture
def sweep(django_capture_on_commit_callbacks):
    """One run of the background job, as the worker runs it (texts leave once committed)."""

    def run() -> int:
        with django_capture_on_commit_callbacks(execute=True):
            return tasks.promise_sweep.call()

    return run


def risk_texts(order=None):
    qs = Message.objects.filter(kind="promise_at_risk")
    return qs.filter(subject_type="repair_order", subject_id=order.pk) if order is not None else qs


def client_for(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


# --- Warned once per promise ---------------------------------------------------------------------


def test_a_promise_20_minutes_away_warns_the_advisor_and_texts_the_customer_once(order, sweep, clock, sa):
    clock.move_to(at(11, 40))  # promised for 12:00, not started

    assert sweep() == 1
    clock.move_to(at(11, 45))
    assert sweep() == 0

    warning = PromiseWarning.objects.get()
    assert (warning.order_id, warning.promised_at, warning.advisor, warning.at) == (
        order.pk,
        at(12),
        sa,
        at(11, 40),
    )
    sms = risk_texts().get()
    assert warning.message == sms and sms.subject_id == order.pk and sms.address == "13812345678"
    assert "可能无法在承诺的 2026-05-04 12:00 完工" in sms.body and "0755-88886666" in sms.body
    assert sms.state == "queued" and sms.idempotency_key == notify.promise_key(order, at(12))


def test_a_ready_car_is_not_warned_of(working, people, sweep, clock):
    workshop.order_finish(tenant=people["tech"], order_id=working.pk)
    workshop.order_qc_pass(tenant=people["qc"], order_id=working.pk, checklist={})
    clock.move_to(at(11, 40))

    assert sweep() == 0
    assert not PromiseWarning.objects.exists() and not risk_texts().exists()


def test_a_promise_still_far_away_is_not_warned_of(order, sweep, clock):
    clock.move_to(at(11, 25))  # 35 minutes left

    assert sweep() == 0
    assert not PromiseWarning.objects.exists()


def test_a_customer_who_cannot_be_texted_gets_no_text_and_the_advisor_is_warned_all_the_same(
    order, sweep, clock
):
    # The consent the delay notice respects is a mobile number to text; none here.
    Customer.objects.filter(pk=order.customer_id).update(mobile="")
    clock.move_to(at(11, 40))

    assert sweep() == 1
    assert PromiseWarning.objects.get(order=order).message is None
    assert not risk_texts().exists()


def test_like_the_delay_notice_the_text_does_not_wait_for_marketing_consent(order, sweep, clock):
    # A text about the customer's own car in the workshop is service, not marketing.
    assert Customer.objects.get(pk=order.customer_id).marketing_consent is False
    clock.move_to(at(11, 40))

    sweep()

    assert risk_texts(order).count() == 1


def test_a_new_promise_is_warned_of_again(order, people, sweep, clock, django_capture_on_commit_callbacks):
    clock.move_to(at(11, 40))
    sweep()
    with django_capture_on_commit_callbacks(execute=True):
        services.order_delay_announce(
            tenant=people["sa"], order_id=order.pk, new_promised_at=at(13), reason="等配件"
        )

    clock.move_to(at(12, 10))
    assert sweep() == 0  # the new promise is 50 minutes away
    clock.move_to(at(12, 35))
    assert sweep() == 1

    assert list(PromiseWarning.objects.order_by("at").values_list("promised_at", flat=True)) == [
        at(12),
        at(13),
    ]
    assert risk_texts(order).count() == 2
    assert Message.objects.filter(subject_id=order.pk, kind="delay").count() == 1


def test_a_promise_that_passed_hours_ago_unwarned_is_not_texted_about_any_more(order, sweep, clock):
    # e.g. the worker was stopped all morning: "may be late" would come too late to help
    clock.move_to(at(14, 30))

    assert sweep() == 0
    assert not risk_texts().exists()
    assert [o.pk for o in selectors.orders_at_risk(order.store, at(14, 30))] == [
        order.pk
    ]  # still listed late


def test_a_promise_that_moved_meanwhile_is_not_warned_of_for_the_old_time(order, people, clock):
    clock.move_to(at(11, 40))
    services.order_delay_announce(
        tenant=people["sa"], order_id=order.pk, new_promised_at=at(15), reason="等配件"
    )

    assert services.promise_warning_raise(order_id=order.pk, promised_at=at(12)) is None
    assert not PromiseWarning.objects.exists()


def test_a_text_that_cannot_be_queued_keeps_the_warning(order, sweep, clock, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("the outbox is broken")

    monkeypatch.setattr(notify, "message_queue", broken)
    clock.move_to(at(11, 40))

    assert sweep() == 1
    assert PromiseWarning.objects.get().message is None and not risk_texts().exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_warn_once_and_text_once(order, clock):
    clock.move_to(at(11, 40))

    results = at_once([services.promises_sweep, services.promises_sweep])

    assert sorted(results) == [0, 1]
    assert PromiseWarning.objects.count() == 1 and risk_texts().count() == 1


# --- Every group is swept; each store sees its own ---------------------------------------------------


@pytest.fixture
def their_order(outsider_tenant, other_brand):
    """An order of another dealer group, promised for 12:00 too."""
    from conftest import valid_vin
    from dms.customers.services import customer_create
    from dms.vehicles.services import vehicle_create

    t = outsider_tenant
    customer = customer_create(tenant=t, name="外人甲", mobile="13522223333").record
    vehicle = vehicle_create(
        tenant=t, owner_id=customer.pk, vin=valid_vin(987654, wmi="LSV"), plate="桂A54321", brand_id=other_brand.pk,
        model="测试车型", mileage_km=12000,
    ).record  # fmt: skip
    return workshop.repair_order_create(
        tenant=t, vehicle_id=vehicle.pk, mileage_km=12500, complaint="保养", promised_at=at(12)
    )


def test_one_sweep_covers_every_group_and_each_advisor_sees_only_their_stores_warnings(
    order, their_order, sweep, clock, sa, outsider
):
    clock.move_to(at(11, 40))

    assert sweep() == 2

    assert {w.store_id for w in PromiseWarning.objects.all()} == {order.store_id, their_order.store_id}
    ours, theirs = (
        client_for(sa).get(BADGE).content.decode(),
        client_for(outsider).get(BADGE).content.decode(),
    )
    assert "交车预警" in ours and "<strong>1</strong>" in ours
    assert "<strong>1</strong>" in theirs
    page = client_for(sa).get("/orders/").content.decode()
    assert order.number in page and their_order.number not in page and "桂A54321" not in page


# --- What the advisor sees -------------------------------------------------------------------------


def test_the_badge_counts_the_advisors_own_warned_orders_and_the_managers_the_stores(
    order, sweep, clock, sa, store
):
    other_sa = make_user("sa2", store, Role.SERVICE_ADVISOR)
    manager = make_user("manager1", store, Role.SERVICE_MANAGER)
    assert "交车预警" not in client_for(sa).get(BADGE).content.decode()  # nothing warned yet
    clock.move_to(at(11, 40))
    sweep()

    mine = client_for(sa).get(BADGE)
    assert mine.status_code == 200 and 'href="/orders/#at-risk"' in mine.content.decode()
    assert "<strong>1</strong>" in mine.content.decode() and 'hx-trigger="every 60s"' in mine.content.decode()
    assert "交车预警" not in client_for(other_sa).get(BADGE).content.decode()
    assert "<strong>1</strong>" in client_for(manager).get(BADGE).content.decode()


def test_the_badge_clears_once_the_customer_is_given_a_new_time(order, people, sweep, clock, sa):
    clock.move_to(at(11, 40))
    sweep()
    services.order_delay_announce(
        tenant=people["sa"], order_id=order.pk, new_promised_at=at(16), reason="等配件"
    )

    body = client_for(sa).get(BADGE).content.decode()
    assert "交车预警" not in body and 'hx-trigger="every 60s"' in body  # still polling


def test_no_badge_for_who_cannot_edit_orders_nor_when_signed_out(order, people, clock):
    assert client_for(people["tech"].user).get(BADGE).status_code == 286  # htmx: stop polling
    assert Client().get(BADGE).status_code == 286


def test_the_top_bar_loads_the_badge_after_the_page_for_those_who_may_edit_orders(order, people):
    page = client_for(people["sa"].user).get("/").content.decode()
    tech_page = client_for(people["tech"].user).get("/").content.decode()

    assert f'hx-get="{BADGE}" hx-trigger="load"' in page
    assert BADGE not in tech_page


def test_the_list_says_when_the_advisor_was_warned_and_whether_the_customer_was_texted(
    order, people, sweep, clock
):
    clock.move_to(at(11, 40))
    sweep()
    clock.move_to(at(11, 50))
    request = RequestFactory().get("/")
    request.tenant, request.user = people["sa"], people["sa"].user

    html = Template('{% include "portal/_at_risk.html" %}').render(Context({"request": request}))

    assert 'id="at-risk"' in html and "已预警" in html and "11:40" in html and "短信待发送" in html
    assert "您的" in html

    # Sent by the outbox's worker: with no SMS provider set up the list says nothing left.
    outbox.send_due()
    html = Template('{% include "portal/_at_risk.html" %}').render(Context({"request": request}))
    assert "仅记录短信，未实际发送" in html and "已短信告知客户" not in html


def test_the_list_still_takes_one_query_with_the_warnings(
    order, sweep, clock, store, django_assert_num_queries
):
    clock.move_to(at(11, 40))
    sweep()

    with django_assert_num_queries(1):
        orders = selectors.orders_at_risk(store, at(11, 45))
        assert [(o.warned_at, o.told) for o in orders] == [(at(11, 40), "queued")]  # on the outbox


def test_the_api_says_whether_the_advisor_was_warned_and_the_customer_texted(order, sweep, clock, sa):
    from conftest import ApiClient

    clock.move_to(at(11, 40))
    before = ApiClient(sa).get("/order-promises/at-risk").json()["items"][0]
    sweep()
    after = ApiClient(sa).get("/order-promises/at-risk").json()["items"][0]

    assert (before["warned_at"], before["customer_texted"]) == (None, False)
    assert datetime.fromisoformat(after["warned_at"]) == at(11, 40)
    assert after["customer_texted"] is True


# --- One sweep waits at a time -----------------------------------------------------------------------


def waiting():
    return DBTaskResult.objects.filter(
        task_path=tasks.promise_sweep.module_path, status=TaskResultStatus.READY
    )


def test_each_sweep_queues_the_next_one_interval_later_and_only_one_waits(order, sweep, clock, settings):
    settings.DMS_PROMISE_SWEEP_MINUTES = 5
    clock.move_to(at(11, 40))

    sweep()
    sweep()

    assert waiting().count() == 1
    assert waiting().get().run_after == at(11, 45)


def test_starting_workers_again_and_again_queues_one_sweep_that_runs_now(db, clock):
    call_command("ensure_promise_sweep", verbosity=0)
    call_command("ensure_promise_sweep", verbosity=0)

    assert waiting().count() == 1 and waiting().get().run_after == timezone.now()


def test_two_sweeps_waiting_after_a_race_end_as_one(db, clock):
    tasks.promise_sweep.using(run_after=timezone.now()).enqueue()
    tasks.promise_sweep.using(run_after=timezone.now()).enqueue()
    first = waiting().first()
    DBTaskResult.objects.filter(pk=first.pk).update(status=TaskResultStatus.RUNNING)  # a worker took it

    tasks.promise_sweep.call()  # the other one is still waiting: nothing more is queued

    assert waiting().count() == 1


def test_a_failing_sweep_still_queues_the_next(db, clock, monkeypatch):
    monkeypatch.setattr(services, "promises_sweep", lambda: 1 / 0)

    with pytest.raises(ZeroDivisionError):
        tasks.promise_sweep.call()

    assert waiting().count() == 1


def test_an_immediate_backend_does_not_loop(db, settings):
    # It would run the sweep at once, which would queue itself at once, and so on.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

    assert tasks.schedule_next() is False
