"""The claims' files under the retention sweep (dms/claims/retention.py): a warranty claim's photos
and an insurance claim's documents go, rows and stored files, ten years after the claim closed
(paid, rejected or cancelled), never while it is open; the claim stays, and its history says why
its files are gone. A small hand-made history of claims closed on either side of the ten years."""

from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from conftest import ApiClient
from dms.claims.models import (
    ClaimEvent,
    ClaimPhoto,
    InsuranceClaim,
    InsuranceDocument,
    InsuranceEvent,
    WarrantyClaim,
)
from dms.claims.tests.tenancy_world import settled_order
from dms.core import retention

pytestmark = pytest.mark.django_db

PERIOD = timedelta(days=3650)
DAY = timedelta(days=1)


# The stamps the workflow sets on the way to each state.
STAMPS = {
    "draft": (),
    "submitted": ("submitted_at",),
    "approved": ("submitted_at", "decided_at"),
    "rejected": ("submitted_at", "decided_at"),
    "paid": ("submitted_at", "decided_at", "paid_at"),
    "cancelled": ("cancelled_at",),
}


@pytest.fixture
def warranty_claim(store, brand, manager):
    """A warranty claim in `state`, its stamps `ago` before now, with `photos` stored photos."""
    serial = iter(range(1, 100))

    def make(state, ago, photos=1):
        at = timezone.now() - ago
        claim = WarrantyClaim.objects.create(
            store=store, number=f"SP-SZ01-2016-{next(serial):06d}", brand=brand, state=state, created_by=manager,
            claimed_total="736.00", **dict.fromkeys(STAMPS[state], at),
        )  # fmt: skip
        WarrantyClaim.objects.filter(pk=claim.pk).update(created_at=at - 30 * DAY)
        for i in range(photos):
            photo = ClaimPhoto(claim=claim, at=at - 20 * DAY, caption=f"旧件标签 {i + 1}")
            photo.image.save("p.jpg", ContentFile(b"jpeg"), save=True)
        return claim

    return make


@pytest.fixture
def insurance_claim(store, manager, manager_tenant, vehicle, insurer):
    """An insurance claim in `state` (paid or cancelled `ago` before now; open: opened then), of a
    settled accident repair of its own, with a driving licence and an assessment stored."""
    serial = iter(range(1, 100))

    def make(state, ago, order_id=None):
        at = timezone.now() - ago
        order_id = order_id or settled_order(manager_tenant, vehicle, payer="insurer")
        claim = InsuranceClaim.objects.create(
            store=store, number=f"BX-SZ01-2016-{next(serial):06d}", repair_order_id=order_id, insurer=insurer,
            policy_number="PDAA2016440300001", claim_number="RDAA2016440300008", assessed_amount="450.00",
            billed_amount="450.00" if state != "open" else "0.00", paid_total="450.00" if state == "paid" else "0.00",
            state=state, created_by=manager, submitted_at=at if state == "paid" else None,
            paid_at=at if state == "paid" else None, cancelled_at=at if state == "cancelled" else None,
        )  # fmt: skip
        for kind in ("driver_licence", "assessment"):
            doc = InsuranceDocument(claim=claim, kind=kind, content_type="image/jpeg", at=at - 10 * DAY)
            doc.file.save("d.jpg", ContentFile(b"jpeg"), save=True)
        return claim

    return make


def run(name, capture):
    with capture(execute=True):
        return retention.run(only=(name,))[name]


# --- Warranty claims' photos ----------------------------------------------------------------------------


def test_a_warranty_claim_s_photos_go_ten_years_after_it_closed(
    warranty_claim, private_media, django_capture_on_commit_callbacks
):
    # given claims closed just over ten years ago (reimbursed, rejected, cancelled) and one just under
    gone = [warranty_claim("paid", PERIOD + DAY, photos=2), warranty_claim("rejected", PERIOD + DAY),
            warranty_claim("cancelled", PERIOD + DAY)]  # fmt: skip
    kept = warranty_claim("paid", PERIOD - DAY)
    gone_files = list(ClaimPhoto.objects.filter(claim__in=gone).values_list("image", flat=True))

    # when the sweep runs
    assert run("warranty_claim_photos", django_capture_on_commit_callbacks) == 4

    # then their photos are gone, rows and files, and the claims stay
    assert not ClaimPhoto.objects.filter(claim__in=gone).exists()
    assert not any((private_media / name).exists() for name in gone_files)
    assert WarrantyClaim.objects.filter(pk__in=[c.pk for c in gone]).count() == 3
    photo = ClaimPhoto.objects.get(claim=kept)
    assert (private_media / photo.image.name).exists()


def test_an_open_warranty_claim_keeps_its_photos_whatever_its_age(
    warranty_claim, django_capture_on_commit_callbacks
):
    # given claims a dozen years old that the maker never paid: a draft, one with the maker, one approved
    for state in ("draft", "submitted", "approved"):
        warranty_claim(state, 12 * PERIOD / 10)

    assert run("warranty_claim_photos", django_capture_on_commit_callbacks) == 0
    assert ClaimPhoto.objects.count() == 3


def test_the_claim_s_history_says_its_photos_went_and_why(
    warranty_claim, manager, django_capture_on_commit_callbacks
):
    claim = warranty_claim("paid", PERIOD + DAY, photos=2)

    run("warranty_claim_photos", django_capture_on_commit_callbacks)

    event = ClaimEvent.objects.get(claim=claim)
    assert (event.action, event.by, event.data) == ("photo-remove", None, {"retention": True, "photos": 2})
    assert "3650" in event.reason
    events = ApiClient(manager).get(f"/warranty-claims/{claim.pk}/events").json()
    assert events[-1]["action"] == "photo-remove" and events[-1]["by"] is None
    assert ApiClient(manager).get(f"/warranty-claims/{claim.pk}").json()["photos"] == []


def test_the_sweep_run_again_removes_nothing_more(warranty_claim, django_capture_on_commit_callbacks):
    claim = warranty_claim("paid", PERIOD + DAY)
    run("warranty_claim_photos", django_capture_on_commit_callbacks)

    assert run("warranty_claim_photos", django_capture_on_commit_callbacks) == 0
    assert ClaimEvent.objects.filter(claim=claim).count() == 1


# --- Insurance claims' documents --------------------------------------------------------------------------


def test_an_insurance_claim_s_documents_go_ten_years_after_it_was_paid_or_cancelled(
    insurance_claim, private_media, django_capture_on_commit_callbacks
):
    # given an accident repair paid by the insurer just over ten years ago, a claim cancelled then
    # on the same order, one paid just under ten years ago, and one never billed
    paid = insurance_claim("paid", PERIOD + DAY)
    cancelled = insurance_claim("cancelled", PERIOD + DAY, order_id=paid.repair_order_id)
    recent = insurance_claim("paid", PERIOD - DAY)
    still_open = insurance_claim("open", 12 * PERIOD / 10)
    InsuranceClaim.objects.filter(pk=still_open.pk).update(created_at=timezone.now() - 12 * PERIOD / 10)
    gone_files = list(
        InsuranceDocument.objects.filter(claim__in=[paid, cancelled]).values_list("file", flat=True)
    )

    assert run("insurance_documents", django_capture_on_commit_callbacks) == 4

    assert set(InsuranceDocument.objects.values_list("claim_id", flat=True)) == {recent.pk, still_open.pk}
    assert not any((private_media / name).exists() for name in gone_files)
    assert all((private_media / d.file.name).exists() for d in InsuranceDocument.objects.all())
    assert InsuranceClaim.objects.filter(pk__in=[paid.pk, cancelled.pk]).count() == 2
    event = InsuranceEvent.objects.get(claim=paid)
    assert (event.action, event.by_id) == ("document-remove", None)
    assert event.data == {"retention": True, "documents": ["assessment", "driver_licence"]}


# --- The period ---------------------------------------------------------------------------------------------


def test_both_purges_are_registered_with_a_ten_year_period(settings):
    purges = retention.registered()

    assert {"warranty_claim_photos", "insurance_documents"} <= set(purges)
    assert retention.period(purges["warranty_claim_photos"]) == 3650
    assert purges["insurance_documents"].days == "DMS_RETENTION_CLAIM_FILES_DAYS"


def test_a_period_of_0_keeps_the_files_for_ever(warranty_claim, settings, django_capture_on_commit_callbacks):
    settings.DMS_RETENTION_CLAIM_FILES_DAYS = 0
    warranty_claim("paid", 3 * PERIOD)

    with django_capture_on_commit_callbacks(execute=True):
        done = retention.run()

    assert "warranty_claim_photos" not in done and "insurance_documents" not in done
    assert ClaimPhoto.objects.count() == 1


def test_a_shorter_period_set_by_the_store_s_operator_applies(
    warranty_claim, settings, django_capture_on_commit_callbacks
):
    # a group that keeps them five years
    settings.DMS_RETENTION_CLAIM_FILES_DAYS = 1825
    warranty_claim("paid", timedelta(days=1826))
    warranty_claim("paid", timedelta(days=1824))

    assert run("warranty_claim_photos", django_capture_on_commit_callbacks) == 1
