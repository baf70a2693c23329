from decimal import Decimal

import pytest

from conftest import make_user
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant
from dms.records.models import PlatformSettings

from .fakes import FakePlatform

COMPANY, PASSWORD = "4403000123", "platform-pass-1"


@pytest.fixture
def admin(store):
    return make_user("admin1", store, Role.ADMINISTRATOR)


@pytest.fixture
def admin_tenant(admin):
    return resolve_tenant(admin)


@pytest.fixture
def fake_platform(settings):
    # The fake listens on loopback: the installation's own network, allowed on purpose here.
    settings.DMS_RECORDS_ALLOW_PRIVATE = True
    fake = FakePlatform(company_code=COMPANY, password=PASSWORD).start()
    yield fake
    fake.stop()


@pytest.fixture
def platform(store, fake_platform):
    """SZ01 uploads to the fake platform."""
    return PlatformSettings.objects.create(
        store=store, base_url=fake_platform.url, company_code=COMPANY, password=PASSWORD
    )


def settle(
    tenant, vehicle, *, complaint="左前轮异响，刹车时明显", mileage=23456, lines=None, payments=None,
    work_class="minor", certificate_number="",
) -> int:  # fmt: skip
    """A repair order of `vehicle` taken through to settlement by `tenant` (who may do every step);
    `lines` are line_add's keyword arguments (default: one labor line); level-2 maintenance and
    overhauls settle with a `certificate_number`. Returns the order's id."""
    from dms.scheduling.models import Technician
    from dms.workshop import services
    from dms.workshop.models import RepairOrder

    order = services.repair_order_create(
        tenant=tenant, vehicle_id=vehicle.pk, mileage_km=mileage, complaint=complaint, work_class=work_class
    )
    for line in lines or [
        {"kind": "labor", "description": "更换前刹车片", "quantity": "1.5", "unit_price": "200.00"}
    ]:
        services.line_add(tenant=tenant, order_id=order.pk, **line)
    tech, _ = Technician.objects.get_or_create(store=tenant.store, user=tenant.user, defaults={"skills": []})
    services.order_sign(tenant=tenant, order_id=order.pk)
    services.order_dispatch(tenant=tenant, order_id=order.pk, technician_id=tech.pk)
    for step in (services.order_start, services.order_finish, services.order_qc_pass):
        step(tenant=tenant, order_id=order.pk)
    due = RepairOrder.objects.get(pk=order.pk).customer_total
    if payments is None:
        payments = [{"method": "cash", "amount": f"{due:.2f}"}] if due > Decimal("0") else []
    services.order_settle(
        tenant=tenant, order_id=order.pk, payments=payments, certificate_number=certificate_number
    )
    return order.pk


@pytest.fixture
def settled(admin_tenant, vehicle):
    """settle(...) for SZ01's administrator and the fixture vehicle."""
    return lambda **kw: settle(admin_tenant, vehicle, **kw)
