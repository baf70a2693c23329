"""Complaint pages: the list (open first), a case with its steps, a new case at the counter, the
home page's panel; other groups' cases are 404."""

from datetime import timedelta

from django.test import Client

from dms.satisfaction.models import CaseState, Complaint
from dms.satisfaction.services import complaint_escalate_overdue


def test_the_list_shows_open_cases_first(care_client, open_case, store, customer, care, care_tenant):
    from dms.satisfaction.services import complaint_act, complaint_open

    done = complaint_open(store=store, customer=customer, category="price", severity="low", description="多收费",
                          actor=care)  # fmt: skip
    complaint_act(tenant=care_tenant, complaint_id=done.pk, action="resolve", root_cause="a", resolution="b")
    html = care_client.get("/satisfaction/complaints/?tab=all").content.decode()
    assert html.index(open_case.number) < html.index(done.number)
    html = care_client.get("/satisfaction/complaints/").content.decode()
    assert open_case.number in html and done.number not in html


def test_the_owner_works_the_case_from_its_page(care_client, open_case):
    r = care_client.post(f"/satisfaction/complaints/{open_case.pk}/acknowledge/", {"version": 1})
    assert r.status_code == 302
    r = care_client.post(
        f"/satisfaction/complaints/{open_case.pk}/resolve/", {"root_cause": "", "resolution": ""}
    )
    assert r.status_code == 400
    assert 'class="errorlist"' in r.content.decode()
    r = care_client.post(f"/satisfaction/complaints/{open_case.pk}/resolve/",
                         {"root_cause": "调度遗漏", "resolution": "致歉并免费洗车"})  # fmt: skip
    assert r.status_code == 302
    r = care_client.post(f"/satisfaction/complaints/{open_case.pk}/close/", {"reason": "客户电话确认满意"})
    open_case.refresh_from_db()
    assert open_case.state == CaseState.CLOSED
    page = care_client.get(f"/satisfaction/complaints/{open_case.pk}/").content.decode()
    assert "客户电话确认满意" in page


def test_a_new_case_at_the_counter(sa_client, customer, order, sa):
    r = sa_client.get("/satisfaction/complaints/new/", {"q": customer.mobile})
    assert customer.salutation in r.content.decode()
    r = sa_client.get("/satisfaction/complaints/new/", {"customer": customer.pk})
    assert order.number in r.content.decode()
    r = sa_client.post("/satisfaction/complaints/new/", {
        "customer": customer.pk, "repair_order": order.pk, "category": "damage", "severity": "high",
        "source": "counter", "description": "车门有划痕，来的时候没有",
    })  # fmt: skip
    case = Complaint.objects.get()
    assert r.status_code == 302 and r["Location"] == f"/satisfaction/complaints/{case.pk}/"
    assert case.owner == sa and case.repair_order == order and case.source == "counter"
    r = sa_client.post("/satisfaction/complaints/new/", {"customer": customer.pk, "category": "damage",
                                                          "severity": "high", "source": "counter", "description": ""})  # fmt: skip
    assert r.status_code == 400


def test_the_service_manager_sees_escalated_cases_on_the_home_page(manager_client, open_case):
    assert open_case.number not in manager_client.get("/").content.decode()
    complaint_escalate_overdue(now=open_case.acknowledge_by + timedelta(minutes=1))
    html = manager_client.get("/").content.decode()
    assert 'id="my-cases"' in html and open_case.number in html


def test_other_groups_cases_are_not_found(outsider_client, open_case):
    assert outsider_client.get(f"/satisfaction/complaints/{open_case.pk}/").status_code == 404
    assert outsider_client.post(f"/satisfaction/complaints/{open_case.pk}/acknowledge/").status_code == 404
    assert (
        outsider_client.get("/satisfaction/complaints/new/", {"customer": open_case.customer_id}).status_code
        == 404
    )
    open_case.refresh_from_db()
    assert open_case.state == CaseState.OPEN


def test_a_technician_sees_no_complaint_pages(store, open_case):
    from conftest import make_user
    from dms.core.roles import Role

    c = Client()
    c.force_login(make_user("tech5", store, Role.TECHNICIAN))
    assert c.get("/satisfaction/complaints/").status_code == 403


def test_the_manager_sets_the_stores_deadlines_and_new_cases_follow_them(
    manager_client, care_client, store, customer
):
    from dms.satisfaction.services import complaint_open

    assert care_client.get("/satisfaction/complaints/sla/").status_code == 403
    r = manager_client.post("/satisfaction/complaints/sla/", {"severity": "high", "acknowledge_hours": "1",
                                                              "resolve_hours": "12"})  # fmt: skip
    assert r.status_code == 302
    case = complaint_open(store=store, customer=customer, category="other", severity="high", description="x")
    assert (case.acknowledge_by - case.opened_at, case.resolve_by - case.opened_at) == (timedelta(hours=1),
                                                                                        timedelta(hours=12))  # fmt: skip
    manager_client.post("/satisfaction/complaints/sla/", {"severity": "high", "acknowledge_hours": "20",
                                                          "resolve_hours": "12"})  # fmt: skip
    page = manager_client.get("/satisfaction/complaints/sla/").content.decode()
    assert 'value="1"' in page  # refused: acknowledged after the resolve deadline
    manager_client.post("/satisfaction/complaints/sla/", {"severity": "high"})
    case = complaint_open(store=store, customer=customer, category="other", severity="high", description="x")
    assert case.resolve_by - case.opened_at == timedelta(hours=24)  # back to the default


def test_the_workers_escalation_says_why_in_the_readers_language(manager_client, manager, open_case):
    from django.utils import translation

    with translation.override("zh-hans"):  # the worker runs in Chinese
        complaint_escalate_overdue(now=open_case.acknowledge_by + timedelta(minutes=1))

    page = manager_client.get(f"/satisfaction/complaints/{open_case.pk}/").content.decode()
    assert "已升级：未按时受理。" in page  # a Chinese colon in Chinese

    manager.language = "en"
    manager.save(update_fields=["language"])
    page = manager_client.get(f"/satisfaction/complaints/{open_case.pk}/").content.decode()
    assert "Escalated: Not acknowledged in time." in page and "未按时受理" not in page
