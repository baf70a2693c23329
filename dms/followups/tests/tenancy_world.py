"""This app's part of the cross-group walks (tests/test_tenancy_api.py, tests/test_tenancy_pages.py).

RECORDS: path parameter name -> function(world) returning the id of a record of that world
(world: tests.test_tenancy_api.World; its helpers appointment(), part(), repair_order(),
order_line() build the usual records). BODIES: (method, path) -> function(world) returning a body.
PATH_VALUES: parameter name -> function(path) returning a fixed value.
page_ids(vehicle, manager_tenant) -> {namespace or parameter name: value} for the page walk.
"""

from datetime import timedelta

from django.utils import timezone


def _followup_for(tenant, vehicle, *, consent: bool = True) -> int:
    """An open after-service call of the vehicle's owner in the tenant's store, due now."""
    from dms.followups.models import FollowUp

    return FollowUp.objects.create(
        store=tenant.store, kind=FollowUp.Kind.AFTER_SERVICE, customer=vehicle.owner, vehicle=vehicle,
        due_at=timezone.now(), assigned_to=tenant.user, channel="call", preferred_time="any", consent=consent,
    ).pk  # fmt: skip


def followup(world) -> int:
    if "followup" not in world.built:
        world.built["followup"] = _followup_for(world.tenant, world.vehicle)
    return world.built["followup"]


RECORDS: dict = {"followup_id": followup}
BODIES: dict = {
    ("POST", "/follow-ups/{followup_id}/outcome"): lambda w: {
        "reached": True,
        "satisfaction": 5,
        "note": "很满意",
    },
    ("POST", "/follow-ups/{followup_id}/close"): lambda w: {"reason": "客户已到店当面回访"},
    ("POST", "/follow-ups/{followup_id}/reschedule"): lambda w: {
        "due_at": (timezone.now() + timedelta(days=1)).isoformat()
    },
    ("POST", "/follow-ups/{followup_id}/hand-over"): lambda w: {"user_id": w.tenant.user.pk},
    ("PUT", "/customers/{customer_id}/manager"): lambda w: {"user_id": None},
}
PATH_VALUES: dict = {}


def page_ids(vehicle, manager) -> dict:
    return {"followup_id": _followup_for(manager, vehicle)}
