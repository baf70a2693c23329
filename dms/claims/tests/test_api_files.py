"""What the two claims' APIs serve alike (dms/claims/api_shared.py): a claim's stored file — a
warranty claim's photo, an insurer's document — to the store's users, never cached; 404 for a file
that is not the claim's or is gone from the storage; and each claim's timeline."""

import pytest

from dms.claims import insurance
from dms.claims.tests.conftest import complete
from dms.claims.tests.tenancy_world import png_bytes

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def body(r) -> bytes:
    return b"".join(r.streaming_content)


def test_a_warranty_claim_s_photo_is_served_as_jpeg_never_cached(api, tenant, claim):
    photo = complete(tenant, claim).photos.get()

    r = api.get(f"/warranty-claims/{claim.pk}/photos/{photo.pk}")

    assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
    assert body(r)[:2] == b"\xff\xd8"
    assert "no-cache" in r["Cache-Control"] or "max-age=0" in r["Cache-Control"]


def test_an_insurer_s_document_is_served_with_its_own_type(api, tenant, insurance_claim):
    (doc,) = insurance.documents_add(tenant=tenant, claim_id=insurance_claim.pk, kind="accident_report",
                                     files=[(PDF, "认定书")])  # fmt: skip

    r = api.get(f"/insurance-claims/{insurance_claim.pk}/documents/{doc.pk}")

    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert body(r) == PDF
    assert "no-cache" in r["Cache-Control"] or "max-age=0" in r["Cache-Control"]


def test_a_file_of_another_claim_answers_404_with_a_sentence(api, tenant, claim, insurance_claim):
    photo = complete(tenant, claim).photos.get()
    (doc,) = insurance.documents_add(tenant=tenant, claim_id=insurance_claim.pk, kind="photos",
                                     files=[(png_bytes(), "")])  # fmt: skip

    # the document's id under the warranty claim, the photo's under the insurance claim
    wrong = [
        api.get(f"/warranty-claims/{claim.pk}/photos/{doc.pk + photo.pk + 1000}"),
        api.get(f"/insurance-claims/{insurance_claim.pk}/documents/{doc.pk + photo.pk + 1000}"),
    ]

    assert [r.status_code for r in wrong] == [404, 404]
    assert all(r.json()["detail"] for r in wrong)


def test_a_file_gone_from_the_storage_answers_404(api, tenant, claim, insurance_claim, private_media):
    photo = complete(tenant, claim).photos.get()
    (doc,) = insurance.documents_add(tenant=tenant, claim_id=insurance_claim.pk, kind="photos",
                                     files=[(png_bytes(), "")])  # fmt: skip
    (private_media / photo.image.name).unlink()
    (private_media / doc.file.name).unlink()

    assert api.get(f"/warranty-claims/{claim.pk}/photos/{photo.pk}").status_code == 404
    assert api.get(f"/insurance-claims/{insurance_claim.pk}/documents/{doc.pk}").status_code == 404


def test_both_timelines_say_who_did_what_from_which_state_to_which(api, sa, tenant, claim, insurance_claim):
    complete(tenant, claim)
    api.post(f"/warranty-claims/{claim.pk}/actions/submit", {})
    api.post(f"/insurance-claims/{insurance_claim.pk}/actions/cancel", {"reason": "客户自行处理"})

    warranty_events = api.get(f"/warranty-claims/{claim.pk}/events").json()
    insurance_events = api.get(f"/insurance-claims/{insurance_claim.pk}/events").json()

    assert warranty_events[-1] | {"at": None, "data": None} == {
        "at": None, "by": str(sa), "action": "submit", "from_state": "draft", "to_state": "submitted",
        "reason": "", "data": None,
    }  # fmt: skip
    assert insurance_events[-1]["action"] == "cancel" and insurance_events[-1]["reason"] == "客户自行处理"
    assert (insurance_events[-1]["from_state"], insurance_events[-1]["to_state"]) == ("open", "cancelled")
    assert (
        set(warranty_events[0])
        == set(insurance_events[0])
        == {"at", "by", "action", "from_state", "to_state", "reason", "data"}
    )
