"""This app's part of the cross-group walks (tests/test_tenancy_api.py, tests/test_tenancy_pages.py).

RECORDS: path parameter name -> function(world) returning the id of a record of that world
(world: tests.test_tenancy_api.World; its helpers appointment(), part(), repair_order(),
order_line() build the usual records). BODIES: (method, path) -> function(world) returning a body.
PATH_VALUES: parameter name -> function(path) returning a fixed value.
page_ids(vehicle, manager_tenant) -> {namespace or parameter name: value} for the page walk.

The portal's routes name a repair order ({order_id}, built by the workshop's world). Its pages
live under /c/, which the page walk skips (a customer link opens by its signature): the staff
pages there are walked as an outsider in dms/portal/tests/test_staff.py.
"""

from datetime import timedelta

from django.utils import timezone

RECORDS: dict = {}
BODIES: dict = {
    ("POST", "/order-promises/{order_id}/delay"): lambda w: {
        "promised_at": (timezone.now() + timedelta(days=1)).isoformat(),
        "reason": "配件明天到货",
    },
    ("POST", "/customer-links/{order_id}/send"): lambda w: {"kind": "status"},
}
PATH_VALUES: dict = {}


def page_ids(vehicle, manager) -> dict:
    return {}
