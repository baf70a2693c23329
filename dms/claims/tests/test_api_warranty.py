"""/api/v1/warranty-claims, /maker-rates, /maker-part-prices: each step through the API, bad input
answered 4xx with a sentence, another group's claims answered 404."""

import io
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from dms.claims.tests.conftest import complete
from dms.reception.tests.tenancy_world import png_data_url


def test_collecting_a_claim_answers_201_with_the_makers_amounts(api, warranty_order, maker_prices):
    r = api.post("/warranty-claims", {"repair_order_ids": [warranty_order.pk], "fault_code": "P0217"})

    assert r.status_code == 201, r.content
    body = r.json()
    assert body["state"] == "draft" and body["claimed_total"] == "736.00" and body["brand"] == "东风本田"
    assert body["repair_order_ids"] == [warranty_order.pk]
    assert [(ln["kind"], ln["quantity"], ln["unit_price"], ln["amount"]) for ln in body["lines"]] == [
        ("labor", "1.80", "120.00", "216.00"), ("part", "1.00", "520.00", "520.00")]  # fmt: skip
    assert body["allowed_actions"] == ["submit", "cancel"]
    assert {m["field"] for m in body["missing"]} == {"lines.1.old_part_tag", "photos"}


def test_the_same_order_again_answers_409(api, warranty_order):
    assert api.post("/warranty-claims", {"repair_order_ids": [warranty_order.pk]}).status_code == 201

    r = api.post("/warranty-claims", {"repair_order_ids": [warranty_order.pk]})

    assert r.status_code == 409 and "SP-SZ01-" in r.json()["detail"]


@pytest.mark.parametrize("body", [{"repair_order_ids": []}, {"repair_order_ids": ["x"]}, {}])
def test_no_order_answers_422(api, body):
    assert api.post("/warranty-claims", body).status_code == 422


def test_claimable_lists_the_settled_orders_waiting(api, warranty_order, accident_order):
    items = api.get("/warranty-claims/claimable").json()["items"]

    assert [(o["number"], o["unclaimed_lines"], o["unclaimed_amount"]) for o in items] == [
        (warranty_order.number, 2, "1280.00")
    ]
    api.post("/warranty-claims", {"repair_order_ids": [warranty_order.pk]})
    assert api.get("/warranty-claims/claimable").json()["count"] == 0


def test_the_whole_life_of_a_claim_through_the_api(api, manager_api, tenant, claim):
    part = claim.lines.get(kind="part")
    assert api.patch(f"/warranty-claims/{claim.pk}", {"fault_code": "P0217", "version": 1}).status_code == 200
    r = api.patch(f"/warranty-claims/{claim.pk}/lines/{part.pk}", {"old_part_tag": "SP-0001", "version": 2})
    assert r.status_code == 200 and r.json()["lines"][1]["old_part_status"] == "kept"
    r = api.post(
        f"/warranty-claims/{claim.pk}/photos", {"photos": [{"data_url": png_data_url(), "caption": "旧件"}]}
    )
    assert r.status_code == 201 and len(r.json()["photos"]) == 1
    photo = r.json()["photos"][0]
    assert api.client.get(photo["url"], **api.headers)["Content-Type"] == "image/jpeg"

    r = api.post(f"/warranty-claims/{claim.pk}/actions/submit", {"version": r.json()["version"]})
    assert r.status_code == 200 and r.json()["state"] == "submitted"
    assert api.post(f"/warranty-claims/{claim.pk}/actions/approve", {}).status_code == 403
    labor = claim.lines.get(kind="labor")
    r = manager_api.post(f"/warranty-claims/{claim.pk}/actions/partly-approve", {
        "reason": "工时按 1.5 小时核准", "lines": [{"line_id": labor.pk, "approved_amount": "180.00"}],
        "maker_reference": "DFH-88"})  # fmt: skip
    assert r.status_code == 200 and (r.json()["state"], r.json()["approved_total"]) == (
        "partly_approved",
        "700.00",
    )
    r = manager_api.post(
        f"/warranty-claims/{claim.pk}/actions/pay", {"amount": "700.00", "payment_reference": "付-1"}
    )
    assert r.status_code == 200 and (r.json()["state"], r.json()["paid_total"]) == ("paid", "700.00")

    events = api.get(f"/warranty-claims/{claim.pk}/events").json()
    assert [e["action"] for e in events] == [
        "create",
        "edit",
        "line-edit",
        "photos-add",
        "submit",
        "partly-approve",
        "pay",
    ]


def test_a_step_not_allowed_answers_409_with_the_state_and_the_allowed_actions(manager_api, claim):
    r = manager_api.post(f"/warranty-claims/{claim.pk}/actions/approve", {})

    assert r.status_code == 409
    assert r.json()["state"] == "draft" and r.json()["allowed_actions"] == ["submit", "cancel"]
    assert r.json()["detail"]


def test_an_incomplete_claim_answers_400_naming_what_lacks(api, claim):
    r = api.post(f"/warranty-claims/{claim.pk}/actions/submit", {})

    assert r.status_code == 400
    assert {e["field"] for e in r.json()["errors"]} >= {"photos", "lines.1.old_part_tag"}


def test_an_unknown_action_answers_422(api, claim):
    assert api.post(f"/warranty-claims/{claim.pk}/actions/approve-all", {}).status_code == 422


def test_money_with_three_decimals_answers_422(manager_api, submitted):
    r = manager_api.post(f"/warranty-claims/{submitted.pk}/actions/pay", {"amount": "1.234"})

    assert r.status_code == 422


def test_errors_speak_english_when_asked(api_en, claim):
    r = api_en.post(f"/warranty-claims/{claim.pk}/actions/submit", {})

    assert "The claim is not complete" in r.json()["detail"]


def test_another_group_gets_404_for_our_claim_and_writes_nothing(outsider_api, claim):
    for r in (
        outsider_api.get(f"/warranty-claims/{claim.pk}"),
        outsider_api.patch(f"/warranty-claims/{claim.pk}", {"fault_code": "X"}),
        outsider_api.post(f"/warranty-claims/{claim.pk}/actions/cancel", {"reason": "x"}),
        outsider_api.get(f"/warranty-claims/{claim.pk}/export.xlsx"),
    ):
        assert r.status_code == 404
    claim.refresh_from_db()
    assert (claim.fault_code, claim.state) == ("", "draft")
    assert outsider_api.get("/warranty-claims").json()["count"] == 0


def test_the_export_is_an_excel_workbook_with_chinese_headings(api_en, tenant, claim, warranty_order):
    import openpyxl

    complete(tenant, claim)

    r = api_en.get(f"/warranty-claims/{claim.pk}/export.xlsx")

    assert r.status_code == 200 and r["Content-Disposition"].endswith(f'{claim.number}.xlsx"')
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    rows = list(book["索赔明细"].iter_rows(values_only=True))
    assert rows[0][:4] == ("索赔单号", "维修工单号", "结算单号", "VIN")
    assert rows[1][1] == warranty_order.number and rows[1][3] == warranty_order.vin
    assert rows[2][9] == "19200-R1A-A01" and rows[2][14] == "SP-0001" and rows[2][7] == "P0217"
    assert rows[-1][13] == 736


def test_the_reconciliation_sums_claimed_against_reimbursed_per_month(api, manager_api, tenant, manager_tenant,
                                                                     warranty_order, maker_prices, vehicle, pump):  # fmt: skip
    from dms.claims import warranty
    from dms.claims.tests.tenancy_world import settled_order

    first = complete(
        tenant, warranty.warranty_claim_create(tenant=tenant, repair_order_ids=[warranty_order.pk])
    )
    warranty.warranty_claim_act(tenant=tenant, claim_id=first.pk, action="submit")
    warranty.warranty_claim_act(tenant=manager_tenant, claim_id=first.pk, action="approve")
    warranty.warranty_claim_act(tenant=manager_tenant, claim_id=first.pk, action="pay", amount="700.00")
    second_order = settled_order(manager_tenant, vehicle, payer="warranty")
    second = complete(tenant, warranty.warranty_claim_create(tenant=tenant, repair_order_ids=[second_order]))
    warranty.warranty_claim_act(tenant=tenant, claim_id=second.pk, action="submit")
    month = timezone.localdate().strftime("%Y-%m")

    r = manager_api.get("/warranty-claims/reconciliation", {"month": month})

    assert r.status_code == 200
    sums = r.json()["sums"]
    # first: 736.00 claimed, approved, 700.00 paid; second: 1.5 h × 120.00 = 180.00 with the maker
    assert (sums["claims"], sums["claimed"], sums["pending"], sums["approved"], sums["paid"]) == (
        2, "916.00", "180.00", "736.00", "700.00")  # fmt: skip
    assert sums["short_paid"] == "36.00" and sums["difference"] == "216.00"
    assert [i["number"] for i in r.json()["items"]] == [first.number, second.number]
    assert len(r.json()["months"]) == 12 and r.json()["months"][-1]["month"] == month
    assert api.get("/warranty-claims/reconciliation").status_code == 403


def test_a_claim_submitted_last_month_is_in_last_months_reconciliation(manager_api, tenant, claim):
    complete(tenant, claim)
    last_month = timezone.localdate().replace(day=1) - timedelta(days=3)
    with time_machine.travel(timezone.now() - (timezone.localdate() - last_month), tick=False):
        from dms.claims import warranty

        warranty.warranty_claim_act(tenant=tenant, claim_id=claim.pk, action="submit")

    this = manager_api.get("/warranty-claims/reconciliation").json()
    before = manager_api.get(
        "/warranty-claims/reconciliation", {"month": last_month.strftime("%Y-%m")}
    ).json()

    assert this["sums"]["claims"] == 0 and before["sums"]["claims"] == 1
    assert this["months"][-2]["claimed"] == "736.00"


@pytest.mark.parametrize("month", ["2026-13", "26-01", "abcdefg", "1999-12"])
def test_a_wrong_month_answers_400(manager_api, month):
    r = manager_api.get("/warranty-claims/reconciliation", {"month": month})

    assert r.status_code in (400, 422) and r.json()["detail"]


def test_the_manager_sets_the_makers_rate_and_part_price(manager_api, api, brand, pump):
    r = manager_api._call("put", "/maker-rates", {"brand_id": brand.pk, "rate": "118.50"})
    assert r.status_code == 200 and r.json()["rate"] == "118.50"
    assert api.get("/maker-rates").json()["items"] == [
        {"brand_id": brand.pk, "brand": "东风本田", "rate": "118.50", "store_rate": "300.00"}
    ]
    r = manager_api._call(
        "put", "/maker-part-prices", {"brand_id": brand.pk, "part_id": pump.pk, "price": "510.00"}
    )
    assert r.status_code == 200 and r.json()["store_price"] == "680.00"
    assert api._call("put", "/maker-rates", {"brand_id": brand.pk, "rate": "1.00"}).status_code == 403
    assert manager_api._call("put", "/maker-rates", {"brand_id": brand.pk, "rate": "-1"}).status_code == 422


def test_another_groups_brand_is_not_found(manager_api, other_brand):
    r = manager_api._call("put", "/maker-rates", {"brand_id": other_brand.pk, "rate": "100.00"})

    assert r.status_code == 404
