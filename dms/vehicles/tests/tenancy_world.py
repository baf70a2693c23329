"""The vehicles app's part of the cross-group walks and the role matrix (tests/): its routes take
the world's vehicle (the walks' usual {vehicle_id}); the 三包 counters need the view permission."""

from dms.core.roles import Perm

RECORDS: dict = {}
BODIES: dict = {}
PATH_VALUES: dict = {}
ROUTE_PERMS = {("GET", "/vehicles/{vehicle_id}/sanbao"): Perm.VEHICLE_VIEW}


def page_ids(vehicle, manager) -> dict:
    return {}
