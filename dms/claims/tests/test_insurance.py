"""Insurance claims (事故车): the numbers, the assessor's amount against the repair, the documents the
insurer asks for, billing it, its payments, what insurers owe, and the insurer on the settlement list."""

from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from dms.claims import insurance, selectors
from dms.claims.models import InsuranceState
from dms.claims.tests.conftest import with_documents
from dms.claims.tests.tenancy_world import png_bytes, settled_order
from dms.core.errors import Conflict, DomainError, Forbidden, NotFound
from dms.core.models import Event


def test_opening_an_insurance_claim_keeps_the_insurers_numbers(insurance_claim, accident_order):
    assert insurance_claim.number.startswith("BX-SZ01-")
    assert (insurance_claim.policy_number, insurance_claim.claim_number) == (
        "PDAA202644030000012",
        "RDAA202644030000088",
    )
    assert insurance_claim.state == InsuranceState.OPEN and insurance_claim.assessed_amount == Decimal(
        "500.00"
    )
    assert Event.objects.filter(type="insurance_claim.created", subject_id=insurance_claim.pk).exists()


def test_one_insurance_claim_per_order(tenant, insurance_claim, accident_order, insurer):
    with pytest.raises(Conflict) as exc:
        insurance.insurance_claim_create(tenant=tenant, repair_order_id=accident_order.pk, insurer_id=insurer.pk,
                                         policy_number="P2", claim_number="R2")  # fmt: skip
    assert insurance_claim.number in str(exc.value.message)


@pytest.mark.parametrize(("field", "value"), [("policy_number", ""), ("claim_number", "  "), ("assessed_amount", "-5"),
                                              ("assessed_amount", "12.345")])  # fmt: skip
def test_bad_input_is_refused_naming_the_field(tenant, accident_order, insurer, field, value):
    data = {"policy_number": "P1", "claim_number": "R1", field: value}

    with pytest.raises(DomainError) as exc:
        insurance.insurance_claim_create(
            tenant=tenant, repair_order_id=accident_order.pk, insurer_id=insurer.pk, **data
        )
    assert field in {e["field"] for e in exc.value.errors}


def test_an_accident_in_the_future_is_refused(tenant, accident_order, insurer):
    with pytest.raises(DomainError) as exc:
        insurance.insurance_claim_create(
            tenant=tenant, repair_order_id=accident_order.pk, insurer_id=insurer.pk, policy_number="P", claim_number="R",
            accident_date=timezone.localdate() + timedelta(days=1),
        )  # fmt: skip
    assert exc.value.errors[0]["field"] == "accident_date"


def test_another_stores_insurer_is_not_found(tenant, accident_order, second_store):
    from dms.claims.models import Insurer

    theirs = Insurer.objects.create(store=second_store, name="平安财险")
    with pytest.raises(NotFound):
        insurance.insurance_claim_create(tenant=tenant, repair_order_id=accident_order.pk, insurer_id=theirs.pk,
                                         policy_number="P", claim_number="R")  # fmt: skip


def test_billing_needs_every_document_the_insurer_asks_for(tenant, insurance_claim):
    with_documents(tenant, insurance_claim, ["assessment", "vehicle_licence"])

    with pytest.raises(DomainError) as exc:
        insurance.insurance_claim_act(tenant=tenant, claim_id=insurance_claim.pk, action="submit")

    [error] = exc.value.errors
    assert error["field"] == "documents"
    assert "驾驶证" in str(error["message"]) and "事故认定书" in str(error["message"])
    assert "行驶证" not in str(error["message"])


def test_the_insurer_is_not_billed_above_the_assessment(tenant, insurance_claim):
    with_documents(tenant, insurance_claim)
    insurance.insurance_claim_update(tenant=tenant, claim_id=insurance_claim.pk, assessed_amount="400.00")

    with pytest.raises(DomainError) as exc:
        insurance.insurance_claim_act(tenant=tenant, claim_id=insurance_claim.pk, action="submit")
    assert "450.00" in str(exc.value.message) and "400.00" in str(exc.value.message)

    # a supplementary assessment (追加定损) raises the amount: now it is billed
    insurance.insurance_claim_update(tenant=tenant, claim_id=insurance_claim.pk, assessed_amount="460.00")
    claim = insurance.insurance_claim_act(tenant=tenant, claim_id=insurance_claim.pk, action="submit")
    assert claim.state == InsuranceState.SUBMITTED and claim.billed_amount == Decimal("450.00")


def test_an_order_not_settled_is_not_billed(tenant, vehicle, insurer):
    from dms.workshop.services import line_add, repair_order_create

    order = repair_order_create(tenant=tenant, vehicle_id=vehicle.pk, mileage_km=30000, complaint="追尾")
    line_add(tenant=tenant, order_id=order.pk, kind="labor", description="钣金", quantity="2", unit_price="300.00",
             payer="insurer")  # fmt: skip
    claim = insurance.insurance_claim_create(tenant=tenant, repair_order_id=order.pk, insurer_id=insurer.pk,
                                             policy_number="P", claim_number="R", assessed_amount="600.00")  # fmt: skip
    with_documents(tenant, claim)

    with pytest.raises(Conflict):
        insurance.insurance_claim_act(tenant=tenant, claim_id=claim.pk, action="submit")


@pytest.fixture
def billed(tenant, insurance_claim):
    with_documents(tenant, insurance_claim)
    return insurance.insurance_claim_act(tenant=tenant, claim_id=insurance_claim.pk, action="submit")


def test_a_billed_claim_no_longer_changes(tenant, billed):
    with pytest.raises(Conflict):
        insurance.insurance_claim_update(tenant=tenant, claim_id=billed.pk, assessed_amount="900.00")
    doc = billed.documents.first()
    with pytest.raises(Conflict):
        insurance.document_remove(tenant=tenant, claim_id=billed.pk, document_id=doc.pk)


def test_payments_are_recorded_until_the_bill_is_covered(manager_tenant, billed):
    insurance.insurance_payment_record(
        tenant=manager_tenant, claim_id=billed.pk, amount="300.00", reference="CMB-1"
    )
    billed.refresh_from_db()
    assert (billed.state, billed.paid_total, billed.outstanding) == (
        "submitted",
        Decimal("300.00"),
        Decimal("150.00"),
    )

    with pytest.raises(DomainError) as exc:
        insurance.insurance_payment_record(tenant=manager_tenant, claim_id=billed.pk, amount="150.01")
    assert exc.value.field == "amount"

    insurance.insurance_payment_record(tenant=manager_tenant, claim_id=billed.pk, amount="150.00")
    billed.refresh_from_db()
    assert billed.state == InsuranceState.PAID and billed.paid_at is not None
    assert Event.objects.filter(type="insurance_claim.paid", subject_id=billed.pk).count() == 1
    assert list(billed.history.values_list("action", flat=True))[-2:] == ["payment", "pay"]


def test_the_advisor_does_not_record_the_insurers_money(tenant, billed):
    with pytest.raises(Forbidden):
        insurance.insurance_payment_record(tenant=tenant, claim_id=billed.pk, amount="10.00")


def test_no_payment_before_the_insurer_is_billed(manager_tenant, insurance_claim):
    with pytest.raises(Conflict):
        insurance.insurance_payment_record(tenant=manager_tenant, claim_id=insurance_claim.pk, amount="10.00")


def test_documents_may_be_a_pdf_or_a_photo_and_nothing_else(tenant, insurance_claim):
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"

    docs = insurance.documents_add(
        tenant=tenant, claim_id=insurance_claim.pk, kind="accident_report", files=[(pdf, "认定书")]
    )
    assert docs[0].content_type == "application/pdf" and docs[0].file.read() == pdf
    photo = insurance.documents_add(
        tenant=tenant, claim_id=insurance_claim.pk, kind="photos", files=[(png_bytes(), "")]
    )
    assert photo[0].content_type == "image/jpeg"

    with pytest.raises(DomainError) as exc:
        insurance.documents_add(
            tenant=tenant, claim_id=insurance_claim.pk, kind="photos", files=[(b"MZ\x90\x00", "x")]
        )
    assert "PDF" in str(exc.value.message)
    with pytest.raises(DomainError):
        insurance.documents_add(
            tenant=tenant, claim_id=insurance_claim.pk, kind="passport", files=[(pdf, "")]
        )


def test_cancelling_needs_a_reason_and_frees_the_order(tenant, insurance_claim, accident_order, insurer):
    with pytest.raises(DomainError):
        insurance.insurance_claim_act(tenant=tenant, claim_id=insurance_claim.pk, action="cancel")
    insurance.insurance_claim_act(
        tenant=tenant, claim_id=insurance_claim.pk, action="cancel", reason="客户撤案，自费维修"
    )

    again = insurance.insurance_claim_create(tenant=tenant, repair_order_id=accident_order.pk, insurer_id=insurer.pk,
                                             policy_number="P", claim_number="R")  # fmt: skip
    assert again.state == InsuranceState.OPEN


# --- Receivables -----------------------------------------------------------------------------------------


def test_receivables_age_what_each_insurer_owes(tenant, manager_tenant, vehicle, insurer):
    def billed_days_ago(days):
        order = settled_order(manager_tenant, vehicle, payer="insurer")
        claim = insurance.insurance_claim_create(tenant=tenant, repair_order_id=order, insurer_id=insurer.pk,
                                                 policy_number="P", claim_number=f"R{days}", assessed_amount="450.00")  # fmt: skip
        with_documents(tenant, claim)
        with time_machine.travel(timezone.now() - timedelta(days=days), tick=False):
            insurance.insurance_claim_act(tenant=tenant, claim_id=claim.pk, action="submit")
        return claim

    billed_days_ago(3)
    old = billed_days_ago(75)
    insurance.insurance_payment_record(tenant=manager_tenant, claim_id=old.pk, amount="50.00")
    unbilled_order = settled_order(manager_tenant, vehicle, payer="insurer")
    insurance.insurance_claim_create(tenant=tenant, repair_order_id=unbilled_order, insurer_id=insurer.pk,
                                     policy_number="P", claim_number="R-open")  # fmt: skip
    orphan = settled_order(manager_tenant, vehicle, payer="insurer")

    data = selectors.receivables(manager_tenant)

    [row] = data["rows"]
    assert (row.name, row.claims, row.billed, row.paid, row.outstanding, row.unbilled) == (
        "人保财险深圳分公司", 3, Decimal("900.00"), Decimal("50.00"), Decimal("850.00"), Decimal("450.00"))  # fmt: skip
    assert row.buckets == {"0-30": Decimal("450.00"), "31-60": Decimal("0.00"), "61-90": Decimal("400.00"),
                           "90+": Decimal("0.00")}  # fmt: skip
    assert [o.pk for o in data["without_claim"]] == [orphan]


def test_receivables_api_for_managers_only(api, manager_api, billed):
    assert api.get("/insurance-receivables").status_code == 403

    body = manager_api.get("/insurance-receivables").json()

    assert body["items"][0]["outstanding"] == "450.00" and body["items"][0]["ageing"]["0-30"] == "450.00"
    assert body["total"]["billed"] == "450.00"


# --- The settlement list ---------------------------------------------------------------------------------


def test_the_settlement_list_names_the_insurer_and_its_report_number(
    manager_tenant, insurance_claim, accident_order
):
    from dms.workshop import documents
    from dms.workshop import selectors as ro_selectors

    order = ro_selectors.order_get(manager_tenant, accident_order.pk)
    context = documents.settlement_context(manager_tenant, order)
    html = documents.render_html(documents.SETTLEMENT_TEMPLATE, context)

    assert context["settlement_parts"] == ["claims/print/_insurer.html"]
    assert "人保财险深圳分公司" in html and "RDAA202644030000088" in html and "PDAA202644030000012" in html


def test_a_list_without_an_insurer_prints_no_insurer(manager_tenant, warranty_order):
    from dms.workshop import documents
    from dms.workshop import selectors as ro_selectors

    order = ro_selectors.order_get(manager_tenant, warranty_order.pk)
    context = documents.settlement_context(manager_tenant, order)

    assert context["settlement_parts"] == []


# --- The API -----------------------------------------------------------------------------------------------


def test_the_insurance_claim_through_the_api(api, manager_api, accident_order, insurer):
    from dms.reception.tests.tenancy_world import png_data_url

    r = api.post("/insurance-claims", {"repair_order_id": accident_order.pk, "insurer_id": insurer.pk,
                                       "policy_number": "PDAA1", "claim_number": "RDAA1"})  # fmt: skip
    assert r.status_code == 201, r.content
    body = r.json()
    cid = body["id"]
    assert (body["repair_amount"], body["insurer_share"], body["customer_share"], body["assessed_amount"]) == (
        "450.00", "450.00", "0.00", None)  # fmt: skip
    assert set(body["missing_documents"]) == {
        "assessment",
        "vehicle_licence",
        "driver_licence",
        "accident_report",
        "photos",
    }

    r = api.patch(f"/insurance-claims/{cid}", {"assessed_amount": "420.00", "version": body["version"]})
    assert r.status_code == 200 and r.json()["over_assessment"] == "30.00"
    for kind in ("assessment", "vehicle_licence", "driver_licence", "accident_report", "photos"):
        r = api.post(
            f"/insurance-claims/{cid}/documents", {"kind": kind, "files": [{"data_url": png_data_url()}]}
        )
        assert r.status_code == 201, r.content
    assert r.json()["missing_documents"] == []
    r = api.post(f"/insurance-claims/{cid}/actions/submit", {})
    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "assessed_amount"
    api.patch(f"/insurance-claims/{cid}", {"assessed_amount": "450.00"})
    r = api.post(f"/insurance-claims/{cid}/actions/submit", {})
    assert r.status_code == 200 and (r.json()["state"], r.json()["billed_amount"]) == ("submitted", "450.00")
    doc = r.json()["documents"][0]
    assert api.client.get(doc["url"], **api.headers).status_code == 200

    assert api.post(f"/insurance-claims/{cid}/payments", {"amount": "450.00"}).status_code == 403
    r = manager_api.post(f"/insurance-claims/{cid}/payments", {"amount": "450.00", "reference": "CMB-9"})
    assert r.status_code == 201 and r.json()["state"] == "paid" and r.json()["outstanding"] == "0.00"
    assert [e["action"] for e in api.get(f"/insurance-claims/{cid}/events").json()][-2:] == ["submit", "pay"]


def test_a_documents_kind_must_be_one_of_the_list(api, insurance_claim):
    from dms.reception.tests.tenancy_world import png_data_url

    r = api.post(
        f"/insurance-claims/{insurance_claim.pk}/documents",
        {"kind": "x", "files": [{"data_url": png_data_url()}]},
    )

    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "kind"


def test_another_group_gets_404_for_our_insurance_claim(outsider_api, insurance_claim):
    assert outsider_api.get(f"/insurance-claims/{insurance_claim.pk}").status_code == 404
    assert (
        outsider_api.post(
            f"/insurance-claims/{insurance_claim.pk}/actions/cancel", {"reason": "x"}
        ).status_code
        == 404
    )
    insurance_claim.refresh_from_db()
    assert insurance_claim.state == "open"
