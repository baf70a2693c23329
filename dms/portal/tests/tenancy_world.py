"""This app's part of the cross-group walks (dms/core/tests/test_tenancy.py, tests/test_tenancy_pages.py).

RECORDS: path parameter name -> function(world) returning the id of a record of that world
(world: dms.core.tests.test_tenancy.World; its helpers appointment(), part(), repair_order(),
order_line() build the usual records). BODIES: (method, path) -> function(world) returning a body.
PATH_VALUES: parameter name -> function(path) returning a fixed value.
page_ids(vehicle, manager_tenant) -> {namespace or parameter name: value} for the page walk.
"""

RECORDS: dict = {}
BODIES: dict = {}
PATH_VALUES: dict = {}


def page_ids(vehicle, manager) -> dict:
    return {}
