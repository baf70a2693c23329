"""The personal-data routes for the tenancy walk, the role matrix and schemathesis (tests/)."""

from dms.core.roles import Perm

RECORDS: dict = {}
PATH_VALUES: dict = {}
BODIES = {
    ("POST", "/customers/{customer_id}/erase"): lambda w: {"reason": "客户书面申请删除"},
}
ROUTE_PERMS = {
    ("GET", "/privacy-notices"): Perm.CUSTOMER_VIEW,
    ("POST", "/privacy-notices"): Perm.CUSTOMER_IMPORT,
    ("GET", "/erasures"): Perm.CUSTOMER_EXPORT,
    ("GET", "/customers/{customer_id}/consents"): Perm.CUSTOMER_VIEW,
    ("POST", "/customers/{customer_id}/data-export"): Perm.CUSTOMER_EXPORT,
    ("POST", "/customers/{customer_id}/erase"): Perm.CUSTOMER_ERASE,
}


def page_ids(vehicle, manager) -> dict:
    return {}  # the personal-data pages take the customer's id, which the page walk fills itself
