"""My day (page and API): the touches assigned to me with their scripts, one-click outcomes, a
low score opening a complaint case, rescheduling and handing over; the generation endpoint."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import ApiClient, make_user
from dms.core.roles import Role
from dms.customers.models import Customer
from dms.followups.models import FollowUp, TouchRule
from dms.followups.plans import ensure_defaults
from dms.satisfaction.models import Complaint
from dms.vehicles.models import Vehicle

pytestmark = pytest.mark.django_db


@pytest.fixture
def cm(store):
    return make_user("cm1", store, Role.CUSTOMER_MANAGER)


@pytest.fixture
def cm_client(cm):
    c = Client()
    c.force_login(cm)
    return c


@pytest.fixture
def touch(store, vehicle, cm):
    """An insurance renewal call for cm1, due today, made by the default rule."""
    ensure_defaults(store.group_id)
    Customer.objects.filter(pk=vehicle.owner_id).update(customer_manager=cm, behaviour_type="analytical")
    Vehicle.objects.filter(pk=vehicle.pk).update(insurance_expiry=timezone.localdate() + timedelta(days=7))
    return FollowUp.objects.create(
        store=store, kind="insurance", customer=vehicle.owner, vehicle=vehicle, assigned_to=cm, channel="call",
        due_at=timezone.now() + timedelta(hours=1), rule=TouchRule.objects.get(code="insurance_7"),
        subject_date=timezone.localdate() + timedelta(days=7),
    )  # fmt: skip


def test_the_home_page_of_a_customer_manager_is_their_day(cm_client, touch):
    r = cm_client.get("/", follow=True)

    page = r.content.decode()
    assert r.redirect_chain[-1][0] == "/followups/day/"
    assert "我的一天" in page and "张先生" in page and "粤B12345" in page
    assert "续保" in page or "保险" in page  # the script, rendered
    assert "分析型" in page or "逻辑" in page  # the behaviour-type tips


def test_one_click_reached_closes_the_touch_and_logs_the_contact(cm_client, touch):
    r = cm_client.post(f"/followups/{touch.pk}/outcome/", {"outcome": "reached", "note": "已在外面续保"})

    touch.refresh_from_db()
    assert r.status_code == 302
    assert (touch.state, touch.outcome, touch.reached) == ("done", "reached", True)
    assert touch.customer.contacts.filter(summary__contains="已在外面续保").exists()


def test_call_back_at_keeps_it_open_until_then(cm_client, touch):
    later = (timezone.localtime() + timedelta(days=1)).replace(hour=15, minute=0, second=0, microsecond=0)
    cm_client.post(
        f"/followups/{touch.pk}/outcome/",
        {"outcome": "call_back", "retry_at": later.strftime("%Y-%m-%dT%H:%M")},
    )

    touch.refresh_from_db()
    assert (touch.state, touch.outcome, touch.due_at) == ("open", "call_back", later)


def test_do_not_contact_opts_the_customer_out_and_cancels_their_touches(cm_client, touch, store, vehicle, cm):
    other = FollowUp.objects.create(store=store, kind="birthday", customer=vehicle.owner, assigned_to=cm,
                                    channel="card", due_at=timezone.now() + timedelta(days=3))  # fmt: skip

    cm_client.post(f"/followups/{touch.pk}/outcome/", {"outcome": "do_not_contact"})

    other.refresh_from_db()
    assert other.state == "cancelled"
    from dms.messaging.models import Recipient

    assert Recipient.objects.get(customer=vehicle.owner).opted_out


def test_the_api_lists_my_touches_with_the_rule_and_the_script(cm, touch, store, vehicle):
    care = make_user("care1", store, Role.CUSTOMER_CARE)
    FollowUp.objects.create(store=store, kind="after_service", customer=vehicle.owner, assigned_to=care,
                            channel="call", due_at=timezone.now())  # fmt: skip
    api = ApiClient(cm)

    body = api.get("/follow-ups", {"assigned": "me", "kind": "insurance,maintenance"}).json()

    assert body["count"] == 1
    item = body["items"][0]
    assert (item["rule"], item["kind"], item["channel"]) == ("insurance_7", "insurance", "call")
    assert "张先生" in item["script"] and "粤B12345" in item["script"]
    en = ApiClient(cm, language="en").get(
        "/follow-ups", {"customer_id": vehicle.owner_id, "kind": "insurance"}
    )
    assert "Hello" in en.json()["items"][0]["script"]


def test_bad_filters_and_outcomes_answer_400(cm, touch):
    api = ApiClient(cm)
    assert api.get("/follow-ups", {"kind": "party"}).json()["errors"][0]["field"] == "kind"
    assert api.get("/follow-ups", {"assigned": "you"}).status_code == 422
    r = api.post(f"/follow-ups/{touch.pk}/outcome", {"reached": False, "outcome": "declined"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "outcome"
    r = api.post(f"/follow-ups/{touch.pk}/outcome", {"reached": True, "outcome": "call_back"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "retry_at"


def test_a_low_score_opens_a_complaint_case(store, vehicle, cm):
    care = make_user("care1", store, Role.CUSTOMER_CARE)
    f = FollowUp.objects.create(store=store, kind="after_service", customer=vehicle.owner, vehicle=vehicle,
                                assigned_to=care, channel="call", due_at=timezone.now())  # fmt: skip

    r = ApiClient(care).post(
        f"/follow-ups/{f.pk}/outcome", {"reached": True, "satisfaction": 2, "note": "等了三个小时"}
    )

    body = r.json()
    assert r.status_code == 200 and body["complaint"] is True and body["complaint_id"]
    case = Complaint.objects.get(pk=body["complaint_id"])
    assert (case.customer_id, case.followup_id, case.severity) == (vehicle.owner_id, f.pk, "medium")
    assert "三个小时" in case.description


def test_reschedule_and_hand_over(cm, touch, store):
    other_cm = make_user("cm2", store, Role.CUSTOMER_MANAGER)
    technician = make_user("tech9", store, Role.TECHNICIAN)
    api = ApiClient(cm)
    when = (timezone.now() + timedelta(days=2)).isoformat()

    assert api.post(f"/follow-ups/{touch.pk}/reschedule", {"due_at": when}).status_code == 200
    r = api.post(f"/follow-ups/{touch.pk}/hand-over", {"user_id": technician.pk})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "user_id"
    r = api.post(f"/follow-ups/{touch.pk}/hand-over", {"user_id": other_cm.pk})
    assert r.status_code == 200 and r.json()["assigned_to_id"] == other_cm.pk


def test_generate_twice_creates_nothing_twice(manager_api, store, vehicle):
    Customer.objects.filter(pk=vehicle.owner_id).update(marketing_consent=True)
    Vehicle.objects.filter(pk=vehicle.pk).update(insurance_expiry=timezone.localdate() + timedelta(days=30))
    day = timezone.localdate().isoformat()

    assert manager_api.post("/touch-plans/generate", {"date": day}).json() == {"created": 1}
    assert manager_api.post("/touch-plans/generate", {"date": day}).json() == {"created": 0}
    assert manager_api.post("/touch-plans/generate", {"date": "2000-01-01"}).status_code == 400


def test_a_customer_manager_may_not_generate(cm):
    assert ApiClient(cm).post("/touch-plans/generate", {}).status_code == 403


def test_another_groups_touch_is_not_found(outsider_api, touch):
    assert outsider_api.get(f"/follow-ups/{touch.pk}").status_code == 404
    assert outsider_api.post(f"/follow-ups/{touch.pk}/outcome", {"reached": False}).status_code == 404
    assert outsider_api.get("/follow-ups", {"customer_id": touch.customer_id}).json()["count"] == 0


def test_the_call_page_shows_the_script_and_the_tips(store, vehicle):
    care = make_user("care1", store, Role.CUSTOMER_CARE)
    Customer.objects.filter(pk=vehicle.owner_id).update(behaviour_type="social")
    f = FollowUp.objects.create(store=store, kind="after_service", customer=vehicle.owner, vehicle=vehicle,
                                assigned_to=care, channel="call", due_at=timezone.now())  # fmt: skip
    ensure_defaults(store.group_id)
    FollowUp.objects.filter(pk=f.pk).update(rule=TouchRule.objects.get(code="after_service_call"))
    c = Client()
    c.force_login(care)

    page = c.get(f"/followups/{f.pk}/").content.decode()

    assert "您好张先生" in page and "粤B12345" in page  # the script, for this customer
    assert "社交型" in page  # the behaviour-type tips
