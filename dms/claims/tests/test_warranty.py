"""Warranty claims (索赔): collecting the warranty lines at the maker's prices, completing a claim,
and each step of its workflow, with the refusals that keep it honest."""

from datetime import date
from decimal import Decimal

import pytest

from dms.claims import warranty
from dms.claims.models import ClaimEvent, ClaimLine, ClaimState, PriceSource
from dms.claims.tests.conftest import complete
from dms.core.errors import Conflict, DomainError, Forbidden, NotFound
from dms.core.models import Event


def test_a_claim_prices_labor_at_the_makers_rate_and_standard_hours_and_parts_at_the_makers_price(claim):
    labor, part = claim.lines.order_by("id")

    # the order billed 2.0 h at 300.00 and the pump at 680.00; the maker pays 1.8 h at 120.00 and 520.00
    assert (labor.code, labor.quantity, labor.unit_price, labor.amount) == (
        "LS05",
        Decimal("1.80"),
        Decimal("120.00"),
        Decimal("216.00"),
    )
    assert (part.code, part.quantity, part.unit_price, part.amount) == (
        "19200-R1A-A01",
        Decimal("1.00"),
        Decimal("520.00"),
        Decimal("520.00"),
    )
    assert {labor.price_source, part.price_source} == {PriceSource.MAKER}
    assert claim.claimed_total == Decimal("736.00")
    assert claim.state == ClaimState.DRAFT and claim.number.startswith("SP-SZ01-")


def test_the_customers_own_lines_are_not_claimed(claim):
    assert set(claim.lines.values_list("kind", flat=True)) == {"labor", "part"}


def test_without_the_makers_prices_the_store_prices_are_used_and_marked(tenant, warranty_order):
    claim = warranty.warranty_claim_create(tenant=tenant, repair_order_ids=[warranty_order.pk])

    labor, part = claim.lines.order_by("id")
    assert (labor.unit_price, labor.price_source) == (Decimal("300.00"), PriceSource.STORE)
    assert (part.unit_price, part.price_source) == (Decimal("680.00"), PriceSource.STORE)
    assert claim.claimed_total == Decimal("1220.00")  # 1.8 × 300 + 680


def test_collecting_writes_the_history_and_publishes_an_event(claim, tenant):
    assert ClaimEvent.objects.filter(claim=claim, action="create").count() == 1
    event = Event.objects.get(type="warranty_claim.created")
    assert event.subject_id == claim.pk and event.payload["claimed_total"] == "736.00"


def test_a_line_of_an_order_is_claimed_once(claim, tenant, warranty_order):
    with pytest.raises(Conflict) as exc:
        warranty.warranty_claim_create(tenant=tenant, repair_order_ids=[warranty_order.pk])

    assert claim.number in str(exc.value.message)
    assert ClaimLine.objects.count() == 2


def test_an_order_not_settled_is_not_claimed(tenant, vehicle):
    from dms.workshop.services import repair_order_create

    order = repair_order_create(tenant=tenant, vehicle_id=vehicle.pk, mileage_km=23000, complaint="异响")

    with pytest.raises(Conflict) as exc:
        warranty.warranty_claim_create(tenant=tenant, repair_order_ids=[order.pk])
    assert exc.value.status == 409 and exc.value.field == "repair_order_ids"
    assert order.number in str(exc.value.message)


def test_an_order_without_warranty_lines_is_refused_with_a_sentence(tenant, accident_order):
    with pytest.raises(DomainError) as exc:
        warranty.warranty_claim_create(tenant=tenant, repair_order_ids=[accident_order.pk])

    assert exc.value.status == 400 and exc.value.field == "repair_order_ids"


def test_a_claim_goes_to_one_maker(tenant, manager_tenant, warranty_order, group, customer):
    from conftest import valid_vin
    from dms.core.models import Brand
    from dms.vehicles.services import vehicle_create

    other = Brand.objects.create(group=group, name="广汽丰田")
    car = vehicle_create(tenant=tenant, owner_id=customer.pk, vin=valid_vin(777), plate="粤B77777", brand_id=other.pk,
                         model="凯美瑞", mileage_km=5000).record  # fmt: skip
    from dms.claims.tests.tenancy_world import settled_order

    toyota = settled_order(manager_tenant, car, payer="warranty")

    with pytest.raises(DomainError) as exc:
        warranty.warranty_claim_create(tenant=tenant, repair_order_ids=[warranty_order.pk, toyota])
    assert exc.value.field == "repair_order_ids"


def test_another_groups_order_is_not_found(outsider_tenant, warranty_order):
    with pytest.raises(NotFound):
        warranty.warranty_claim_create(tenant=outsider_tenant, repair_order_ids=[warranty_order.pk])


def test_a_technician_may_not_collect_a_claim(technician, warranty_order):
    from dms.core.tenancy import resolve_tenant

    with pytest.raises(Forbidden):
        warranty.warranty_claim_create(
            tenant=resolve_tenant(technician), repair_order_ids=[warranty_order.pk]
        )


# --- Completing a draft --------------------------------------------------------------------------------


def test_the_clerk_corrects_hours_and_price_and_the_total_follows(tenant, claim):
    labor = claim.lines.get(kind="labor")

    warranty.claim_line_update(
        tenant=tenant, claim_id=claim.pk, line_id=labor.pk, quantity="2.00", unit_price="125.00"
    )

    claim.refresh_from_db()
    labor.refresh_from_db()
    assert labor.amount == Decimal("250.00") and labor.price_source == PriceSource.MAKER
    assert claim.claimed_total == Decimal("770.00") and claim.version == 2


@pytest.mark.parametrize(("field", "value"), [("quantity", "0"), ("quantity", "abc"), ("unit_price", "-1"),
                                              ("unit_price", "1.234")])  # fmt: skip
def test_a_wrong_hour_or_price_is_refused_with_a_sentence(tenant, claim, field, value):
    labor = claim.lines.get(kind="labor")

    with pytest.raises(DomainError) as exc:
        warranty.claim_line_update(tenant=tenant, claim_id=claim.pk, line_id=labor.pk, **{field: value})

    assert exc.value.errors[0]["field"] == field
    claim.refresh_from_db()
    assert claim.claimed_total == Decimal("736.00")


def test_only_a_replaced_part_is_tagged(tenant, claim):
    labor = claim.lines.get(kind="labor")

    with pytest.raises(DomainError) as exc:
        warranty.claim_line_update(tenant=tenant, claim_id=claim.pk, line_id=labor.pk, old_part_tag="T-1")
    assert exc.value.errors[0]["field"] == "old_part_tag"


def test_a_stale_version_changes_nothing(tenant, claim):
    with pytest.raises(Conflict):
        warranty.warranty_claim_update(tenant=tenant, claim_id=claim.pk, version=7, fault_code="P0300")
    claim.refresh_from_db()
    assert claim.fault_code == ""


def test_submitting_an_incomplete_claim_says_what_the_maker_needs(tenant, claim):
    with pytest.raises(DomainError) as exc:
        warranty.warranty_claim_act(tenant=tenant, claim_id=claim.pk, action="submit")

    fields = {e["field"] for e in exc.value.errors}
    assert fields == {"lines.0.fault_code", "lines.1.fault_code", "lines.1.old_part_tag", "photos"}
    claim.refresh_from_db()
    assert claim.state == ClaimState.DRAFT


# --- The steps ------------------------------------------------------------------------------------------


def test_submit_takes_a_complete_claim_to_the_maker(tenant, claim):
    complete(tenant, claim)

    claim = warranty.warranty_claim_act(tenant=tenant, claim_id=claim.pk, action="submit")

    assert claim.state == ClaimState.SUBMITTED and claim.submitted_at is not None
    assert Event.objects.filter(type="warranty_claim.submitted", subject_id=claim.pk).count() == 1
    assert ClaimEvent.objects.filter(
        claim=claim, action="submit", from_state="draft", to_state="submitted"
    ).exists()


def test_a_submitted_claim_no_longer_changes_its_amounts(tenant, submitted):
    labor = submitted.lines.get(kind="labor")

    with pytest.raises(Conflict) as exc:
        warranty.claim_line_update(
            tenant=tenant, claim_id=submitted.pk, line_id=labor.pk, unit_price="200.00"
        )
    assert exc.value.extra["state"] == "submitted"


def test_the_advisor_does_not_record_the_makers_decision(tenant, submitted):
    with pytest.raises(Forbidden):
        warranty.warranty_claim_act(tenant=tenant, claim_id=submitted.pk, action="approve")


def test_approve_approves_every_line_in_full(manager_tenant, submitted):
    claim = warranty.warranty_claim_act(tenant=manager_tenant, claim_id=submitted.pk, action="approve",
                                        maker_reference="DFH-2026-0088")  # fmt: skip

    assert claim.state == ClaimState.APPROVED and claim.approved_total == Decimal("736.00")
    assert claim.maker_reference == "DFH-2026-0088"
    assert list(claim.lines.values_list("approved_amount", flat=True)) == [
        Decimal("216.00"),
        Decimal("520.00"),
    ]


def test_partly_approve_records_the_cut_and_the_reason(manager_tenant, submitted):
    labor = submitted.lines.get(kind="labor")

    claim = warranty.warranty_claim_act(
        tenant=manager_tenant, claim_id=submitted.pk, action="partly-approve", reason="工时按 1.5 小时核准",
        lines=[{"line_id": labor.pk, "approved_amount": "180.00"}],
    )  # fmt: skip

    assert claim.state == ClaimState.PARTLY_APPROVED
    assert claim.approved_total == Decimal("700.00") and claim.decision_reason == "工时按 1.5 小时核准"


def test_partly_approve_needs_the_makers_reason(manager_tenant, submitted):
    labor = submitted.lines.get(kind="labor")

    with pytest.raises(DomainError) as exc:
        warranty.warranty_claim_act(tenant=manager_tenant, claim_id=submitted.pk, action="partly-approve",
                                    lines=[{"line_id": labor.pk, "approved_amount": "180.00"}])  # fmt: skip
    assert exc.value.field == "reason"


@pytest.mark.parametrize(("amount", "field"), [("300.00", "lines.0.approved_amount"), ("216.00", "lines")])
def test_partly_approve_refuses_more_than_claimed_and_a_cut_of_nothing(
    manager_tenant, submitted, amount, field
):
    labor = submitted.lines.get(kind="labor")

    with pytest.raises(DomainError) as exc:
        warranty.warranty_claim_act(tenant=manager_tenant, claim_id=submitted.pk, action="partly-approve",
                                    reason="核减", lines=[{"line_id": labor.pk, "approved_amount": amount}])  # fmt: skip
    assert field in {e["field"] for e in exc.value.errors} | {exc.value.field}


def test_reject_approves_nothing_and_needs_the_reason(manager_tenant, submitted):
    with pytest.raises(DomainError):
        warranty.warranty_claim_act(tenant=manager_tenant, claim_id=submitted.pk, action="reject")

    claim = warranty.warranty_claim_act(tenant=manager_tenant, claim_id=submitted.pk, action="reject",
                                        reason="故障非质量问题：外力损坏")  # fmt: skip
    assert claim.state == ClaimState.REJECTED and claim.approved_total == Decimal("0.00")
    with pytest.raises(Conflict) as exc:
        warranty.warranty_claim_act(tenant=manager_tenant, claim_id=claim.pk, action="pay", amount="10.00")
    assert exc.value.extra["allowed_actions"] == []


def test_pay_records_what_the_maker_reimbursed(manager_tenant, submitted):
    warranty.warranty_claim_act(tenant=manager_tenant, claim_id=submitted.pk, action="approve")

    claim = warranty.warranty_claim_act(tenant=manager_tenant, claim_id=submitted.pk, action="pay", amount="730.00",
                                        paid_on=date(2026, 1, 5), payment_reference="DFH-PAY-01")  # fmt: skip

    assert claim.state == ClaimState.PAID
    assert (claim.paid_total, claim.paid_on, claim.payment_reference) == (
        Decimal("730.00"),
        date(2026, 1, 5),
        "DFH-PAY-01",
    )
    assert claim.unreimbursed == Decimal("6.00")


def test_the_maker_cannot_have_paid_more_than_it_approved(manager_tenant, submitted):
    warranty.warranty_claim_act(tenant=manager_tenant, claim_id=submitted.pk, action="approve")

    with pytest.raises(DomainError) as exc:
        warranty.warranty_claim_act(
            tenant=manager_tenant, claim_id=submitted.pk, action="pay", amount="800.00"
        )
    assert exc.value.field == "amount"


def test_pay_defaults_to_the_approved_total_today(manager_tenant, submitted):
    from django.utils import timezone

    warranty.warranty_claim_act(tenant=manager_tenant, claim_id=submitted.pk, action="approve")
    claim = warranty.warranty_claim_act(tenant=manager_tenant, claim_id=submitted.pk, action="pay")

    assert claim.paid_total == Decimal("736.00") and claim.paid_on == timezone.localdate()


def test_cancelling_a_draft_frees_its_lines_for_another_claim(tenant, claim, warranty_order):
    with pytest.raises(DomainError):
        warranty.warranty_claim_act(tenant=tenant, claim_id=claim.pk, action="cancel")
    warranty.warranty_claim_act(tenant=tenant, claim_id=claim.pk, action="cancel", reason="工单号选错")

    again = warranty.warranty_claim_create(tenant=tenant, repair_order_ids=[warranty_order.pk])

    assert again.lines.count() == 2
    assert ClaimLine.objects.filter(claim=claim, active=False).count() == 2


def test_a_step_not_allowed_now_answers_409_with_the_state(tenant, claim):
    with pytest.raises(Conflict) as exc:
        warranty.warranty_claim_act(tenant=tenant, claim_id=claim.pk, action="pay")

    assert exc.value.extra["state"] == "draft"
    assert set(exc.value.extra["allowed_actions"]) == {"submit", "cancel"}


def test_the_old_part_is_followed_after_submission(tenant, submitted):
    part = submitted.lines.get(kind="part")

    warranty.claim_line_update(
        tenant=tenant, claim_id=submitted.pk, line_id=part.pk, old_part_status="returned"
    )

    part.refresh_from_db()
    assert part.old_part_status == "returned" and part.old_part_tag == "SP-0001"
