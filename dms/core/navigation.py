"""The navigation, by role: each entry says which permission shows it.

The top bar holds one row at 1280 px (and at a 10" tablet's 1024 px): entries of one part of the
work are grouped, and a group the user sees more than two entries of opens as a menu (a plain
<details>, keyboard accessible, no script needed). A group of one or two entries is shown flat, so
that a technician's "My jobs" or an advisor's "Workshop board" stays one click away, unless the
bar's labels in the user's language would then be too wide for one row (English labels are about
twice as wide as Chinese ones): then groups of two fold too, the last first, until they fit.
"""

import unicodedata
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .roles import Perm

FLAT_UP_TO = 2  # a group with this many visible entries or fewer is not folded into a menu
# Room for the menu's labels, in estimated pixels (see _width): what is left of a 1280 px bar when
# the brand, the search box at its narrowest, the alert badge (its count only) and a store picker
# with the user's name have theirs. Measured in Chromium: a manager's bar in English is ~800 px
# with every group of two flat, ~700 with "Customer care" folded.
MENU_BUDGET_PX = 700


@dataclass(frozen=True)
class Group:
    label: str
    entries: list


MENU = [
    ("home", _("Today"), None),
    ("customers:list", _("Customers"), Perm.CUSTOMER_VIEW),
    ("vehicles:list", _("Vehicles"), Perm.VEHICLE_VIEW),
    Group(
        _("After-sales"),
        [
            ("scheduling:board", _("Appointments"), Perm.APPOINTMENT_VIEW),
            ("reception:start", _("Reception"), Perm.RO_EDIT),
            ("workshop:list", _("Repair orders"), Perm.RO_VIEW),
            ("packages:list", _("Service packages"), Perm.RO_VIEW),
            ("claims:list", _("Claims"), (Perm.CLAIM_WORK, Perm.CLAIM_MANAGE)),
        ],
    ),
    Group(
        _("Workshop"),
        [
            ("floor:dispatch", _("Dispatch board"), Perm.RO_DISPATCH),
            ("floor:my_jobs", _("My jobs"), Perm.RO_WORK),
            ("floor:qc", _("Quality check"), Perm.RO_QC),
            ("floor:board", _("Workshop board"), Perm.RO_VIEW),
            ("workshop:comebacks", _("Comebacks and 三包"), Perm.QUALITY_MANAGE),
            ("records:list", _("Electronic repair records"), Perm.RECORD_MANAGE),
        ],
    ),
    ("parts:list", _("Parts"), Perm.PARTS_VIEW),
    Group(
        _("Sales"),
        [
            ("sales:my_day", _("My leads"), Perm.LEAD_WORK),
            ("sales:door", _("Door log"), Perm.LEAD_WORK),
            ("sales:leads", _("Prospects"), Perm.LEAD_WORK),
            ("sales:approvals", _("Sales approvals"), Perm.SALES_APPROVE),
            ("sales:stock", _("New-car stock"), Perm.STOCK_VIEW),
            ("sales:desk", _("Sales desk"), Perm.SALES_REPORT),
        ],
    ),
    Group(
        _("Customer care"),
        [
            ("followups:day", _("Follow-ups"), Perm.FOLLOWUP_WORK),  # my day; it links the store's queue
            ("satisfaction:cases", _("Complaints"), Perm.COMPLAINT_WORK),
            ("followups:team", _("Customer managers"), Perm.CM_ASSIGN),
            ("customers:import", _("Import / export"), (Perm.CUSTOMER_IMPORT, Perm.CUSTOMER_EXPORT)),
        ],
    ),
]


# Each role's home ("Today"): an app registers the page a role starts its day on (in its
# AppConfig.ready, e.g. the customer manager's "My day"); a role without one gets the search page.
HOMES: dict[str, str] = {}


def register_home(role: str, url_name: str) -> None:
    HOMES[str(role)] = url_name


def home_for(tenant) -> str | None:
    name = HOMES.get(str(tenant.role)) if tenant is not None else None
    return reverse(name) if name else None


# Panels of the home page ("Today"), first on it: an app registers a template (in its AppConfig.ready)
# and the permission that shows it; the template loads its own data (a template tag) and renders
# nothing when it has nothing to say (e.g. the open complaint cases one owns). A panel that is one
# role's queue of work (the cashier's orders to settle) names the roles too: a manager, who holds
# every permission, is not handed the queues of the whole store on their home page.
HOME_PANELS: list[tuple[str, str, frozenset[str] | None]] = []


def register_home_panel(template_name: str, perm: str, *, roles=None) -> None:
    entry = (template_name, perm, frozenset(map(str, roles)) if roles else None)
    if entry not in HOME_PANELS:
        HOME_PANELS.append(entry)


def home_panels_for(tenant) -> list[str]:
    if tenant is None:
        return []
    return [
        name for name, perm, roles in HOME_PANELS
        if tenant.can(perm) and (roles is None or str(tenant.role) in roles)
    ]  # fmt: skip


# Badges of the top bar, each an htmx fragment loaded after the page (and polled by itself), so
# that no page pays their queries: (URL name, permission that shows it).
ALERTS = [("portal:at_risk_badge", Perm.RO_EDIT)]


def alerts_for(tenant) -> list[str]:
    if tenant is None:
        return []
    return [reverse(name) for name, perm in ALERTS if tenant.can(perm)]


def _visible(tenant, entries) -> list[dict]:
    out = []
    for name, label, perm in entries:
        perms = perm if isinstance(perm, tuple) else (perm,)
        if perm is None or any(tenant.can(p) for p in perms):
            out.append({"name": name, "url": reverse(name), "label": label, "active": False})
    return out


def _mark_current(request, entries: list[dict]) -> None:
    """The entry of the page shown: the longest URL that the page's path starts with ("/" only for
    itself), else the first entry of the page's URL namespace (e.g. an order on the shop floor)."""
    path = getattr(request, "path", "")
    match = getattr(request, "resolver_match", None)
    view = match.view_name if match else ""
    found = max(
        (e for e in entries if path == e["url"] or (e["url"] != "/" and path.startswith(e["url"]))),
        key=lambda e: len(e["url"]),
        default=None,
    )
    if found is None and ":" in view:
        namespace = view.split(":")[0]
        found = next((e for e in entries if e["name"].split(":")[0] == namespace), None)
    if found is not None:
        found["active"] = True


def _width(label, menu: bool = False) -> float:
    """A label's width in the bar, estimated: a Chinese character is 1 em (16 px), any other about
    half; padding 22 px, a menu's caret 14 px more."""
    text = str(label)
    wide = sum(unicodedata.east_asian_width(ch) in "WF" for ch in text)
    return wide * 16 + (len(text) - wide) * 8.5 + 22 + (14 if menu else 0)


def _bar_width(parts: list) -> float:
    return sum(
        _width(label, menu=True) if folded else sum(_width(e["label"]) for e in visible)
        for label, visible, folded in parts
    )


def menu_for(request, tenant) -> list[dict]:
    """The top bar's items: links {name, url, label, active} and menus {label, entries, active}
    ("entries", not "items": a template would read dict.items)."""
    if tenant is None:
        return []
    parts, entries = [], []  # (group label or None, visible entries, folded into a menu)
    for node in MENU:
        if isinstance(node, Group):
            visible = _visible(tenant, node.entries)
            parts.append((node.label, visible, len(visible) > FLAT_UP_TO))
        else:
            visible = _visible(tenant, [node])
            parts.append((None, visible, False))
        entries += visible
    for i in reversed(range(len(parts))):  # too wide: fold groups of two, the last first
        if _bar_width(parts) <= MENU_BUDGET_PX:
            break
        label, visible, folded = parts[i]
        if label is not None and not folded and len(visible) > 1:
            parts[i] = (label, visible, True)
    _mark_current(request, entries)
    items = []
    for label, visible, folded in parts:
        if folded:
            items.append({"label": label, "entries": visible, "active": any(e["active"] for e in visible)})
        else:
            items += visible
    return items
