"""Opening a complaint case: deadlines from the SLA, its owner, its event; bad input refused."""

from datetime import timedelta

import pytest
from django.utils import timezone

from conftest import make_user
from dms.core.errors import DomainError
from dms.core.models import Event
from dms.core.roles import Role
from dms.satisfaction.models import CaseState, ComplaintEvent, ComplaintSla
from dms.satisfaction.selectors import open_cases_for
from dms.satisfaction.services import DEFAULT_SLA, complaint_open


def test_a_case_opened_by_the_care_agent_is_hers_with_deadlines_of_its_severity(store, customer, care, order):
    now = timezone.now()
    case = complaint_open(
        store=store, customer=customer, category="price", severity="high", description="结算单多收了工时费",
        actor=care, repair_order=order, source="call",
    )  # fmt: skip
    ack, resolve = DEFAULT_SLA["high"]
    assert case.state == CaseState.OPEN
    assert case.owner == care
    assert case.number.startswith("CP-SZ01-")
    assert abs(case.acknowledge_by - (now + timedelta(hours=ack))) < timedelta(seconds=5)
    assert abs(case.resolve_by - (now + timedelta(hours=resolve))) < timedelta(seconds=5)
    event = Event.objects.get(type="complaint.opened")
    assert event.subject_id == case.pk and event.payload["severity"] == "high"
    assert event.payload["repair_order_id"] == order.pk
    assert ComplaintEvent.objects.filter(complaint=case, action="open").exists()


def test_the_stores_sla_wins_over_the_groups_and_the_default(store, customer, care):
    ComplaintSla.objects.create(group=store.group, severity="low", acknowledge_hours=10, resolve_hours=100)
    case = complaint_open(
        store=store, customer=customer, category="other", severity="low", description="x", actor=care
    )
    assert case.resolve_by - case.opened_at == timedelta(hours=100)
    ComplaintSla.objects.create(
        group=store.group, store=store, severity="low", acknowledge_hours=3, resolve_hours=30
    )
    case = complaint_open(
        store=store, customer=customer, category="other", severity="low", description="x", actor=care
    )
    assert case.acknowledge_by - case.opened_at == timedelta(hours=3)
    assert case.resolve_by - case.opened_at == timedelta(hours=30)


def test_a_case_without_a_person_goes_to_the_stores_care_agent(store, customer, care, technician):
    case = complaint_open(store=store, customer=customer, category="other", severity="low", description="x",
                          source="web")  # fmt: skip
    assert case.owner == care
    case = complaint_open(store=store, customer=customer, category="other", severity="low", description="x",
                          actor=technician)  # fmt: skip
    assert case.owner == care  # a technician does not work complaints


def test_the_followup_is_kept_by_id(store, customer, care):
    class FakeFollowUp:
        pk = 4711

    case = complaint_open(store=store, customer=customer, category="other", severity="low", description="x",
                          actor=care, followup=FakeFollowUp())  # fmt: skip
    assert case.followup_id == 4711


def test_bad_input_is_refused_with_a_sentence_per_field(store, customer, care):
    with pytest.raises(DomainError) as exc:
        complaint_open(store=store, customer=customer, category="nope", severity="urgent", description=" ",
                       actor=care, source="fax")  # fmt: skip
    fields = {e["field"] for e in exc.value.errors}
    assert fields == {"category", "severity", "description", "source"}


def test_an_order_of_another_customer_is_refused(store, customer, care, order, tenant):
    from dms.customers.services import customer_create

    other = customer_create(tenant=tenant, name="李四", mobile="13912345678", title="ms").record
    with pytest.raises(DomainError) as exc:
        complaint_open(store=store, customer=other, category="other", severity="low", description="x",
                       actor=care, repair_order=order)  # fmt: skip
    assert exc.value.errors[0]["field"] == "repair_order_id"


def test_the_owners_open_cases_come_escalated_first_then_by_deadline(store, customer, care):
    low = complaint_open(
        store=store, customer=customer, category="other", severity="low", description="x", actor=care
    )
    high = complaint_open(store=store, customer=customer, category="other", severity="high", description="y",
                          actor=care)  # fmt: skip
    assert open_cases_for(care, store) == [high, low]
    other = make_user("care2", store, Role.CUSTOMER_CARE)
    assert open_cases_for(other, store) == []
