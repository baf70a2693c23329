"""This app's part of the cross-group walks (tests/test_tenancy_api.py, tests/test_tenancy_pages.py):
see dms/followups/tests/tenancy_world.py for the shape."""


def _case_for(tenant, customer) -> int:
    from dms.satisfaction.services import complaint_open

    return complaint_open(
        store=tenant.store, customer=customer, category="waiting", severity="medium", description="等待时间太长",
        actor=tenant.user,
    ).pk  # fmt: skip


def complaint(world) -> int:
    if "complaint" not in world.built:
        world.built["complaint"] = _case_for(world.tenant, world.customer)
    return world.built["complaint"]


RECORDS: dict = {"complaint_id": complaint}
BODIES: dict = {
    ("PUT", "/complaints/{complaint_id}/owner"): lambda w: {"user_id": w.tenant.user.pk},
    ("POST", "/complaints/{complaint_id}/actions/{action}"): lambda w: {},
}

# The walk's {action} by path prefix: a complaint's is "acknowledge".
ACTIONS: dict = {"/complaints": "acknowledge"}
PATH_VALUES: dict = {}


def page_ids(vehicle, manager) -> dict:
    from dms.workshop.models import RepairOrder

    # "satisfaction": this app's other parameters, an order's id (surveys/orders/<order_id>/; as a
    # survey link's token it is a forged one).
    order = RepairOrder.objects.filter(store=manager.store).order_by("pk").first()
    return {"complaint_id": _case_for(manager, vehicle.owner), "satisfaction": order.pk}
