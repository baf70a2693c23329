"""What the repair order publishes: one event per step, with the right type, actor, store and
payload, in the step's transaction; and the apps above the workshop reacting to them (the
follow-up after delivery, the customer's texts) instead of being called."""

import ast
from pathlib import Path

import pytest
from django.db import transaction

from dms.core.errors import Conflict, DomainError
from dms.core.models import Event
from dms.followups.models import FollowUp
from dms.messaging.models import Message
from dms.workshop import services
from dms.workshop.models import LineState, RepairOrder, State


@pytest.fixture
def order(people, vehicle, oil_change):
    o = services.repair_order_create(
        tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15000, complaint="做一次常规保养"
    )
    services.line_add(tenant=people["sa"], order_id=o.pk, kind="labor", labor_operation_id=oil_change.pk)
    return o


def events_of(order) -> list[Event]:
    return list(Event.objects.filter(subject_type="repair_order", subject_id=order.pk).order_by("id"))


def types(order) -> list[str]:
    return [e.type for e in events_of(order)]


def to_ready(order, people, tech):
    services.order_sign(tenant=people["sa"], order_id=order.pk)
    services.order_dispatch(tenant=people["foreman"], order_id=order.pk, technician_id=tech.pk)
    services.order_start(tenant=people["tech"], order_id=order.pk)
    services.order_finish(tenant=people["tech"], order_id=order.pk)
    services.order_qc_pass(tenant=people["qc"], order_id=order.pk)


def settle(order, people):
    due = RepairOrder.objects.get(pk=order.pk).customer_total
    services.order_settle(
        tenant=people["cashier"], order_id=order.pk, payments=[{"method": "wechat", "amount": f"{due:.2f}"}]
    )


def test_opening_publishes_repair_order_opened(order, people, store, vehicle):
    [opened] = events_of(order)

    assert (opened.type, opened.store_id, opened.actor_id) == (
        "repair_order.opened",
        store.pk,
        people["sa"].user.pk,
    )
    assert opened.payload["number"] == order.number and opened.payload["vehicle_id"] == vehicle.pk


def test_every_step_publishes_one_event_by_whoever_took_it(order, people, tech, store):
    to_ready(order, people, tech)
    settle(order, people)
    services.order_deliver(tenant=people["sa"], order_id=order.pk, mileage_out=15002)

    steps = events_of(order)[1:]
    assert [e.type for e in steps] == [
        "repair_order.signed", "repair_order.dispatched", "repair_order.started", "repair_order.finished",
        "repair_order.qc_passed", "repair_order.settled", "repair_order.delivered",
    ]  # fmt: skip
    who = {"sa": people["sa"], "foreman": people["foreman"], "tech": people["tech"], "qc": people["qc"],
           "cashier": people["cashier"]}  # fmt: skip
    actors = ["sa", "foreman", "tech", "tech", "qc", "cashier", "sa"]
    assert [e.actor_id for e in steps] == [who[a].user.pk for a in actors]
    assert {e.store_id for e in steps} == {store.pk} and {e.group_id for e in steps} == {store.group_id}
    assert [e.payload["version"] for e in steps] == list(range(3, 10))
    dispatched, settled, delivered = steps[1], steps[5], steps[6]
    assert (dispatched.payload["from_state"], dispatched.payload["to_state"]) == ("signed", "dispatched")
    assert dispatched.payload["technician"] == str(tech.user) and dispatched.payload["number"] == order.number
    assert settled.payload["settlement_number"].startswith("JS-")
    assert delivered.payload["followup_consent"] is True and delivered.payload["followup_channel"] == "phone"


def test_extra_work_qc_failure_and_cancelling_publish_their_own_types(order, people, tech, oil_change):
    services.order_sign(tenant=people["sa"], order_id=order.pk)
    services.order_dispatch(tenant=people["foreman"], order_id=order.pk, technician_id=tech.pk)
    services.order_start(tenant=people["tech"], order_id=order.pk)
    services.line_add(
        tenant=people["tech"], order_id=order.pk, kind="labor", labor_operation_id=oil_change.pk
    )
    services.order_request_approval(tenant=people["sa"], order_id=order.pk)
    services.order_approve(tenant=people["sa"], order_id=order.pk, method="phone", note="客户电话同意")
    services.order_finish(tenant=people["tech"], order_id=order.pk)
    services.order_qc_fail(tenant=people["qc"], order_id=order.pk, reason="机油未加满")

    assert types(order)[-4:] == [
        "repair_order.approval_requested", "repair_order.approved", "repair_order.finished", "repair_order.qc_failed",
    ]  # fmt: skip
    assert events_of(order)[-1].payload["reason"] == "机油未加满"

    services.order_cancel(tenant=people["sa"], order_id=order.pk, reason="客户改主意")
    assert types(order)[-1] == "repair_order.cancelled"


def test_the_customers_decision_on_their_link_has_no_actor_and_keeps_their_address_private(
    order, people, tech, oil_change
):
    services.order_sign(tenant=people["sa"], order_id=order.pk)
    services.order_dispatch(tenant=people["foreman"], order_id=order.pk, technician_id=tech.pk)
    services.order_start(tenant=people["tech"], order_id=order.pk)
    services.line_add(
        tenant=people["tech"], order_id=order.pk, kind="labor", labor_operation_id=oil_change.pk
    )
    services.order_request_approval(tenant=people["sa"], order_id=order.pk)

    services.order_approve(
        order_id=order.pk, method="link", by_customer=True, customer_ip="203.0.113.9", approval_round=1
    )

    approved = events_of(order)[-1]
    assert approved.type == "repair_order.approved" and approved.actor_id is None
    assert approved.payload["by_customer"] is True and "ip" not in approved.payload
    history = RepairOrder.objects.get(pk=order.pk).events.get(action="approve")
    assert history.data["ip"] == "203.0.113.9"  # kept on the order's own timeline


def test_a_lines_creation_is_in_the_orders_history_and_its_change_and_removal_in_the_audit_log(
    order, people, oil_change
):
    from auditlog.models import LogEntry

    from dms.workshop.models import RepairOrderEvent

    line = services.line_add(tenant=people["sa"], order_id=order.pk, kind="labor", labor_operation_id=oil_change.pk,
                             unit_price="150.00", discount="10.00")  # fmt: skip
    services.line_fee_category_set(
        tenant=people["sa"], order_id=order.pk, line_id=line.pk, fee_category="diagnosis"
    )
    services.line_remove(tenant=people["sa"], order_id=order.pk, line_id=line.pk)

    added = RepairOrderEvent.objects.get(order=order, action="line-add", data__line=line.pk)
    assert (added.by, added.data["kind"], added.data["labor_operation"]) == (
        people["sa"].user,
        "labor",
        oil_change.pk,
    )
    assert [added.data[k] for k in ("quantity", "unit_price", "discount", "amount", "payer", "fee_category")] == [
        "0.80", "150.00", "10.00", "110.00", "customer", "labor",
    ]  # fmt: skip
    audited = LogEntry.objects.get_for_object(line).order_by("id").values_list("action", flat=True)
    assert list(audited) == [LogEntry.Action.UPDATE, LogEntry.Action.DELETE]


def test_a_refused_step_publishes_nothing(order, people, tech):
    before = types(order)

    with pytest.raises(Conflict):
        services.order_start(tenant=people["tech"], order_id=order.pk)  # not dispatched yet
    with pytest.raises(DomainError):
        services.order_qc_fail(tenant=people["qc"], order_id=order.pk, reason="")

    assert types(order) == before


# --- Apps that react --------------------------------------------------------------------------------


def test_delivery_leaves_the_follow_up_in_its_own_transaction(order, people, tech, care):
    to_ready(order, people, tech)
    settle(order, people)

    services.order_deliver(
        tenant=people["sa"],
        order_id=order.pk,
        followup_consent=False,
        followup_channel="sms",
        followup_time="morning",
    )

    f = FollowUp.objects.get(repair_order=order)
    assert (f.consent, f.channel, f.preferred_time, f.assigned_to_id) == (False, "sms", "morning", care.pk)


def test_a_delivery_refused_leaves_no_follow_up_and_no_event(order, people, tech):
    to_ready(order, people, tech)
    settle(order, people)

    with pytest.raises(DomainError):
        services.order_deliver(tenant=people["sa"], order_id=order.pk, mileage_out=14000)

    assert not FollowUp.objects.exists() and types(order)[-1] == "repair_order.settled"
    assert RepairOrder.objects.get(pk=order.pk).state == State.SETTLED


def test_the_customers_link_is_queued_with_the_step_and_sent_only_once_it_commits(
    people, vehicle, oil_change, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as pending:
        o = services.repair_order_create(
            tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15000, complaint="保养"
        )
        # on the outbox in the step's transaction, not sent: the worker is woken after commit
        [sms] = Message.objects.filter(subject_type="repair_order", subject_id=o.pk)
        assert sms.kind == "status_link" and sms.by_id == people["sa"].user.pk and sms.state == "queued"
    assert pending  # the worker's wake-up


def test_a_step_rolled_back_leaves_no_text(people, vehicle):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.repair_order_create(
            tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15000, complaint="保养"
        )
        raise RuntimeError("rolled back")
    assert not Message.objects.exists()


def test_asking_for_approval_texts_the_approval_link_after_commit(
    order, people, tech, oil_change, django_capture_on_commit_callbacks
):
    services.order_sign(tenant=people["sa"], order_id=order.pk)
    services.order_dispatch(tenant=people["foreman"], order_id=order.pk, technician_id=tech.pk)
    services.order_start(tenant=people["tech"], order_id=order.pk)
    services.line_add(
        tenant=people["tech"], order_id=order.pk, kind="labor", labor_operation_id=oil_change.pk
    )
    assert RepairOrder.objects.get(pk=order.pk).lines.filter(state=LineState.PROPOSED).exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.order_request_approval(tenant=people["sa"], order_id=order.pk)

    assert Message.objects.filter(subject_id=order.pk, kind="approval_link").count() == 1


# --- The floors ------------------------------------------------------------------------------------


UPPER = ("dms.reception", "dms.portal", "dms.packages", "dms.followups", "dms.sales", "dms.claims",
         "dms.reports", "dms.demo")  # fmt: skip


def imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at any depth (inside functions too); relative imports resolved
    within dms.workshop."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = "dms.workshop" + (f".{base}" if base else "")
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def test_the_workshop_imports_no_app_above_it():
    """STYLE.md's floors: reception, packages, portal and followups stand above the workshop and
    react to its events; the workshop never calls them."""
    package = Path(__file__).resolve().parents[1]
    files = [p for p in package.rglob("*.py") if "tests" not in p.relative_to(package).parts]
    offending = {
        f"{p.relative_to(package)}: {module}"
        for p in files
        for module in imported_modules(p)
        if module.startswith(UPPER)
    }

    assert len(files) > 20 and not offending


def test_the_workshops_templates_include_no_template_of_an_app_above_it():
    """Their cards come through dms.workshop.extensions, registered by the apps that own them."""
    import re

    package = Path(__file__).resolve().parents[1]
    names = "|".join(m.split(".")[1] for m in UPPER)
    include = re.compile(r"""\{%\s*(?:include|extends)\s+["'](?:""" + names + r""")/""")
    offending = [str(p.relative_to(package)) for p in (package / "templates").rglob("*.html")
                 if include.search(p.read_text(encoding="utf-8"))]  # fmt: skip

    assert not offending
