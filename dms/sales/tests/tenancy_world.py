"""This app's part of the cross-group walks (tests/test_tenancy_api.py, tests/test_tenancy_pages.py).

The sales records of a world are built by a sales consultant and a showroom manager of the world's
store (the world's own user is a manager of after-sales). RECORDS: path parameter -> function(world)
returning a record's id; PATH_RECORDS: (path, parameter) -> function(world) for a route that needs a
record in a particular state; BODIES: (method, path) -> function(world) returning a body.
"""

import base64
import io
from decimal import Decimal

from django.utils import timezone


def _people(world):
    if "sales_people" not in world.built:
        from conftest import make_user
        from dms.core.roles import Role
        from dms.core.tenancy import resolve_tenant

        store = world.tenant.store
        sales = resolve_tenant(make_user(f"sales-{store.code}", store, Role.SALES_CONSULTANT))
        boss = resolve_tenant(make_user(f"showroom-{store.code}", store, Role.SHOWROOM_MANAGER))
        world.built["sales_people"] = (sales, boss)
    return world.built["sales_people"]


def _mobile(world, n: int) -> str:
    return f"1370{world.tenant.store.pk % 1000:03d}{n:04d}"


def _lead(world, key: str, n: int):
    if key not in world.built:
        from dms.sales import services

        sales, _boss = _people(world)
        lead, _ = services.lead_create(
            tenant=sales, name=f"潜客{n}", mobile=_mobile(world, n), source="walk_in", model_interest="雅阁"
        )
        world.built[key] = lead.pk
    return world.built[key]


def lead(world) -> int:
    return _lead(world, "lead", 1)


def lost_lead(world) -> int:
    if "lost_lead" not in world.built:
        from dms.sales import services

        sales, _boss = _people(world)
        pk = _lead(world, "lost_lead_open", 2)
        services.lead_lose(tenant=sales, lead_id=pk, reason="预算不够")
        world.built["lost_lead"] = pk
    return world.built["lost_lead"]


def visit(world) -> int:
    if "visit" not in world.built:
        from dms.sales import services

        sales, _boss = _people(world)
        world.built["visit"] = services.visit_log(tenant=sales, party_size=2).pk
    return world.built["visit"]


def test_drive(world) -> int:
    if "test_drive" not in world.built:
        from dms.sales import services

        sales, _boss = _people(world)
        world.built["test_drive"] = services.testdrive_start(
            tenant=sales, lead_id=lead(world), model="雅阁", licence_no="440301199001011234",
            licence_expires=timezone.localdate().replace(year=timezone.localdate().year + 3),
        ).pk  # fmt: skip
    return world.built["test_drive"]


def stock_vehicle(world) -> int:
    """A 雅阁 in transit (it can be received, and allocated)."""
    if "stock_vehicle" not in world.built:
        from conftest import valid_vin
        from dms.sales import services_orders

        _sales, boss = _people(world)
        brand = world.tenant.store.brands.first()
        serial = 80000 + world.tenant.store.pk % 1000
        world.built["stock_vehicle"] = services_orders.stock_create(
            tenant=boss, vin=valid_vin(serial, wmi="LVH"), brand=brand.name, model="雅阁",
            list_price=Decimal("179800"), cost=Decimal("165000"), state="in_transit",
        ).pk  # fmt: skip
    return world.built["stock_vehicle"]


def _quotation(world, key: str, discount: str, lead_key: str, n: int) -> int:
    if key not in world.built:
        from dms.sales import services_orders

        sales, _boss = _people(world)
        world.built[key] = services_orders.quotation_create(
            tenant=sales, lead_id=_lead(world, lead_key, n), model="雅阁", list_price=Decimal("179800"),
            discount=Decimal(discount),
        ).pk  # fmt: skip
    return world.built[key]


def quotation(world) -> int:
    """A quotation waiting for the showroom manager (its discount above the authority)."""
    return _quotation(world, "quotation", "8000", "lead", 1)


def approved_quotation(world) -> int:
    return _quotation(world, "approved_quotation", "1000", "order_lead", 3)


def sales_order(world) -> int:
    if "sales_order" not in world.built:
        from dms.sales import services_orders

        sales, _boss = _people(world)
        world.built["sales_order"] = services_orders.sales_order_create(
            tenant=sales, quotation_id=approved_quotation(world)
        ).pk
    return world.built["sales_order"]


def paid_order(world) -> int:
    """The world's order with all of it paid (it can be invoiced)."""
    if "paid_order" not in world.built:
        from dms.sales import services_orders
        from dms.sales.models import SalesOrder

        _sales, boss = _people(world)
        pk = sales_order(world)
        services_orders.payment_add(tenant=boss, order_id=pk, kind="balance", method="transfer",
                                    amount=SalesOrder.objects.get(pk=pk).total)  # fmt: skip
        world.built["paid_order"] = pk
    return world.built["paid_order"]


def ready_order(world) -> int:
    """The world's order paid, allocated and invoiced (it can be delivered)."""
    if "ready_order" not in world.built:
        from dms.sales import services_orders

        sales, boss = _people(world)
        pk = paid_order(world)
        services_orders.sales_order_allocate(tenant=sales, order_id=pk, stock_vehicle_id=stock_vehicle(world))
        services_orders.sales_order_invoice(tenant=boss, order_id=pk, invoice_number="044031900777")
        world.built["ready_order"] = pk
    return world.built["ready_order"]


def _signature() -> str:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (300, 120), (255, 255, 255, 0))
    ImageDraw.Draw(image).line([(20, 60), (280, 80)], fill=(16, 36, 62, 255), width=4)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


CHECKLIST = {
    "clean": True,
    "documents": True,
    "functions": True,
    "first_maintenance": True,
    "service_advisor": True,
}

RECORDS: dict = {
    "lead_id": lead,
    "visit_id": visit,
    "test_drive_id": test_drive,
    "stock_vehicle_id": stock_vehicle,
    "quotation_id": quotation,
    "sales_order_id": sales_order,
}
PATH_RECORDS: dict = {
    ("/leads/{lead_id}/actions/confirm-lost", "lead_id"): lost_lead,
    ("/leads/{lead_id}/actions/reopen", "lead_id"): lost_lead,
    ("/sales-orders/{sales_order_id}/actions/invoice", "sales_order_id"): paid_order,
    ("/sales-orders/{sales_order_id}/actions/deliver", "sales_order_id"): ready_order,
}
BODIES: dict = {
    ("POST", "/leads"): lambda w: {"name": "新潜客", "mobile": _mobile(w, 9), "source": "phone"},
    ("POST", "/leads/{lead_id}/assign"): lambda w: {"assigned_to_id": _people(w)[0].user.pk},
    ("POST", "/test-drives"): lambda w: {
        "lead_id": lead(w),
        "model": "雅阁",
        "licence_no": "440301199001011234",
        "licence_expires": timezone.localdate().replace(year=timezone.localdate().year + 2).isoformat(),
    },  # fmt: skip
    ("POST", "/test-drives/{test_drive_id}/agreement"): lambda w: {"signature": _signature()},
    ("POST", "/stock-vehicles"): lambda w: {
        "vin": __import__("conftest").valid_vin(81000 + w.tenant.store.pk % 1000, wmi="LVH"),
        "brand": w.tenant.store.brands.first().name,
        "model": "雅阁",
        "list_price": "179800.00",
    },  # fmt: skip
    ("POST", "/quotations"): lambda w: {"lead_id": lead(w), "model": "雅阁", "list_price": "179800.00"},
    ("POST", "/sales-orders"): lambda w: {"quotation_id": approved_quotation(w)},
    ("POST", "/sales-orders/{sales_order_id}/actions/allocate"): lambda w: {
        "stock_vehicle_id": stock_vehicle(w)
    },
    ("POST", "/sales-orders/{sales_order_id}/actions/invoice"): lambda w: {"invoice_number": "044031900888"},
    ("POST", "/sales-orders/{sales_order_id}/actions/deliver"): lambda w: {"checklist": CHECKLIST},
    ("POST", "/sales-orders/{sales_order_id}/payments"): lambda w: {
        "kind": "deposit",
        "method": "cash",
        "amount": "100.00",
    },
}
PATH_VALUES: dict = {}


def page_ids(vehicle, manager) -> dict:
    """Our store's prospect, test drive, quotation and sales order, for the page walk."""
    from types import SimpleNamespace

    world = SimpleNamespace(tenant=manager, built={})
    # "sales": this app's other parameters, the buyer's photo link (sales/photo/<token>/): a forged one.
    return {
        "lead_id": lead(world), "drive_id": test_drive(world), "quotation_id": quotation(world),
        "sales_order_id": sales_order(world), "sales": "forged",
    }  # fmt: skip
