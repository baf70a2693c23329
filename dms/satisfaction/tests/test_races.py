"""Two writers at once (PostgreSQL): one survey per visit, and one step wins on a case."""

from datetime import timedelta

import pytest
from django.db import connection

from conftest import at_once
from dms.core.errors import Conflict
from dms.satisfaction.models import CaseState, Complaint, ComplaintEvent, SurveyResponse
from dms.satisfaction.services import complaint_act, complaint_escalate_overdue
from dms.satisfaction.surveys import survey_response_record
from dms.satisfaction.tests.conftest import answers_for

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="two writers at once need PostgreSQL"),
]


def test_a_visit_answered_twice_at_once_is_answered_once(survey, delivered_order, store, care):
    def answer(score, channel):
        return lambda: survey_response_record(store=store, survey=survey, repair_order=delivered_order,
                                              channel=channel, answers=answers_for(survey, score),
                                              taken_by=care if channel == "call" else None)  # fmt: skip

    results = at_once([answer(1, "call"), answer(2, "link")])

    assert sorted(type(r).__name__ for r in results) == ["Conflict", "SurveyResponse"]
    assert SurveyResponse.objects.count() == 1 and Complaint.objects.count() == 1


def test_the_sweep_and_the_owner_at_once_take_one_step_each_in_turn(open_case, care_tenant):
    late = open_case.acknowledge_by
    results = at_once([
        lambda: complaint_escalate_overdue(now=late + timedelta(minutes=1)),
        lambda: complaint_act(tenant=care_tenant, complaint_id=open_case.pk, action="acknowledge", version=1),
    ])  # fmt: skip

    open_case.refresh_from_db()
    steps = list(
        ComplaintEvent.objects.filter(complaint=open_case)
        .exclude(action="open")
        .values_list("action", flat=True)
    )
    # Either the sweep escalated first (the acknowledgement then met a new version: 409), or the
    # owner acknowledged first (nothing left to escalate: the acknowledge deadline no longer counts).
    if open_case.state == CaseState.ESCALATED:
        assert steps == ["escalate"] and isinstance(results[1], Conflict)
    else:
        assert open_case.state == CaseState.ACKNOWLEDGED and steps == ["acknowledge"] and results[0] == 0
