"""Prospects over the API: no duplicate prospect, known customers linked, round robin, first
response, grades and their rhythm, a lost prospect confirmed by the showroom manager."""

from datetime import timedelta

from django.utils import timezone

from dms.core.events import subscribe, unsubscribe
from dms.core.models import Event
from dms.customers.services import customer_create
from dms.sales.models import Lead, SalesSettings


def test_a_walk_in_is_registered_and_given_to_the_consultant_who_greeted_them(walk_in, consultant):
    assert walk_in["state"] == "new"
    assert walk_in["assigned_to"] == consultant.pk
    assert walk_in["customer_id"] is None
    assert Event.objects.filter(type="lead.created", subject_id=walk_in["id"]).exists()


def test_the_same_mobile_answers_the_open_prospect_not_a_second_one(sales_api, walk_in):
    r = sales_api.post("/leads", {"name": "王总", "mobile": "137 0000 1234", "source": "phone"})

    assert r.status_code == 200
    assert r.json()["id"] == walk_in["id"]
    assert Lead.objects.count() == 1


def test_a_known_customer_is_linked_by_mobile(sales_api, tenant):
    customer = customer_create(tenant=tenant, name="李女士", mobile="13911112222").record

    r = sales_api.post("/leads", {"name": "李女士", "mobile": "13911112222", "source": "phone"})

    assert r.status_code == 201
    assert r.json()["customer_id"] == customer.pk


def test_a_referral_names_the_referrer(sales_api, tenant):
    referrer = customer_create(tenant=tenant, name="老客户", mobile="13911113333").record

    missing = sales_api.post("/leads", {"name": "新朋友", "mobile": "13911114444", "source": "referral"})
    r = sales_api.post("/leads", {"name": "新朋友", "mobile": "13911114444", "source": "referral",
                                  "referrer_customer_id": referrer.pk})  # fmt: skip

    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "referrer_customer_id"
    assert r.status_code == 201 and r.json()["referrer_customer_id"] == referrer.pk


def test_bad_input_is_refused_with_a_sentence_per_field(sales_api):
    r = sales_api.post("/leads", {"name": "", "mobile": "12345", "source": "walk_in"})
    wrong_source = sales_api.post("/leads", {"name": "张", "mobile": "13700001234", "source": "tv"})

    assert r.status_code == 400
    assert {e["field"] for e in r.json()["errors"]} == {"name", "mobile"}
    assert wrong_source.status_code == 422 and wrong_source.json()["errors"][0]["field"] == "source"


def test_phone_leads_go_round_robin_among_the_consultants(showroom_api, consultant, consultant2):
    ids = []
    for i in range(3):
        r = showroom_api.post("/leads", {"name": f"客户{i}", "mobile": f"1370000200{i}", "source": "phone"})
        ids.append(r.json()["assigned_to"])

    assert ids == [consultant.pk, consultant2.pk, consultant.pk]


def test_a_consultant_cannot_give_a_prospect_to_a_colleague(sales_api, consultant2):
    r = sales_api.post("/leads", {"name": "赵", "mobile": "13700003333", "source": "phone",
                                  "assigned_to_id": consultant2.pk})  # fmt: skip

    assert r.status_code == 403


def test_the_first_contact_measures_the_first_response(sales_api, walk_in):
    lead = Lead.objects.get(pk=walk_in["id"])
    Lead.objects.filter(pk=lead.pk).update(created_at=timezone.now() - timedelta(minutes=12))

    r = sales_api.post(f"/leads/{lead.pk}/actions/contact", {"channel": "phone", "note": "约周六试驾"})
    again = sales_api.post(f"/leads/{lead.pk}/actions/contact", {"channel": "wechat"})

    assert r.status_code == 200 and r.json()["state"] == "following"
    assert 12 * 60 <= r.json()["first_response_seconds"] < 13 * 60
    assert again.json()["first_response_seconds"] == r.json()["first_response_seconds"]


def test_a_grade_sets_the_follow_up_rhythm_from_the_store_settings(sales_api, walk_in, store):
    SalesSettings.objects.create(store=store, follow_a=2, days_a=10)

    r = sales_api.post(f"/leads/{walk_in['id']}/actions/grade", {"grade": "A"})

    body = r.json()
    assert body["grade"] == "A"
    assert body["expected_by"] == (timezone.localdate() + timedelta(days=10)).isoformat()
    due = Lead.objects.get(pk=walk_in["id"]).next_follow_up_at
    assert timedelta(days=2) - timedelta(minutes=1) < due - timezone.now() <= timedelta(days=2)


def test_a_stale_version_changes_nothing(sales_api, walk_in):
    r = sales_api.post(f"/leads/{walk_in['id']}/actions/grade", {"grade": "H", "version": 99})

    assert r.status_code == 409
    assert Lead.objects.get(pk=walk_in["id"]).grade == ""


def test_a_lost_prospect_needs_a_reason_and_the_showroom_managers_confirmation(
    sales_api, showroom_api, walk_in
):
    seen = []
    handler = seen.append
    subscribe("lead.lost", handler, phase="transaction")
    try:
        no_reason = sales_api.post(f"/leads/{walk_in['id']}/actions/lose", {"reason": " "})
        asked = sales_api.post(f"/leads/{walk_in['id']}/actions/lose", {"reason": "买了竞品(丰田)"})
        own = sales_api.post(f"/leads/{walk_in['id']}/actions/confirm-lost", {})
        confirmed = showroom_api.post(f"/leads/{walk_in['id']}/actions/confirm-lost", {})
    finally:
        unsubscribe("lead.lost", handler, phase="transaction")

    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "reason"
    assert asked.json()["state"] == "lost_pending"
    assert own.status_code == 403
    assert confirmed.status_code == 200 and confirmed.json()["state"] == "lost"
    assert [e.payload["lost_reason"] for e in seen] == ["买了竞品(丰田)"]


def test_a_lost_prospect_can_be_reopened(sales_api, showroom_api, walk_in):
    sales_api.post(f"/leads/{walk_in['id']}/actions/lose", {"reason": "预算不够"})

    r = sales_api.post(f"/leads/{walk_in['id']}/actions/reopen", {})

    assert r.json()["state"] == "following"


def test_the_needs_analysis_shows_the_customers_behaviour_tips(sales_api, tenant):
    customer_create(tenant=tenant, name="钱总", mobile="13911115555", behaviour_type="dominant")
    lead = sales_api.post("/leads", {"name": "钱总", "mobile": "13911115555", "source": "phone"}).json()

    r = sales_api.patch(f"/leads/{lead['id']}/needs", {"budget": "200000.00", "usage": "上下班", "family": "三口之家",
                                                     "competing_brands": "丰田", "payment": "loan"})  # fmt: skip

    assert r.status_code == 200, r.content
    assert r.json()["payment"] == "loan" and r.json()["budget"] == "200000.00"
    assert len(r.json()["behaviour_tips"]) == 6


def test_another_groups_prospect_is_not_found(outsider_api, walk_in):
    for method, path, body in [
        ("get", f"/leads/{walk_in['id']}", None),
        ("post", f"/leads/{walk_in['id']}/actions/contact", {"channel": "phone"}),
        ("post", f"/leads/{walk_in['id']}/actions/lose", {"reason": "x"}),
        ("patch", f"/leads/{walk_in['id']}/needs", {"usage": "x"}),
    ]:
        r = getattr(outsider_api, method)(path, body) if body is not None else outsider_api.get(path)
        assert r.status_code == 404, (path, r.content)
    assert outsider_api.get("/leads").json()["count"] == 0


def test_a_role_without_sales_work_may_not_list_prospects(api):
    assert api.get("/leads").status_code == 403


def test_my_prospects_only(sales_api, showroom_api, walk_in, consultant2):
    showroom_api.post("/leads", {"name": "B", "mobile": "13700009999", "source": "phone",
                                 "assigned_to_id": consultant2.pk})  # fmt: skip

    mine = sales_api.get("/leads", {"assigned": "me"}).json()

    assert [x["id"] for x in mine["items"]] == [walk_in["id"]]
