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
    # Erase a customer's personal data at their request (PIPL art. 47): irreversible, the store's
    # responsibility, so its general manager's and administrator's alone (docs/security.md).
    CUSTOMER_ERASE = "customer.erase"
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
    # comebacks and the first-time-fix rate, the 三包 watch list, the store's quality-warranty periods
    QUALITY_MANAGE = "quality.manage"
    FOLLOWUP_WORK = "followup.work"
    # Integrations
    EVENTS_READ = "events.read"  # the store's event log (GET /api/v1/events)
    # The relationship engine (issue 13): touches, customer managers, complaints, satisfaction
    TOUCH_PLAN_MANAGE = "touchplan.manage"  # the store's touch-plan rules
    CM_ASSIGN = "cm.assign"  # assign customers to customer managers, see every portfolio
    COMPLAINT_WORK = "complaint.work"  # open a case, work the cases one owns
    COMPLAINT_MANAGE = "complaint.manage"  # own escalated cases, reassign, close any case
    SURVEY_MANAGE = "survey.manage"  # questionnaires
    CSI_REPORT = "csi.report"  # satisfaction scores by store, advisor, technician, month
    # New-car sales (issue 14)
    LEAD_WORK = "sales.lead"  # prospects, showroom traffic, needs, test drives
    LEAD_ASSIGN = "sales.assign"  # assign leads, confirm a lost prospect (战败)
    QUOTE = "sales.quote"  # quotations within the consultant's discount authority
    SALES_APPROVE = "sales.approve"  # discounts above authority
    STOCK_VIEW = "stock.view"
    STOCK_MANAGE = "stock.manage"  # new-car stock: receive, correct
    SALES_ORDER = "sales.order"  # sales orders: create, allocate a VIN, deliver
    SALES_PAYMENT = "sales.payment"  # take deposits, balances, loan disbursements; invoice
    SALES_REPORT = "sales.report"  # the funnel, pipeline, stock ageing, gross per car
    # Claims (issue 15): manufacturer warranty claims (索赔) and insurance claims (事故车)
    CLAIM_WORK = "claim.work"  # build, complete and submit claims, the insurer's documents
    CLAIM_MANAGE = "claim.manage"  # the maker's answers, money received, prices, insurers, reconciliation
    # The electronic repair record (issue 15): the province's platform settings of a store, its
    # failed uploads, retrying them, the export for stores that upload by hand
    RECORD_MANAGE = "record.manage"


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
    Perm.QUALITY_MANAGE,
}  # fmt: skip

_SALES_DESK = {Perm.LEAD_WORK, Perm.QUOTE, Perm.STOCK_VIEW, Perm.SALES_ORDER}
_SALES_MANAGER = _SALES_DESK | {
    Perm.LEAD_ASSIGN, Perm.SALES_APPROVE, Perm.STOCK_MANAGE, Perm.SALES_PAYMENT, Perm.SALES_REPORT,
}  # fmt: skip
_CLAIMS = {Perm.CLAIM_WORK, Perm.CLAIM_MANAGE}
_CARE_MANAGER = {Perm.TOUCH_PLAN_MANAGE, Perm.CM_ASSIGN, Perm.COMPLAINT_WORK, Perm.COMPLAINT_MANAGE,
                 Perm.SURVEY_MANAGE, Perm.CSI_REPORT}  # fmt: skip

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    Role.SERVICE_ADVISOR: frozenset(
        _FRONT_DESK
        | {
            Perm.VEHICLE_TRANSFER,
            Perm.APPOINTMENT_BOOK,
            Perm.RO_EDIT,
            Perm.FOLLOWUP_WORK,
            Perm.COMPLAINT_WORK,
            Perm.CLAIM_WORK,
        }
    ),
    Role.FOREMAN: frozenset(_READ | {Perm.RO_DISPATCH, Perm.RO_WORK, Perm.CAPACITY_MANAGE}),
    Role.TECHNICIAN: frozenset(_READ | {Perm.RO_WORK}),
    Role.QC_INSPECTOR: frozenset(_READ | {Perm.RO_QC}),
    Role.PARTS_CLERK: frozenset(_READ | {Perm.PARTS_MANAGE, Perm.PARTS_ISSUE}),
    Role.CASHIER: frozenset(_READ | {Perm.CUSTOMER_SEE_CONTACT, Perm.RO_SETTLE, Perm.SALES_PAYMENT}),
    Role.CUSTOMER_CARE: frozenset(
        _READ
        | {
            Perm.CUSTOMER_SEE_CONTACT,
            Perm.CONTACT_LOG,
            Perm.CUSTOMER_EDIT,
            Perm.APPOINTMENT_BOOK,
            Perm.FOLLOWUP_WORK,
            Perm.COMPLAINT_WORK,
        }
    ),
    Role.SALES_CONSULTANT: frozenset(_FRONT_DESK | _SALES_DESK | {Perm.COMPLAINT_WORK}),
    Role.SHOWROOM_MANAGER: frozenset(
        _MANAGER | _SALES_MANAGER | {Perm.CM_ASSIGN, Perm.COMPLAINT_WORK, Perm.CSI_REPORT, Perm.FOLLOWUP_WORK}
    ),
    Role.CUSTOMER_MANAGER: frozenset(
        _FRONT_DESK
        | {
            Perm.CUSTOMER_EXPORT,
            Perm.APPOINTMENT_BOOK,
            Perm.FOLLOWUP_WORK,
            Perm.COMPLAINT_WORK,
            Perm.STOCK_VIEW,
        }
    ),
    Role.SERVICE_MANAGER: frozenset(_MANAGER | _SERVICE_LOOP | _CARE_MANAGER | _CLAIMS | {Perm.EVENTS_READ}),
    Role.GENERAL_MANAGER: frozenset(
        _MANAGER
        | _SERVICE_LOOP
        | _CARE_MANAGER
        | _SALES_MANAGER
        | _CLAIMS
        | {Perm.SEGMENT_RULES, Perm.CUSTOMER_ERASE}
    ),
    Role.ADMINISTRATOR: frozenset(
        _MANAGER
        | _SERVICE_LOOP
        | _CARE_MANAGER
        | _SALES_MANAGER
        | _CLAIMS
        | {Perm.SEGMENT_RULES, Perm.ADMIN_SITE, Perm.EVENTS_READ, Perm.RECORD_MANAGE, Perm.CUSTOMER_ERASE}
    ),
}


def permissions_for(role: str) -> frozenset[str]:
    return ROLE_PERMISSIONS.get(role, frozenset())
