"""The claims pages: sa1 collects and completes a claim, manager1 records the maker's answer and reads
the month's reconciliation; an insurance claim from the order's card to the insurer's payment."""

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from dms.claims import insurance
from dms.claims.models import ClaimState, InsuranceState, WarrantyClaim
from dms.claims.tests.conftest import complete, with_documents
from dms.claims.tests.tenancy_world import png_bytes


@pytest.fixture
def sa_page(sa):
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(sa)
    return c


def test_the_advisor_collects_a_claim_from_the_settled_orders(sa_page, warranty_order, maker_prices):
    page = sa_page.get(reverse("claims:new")).content.decode()
    assert warranty_order.number in page

    r = sa_page.post(reverse("claims:new"), {"order": [warranty_order.pk], "fault_code": "P0217"})

    claim = WarrantyClaim.objects.get()
    assert r.status_code == 302 and r["Location"] == reverse("claims:detail", args=[claim.pk])
    page = sa_page.get(r["Location"]).content.decode()
    assert claim.number in page and "736.00" in page and "P0217" in page
    assert "提交前，厂家还需要" in page  # the tag and a photo are missing


def test_collecting_nothing_says_why_on_the_page(sa_page, warranty_order):
    r = sa_page.post(reverse("claims:new"), {}, follow=True)

    assert r.status_code == 200 and "请选择至少一张已结算的工单" in r.content.decode()


def test_a_line_is_corrected_in_its_row_with_htmx(sa_page, claim):
    labor = claim.lines.get(kind="labor")

    r = sa_page.post(reverse("claims:line", args=[claim.pk, labor.pk]), {"quantity": "2", "unit_price": "120.00"},
                     HTTP_HX_REQUEST="true")  # fmt: skip

    assert r.status_code == 200 and f'id="claim-line-{labor.pk}"' in r.content.decode()
    labor.refresh_from_db()
    assert labor.amount == Decimal("240.00")
    r = sa_page.post(
        reverse("claims:line", args=[claim.pk, labor.pk]), {"unit_price": "abc"}, HTTP_HX_REQUEST="true"
    )
    assert 'role="alert"' in r.content.decode()


def test_photos_are_uploaded_and_served_to_the_store_only(sa_page, outsider_client, claim):
    upload = SimpleUploadedFile("pump.png", png_bytes(), content_type="image/png")

    sa_page.post(reverse("claims:photos", args=[claim.pk]), {"photos": [upload], "caption": "水泵"})

    photo = claim.photos.get()
    url = reverse("claims:photo", args=[claim.pk, photo.pk])
    assert sa_page.get(url)["Content-Type"] == "image/jpeg"
    assert outsider_client.get(url).status_code == 404


def test_an_upload_without_a_photo_or_too_big_says_why_and_adds_nothing(sa_page, claim):
    r = sa_page.post(reverse("claims:photos", args=[claim.pk]), {"caption": "水泵"}, follow=True)
    assert "请至少选择一张照片。" in r.content.decode()

    from dms.claims import warranty

    big = SimpleUploadedFile("big.png", b"x" * (warranty.MAX_PHOTO_BYTES + 1), content_type="image/png")
    r = sa_page.post(reverse("claims:photos", args=[claim.pk]), {"photos": [big]}, follow=True)
    assert f"{warranty.MAX_PHOTO_BYTES // 1024 // 1024}" in r.content.decode()
    assert not claim.photos.exists()


def test_the_manager_records_the_makers_decision_and_payment(sa_page, manager_client, tenant, claim):
    complete(tenant, claim)
    sa_page.post(reverse("claims:action", args=[claim.pk, "submit"]), {"version": claim.version})
    claim.refresh_from_db()
    assert claim.state == ClaimState.SUBMITTED
    labor = claim.lines.get(kind="labor")

    manager_client.post(reverse("claims:action", args=[claim.pk, "partly-approve"]),
                        {"reason": "工时核减", f"approved_{labor.pk}": "180.00"})  # fmt: skip
    manager_client.post(reverse("claims:action", args=[claim.pk, "pay"]), {"amount": "700.00", "paid_on": ""})

    claim.refresh_from_db()
    assert (claim.state, claim.approved_total, claim.paid_total) == (
        "paid",
        Decimal("700.00"),
        Decimal("700.00"),
    )
    page = manager_client.get(reverse("claims:reconciliation")).content.decode()
    assert claim.number in page and "736.00" in page and "700.00" in page


def test_the_advisor_is_refused_the_makers_decision(sa_page, tenant, submitted):
    r = sa_page.post(reverse("claims:action", args=[submitted.pk, "approve"]), {})

    assert r.status_code == 403
    submitted.refresh_from_db()
    assert submitted.state == ClaimState.SUBMITTED


def test_the_reconciliation_is_the_managers(sa_page, manager_client):
    assert sa_page.get(reverse("claims:reconciliation")).status_code == 403
    assert manager_client.get(reverse("claims:reconciliation"), {"month": "2026-13"}).status_code == 200


def test_the_export_downloads(sa_page, claim):
    r = sa_page.get(reverse("claims:export", args=[claim.pk]))

    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_pages_speak_english_when_chosen(sa, claim):
    sa.language = "en"
    sa.save(update_fields=["language"])
    c = Client(HTTP_ACCEPT_LANGUAGE="en")
    c.force_login(sa)

    page = c.get(reverse("claims:detail", args=[claim.pk])).content.decode()

    assert "Warranty claim" in page and "Submit to the maker" in page


def test_the_order_page_shows_its_claims(sa_page, warranty_order, claim):
    page = sa_page.get(reverse("workshop:detail", args=[warranty_order.pk])).content.decode()

    assert 'id="order-claims"' in page and claim.number in page


def test_the_rates_page_sets_the_makers_rate(manager_client, brand, pump):
    manager_client.post(reverse("claims:rates"), {"what": "rate", "brand_id": brand.pk, "rate": "110.00"})
    manager_client.post(reverse("claims:rates"), {"what": "part", "brand_id": brand.pk, "part_number": pump.number,
                                                  "price": "500.00"})  # fmt: skip

    page = manager_client.get(reverse("claims:rates")).content.decode()
    assert "110.00" in page and "500.00" in page


# --- Insurance ---------------------------------------------------------------------------------------------


def test_an_insurance_claim_from_opening_to_the_insurers_payment(
    sa_page, manager_client, tenant, accident_order, insurer
):
    r = sa_page.post(reverse("claims:insurance_new"), {
        "order": accident_order.number, "insurer_id": insurer.pk, "policy_number": "PDAA1", "claim_number": "RDAA1",
        "assessed_amount": "450.00"})  # fmt: skip
    claim = insurer.claims.get()
    assert r.status_code == 302
    page = sa_page.get(reverse("claims:insurance_detail", args=[claim.pk])).content.decode()
    assert "定损单" in page and "缺少" in page

    for kind in insurer.required_documents:
        upload = SimpleUploadedFile("doc.png", png_bytes(), content_type="image/png")
        sa_page.post(
            reverse("claims:insurance_documents", args=[claim.pk]), {"kind": kind, "files": [upload]}
        )
    sa_page.post(reverse("claims:insurance_action", args=[claim.pk, "submit"]), {"version": ""})
    claim.refresh_from_db()
    assert claim.state == InsuranceState.SUBMITTED

    manager_client.post(reverse("claims:insurance_payment", args=[claim.pk]), {"amount": "450.00"})
    claim.refresh_from_db()
    assert claim.state == InsuranceState.PAID


def test_the_receivables_page_lists_the_insurer(manager_client, tenant, insurance_claim):
    with_documents(tenant, insurance_claim)
    insurance.insurance_claim_act(tenant=tenant, claim_id=insurance_claim.pk, action="submit")

    page = manager_client.get(reverse("claims:receivables")).content.decode()

    assert "人保财险深圳分公司" in page and "450.00" in page


def test_a_manager_adds_an_insurer(manager_client):
    manager_client.post(
        reverse("claims:insurers"), {"name": "平安财险深圳分公司", "required_documents": ["assessment"]}
    )

    page = manager_client.get(reverse("claims:insurers")).content.decode()
    assert "平安财险深圳分公司" in page


def test_claims_are_in_the_after_sales_menu_of_those_who_work_them(sa_page, technician):
    assert reverse("claims:list") in sa_page.get(reverse("claims:list")).content.decode()
    c = Client()
    c.force_login(technician)
    assert c.get(reverse("claims:list")).status_code == 403


def test_the_claims_list_costs_the_same_queries_for_many_claims(
    api, tenant, manager_tenant, vehicle, django_assert_max_num_queries
):
    from dms.claims.tests.tenancy_world import complete_claim, settled_order

    complete_claim(tenant, settled_order(manager_tenant, vehicle, payer="warranty"))
    with django_assert_max_num_queries(20) as few:
        assert api.get("/warranty-claims").json()["count"] == 1
    for _i in range(4):
        complete_claim(tenant, settled_order(manager_tenant, vehicle, payer="warranty"))

    with django_assert_max_num_queries(len(few.captured_queries)):
        assert api.get("/warranty-claims").json()["count"] == 5


def test_an_insurers_document_is_served_to_the_store_only(sa_page, outsider_client, tenant, insurance_claim):
    with_documents(tenant, insurance_claim, ["photos"])
    doc = insurance_claim.documents.get()
    url = reverse("claims:insurance_document", args=[insurance_claim.pk, doc.pk])

    r = sa_page.get(url)

    assert r.status_code == 200 and r["Content-Type"] == doc.content_type and b"".join(r.streaming_content)
    assert outsider_client.get(url).status_code == 404
    assert (
        sa_page.get(reverse("claims:insurance_document", args=[insurance_claim.pk, doc.pk + 999])).status_code
        == 404
    )
