"""The parts counter: a parts clerk, a few parts, and helpers to stock them."""

from decimal import Decimal

import pytest
from django.test import Client

from conftest import ApiClient, make_user
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant
from dms.parts import services

RO_ID = 7_000_000_001  # a repair order, known to parts only by its id
RO2_ID = 7_000_000_002
APPOINTMENT_ID = 8_000_000_001


@pytest.fixture(autouse=True)
def orders_known_by_id_only(monkeypatch):
    """These tests are about stock: orders are named by id alone, as parts sees them. The link to
    real appointments and repair orders (registered by those apps) is tested in dms/workshop."""
    from dms.parts import links

    monkeypatch.setattr(links, "_RESOLVERS", {})


@pytest.fixture
def clerk(store):
    return make_user("parts1", store, Role.PARTS_CLERK)


@pytest.fixture
def clerk_tenant(clerk):
    return resolve_tenant(clerk)


@pytest.fixture
def clerk_api(clerk):
    return ApiClient(clerk)


@pytest.fixture
def clerk_client(clerk):
    c = Client()
    c.force_login(clerk)
    return c


@pytest.fixture
def second_store_clerk(second_store):
    return make_user("parts2", second_store, Role.PARTS_CLERK)


@pytest.fixture
def outsider_clerk(other_group_store):
    return make_user("parts9", other_group_store, Role.PARTS_CLERK)


@pytest.fixture
def oil_filter(clerk_tenant):
    return services.part_create(
        tenant=clerk_tenant, number="15400-rta-003", name="机油滤清器", unit="piece", price="68.00",
        min_stock="2",
    )  # fmt: skip


@pytest.fixture
def engine_oil(clerk_tenant):
    return services.part_create(
        tenant=clerk_tenant, number="08232-P99-K1LHE", name="全合成机油 0W-20", unit="l", price="98.50",
        quality="original",
    )  # fmt: skip


@pytest.fixture
def stock(clerk_tenant):
    """stock(part, n): receive n of the part into the clerk's store."""

    def receive(part, n):
        return services.stock_receive(tenant=clerk_tenant, part_id=part.pk, quantity=Decimal(str(n)))

    return receive


def level_of(part, store):
    from dms.parts.models import StockLevel

    lv = StockLevel.objects.filter(part=part, store=store).first()
    return (lv.on_hand, lv.reserved, lv.issued) if lv else (Decimal(0), Decimal(0), Decimal(0))
