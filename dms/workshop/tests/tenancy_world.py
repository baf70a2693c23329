"""This app's part of the cross-group walks (tests/test_tenancy_api.py, tests/test_tenancy_pages.py).

RECORDS: path parameter name -> function(world) returning the id of a record of that world
(world: tests.test_tenancy_api.World; its helpers appointment(), part(), repair_order(),
order_line() build the usual records). BODIES: (method, path) -> function(world) returning a body.
PATH_VALUES: parameter name -> function(path) returning a fixed value. PATH_RECORDS: (path, parameter
name) -> function(world), for a route that needs another record than the name's usual kind.
page_ids(vehicle, manager_tenant) -> {namespace or parameter name: value} for the page walk.
"""

from dms.core.roles import Perm


def settled_order(world) -> int:
    """A repair order of the world's vehicle taken through to settlement (printed documents)."""
    if "settled_order" not in world.built:
        from dms.scheduling.models import Technician
        from dms.workshop import services

        t = world.tenant
        order = services.repair_order_create(
            tenant=t, vehicle_id=world.vehicle.pk, mileage_km=12500, complaint="保养"
        )
        services.line_add(tenant=t, order_id=order.pk, kind="labor", description="更换机油", quantity="1",
                          unit_price="120.00")  # fmt: skip
        tech, _ = Technician.objects.get_or_create(store=t.store, user=t.user, defaults={"skills": []})
        services.order_sign(tenant=t, order_id=order.pk)
        services.order_dispatch(tenant=t, order_id=order.pk, technician_id=tech.pk)
        for step in (services.order_start, services.order_finish, services.order_qc_pass):
            step(tenant=t, order_id=order.pk)
        services.order_settle(tenant=t, order_id=order.pk, payments=[{"method": "cash", "amount": "120.00"}])
        world.built["settled_order"] = order.pk
    return world.built["settled_order"]


def floor_order(world, *, start: bool = False) -> int:
    """The world's repair order, signed and dispatched to its manager as a technician (the shop
    floor's clocking and findings need a dispatched job); started when `start`."""
    from dms.scheduling.models import Technician
    from dms.workshop import services
    from dms.workshop.models import RepairOrder, State
    from tests.test_tenancy_api import repair_order

    t, order_id = world.tenant, repair_order(world)
    tech, _ = Technician.objects.get_or_create(store=t.store, user=t.user, defaults={"skills": []})
    if RepairOrder.objects.get(pk=order_id).state == State.DRAFT:
        services.order_sign(tenant=t, order_id=order_id)
        services.order_dispatch(tenant=t, order_id=order_id, technician_id=tech.pk)
    if start and RepairOrder.objects.get(pk=order_id).state == State.DISPATCHED:
        services.order_start(tenant=t, order_id=order_id)
    return order_id


def _floor_body(body: dict, *, start: bool = False):
    return lambda w: (floor_order(w, start=start), body)[1]


RECORDS: dict = {}
PATH_RECORDS: dict = {("/documents/repair-orders/{order_id}/settlement.pdf", "order_id"): settled_order}
BODIES: dict = {
    ("POST", "/floor/orders/{order_id}/clock"): _floor_body({"action": "on"}),
    ("POST", "/floor/orders/{order_id}/findings"): _floor_body(
        {"description": "更换前刹车片", "note": "前刹车片剩 2 mm", "quantity": "1.0"}
    ),
    ("POST", "/floor/orders/{order_id}/finish"): _floor_body({}, start=True),
}
PATH_VALUES: dict = {}
ROUTE_PERMS: dict = {
    ("GET", "/comebacks"): Perm.RO_VIEW,
    ("PATCH", "/repair-orders/{order_id}/lines/{line_id}"): Perm.RO_EDIT,
    ("GET", "/quality-warranty-periods"): Perm.RO_VIEW,
    ("PUT", "/quality-warranty-periods"): Perm.QUALITY_MANAGE,  # the service and general managers
}


def page_ids(vehicle, manager) -> dict:
    from dms.workshop.models import RepairOrder

    order_id = RepairOrder.objects.filter(vehicle=vehicle).order_by("pk").values_list("pk", flat=True)[0]
    return {"documents": order_id, **_floor_pages(manager, order_id)}


def _floor_pages(manager, order_id) -> dict:
    """The shop floor's pages: an order (namespace "floor") and a finding's photo (never read: the
    outsider is turned away before the file)."""
    from django.utils import timezone

    from dms.workshop import services
    from dms.workshop.models import FindingPhoto

    line = services.line_add(tenant=manager, order_id=order_id, kind="labor", description="检查", quantity="0.5",
                             unit_price="120.00")  # fmt: skip
    photo = FindingPhoto.objects.create(order_id=order_id, line=line, image="floor/walk/none.jpg",
                                        content_type="image/jpeg", by=manager.user, at=timezone.now())  # fmt: skip
    return {"floor": order_id, "photo_id": photo.pk}
