"""The follow-up pages: the queue for customer care and one call with its outcome form."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from conftest import make_user
from dms.core.roles import Role
from dms.followups.models import FollowUp
from dms.satisfaction.models import Complaint

pytestmark = pytest.mark.django_db
NOON = datetime(2026, 5, 12, 12, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def at_noon():
    with time_machine.travel(NOON, tick=False):
        yield


def test_the_queue_shows_overdue_and_due_today_calls_but_not_later_ones(at_noon, care_client, make_followup):
    make_followup(due_in=timedelta(days=-1))
    make_followup(due_in=timedelta(hours=3))
    make_followup(due_in=timedelta(days=2))

    r = care_client.get("/followups/")

    page = r.content.decode()
    assert r.status_code == 200
    assert page.count("粤B12345") == 2
    assert "逾期" in page and "13812345678" in page


def test_the_later_tab_shows_the_calls_due_after_today(at_noon, care_client, make_followup):
    make_followup(due_in=timedelta(hours=1))
    make_followup(due_in=timedelta(days=2))

    page = care_client.get("/followups/?bucket=later").content.decode()

    assert page.count("粤B12345") == 1


def test_the_complaints_filter_lists_calls_with_a_complaint(at_noon, manager_client, make_followup):
    make_followup(state="done", reached=True, satisfaction=2, complaint=True, note="洗车没洗干净")
    make_followup(state="done", reached=True, satisfaction=5)

    page = manager_client.get("/followups/?bucket=complaints").content.decode()

    assert page.count("粤B12345") == 1 and "投诉" in page


def test_a_customer_without_consent_is_shown_as_not_to_be_called(at_noon, care_client, make_followup):
    make_followup(consent=False)

    page = care_client.get("/followups/").content.decode()

    assert "请勿致电" in page


def test_the_queue_takes_the_same_number_of_queries_for_many_rows(
    at_noon, care_client, make_followup, django_assert_max_num_queries
):
    make_followup()
    with django_assert_max_num_queries(12) as few:
        care_client.get("/followups/")
    for i in range(15):
        make_followup(due_in=timedelta(minutes=-i))

    with django_assert_max_num_queries(len(few.captured_queries)):
        r = care_client.get("/followups/")
    assert r.content.decode().count("粤B12345") == 16


def test_recording_a_call_from_the_page(care_client, followup):
    r = care_client.post(
        f"/followups/{followup.pk}/", {"reached": "yes", "satisfaction": "4", "note": "师傅技术不错"}
    )

    assert r.status_code == 302
    followup.refresh_from_db()
    assert (followup.state, followup.satisfaction) == ("done", 4)


def test_a_complaint_without_words_shows_the_message_on_the_field(care_client, followup):
    r = care_client.post(
        f"/followups/{followup.pk}/", {"reached": "yes", "satisfaction": "2", "complaint": "on"}
    )

    assert r.status_code == 400
    assert "请按客户原话记录投诉内容" in r.content.decode()
    followup.refresh_from_db()
    assert followup.state == "open"


def test_a_low_score_on_the_page_opens_a_case_of_the_category_the_agent_chose(care_client, followup):
    form = care_client.get(f"/followups/{followup.pk}/").content.decode()
    assert "投诉哪方面？" in form and '<option value="other" selected>其他</option>' in form

    r = care_client.post(
        f"/followups/{followup.pk}/",
        {"reached": "yes", "satisfaction": "1", "category": "attitude", "note": "服务顾问态度很差"},
    )

    assert r.status_code == 302
    followup.refresh_from_db()
    case = Complaint.objects.get(pk=followup.complaint_case_id)
    assert (case.category, case.severity, case.description) == ("attitude", "high", "服务顾问态度很差")


def test_a_low_score_without_a_category_opens_a_case_of_other(care_client, followup):
    r = care_client.post(f"/followups/{followup.pk}/", {"reached": "yes", "satisfaction": "2"})

    assert r.status_code == 302
    followup.refresh_from_db()
    assert Complaint.objects.get(pk=followup.complaint_case_id).category == "other"


def test_an_unknown_category_is_shown_on_its_field_and_nothing_is_written(care_client, followup):
    r = care_client.post(
        f"/followups/{followup.pk}/", {"reached": "yes", "satisfaction": "1", "category": "weather"}
    )

    assert r.status_code == 400
    page = r.content.decode()
    assert '<div class="fu-case"><label class="field-error"' in page and "选择一个有效的选项" in page
    followup.refresh_from_db()
    assert (followup.state, followup.attempts) == ("open", 0) and not Complaint.objects.exists()


def test_a_missing_answer_is_refused(care_client, followup):
    r = care_client.post(f"/followups/{followup.pk}/", {"note": "?"})

    assert r.status_code == 400
    followup.refresh_from_db()
    assert followup.attempts == 0


def test_closing_a_call_without_consent_from_the_page(care_client, make_followup):
    f = make_followup(consent=False)

    r = care_client.post(f"/followups/{f.pk}/close/")

    assert r.status_code == 302
    f.refresh_from_db()
    assert f.state == FollowUp.State.CANCELLED


def test_a_technician_may_not_open_the_queue_nor_record(technician, followup):
    c = Client()
    c.force_login(technician)

    assert c.get("/followups/").status_code == 403
    assert c.post(f"/followups/{followup.pk}/", {"reached": "yes", "satisfaction": "5"}).status_code == 403
    followup.refresh_from_db()
    assert followup.state == "open"


def test_another_group_sees_none_of_our_calls(outsider_client, followup):
    assert outsider_client.get(f"/followups/{followup.pk}/").status_code == 404
    assert outsider_client.post(f"/followups/{followup.pk}/close/").status_code == 404
    assert "粤B12345" not in outsider_client.get("/followups/").content.decode()


def test_a_call_without_a_visit_is_headed_by_the_customer_and_a_complaint_opens_a_case(
    care_client, make_followup
):
    touch = make_followup(kind=FollowUp.Kind.KEEP_IN_TOUCH, vehicle=None, channel="call")

    page = care_client.get(f"/followups/{touch.pk}/").content.decode()

    assert "<h2>客户</h2>" in page and "客户与本次维修" not in page  # no visit to speak of
    assert "客户投诉：立投诉案件跟进" in page  # what the box does: a case, not a flag for the manager


def test_a_birthday_cards_page_offers_done_not_a_call_form(care_client, make_followup):
    card = make_followup(kind=FollowUp.Kind.BIRTHDAY, vehicle=None, channel="card")

    page = care_client.get(f"/followups/{card.pk}/").content.decode()

    assert "寄出贺卡" in page and 'name="reached"' not in page and 'name="satisfaction"' not in page
    r = care_client.post(f"/followups/{card.pk}/outcome/", {"outcome": "reached", "note": "已寄出"})
    card.refresh_from_db()
    assert r.status_code == 302 and card.state == FollowUp.State.DONE


def test_the_stores_queue_says_what_each_touch_is_and_who_does_it(at_noon, care_client, make_followup):
    make_followup(due_in=timedelta(hours=1))
    make_followup(kind=FollowUp.Kind.INSURANCE, channel="call", assigned_to=None, due_in=timedelta(hours=2))

    page = care_client.get("/followups/").content.decode()

    assert "维修后回访" in page and "续保" in page
    assert "care1" in page and "尚无人负责" in page


def test_a_call_asks_for_satisfaction_only_after_a_visit(care_client, make_followup):
    """After service the score is asked (and required); on a renewal or a reminder call it is not
    asked at all: a score there would measure nothing."""
    after_visit = make_followup(kind=FollowUp.Kind.AFTER_SERVICE, channel="call")
    renewal = make_followup(kind=FollowUp.Kind.INSURANCE, channel="call")

    assert 'name="satisfaction"' in care_client.get(f"/followups/{after_visit.pk}/").content.decode()
    page = care_client.get(f"/followups/{renewal.pk}/").content.decode()
    assert 'name="satisfaction"' not in page and 'name="reached"' in page

    r = care_client.post(f"/followups/{renewal.pk}/", {"reached": "yes", "note": "考虑中，下周回复"})
    renewal.refresh_from_db()
    assert r.status_code == 302 and renewal.state == FollowUp.State.DONE and renewal.satisfaction is None


def test_a_reminder_call_offers_the_next_step_for_its_car(care_client, make_followup, vehicle, store):
    """A maintenance reminder books the visit for this car; a renewal call records the new policy on
    the vehicle file (which the renewal rate counts). A care agent may book, not edit vehicles."""
    reminder = make_followup(kind=FollowUp.Kind.MAINTENANCE, channel="call")
    renewal = make_followup(kind=FollowUp.Kind.INSURANCE, channel="call")

    page = care_client.get(f"/followups/{reminder.pk}/").content.decode()
    assert f'href="/appointments/new/?vehicle={vehicle.pk}"' in page and "为这辆车预约进店" in page
    page = care_client.get(f"/followups/{renewal.pk}/").content.decode()
    assert "已续保" not in page and "预约进店" not in page  # care1 may not edit the vehicle file

    cm = make_user("cm1", store, Role.CUSTOMER_MANAGER)
    client = Client()
    client.force_login(cm)
    page = client.get(f"/followups/{renewal.pk}/").content.decode()
    assert f'href="/vehicles/{vehicle.pk}/edit/"' in page and "已续保：在车辆档案中登记新保单" in page
