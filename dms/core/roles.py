"""Roles (岗位) and what each may do: permissions are checked here, in Python, in one place."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SERVICE_ADVISOR = "sa", _("Service advisor")
    FOREMAN = "foreman", _("Foreman / dispatcher")
    TECHNICIAN = "technician", _("Technician")
    QC_INSPECTOR = "qc", _("QC inspector")
    PARTS_CLERK = "parts", _("Parts clerk")
    CASHIER = "cashier", _("Cashier")
    CUSTOMER_CARE = "care", _("Customer-care agent")
    SALES_CONSULTANT = "sales", _("Sales consultant")
    SHOWROOM_MANAGER = "showroom", _("Showroom manager")
    CUSTOMER_MANAGER = "cm", _("Customer manager")
    SERVICE_MANAGER = "service_manager", _("Service manager")
    GENERAL_MANAGER = "gm", _("General manager")
    ADMINISTRATOR = "admin", _("Administrator")


class Perm:
    """Permission codes. A role holds a set of these; services check them."""

    CUSTOMER_VIEW = "customer.view"
    CUSTOMER_EDIT = "customer.edit"
    CUSTOMER_SEE_CONTACT = "customer.see_contact"  # unmasked phone numbers
    CUSTOMER_EXPORT = "customer.export"
    CUSTOMER_IMPORT = "customer.import"
    CONTACT_LOG = "customer.log_contact"
    VEHICLE_VIEW = "vehicle.view"
    VEHICLE_EDIT = "vehicle.edit"
    MILEAGE_CORRECT = "vehicle.correct_mileage"
    VEHICLE_TRANSFER = "vehicle.transfer"
    SEGMENT_RULES = "segment.rules"
    ADMIN_SITE = "admin.site"
    # The service loop
    APPOINTMENT_VIEW = "appointment.view"
    APPOINTMENT_BOOK = "appointment.book"
    CAPACITY_MANAGE = "capacity.manage"
    PARTS_VIEW = "parts.view"
    PARTS_MANAGE = "parts.manage"
    PARTS_ISSUE = "parts.issue"
    RO_VIEW = "ro.view"
    RO_EDIT = "ro.edit"  # open, quote, sign, approve extra work, deliver, cancel
    RO_DISPATCH = "ro.dispatch"
    RO_WORK = "ro.work"  # start, report findings, finish
    RO_QC = "ro.qc"
    RO_SETTLE = "ro.settle"
    RO_DISCOUNT_HIGH = "ro.discount_high"  # discounts beyond the advisor's authority
    FOLLOWUP_WORK = "followup.work"
    # Integrations
    EVENTS_READ = "events.read"  # the store's event log (GET /api/v1/events)


_READ = {Perm.CUSTOMER_VIEW, Perm.VEHICLE_VIEW, Perm.APPOINTMENT_VIEW, Perm.PARTS_VIEW, Perm.RO_VIEW}
_FRONT_DESK = _READ | {
    Perm.CUSTOMER_EDIT,
    Perm.CUSTOMER_SEE_CONTACT,
    Perm.CONTACT_LOG,
    Perm.VEHICLE_EDIT,
}
_MANAGER = _FRONT_DESK | {
    Perm.CUSTOMER_EXPORT,
    Perm.CUSTOMER_IMPORT,
    Perm.MILEAGE_CORRECT,
    Perm.VEHICLE_TRANSFER,
}

_SERVICE_LOOP = {
    Perm.APPOINTMENT_BOOK, Perm.CAPACITY_MANAGE, Perm.PARTS_MANAGE, Perm.PARTS_ISSUE, Perm.RO_EDIT,
    Perm.RO_DISPATCH, Perm.RO_WORK, Perm.RO_QC, Perm.RO_SETTLE, Perm.RO_DISCOUNT_HIGH, Perm.FOLLOWUP_WORK,
}  # fmt: skip

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.SERVICE_ADVISOR: frozenset(
        _FRONT_DESK | {Perm.VEHICLE_TRANSFER, Perm.APPOINTMENT_BOOK, Perm.RO_EDIT}
    ),
    Role.FOREMAN: frozenset(_READ | {Perm.RO_DISPATCH, Perm.RO_WORK, Perm.CAPACITY_MANAGE}),
    Role.TECHNICIAN: frozenset(_READ | {Perm.RO_WORK}),
    Role.QC_INSPECTOR: frozenset(_READ | {Perm.RO_QC}),
    Role.PARTS_CLERK: frozenset(_READ | {Perm.PARTS_MANAGE, Perm.PARTS_ISSUE}),
    Role.CASHIER: frozenset(_READ | {Perm.CUSTOMER_SEE_CONTACT, Perm.RO_SETTLE}),
    Role.CUSTOMER_CARE: frozenset(
        _READ
        | {
            Perm.CUSTOMER_SEE_CONTACT,
            Perm.CONTACT_LOG,
            Perm.CUSTOMER_EDIT,
            Perm.APPOINTMENT_BOOK,
            Perm.FOLLOWUP_WORK,
        }
    ),
    Role.SALES_CONSULTANT: frozenset(_FRONT_DESK),
    Role.SHOWROOM_MANAGER: frozenset(_MANAGER),
    Role.CUSTOMER_MANAGER: frozenset(
        _FRONT_DESK | {Perm.CUSTOMER_EXPORT, Perm.APPOINTMENT_BOOK, Perm.FOLLOWUP_WORK}
    ),
    Role.SERVICE_MANAGER: frozenset(_MANAGER | _SERVICE_LOOP | {Perm.EVENTS_READ}),
    Role.GENERAL_MANAGER: frozenset(_MANAGER | _SERVICE_LOOP | {Perm.SEGMENT_RULES}),
    Role.ADMINISTRATOR: frozenset(
        _MANAGER | _SERVICE_LOOP | {Perm.SEGMENT_RULES, Perm.ADMIN_SITE, Perm.EVENTS_READ}
    ),
}


def permissions_for(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())
