"""The claims desk: sa1 collects and submits claims, manager1 records what the maker and the insurers
decide and pay; a water pump replaced under the maker's warranty, a fender repaired for an insurer."""

from decimal import Decimal

import pytest
from django.test import Client

from dms.claims import insurance, warranty
from dms.claims.tests.tenancy_world import png_bytes, settled_order


@pytest.fixture(autouse=True)
def _media(private_media):
    """Photos and documents go to the test's own folder."""
    return private_media


@pytest.fixture
def pump(manager_tenant):
    """The water pump of the catalogue (sale price 680.00), two in stock."""
    from dms.parts.services import part_create, stock_receive

    tenant = manager_tenant
    p = part_create(tenant=tenant, number="19200-R1A-A01", name="水泵总成", price="680.00")
    stock_receive(tenant=tenant, part_id=p.pk, quantity="2")
    return p


@pytest.fixture
def pump_operation(group):
    """The maker's labor operation: water pump replacement, 1.8 standard hours."""
    from dms.workshop.models import LaborOperation

    return LaborOperation.objects.create(
        group=group, code="LS05", name="更换水泵", standard_hours=Decimal("1.80")
    )


@pytest.fixture
def warranty_order(manager_tenant, vehicle, pump, pump_operation):
    """A settled order: the water pump replaced under warranty (labor LS05 billed 2.0 h at the store's
    300.00, and the pump at 680.00), and an oil top-up the customer paid (80.00)."""
    from dms.scheduling.models import Technician
    from dms.workshop import services

    tenant = manager_tenant  # the service manager takes the order through the workshop's steps
    order = services.repair_order_create(
        tenant=tenant, vehicle_id=vehicle.pk, mileage_km=23000, complaint="水泵漏水"
    )
    reason = "三年十万公里保修期内，水泵漏水"
    services.line_add(tenant=tenant, order_id=order.pk, kind="labor", labor_operation_id=pump_operation.pk,
                      quantity="2.0", payer="warranty", warranty_reason=reason)  # fmt: skip
    services.line_add(tenant=tenant, order_id=order.pk, kind="part", part_id=pump.pk, quantity="1", payer="warranty",
                      warranty_reason=reason)  # fmt: skip
    services.line_add(tenant=tenant, order_id=order.pk, kind="material", description="补加冷却液", quantity="1",
                      unit_price="80.00")  # fmt: skip
    tech, _ = Technician.objects.get_or_create(store=tenant.store, user=tenant.user, defaults={"skills": []})
    services.order_sign(tenant=tenant, order_id=order.pk)
    services.order_dispatch(tenant=tenant, order_id=order.pk, technician_id=tech.pk)
    for step in (services.order_start, services.order_finish, services.order_qc_pass):
        step(tenant=tenant, order_id=order.pk)
    services.order_settle(
        tenant=tenant, order_id=order.pk, payments=[{"method": "wechat", "amount": "80.00"}]
    )
    from dms.workshop.models import RepairOrder

    return RepairOrder.objects.get(pk=order.pk)


@pytest.fixture
def maker_prices(manager_tenant, brand, pump):
    """The maker reimburses 120.00 an hour and 520.00 for the pump."""
    warranty.maker_rate_set(tenant=manager_tenant, brand_id=brand.pk, rate="120.00")
    warranty.maker_part_price_set(tenant=manager_tenant, brand_id=brand.pk, part_id=pump.pk, price="520.00")


@pytest.fixture
def claim(tenant, warranty_order, maker_prices):
    """A draft claim of the order: 1.8 h × 120.00 + 1 × 520.00 = 736.00."""
    return warranty.warranty_claim_create(tenant=tenant, repair_order_ids=[warranty_order.pk])


def complete(tenant, claim):
    """The fault code, the pump's tag and a photo: ready to submit."""
    warranty.warranty_claim_update(tenant=tenant, claim_id=claim.pk, fault_code="P0217")
    for part in claim.lines.filter(kind="part"):
        warranty.claim_line_update(tenant=tenant, claim_id=claim.pk, line_id=part.pk, old_part_tag="SP-0001")
    warranty.claim_photos_add(tenant=tenant, claim_id=claim.pk, photos=[(png_bytes(), "水泵旧件及标签")])
    claim.refresh_from_db()
    return claim


@pytest.fixture
def submitted(tenant, claim):
    complete(tenant, claim)
    return warranty.warranty_claim_act(tenant=tenant, claim_id=claim.pk, action="submit")


@pytest.fixture
def manager_client(manager):
    c = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    c.force_login(manager)
    return c


@pytest.fixture
def insurer(manager_tenant):
    return insurance.insurer_create(
        tenant=manager_tenant, name="人保财险深圳分公司", contact="王定损员", phone="95518"
    )


@pytest.fixture
def accident_order(manager_tenant, vehicle):
    """A settled accident repair: 1.5 h of body work at 300.00 paid by the insurer (450.00)."""
    from dms.workshop.models import RepairOrder

    return RepairOrder.objects.get(pk=settled_order(manager_tenant, vehicle, payer="insurer"))


@pytest.fixture
def insurance_claim(tenant, accident_order, insurer):
    return insurance.insurance_claim_create(
        tenant=tenant, repair_order_id=accident_order.pk, insurer_id=insurer.pk, policy_number="PDAA202644030000012",
        claim_number="RDAA202644030000088", assessed_amount="500.00", assessor="王定损员",
    )  # fmt: skip


def with_documents(tenant, claim, kinds=None):
    kinds = kinds if kinds is not None else claim.insurer.required_documents
    for kind in kinds:
        insurance.documents_add(tenant=tenant, claim_id=claim.pk, kind=kind, files=[(png_bytes(), kind)])
    return claim
