"""/api/v1/complaints: open, list, steps; bad input answers 4xx with sentences; other groups 404."""

from datetime import timedelta

from conftest import ApiClient
from dms.satisfaction.models import Complaint


def test_opening_a_case_answers_201_with_its_owner_and_deadlines(care_api, customer, order, care):
    r = care_api.post("/complaints", {"customer_id": customer.pk, "repair_order_id": order.pk,
                                      "category": "waiting", "severity": "high", "description": "等了三个小时"})  # fmt: skip
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["state"] == "open" and body["owner"] == str(care) and body["owner_id"] == care.pk
    assert body["repair_order_number"] == order.number
    case = Complaint.objects.get(pk=body["id"])
    assert case.resolve_by - case.opened_at == timedelta(hours=24)
    assert set(body["allowed_actions"]) == {"acknowledge", "escalate", "resolve"}


def test_bad_input_answers_with_sentences(care_api_en, customer):
    r = care_api_en.post("/complaints", {"customer_id": customer.pk, "category": "noise", "severity": "urgent",
                                         "description": "x"})  # fmt: skip
    assert r.status_code == 422
    fields = {e["field"] for e in r.json()["errors"]}
    assert {"category", "severity"} <= fields
    assert "Choose one of" in r.json()["errors"][0]["message"]
    r = care_api_en.post("/complaints", {"customer_id": customer.pk, "category": "other", "severity": "low",
                                         "description": "   "})  # fmt: skip
    assert r.status_code == 400
    assert r.json()["errors"] == [{"field": "description", "message": "Write down what the customer said."}]


def test_a_customer_or_order_of_another_group_is_not_found(care_api, outsider, customer):
    from dms.core.tenancy import resolve_tenant
    from dms.customers.services import customer_create

    foreign = customer_create(tenant=resolve_tenant(outsider), name="王五", mobile="13700000000").record
    r = care_api.post("/complaints", {"customer_id": foreign.pk, "category": "other", "severity": "low",
                                      "description": "x"})  # fmt: skip
    assert r.status_code == 404
    assert not Complaint.objects.exists()


def test_another_groups_case_is_not_found(open_case, outsider_api):
    assert outsider_api.get(f"/complaints/{open_case.pk}").status_code == 404
    r = outsider_api.post(f"/complaints/{open_case.pk}/actions/acknowledge", {})
    assert r.status_code == 404
    assert outsider_api.get("/complaints").json()["count"] == 0
    open_case.refresh_from_db()
    assert open_case.state == "open"


def test_the_list_filters_by_state_and_owner_open_first(
    care_api, open_case, care_tenant, store, customer, care
):
    from dms.satisfaction.services import complaint_act, complaint_open

    done = complaint_open(
        store=store, customer=customer, category="other", severity="low", description="x", actor=care
    )
    complaint_act(tenant=care_tenant, complaint_id=done.pk, action="resolve", root_cause="a", resolution="b")
    items = care_api.get("/complaints").json()["items"]
    assert [i["id"] for i in items] == [open_case.pk, done.pk]
    r = care_api.get("/complaints", {"state": "resolved,closed"}).json()
    assert r["count"] == 1 and r["items"][0]["id"] == done.pk
    assert care_api.get("/complaints", {"state": "lost"}).status_code == 400
    assert care_api.get("/complaints", {"owner": "me"}).json()["count"] == 2


def test_actions_over_the_api(care_api, open_case, manager):
    r = care_api.post(f"/complaints/{open_case.pk}/actions/acknowledge", {"version": 1})
    assert r.status_code == 200 and r.json()["state"] == "acknowledged" and r.json()["version"] == 2
    r = care_api.post(f"/complaints/{open_case.pk}/actions/resolve", {"root_cause": "x"})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "resolution"
    r = care_api.post(f"/complaints/{open_case.pk}/actions/close", {"reason": "ok"})
    assert r.status_code == 409 and r.json()["state"] == "acknowledged"
    r = care_api.post(f"/complaints/{open_case.pk}/actions/escalate", {"version": 1})
    assert r.status_code == 409  # stale
    r = care_api.post(f"/complaints/{open_case.pk}/actions/escalate")
    assert r.status_code == 200 and r.json()["owner_id"] == manager.pk
    assert care_api.post(f"/complaints/{open_case.pk}/actions/explode").status_code == 422
    events = care_api.get(f"/complaints/{open_case.pk}/events").json()
    assert [e["action"] for e in events] == ["open", "acknowledge", "escalate"]


def test_roles_without_complaint_work_are_refused(store, open_case):
    from conftest import make_user
    from dms.core.roles import Role

    tech = ApiClient(make_user("tech9", store, Role.TECHNICIAN))
    assert tech.get("/complaints").status_code == 403
    assert tech.get(f"/complaints/{open_case.pk}").status_code == 403


def test_a_manager_hands_the_case_over(manager_api, open_case, sa):
    r = manager_api._call("put", f"/complaints/{open_case.pk}/owner", {"user_id": sa.pk})
    assert r.status_code == 200 and r.json()["owner_id"] == sa.pk


# --- The timeline in the reader's language -------------------------------------------------------------


def _escalated_by_the_worker_in(language: str, case, *, late: str) -> None:
    from datetime import timedelta

    from django.utils import translation

    from dms.satisfaction.services import complaint_escalate_overdue

    deadline = case.acknowledge_by if late == "acknowledge" else case.resolve_by
    with translation.override(language):  # the language the worker happened to run in
        assert complaint_escalate_overdue(now=deadline + timedelta(minutes=1)) == 1


def test_the_workers_escalation_done_in_english_reads_in_chinese(care_api, open_case):
    _escalated_by_the_worker_in("en", open_case, late="acknowledge")

    [step] = [
        e for e in care_api.get(f"/complaints/{open_case.pk}/events").json() if e["action"] == "escalate"
    ]

    assert step["by"] is None and step["late"] == "acknowledge"
    assert step["reason"] == "未按时受理。"


def test_the_workers_escalation_done_in_chinese_reads_in_english(care_api_en, care_tenant, open_case):
    from dms.satisfaction.services import complaint_act

    complaint_act(tenant=care_tenant, complaint_id=open_case.pk, action="acknowledge")
    _escalated_by_the_worker_in("zh-hans", open_case, late="resolve")

    [step] = [
        e for e in care_api_en.get(f"/complaints/{open_case.pk}/events").json() if e["action"] == "escalate"
    ]

    assert step["late"] == "resolve"
    assert step["reason"] == "Not resolved in time."


def test_a_reason_someone_typed_reads_as_typed_in_every_language(care_api, care_api_en, open_case):
    care_api_en.post(
        f"/complaints/{open_case.pk}/actions/escalate", {"reason": "Customer threatens to go public"}
    )

    for client in (care_api, care_api_en):
        step = client.get(f"/complaints/{open_case.pk}/events").json()[-1]
        assert (step["action"], step["reason"], step["late"]) == (
            "escalate", "Customer threatens to go public", None,
        )  # fmt: skip


def test_the_events_schema_describes_the_reason_and_the_late_deadline(db, client):
    # Read over HTTP, as an integrator reads it (importing config.api here would tie this app's
    # tests to every app the API assembles: the import contracts forbid it).
    shape = client.get("/api/v1/openapi.json").json()["components"]["schemas"]["CaseEventOut"]

    assert {"reason", "late"} <= set(shape["required"])
    late = shape["properties"]["late"]["anyOf"]
    assert {"enum": ["acknowledge", "resolve"], "type": "string"} in late and {"type": "null"} in late
