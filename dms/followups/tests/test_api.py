"""/api/v1/follow-ups: the list with its filters, one call, and recording its outcome."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import ApiClient, make_user
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant
from dms.followups.api import followup_out
from dms.satisfaction.models import Category, Complaint

pytestmark = pytest.mark.django_db


def test_the_list_shows_the_stores_calls_soonest_first(care_api, make_followup):
    later = make_followup(due_in=timedelta(days=1))
    overdue = make_followup(due_in=timedelta(days=-2))

    r = care_api.get("/follow-ups")

    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 2
    assert [f["id"] for f in body["items"]] == [overdue.pk, later.pk]
    first = body["items"][0]
    assert first["overdue"] is True and first["plate"] == "粤B12345"
    assert first["mobile"] == "13812345678"  # customer care may see contact details
    assert (first["channel"], first["preferred_time"], first["consent"]) == ("wechat", "evening", True)


def test_the_list_filters_by_state_due_before_and_complaint(care_api, make_followup):
    make_followup(due_in=timedelta(days=3))
    soon = make_followup(due_in=timedelta(hours=2))
    complained = make_followup(state="done", reached=True, satisfaction=2, complaint=True, note="等太久")

    due_before = (timezone.now() + timedelta(days=1)).isoformat()
    assert [
        f["id"]
        for f in care_api.get("/follow-ups", {"state": "open", "due_before": due_before}).json()["items"]
    ] == [soon.pk]
    assert [f["id"] for f in care_api.get("/follow-ups", {"complaint": "true"}).json()["items"]] == [
        complained.pk
    ]
    assert care_api.get("/follow-ups", {"state": "done"}).json()["count"] == 1


def test_bad_filters_answer_with_the_field(care_api):
    r = care_api.get("/follow-ups", {"state": "finished"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "state"

    r = care_api.get("/follow-ups", {"due_before": "tomorrow"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "due_before"


def test_recording_a_reached_call(care_api, followup):
    r = care_api.post(
        f"/follow-ups/{followup.pk}/outcome", {"reached": True, "satisfaction": 5, "note": "很满意"}
    )

    assert r.status_code == 200
    body = r.json()
    assert (body["state"], body["reached"], body["satisfaction"], body["attempts"]) == ("done", True, 5, 1)


def test_three_unanswered_calls_make_it_unreachable(care_api, followup):
    for _ in range(3):
        r = care_api.post(f"/follow-ups/{followup.pk}/outcome", {"reached": False})

    assert r.json()["unreachable"] is True and r.json()["state"] == "done"
    again = care_api.post(f"/follow-ups/{followup.pk}/outcome", {"reached": False})
    assert again.status_code == 409


def test_a_low_score_opens_a_case_of_the_category_given(care_api, followup):
    r = care_api.post(
        f"/follow-ups/{followup.pk}/outcome",
        {"reached": True, "satisfaction": 2, "category": "waiting", "note": "交车晚了两个小时"},
    )

    assert r.status_code == 200, r.content
    case = Complaint.objects.get(pk=r.json()["complaint_id"])
    assert (case.category, case.severity, case.followup_id) == ("waiting", "medium", followup.pk)


def test_a_complaint_without_a_category_opens_a_case_of_other(care_api, followup):
    r = care_api.post(
        f"/follow-ups/{followup.pk}/outcome",
        {"reached": True, "satisfaction": 4, "complaint": True, "note": "洗车没洗干净"},
    )

    assert Complaint.objects.get(pk=r.json()["complaint_id"]).category == "other"


def test_the_schema_lists_the_complaint_categories(db, client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]

    shape = schemas["OutcomeIn"]["properties"]["category"]

    assert set(shape["enum"]) == {*Category.values, ""} and "satisfaction of 1 or 2" in shape["description"]


@pytest.mark.parametrize(
    "body, status, field",
    [
        ({}, 422, "reached"),
        ({"reached": "maybe"}, 422, "reached"),
        ({"reached": True, "satisfaction": 9}, 422, "satisfaction"),
        ({"reached": True}, 400, "satisfaction"),
        ({"reached": True, "satisfaction": 1, "complaint": True}, 400, "note"),
        ({"reached": True, "satisfaction": 1, "category": "weather"}, 422, "category"),
    ],
)
def test_bad_outcomes_answer_4xx_with_field_messages_in_chinese(care_api, followup, body, status, field):
    r = care_api.post(f"/follow-ups/{followup.pk}/outcome", body)

    assert r.status_code == status, r.content
    errors = r.json()["errors"]
    assert field in [e["field"] for e in errors]
    assert all(e["message"] for e in errors)
    followup.refresh_from_db()
    assert followup.attempts == 0 and not Complaint.objects.exists()


def test_a_technician_may_not_record_nor_read_the_calls(technician, followup):
    api = ApiClient(technician)

    assert (
        api.post(f"/follow-ups/{followup.pk}/outcome", {"reached": True, "satisfaction": 5}).status_code
        == 403
    )
    assert api.get("/follow-ups").status_code == 403
    followup.refresh_from_db()
    assert followup.state == "open"


def test_the_service_manager_sees_the_call_with_the_mobile(manager_api, followup):
    assert manager_api.get(f"/follow-ups/{followup.pk}").json()["mobile"] == "13812345678"


def test_a_role_without_contact_rights_would_see_the_mobile_masked(followup, store):
    tech = resolve_tenant(make_user("tech9", store, Role.TECHNICIAN))

    assert followup_out(followup, tech)["mobile"] == "138****5678"


def test_closing_a_call_without_consent(care_api, make_followup):
    f = make_followup(consent=False)

    assert (
        care_api.post(f"/follow-ups/{f.pk}/outcome", {"reached": True, "satisfaction": 5}).status_code == 409
    )
    r = care_api.post(f"/follow-ups/{f.pk}/close", {})

    assert r.status_code == 200 and r.json()["state"] == "cancelled"


def test_another_groups_call_is_not_found(outsider_api, followup):
    assert outsider_api.get(f"/follow-ups/{followup.pk}").status_code == 404
