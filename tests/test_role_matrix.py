"""Every API operation, called as every role: a role gets what its work needs and nothing more.

The operations are read from the OpenAPI document, so a new one is in the matrix without anyone
remembering it; each is declared below (or in its app's tests/tenancy_world.py, ROUTE_PERMS) with
the permission it needs, and dms/core/roles.py says which roles hold it: the expected answer of
every role follows from the roles, not from what the code happens to do today. For every operation
and every role of the store (in its own rolled-back savepoint, so that one role's change does not
change the next one's answer):

- a role without the permission is refused with 403, and nothing is written (every row of every table
  compared for the first such role: the refusal is one check, made before any work, whatever the role);
- a role with it is not refused (the request the tenancy walk builds, as that role);
- every answer that shows a customer leaves out the contact data the role may not see (the full
  mobile, the e-mail and WeChat id of the store's customers), and a technician, QC inspector or
  parts clerk never sees them at all.
"""

import pytest
from django.db import transaction

import tests.test_tenancy_api as walk
from conftest import ApiClient, make_user
from dms.core.roles import Perm, Role, permissions_for

ANY = ()  # any signed-in user of the store

# (method, path) -> the permission the operation needs (a tuple: any one of them).
ROUTE_PERMS: dict = {
    ("GET", "/me"): ANY,
    ("GET", "/brands"): ANY,
    # customers and vehicles
    ("GET", "/customers"): Perm.CUSTOMER_VIEW,
    ("POST", "/customers"): Perm.CUSTOMER_EDIT,
    ("GET", "/customers/{customer_id}"): Perm.CUSTOMER_VIEW,
    ("PATCH", "/customers/{customer_id}"): Perm.CUSTOMER_EDIT,
    ("GET", "/customers/{customer_id}/contacts"): Perm.CUSTOMER_VIEW,
    ("POST", "/customers/{customer_id}/contacts"): Perm.CONTACT_LOG,
    ("POST", "/customers/{customer_id}/consent"): Perm.CUSTOMER_EDIT,
    ("GET", "/customers/{customer_id}/history"): Perm.CUSTOMER_VIEW,
    ("GET", "/vehicles"): Perm.VEHICLE_VIEW,
    ("POST", "/vehicles"): Perm.VEHICLE_EDIT,
    ("GET", "/vehicles/{vehicle_id}"): Perm.VEHICLE_VIEW,
    ("PATCH", "/vehicles/{vehicle_id}"): Perm.VEHICLE_EDIT,
    ("GET", "/vehicles/{vehicle_id}/mileage"): Perm.VEHICLE_VIEW,
    ("POST", "/vehicles/{vehicle_id}/mileage"): Perm.VEHICLE_EDIT,
    ("POST", "/vehicles/{vehicle_id}/transfer"): Perm.VEHICLE_TRANSFER,
    ("GET", "/vehicles/{vehicle_id}/service-records"): Perm.VEHICLE_VIEW,
    ("POST", "/vehicles/{vehicle_id}/service-records"): Perm.VEHICLE_EDIT,
    # appointments and capacity
    ("GET", "/appointments/slots"): Perm.APPOINTMENT_VIEW,
    ("GET", "/appointments"): Perm.APPOINTMENT_VIEW,
    ("POST", "/appointments"): Perm.APPOINTMENT_BOOK,
    ("GET", "/appointments/{appointment_id}"): Perm.APPOINTMENT_VIEW,
    ("POST", "/appointments/{appointment_id}/actions/{action}"): Perm.APPOINTMENT_BOOK,
    ("POST", "/appointments/{appointment_id}/deposit"): Perm.APPOINTMENT_BOOK,
    ("GET", "/technicians"): Perm.APPOINTMENT_VIEW,
    # parts
    ("GET", "/parts"): Perm.PARTS_VIEW,
    ("POST", "/parts"): Perm.PARTS_MANAGE,
    ("GET", "/parts/low-stock"): Perm.PARTS_VIEW,
    ("GET", "/parts/reservations"): Perm.PARTS_VIEW,
    ("POST", "/parts/reservations/{reservation_id}/release"): (Perm.APPOINTMENT_BOOK, Perm.PARTS_MANAGE),
    ("GET", "/parts/{part_id}"): Perm.PARTS_VIEW,
    ("PATCH", "/parts/{part_id}"): Perm.PARTS_MANAGE,
    ("GET", "/parts/{part_id}/moves"): Perm.PARTS_VIEW,
    ("POST", "/parts/{part_id}/receive"): Perm.PARTS_MANAGE,
    ("POST", "/parts/{part_id}/adjust"): Perm.PARTS_MANAGE,
    ("PUT", "/parts/{part_id}/minimum"): Perm.PARTS_MANAGE,
    ("POST", "/parts/{part_id}/reservations"): (Perm.APPOINTMENT_BOOK, Perm.PARTS_MANAGE),
    ("POST", "/parts/{part_id}/issue"): Perm.PARTS_ISSUE,
    ("POST", "/parts/{part_id}/return"): Perm.PARTS_ISSUE,
    # the repair order, reception, the shop floor, documents
    ("GET", "/repair-orders"): Perm.RO_VIEW,
    ("POST", "/repair-orders"): Perm.RO_EDIT,
    ("GET", "/repair-orders/{order_id}"): Perm.RO_VIEW,
    ("POST", "/repair-orders/{order_id}/lines"): Perm.RO_EDIT,  # a technician's own job: tests of its own
    ("DELETE", "/repair-orders/{order_id}/lines/{line_id}"): Perm.RO_EDIT,
    ("POST", "/repair-orders/{order_id}/actions/{action}"): Perm.RO_EDIT,  # the walk's action: sign
    ("GET", "/repair-orders/{order_id}/events"): Perm.RO_VIEW,
    ("GET", "/labor-operations"): Perm.RO_VIEW,
    ("GET", "/floor/dispatch-board"): Perm.RO_DISPATCH,
    ("GET", "/floor/board"): Perm.RO_VIEW,
    ("GET", "/floor/my-jobs"): Perm.RO_WORK,
    (
        "POST",
        "/floor/orders/{order_id}/clock",
    ): Perm.RO_DISPATCH,  # or the technician the job is dispatched to
    ("POST", "/floor/orders/{order_id}/findings"): Perm.RO_DISPATCH,  # idem
    ("POST", "/floor/orders/{order_id}/finish"): Perm.RO_DISPATCH,  # idem
    ("POST", "/floor/progress-reviews"): Perm.RO_DISPATCH,
    ("GET", "/documents/repair-orders/{order_id}/repair-order.pdf"): Perm.RO_VIEW,
    ("GET", "/documents/repair-orders/{order_id}/settlement.pdf"): Perm.RO_VIEW,
    ("GET", "/check-ins"): Perm.RO_VIEW,
    ("POST", "/check-ins"): Perm.RO_EDIT,
    ("GET", "/check-ins/{checkin_id}"): Perm.RO_VIEW,
    ("PATCH", "/check-ins/{checkin_id}"): Perm.RO_EDIT,
    ("GET", "/check-ins/{checkin_id}/photos/{photo_id}"): Perm.RO_VIEW,
    ("POST", "/check-ins/{checkin_id}/open-order"): Perm.RO_EDIT,
    ("POST", "/check-ins/{checkin_id}/signature"): Perm.RO_EDIT,
    ("POST", "/check-ins/{checkin_id}/photos"): Perm.RO_EDIT,
    ("GET", "/maintenance-packages"): Perm.RO_VIEW,
    ("POST", "/maintenance-packages/{package_id}/apply"): Perm.RO_EDIT,
    ("GET", "/canned-jobs"): Perm.RO_VIEW,
    ("POST", "/canned-jobs/{canned_job_id}/apply"): Perm.RO_EDIT,
    ("GET", "/recommendations"): Perm.RO_VIEW,
    ("POST", "/recommendations/{declined_line_id}/accept"): Perm.RO_EDIT,
    ("GET", "/customer-links/{order_id}"): Perm.RO_VIEW,
    ("POST", "/customer-links/{order_id}/send"): Perm.RO_EDIT,
    ("GET", "/outbound-messages"): Perm.RO_VIEW,
    ("GET", "/order-promises/at-risk"): Perm.RO_VIEW,
    ("GET", "/order-promises/{order_id}"): Perm.RO_VIEW,
    ("POST", "/order-promises/{order_id}/delay"): Perm.RO_EDIT,
    # events, messages, webhooks
    ("GET", "/events"): Perm.EVENTS_READ,
    ("POST", "/messages"): Perm.CONTACT_LOG,
    ("GET", "/messages"): Perm.CUSTOMER_VIEW,
    ("POST", "/webhooks"): Perm.EVENTS_READ,
    ("GET", "/webhooks"): Perm.EVENTS_READ,
    ("DELETE", "/webhooks/{subscription_id}"): Perm.EVENTS_READ,
    ("GET", "/webhooks/{subscription_id}/deliveries"): Perm.EVENTS_READ,
    # the relationship engine
    ("GET", "/follow-ups"): Perm.FOLLOWUP_WORK,
    ("GET", "/follow-ups/{followup_id}"): Perm.FOLLOWUP_WORK,
    ("POST", "/follow-ups/{followup_id}/outcome"): Perm.FOLLOWUP_WORK,
    ("POST", "/follow-ups/{followup_id}/close"): Perm.FOLLOWUP_WORK,
    ("POST", "/follow-ups/{followup_id}/reschedule"): Perm.FOLLOWUP_WORK,
    ("POST", "/follow-ups/{followup_id}/hand-over"): Perm.FOLLOWUP_WORK,
    ("POST", "/touch-plans/generate"): Perm.TOUCH_PLAN_MANAGE,
    ("GET", "/customer-managers"): (Perm.CM_ASSIGN, Perm.FOLLOWUP_WORK),  # whom to hand a touch over to
    ("POST", "/customer-managers/balance"): Perm.CM_ASSIGN,
    ("PUT", "/customers/{customer_id}/manager"): Perm.CM_ASSIGN,
    # satisfaction and complaints
    ("POST", "/complaints"): Perm.COMPLAINT_WORK,
    ("GET", "/complaints"): Perm.COMPLAINT_WORK,
    ("GET", "/complaints/{complaint_id}"): Perm.COMPLAINT_WORK,
    ("POST", "/complaints/{complaint_id}/actions/{action}"): Perm.COMPLAINT_WORK,
    ("PUT", "/complaints/{complaint_id}/owner"): Perm.COMPLAINT_MANAGE,
    ("GET", "/complaints/{complaint_id}/events"): Perm.COMPLAINT_WORK,
    ("GET", "/surveys"): (Perm.FOLLOWUP_WORK, Perm.COMPLAINT_WORK),
    ("POST", "/survey-responses"): (Perm.FOLLOWUP_WORK, Perm.COMPLAINT_WORK),
    ("GET", "/survey-responses"): (Perm.FOLLOWUP_WORK, Perm.COMPLAINT_WORK),
    # new-car sales
    ("POST", "/leads"): Perm.LEAD_WORK,
    ("GET", "/leads"): Perm.LEAD_WORK,
    ("GET", "/leads/{lead_id}"): Perm.LEAD_WORK,
    ("POST", "/leads/{lead_id}/actions/contact"): Perm.LEAD_WORK,
    ("POST", "/leads/{lead_id}/actions/grade"): Perm.LEAD_WORK,
    ("POST", "/leads/{lead_id}/actions/lose"): Perm.LEAD_WORK,
    ("POST", "/leads/{lead_id}/actions/confirm-lost"): Perm.LEAD_ASSIGN,
    ("POST", "/leads/{lead_id}/actions/reopen"): Perm.LEAD_WORK,
    ("POST", "/leads/{lead_id}/assign"): Perm.LEAD_ASSIGN,
    ("PATCH", "/leads/{lead_id}/needs"): Perm.LEAD_WORK,
    ("POST", "/showroom-visits"): Perm.LEAD_WORK,
    ("GET", "/showroom-visits"): Perm.LEAD_WORK,
    ("POST", "/showroom-visits/{visit_id}/leave"): Perm.LEAD_WORK,
    ("POST", "/test-drives"): Perm.LEAD_WORK,
    ("GET", "/test-drives/{test_drive_id}"): Perm.LEAD_WORK,
    ("POST", "/test-drives/{test_drive_id}/actions/finish"): Perm.LEAD_WORK,
    ("POST", "/test-drives/{test_drive_id}/agreement"): Perm.LEAD_WORK,
    ("POST", "/stock-vehicles"): Perm.STOCK_MANAGE,
    ("GET", "/stock-vehicles"): Perm.STOCK_VIEW,
    ("GET", "/stock-vehicles/{stock_vehicle_id}"): Perm.STOCK_VIEW,
    ("POST", "/stock-vehicles/{stock_vehicle_id}/actions/receive"): Perm.STOCK_MANAGE,
    ("POST", "/quotations"): Perm.QUOTE,
    ("GET", "/quotations"): Perm.QUOTE,
    ("GET", "/quotations/{quotation_id}"): Perm.QUOTE,
    ("GET", "/quotations/{quotation_id}/pdf"): Perm.QUOTE,
    ("POST", "/quotations/{quotation_id}/actions/approve"): Perm.SALES_APPROVE,
    ("POST", "/quotations/{quotation_id}/actions/decline"): Perm.SALES_APPROVE,
    ("POST", "/sales-orders"): Perm.SALES_ORDER,
    ("GET", "/sales-orders"): (Perm.SALES_ORDER, Perm.SALES_PAYMENT),
    ("GET", "/sales-orders/{sales_order_id}"): (Perm.SALES_ORDER, Perm.SALES_PAYMENT),
    ("POST", "/sales-orders/{sales_order_id}/payments"): Perm.SALES_PAYMENT,
    ("POST", "/sales-orders/{sales_order_id}/actions/allocate"): Perm.SALES_ORDER,
    ("POST", "/sales-orders/{sales_order_id}/actions/invoice"): Perm.SALES_PAYMENT,
    ("POST", "/sales-orders/{sales_order_id}/actions/deliver"): Perm.SALES_ORDER,
    ("POST", "/sales-orders/{sales_order_id}/actions/cancel"): Perm.SALES_ORDER,
    ("POST", "/sales-orders/{sales_order_id}/delivery-appointment"): Perm.SALES_ORDER,
}

# Roles that hold an operation's permission and are still refused, with the reason (a rule of the
# work, tested where it is made).
REFUSED_ALL_THE_SAME: dict = {
    # A case is worked by its owner (here the administrator who opened it) or a manager.
    ("POST", "/complaints/{complaint_id}/actions/{action}"): {
        Role.SERVICE_ADVISOR,
        Role.CUSTOMER_CARE,
        Role.SALES_CONSULTANT,
        Role.SHOWROOM_MANAGER,
        Role.CUSTOMER_MANAGER,
    },
}

# Roles that never see a customer's contact data, whatever an answer is about.
NEVER_CONTACT = {Role.TECHNICIAN, Role.QC_INSPECTOR, Role.PARTS_CLERK, Role.FOREMAN}


def _app_declarations() -> None:
    from importlib import import_module

    from django.apps import apps

    for config in apps.get_app_configs():
        if config.name.startswith("dms."):
            try:
                module = import_module(f"{config.name}.tests.tenancy_world")
            except ModuleNotFoundError:
                continue
            ROUTE_PERMS.update(getattr(module, "ROUTE_PERMS", {}))
            REFUSED_ALL_THE_SAME.update(getattr(module, "REFUSED_ALL_THE_SAME", {}))


_app_declarations()

OPERATIONS = [r for r in walk.ROUTES if not r[1].startswith("/auth/")]


def allowed(role: str, perm) -> bool:
    perms = perm if isinstance(perm, tuple) else (perm,)
    return not perms or any(p in permissions_for(role) for p in perms)


def test_every_operation_is_declared_and_every_declaration_is_an_operation():
    operations = {(m, p) for m, p, _op in OPERATIONS}
    undeclared = sorted(operations - set(ROUTE_PERMS))
    stale = sorted(set(ROUTE_PERMS) - operations)

    assert not undeclared, f"declare the permission of {undeclared} in ROUTE_PERMS ({__file__})"
    assert not stale, f"{stale} are no longer operations: remove them from ROUTE_PERMS"


def test_the_roles_differ_where_it_matters():
    # The matrix means something only if roles are refused somewhere: a technician may not edit a
    # repair order, a cashier may not read the event log, nobody outside sales quotes.
    assert not allowed(Role.TECHNICIAN, ROUTE_PERMS[("POST", "/repair-orders")])
    assert not allowed(Role.CASHIER, ROUTE_PERMS[("GET", "/events")])
    assert allowed(Role.SERVICE_ADVISOR, ROUTE_PERMS[("POST", "/repair-orders")])
    # Erasing a customer's personal data is the general manager's and the administrators' alone.
    erase = ROUTE_PERMS[("POST", "/customers/{customer_id}/erase")]
    assert [r for r in Role if allowed(r, erase)] == [Role.GENERAL_MANAGER, Role.ADMINISTRATOR]


@pytest.fixture
def ours(tenant, brand):
    world = walk.build_world(
        tenant, brand, names=["张三", "李四"], mobiles=["13812345678", "13900001111"], serial=1, wmi="LVH",
        plate="粤B12345",
    )  # fmt: skip
    from dms.customers.models import Customer

    Customer.objects.filter(pk=world.customer.pk).update(email="zhangsan@example.cn", wechat="zs_wx_2026")
    world.contact = ["13812345678", "13900001111", "zhangsan@example.cn", "zs_wx_2026"]
    return world


def _staff(world) -> dict:
    store = world.tenant.store
    return {role: ApiClient(make_user(f"matrix-{role}", store, role)) for role in Role}


@pytest.mark.parametrize("route", OPERATIONS, ids=walk.route_id)
def test_each_role_gets_what_its_permissions_allow(route, ours):
    method, path, operation = route
    perm = ROUTE_PERMS.get((method, path), "undeclared")
    if perm == "undeclared":
        pytest.fail(f"{method} {path}: declare its permission in ROUTE_PERMS ({__file__})")
    staff = _staff(ours)
    body = walk.body_for(method, path, operation, ours)
    url = walk.url_for(path, operation, ours, ours)  # every record is built before the first call
    exceptions = REFUSED_ALL_THE_SAME.get((method, path), {})
    before = walk.snapshot() if method != "GET" else None
    problems = []
    checked_unwritten = False

    for role, client in staff.items():
        savepoint = transaction.savepoint()
        try:
            r = client._call(method.lower(), url, body if method != "GET" else None)
            text = (
                r.content.decode(errors="replace")
                if r.get("Content-Type", "").startswith("application/json")
                else ""
            )
            if allowed(role, perm) and role not in exceptions:
                if r.status_code in (401, 403):
                    problems.append(f"{role}: refused ({r.status_code}) though it holds {perm}: {text[:200]}")
            else:
                if r.status_code != 403:
                    problems.append(f"{role}: {r.status_code}, not 403, without {perm}: {text[:200]}")
                elif before is not None and not checked_unwritten:
                    # Every role is refused by the same check before any work is done: the first refused
                    # role's request is compared row by row (every row of every table), the others by status.
                    checked_unwritten = True
                    if walk.snapshot() != before:
                        problems.append(f"{role}: refused, but something was written")
            hidden = (
                set(ours.contact)
                if (role in NEVER_CONTACT or Perm.CUSTOMER_SEE_CONTACT not in permissions_for(role))
                else set()
            )
            shown = [value for value in hidden if value in text]
            if shown:
                problems.append(f"{role}: sees contact data it may not: {shown}")
        finally:
            transaction.savepoint_rollback(savepoint)

    assert not problems, f"{method} {path}:\n  " + "\n  ".join(problems)
