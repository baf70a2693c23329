"""The workshop's people: a foreman, a technician with skills, a QC inspector, a cashier, a
customer-care agent; a labor operation and a part in stock."""

from decimal import Decimal

import pytest

from conftest import ApiClient, make_user
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant
from dms.scheduling.models import Technician
from dms.workshop.models import LaborOperation


def _tenant(user):
    return resolve_tenant(user)


@pytest.fixture
def foreman(store):
    return make_user("foreman1", store, Role.FOREMAN)


@pytest.fixture
def tech_user(store):
    return make_user("tech1", store, Role.TECHNICIAN)


@pytest.fixture
def tech(store, tech_user):
    return Technician.objects.create(store=store, user=tech_user, skills=["maintenance", "engine"])


@pytest.fixture
def other_tech(store):
    user = make_user("tech2", store, Role.TECHNICIAN)
    return Technician.objects.create(store=store, user=user, skills=["body", "paint"])


@pytest.fixture
def qc(store):
    return make_user("qc1", store, Role.QC_INSPECTOR)


@pytest.fixture
def cashier(store):
    return make_user("cashier1", store, Role.CASHIER)


@pytest.fixture
def care(store):
    return make_user("care1", store, Role.CUSTOMER_CARE)


@pytest.fixture
def clerk(store):
    return make_user("parts1", store, Role.PARTS_CLERK)


@pytest.fixture
def people(foreman, tech_user, tech, qc, cashier, care, clerk, sa):
    return {name: _tenant(u) for name, u in
            {"sa": sa, "foreman": foreman, "tech": tech_user, "qc": qc, "cashier": cashier, "care": care, "clerk": clerk}.items()}  # fmt: skip


@pytest.fixture
def oil_change(group):
    return LaborOperation.objects.create(
        group=group, code="M10", name="更换机油机滤", standard_hours=Decimal("0.8"), skill="maintenance"
    )


@pytest.fixture
def oil_filter(people):
    from dms.parts.services import part_create, stock_receive

    part = part_create(tenant=people["clerk"], number="15400-RTA-003", name="机油滤清器", price="68.00")
    stock_receive(tenant=people["clerk"], part_id=part.pk, quantity="5")
    return part


@pytest.fixture
def api_as():
    return lambda user: ApiClient(user)
