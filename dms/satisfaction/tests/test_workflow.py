"""A case's steps, its owner's rights, and the worker's escalation when the SLA passes."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from conftest import make_user
from dms.core.errors import Conflict, DomainError, Forbidden
from dms.core.models import Event
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant
from dms.satisfaction.models import CaseState, ComplaintEvent
from dms.satisfaction.selectors import open_cases_for
from dms.satisfaction.services import complaint_act, complaint_assign, complaint_escalate_overdue
from dms.satisfaction.tasks import complaint_sweep


def test_the_owner_acknowledges_resolves_and_closes_with_the_customers_confirmation(open_case, care_tenant):
    case = complaint_act(tenant=care_tenant, complaint_id=open_case.pk, action="acknowledge", version=1)
    assert case.state == CaseState.ACKNOWLEDGED and case.acknowledged_at is not None
    case = complaint_act(tenant=care_tenant, complaint_id=case.pk, action="resolve", root_cause="调度没有跟进进度",
                         resolution="道歉并赠送一次免费洗车")  # fmt: skip
    assert case.state == CaseState.RESOLVED and case.root_cause == "调度没有跟进进度"
    case = complaint_act(tenant=care_tenant, complaint_id=case.pk, action="close", reason="电话确认客户接受")
    assert case.state == CaseState.CLOSED and case.customer_confirmation == "电话确认客户接受"
    assert Event.objects.filter(type="complaint.closed", subject_id=case.pk).exists()
    assert list(ComplaintEvent.objects.filter(complaint=case).values_list("action", flat=True)) == [
        "open", "acknowledge", "resolve", "close",
    ]  # fmt: skip


def test_resolve_needs_the_root_cause_and_the_resolution(open_case, care_tenant):
    with pytest.raises(DomainError) as exc:
        complaint_act(tenant=care_tenant, complaint_id=open_case.pk, action="resolve", root_cause=" ")
    assert {e["field"] for e in exc.value.errors} == {"root_cause", "resolution"}
    open_case.refresh_from_db()
    assert open_case.state == CaseState.OPEN


def test_close_needs_how_the_customer_confirmed(open_case, care_tenant):
    complaint_act(
        tenant=care_tenant, complaint_id=open_case.pk, action="resolve", root_cause="a", resolution="b"
    )
    with pytest.raises(DomainError) as exc:
        complaint_act(tenant=care_tenant, complaint_id=open_case.pk, action="close")
    assert exc.value.field == "reason"


def test_a_step_not_allowed_now_answers_with_the_allowed_ones(open_case, care_tenant):
    with pytest.raises(Conflict) as exc:
        complaint_act(tenant=care_tenant, complaint_id=open_case.pk, action="close", reason="x")
    assert exc.value.extra["state"] == "open"
    assert set(exc.value.extra["allowed_actions"]) == {"acknowledge", "escalate", "resolve"}


def test_a_stale_version_changes_nothing(open_case, care_tenant):
    complaint_act(tenant=care_tenant, complaint_id=open_case.pk, action="acknowledge", version=1)
    with pytest.raises(Conflict):
        complaint_act(tenant=care_tenant, complaint_id=open_case.pk, action="escalate", version=1)
    open_case.refresh_from_db()
    assert open_case.state == CaseState.ACKNOWLEDGED


def test_someone_elses_case_is_worked_only_by_its_owner_or_a_manager(open_case, tenant, manager_tenant):
    with pytest.raises(Forbidden):
        complaint_act(tenant=tenant, complaint_id=open_case.pk, action="acknowledge")  # sa1 is not the owner
    case = complaint_act(tenant=manager_tenant, complaint_id=open_case.pk, action="acknowledge")
    assert case.state == CaseState.ACKNOWLEDGED


def test_a_technician_may_not_work_complaints(open_case, store):
    tech = resolve_tenant(make_user("tech7", store, Role.TECHNICIAN))
    with pytest.raises(Forbidden):
        complaint_act(tenant=tech, complaint_id=open_case.pk, action="acknowledge")


def test_escalating_hands_the_case_to_the_service_manager(open_case, care_tenant, manager):
    case = complaint_act(
        tenant=care_tenant, complaint_id=open_case.pk, action="escalate", reason="客户要求经理处理"
    )
    assert case.state == CaseState.ESCALATED and case.owner == manager
    event = Event.objects.get(type="complaint.escalated")
    assert (
        event.payload["owner_id"] == manager.pk and event.payload["previous_owner_id"] == open_case.owner_id
    )


def test_reopen_gives_new_deadlines(open_case, care_tenant):
    complaint_act(
        tenant=care_tenant, complaint_id=open_case.pk, action="resolve", root_cause="a", resolution="b"
    )
    complaint_act(tenant=care_tenant, complaint_id=open_case.pk, action="close", reason="ok")
    with pytest.raises(DomainError):
        complaint_act(tenant=care_tenant, complaint_id=open_case.pk, action="reopen")
    with time_machine.travel(timezone.now() + timedelta(days=10), tick=False):
        case = complaint_act(
            tenant=care_tenant, complaint_id=open_case.pk, action="reopen", reason="客户又来电"
        )
        assert case.state == CaseState.OPEN and case.resolve_by > timezone.now() + timedelta(hours=1)


def test_a_manager_hands_a_case_over(open_case, manager_tenant, store, care):
    other = make_user("care2", store, Role.CUSTOMER_CARE)
    case = complaint_assign(tenant=manager_tenant, complaint_id=open_case.pk, owner_id=other.pk)
    assert case.owner == other
    with pytest.raises(DomainError):
        tech = make_user("tech8", store, Role.TECHNICIAN)
        complaint_assign(tenant=manager_tenant, complaint_id=open_case.pk, owner_id=tech.pk)


# --- The worker's sweep ----------------------------------------------------------------------------------


def test_a_case_not_acknowledged_in_time_is_escalated_to_the_service_manager(open_case, manager, care):
    # medium: acknowledge within 8 hours
    assert complaint_escalate_overdue(now=open_case.acknowledge_by - timedelta(minutes=1)) == 0
    with time_machine.travel(open_case.acknowledge_by + timedelta(minutes=1), tick=False):
        assert complaint_sweep.call() == 1
    open_case.refresh_from_db()
    assert open_case.state == CaseState.ESCALATED and open_case.owner == manager
    step = ComplaintEvent.objects.get(complaint=open_case, action="escalate")
    assert step.by is None and step.data["sla"] == "acknowledge"
    assert Event.objects.filter(type="complaint.escalated", subject_id=open_case.pk, actor=None).exists()
    assert open_cases_for(manager, open_case.store) == [open_case]
    assert open_cases_for(care, open_case.store) == []


def test_an_acknowledged_case_is_escalated_only_when_not_resolved_in_time(open_case, care_tenant, manager):
    complaint_act(tenant=care_tenant, complaint_id=open_case.pk, action="acknowledge")
    assert complaint_escalate_overdue(now=open_case.acknowledge_by + timedelta(hours=1)) == 0
    assert complaint_escalate_overdue(now=open_case.resolve_by + timedelta(minutes=1)) == 1
    open_case.refresh_from_db()
    assert open_case.state == CaseState.ESCALATED and open_case.owner == manager
    # the sweep again: nothing escalated twice
    assert complaint_escalate_overdue(now=open_case.resolve_by + timedelta(hours=2)) == 0


def test_resolved_cases_are_left_alone(open_case, care_tenant):
    complaint_act(
        tenant=care_tenant, complaint_id=open_case.pk, action="resolve", root_cause="a", resolution="b"
    )
    assert complaint_escalate_overdue(now=open_case.resolve_by + timedelta(days=1)) == 0


def test_opening_a_case_queues_one_sweep_which_queues_the_next(
    store, customer, care, django_capture_on_commit_callbacks
):
    from django.core.management import call_command

    from dms.satisfaction import tasks
    from dms.satisfaction.services import complaint_open

    assert tasks.waiting() == 0
    with django_capture_on_commit_callbacks(execute=True):
        complaint_open(
            store=store, customer=customer, category="other", severity="low", description="x", actor=care
        )
        complaint_open(
            store=store, customer=customer, category="other", severity="low", description="y", actor=care
        )
    assert tasks.waiting() == 1  # one sweep waits, however many cases opened
    call_command("ensure_complaint_sweep", verbosity=0)
    assert tasks.waiting() == 1
