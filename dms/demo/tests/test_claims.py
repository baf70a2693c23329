"""The demo's claims: the claims pages show claims in every state and an insurance claim."""

import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.test import Client, override_settings

from conftest import suite_start
from dms.claims.models import ClaimState, InsuranceClaim, InsuranceState, WarrantyClaim
from dms.core.models import User


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module, in a transaction rolled back at its end."""
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    with time_machine.travel(suite_start(), tick=False), fast_hashing, django_db_blocker.unblock(), \
            transaction.atomic():  # fmt: skip
        call_command("load_demo", customers=40, stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def test_the_demo_has_warranty_claims_in_every_state_of_their_life(demo):
    states = set(WarrantyClaim.objects.filter(store__code="SZ01").values_list("state", flat=True))

    assert {ClaimState.DRAFT, ClaimState.SUBMITTED, ClaimState.PARTLY_APPROVED, ClaimState.PAID} <= states


def test_the_demo_has_an_insurance_claim_billed_and_partly_paid(demo):
    billed = InsuranceClaim.objects.get(store__code="SZ01", state=InsuranceState.SUBMITTED)

    assert 0 < billed.paid_total < billed.billed_amount
    assert InsuranceClaim.objects.filter(store__code="SZ01", state=InsuranceState.OPEN).exists()


def test_the_managers_pages_show_them(demo):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(User.objects.get(username="manager1"))
    paid = WarrantyClaim.objects.get(store__code="SZ01", state=ClaimState.PAID)

    assert paid.number in client.get("/claims/?tab=all").content.decode()
    assert "平安财险深圳分公司" in client.get("/claims/insurance/receivables/").content.decode()
    month = paid.submitted_at.astimezone().strftime("%Y-%m")
    assert paid.number in client.get(f"/claims/reconciliation/?month={month}").content.decode()


def test_the_sanbao_watch_shows_a_car_at_its_fourth_repair_of_one_fault(demo):
    """The service manager's 三包 watch is not empty on the demo: a young car's gearbox judder, repaired
    four times in its 三包 period, is near the threshold (more than five gives an exchange or a refund)."""
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(User.objects.get(username="manager1"))

    page = client.get("/vehicles/sanbao/").content.decode()

    assert "变速箱换挡顿挫" in page
    assert "已修理 4 次" in page
