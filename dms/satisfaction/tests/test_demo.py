"""The demo's satisfaction and complaints (dms/demo/satisfaction.py), loaded by `manage.py load_demo`."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from dms.core.models import User
from dms.satisfaction.models import CaseState, Complaint, Survey, SurveyResponse

pytestmark = [pytest.mark.django_db, pytest.mark.own_clock]


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    out = io.StringIO()
    fast = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    clock = time_machine.travel(datetime(2026, 12, 1, 14, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True)
    with clock, fast, django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", customers=120, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_the_demo_has_answers_and_cases_in_every_state(demo):
    assert Survey.objects.filter(group__code="DEMO", active=True).count() == 1
    assert Survey.objects.filter(group__code="OTHER").exists()
    responses = SurveyResponse.objects.filter(store__code="SZ01")
    assert responses.filter(channel="call").count() >= 5 and responses.filter(channel="link").count() == 2
    states = set(Complaint.objects.filter(store__code="SZ01").values_list("state", flat=True))
    assert {CaseState.OPEN, CaseState.ESCALATED, CaseState.CLOSED} <= states


def test_manager1_finds_the_escalated_case_on_the_home_page(demo):
    manager = User.objects.get(username="manager1")
    case = Complaint.objects.get(store__code="SZ01", state=CaseState.ESCALATED)
    assert case.owner == manager
    c = Client()
    c.force_login(manager)
    html = c.get("/").content.decode()
    assert case.number in html


def test_care1_has_the_case_a_low_score_on_a_link_opened(demo):
    case = Complaint.objects.get(store__code="SZ01", source="survey")
    assert case.owner.username == "care1" and case.state == CaseState.OPEN


def test_the_csi_report_shows_the_demo(demo):
    c = Client()
    c.force_login(User.objects.get(username="manager1"))
    r = c.get("/satisfaction/csi/")
    assert r.status_code == 200 and "深圳" in r.content.decode()
