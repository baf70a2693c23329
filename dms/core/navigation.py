"""The navigation, by role: each entry says which permission shows it."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import Perm

MENU = [
    ("home", _("Today"), None),
    ("customers:list", _("Customers"), Perm.CUSTOMER_VIEW),
    ("vehicles:list", _("Vehicles"), Perm.VEHICLE_VIEW),
    ("scheduling:board", _("Appointments"), Perm.APPOINTMENT_VIEW),
    ("reception:start", _("Reception"), Perm.RO_EDIT),
    ("workshop:list", _("Repair orders"), Perm.RO_VIEW),
    ("floor:dispatch", _("Dispatch board"), Perm.RO_DISPATCH),
    ("floor:my_jobs", _("My jobs"), Perm.RO_WORK),
    ("floor:qc", _("Quality check"), Perm.RO_QC),
    ("floor:board", _("Workshop board"), Perm.RO_VIEW),
    ("parts:list", _("Parts"), Perm.PARTS_VIEW),
    ("packages:list", _("Service packages"), Perm.RO_VIEW),
    ("followups:queue", _("Follow-ups"), Perm.FOLLOWUP_WORK),
    ("customers:import", _("Import / export"), (Perm.CUSTOMER_IMPORT, Perm.CUSTOMER_EXPORT)),
]


def menu_for(request, tenant) -> list[dict]:
    if tenant is None:
        return []
    current = request.resolver_match.view_name if getattr(request, "resolver_match", None) else ""
    items = []
    for name, label, perm in MENU:
        perms = perm if isinstance(perm, tuple) else (perm,)
        if perm is None or any(tenant.can(p) for p in perms):
            ns = name.split(":")[0]
            items.append(
                {
                    "url": reverse(name),
                    "label": label,
                    "active": current == name or current.startswith(ns + ":") and ns != "home",
                }
            )
    return items
