"""Complaint pages: the store's cases (open first), one case with its steps, a new case at the
counter. Everyone who works complaints sees the list; the owner or a manager works a case."""

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_http_methods, require_POST

from dms.core.errors import DomainError
from dms.core.models import User
from dms.core.roles import Perm, permissions_for
from dms.core.shell import apply_errors, tenant_required
from dms.core.tenancy import get_scoped
from dms.customers.models import Customer
from dms.customers.selectors import customer_search
from dms.workshop.models import RepairOrder

from . import selectors, services
from .api import overdue
from .forms import CaseForm, ReasonForm, ResolveForm
from .models import OPEN_STATES, CaseState
from .workflow import CASE

TABS = {
    "open": list(OPEN_STATES),
    "mine": list(OPEN_STATES),
    "escalated": [CaseState.ESCALATED],
    "done": [CaseState.RESOLVED, CaseState.CLOSED],
    "all": None,
}


@tenant_required
def case_list(request):
    tenant = request.tenant
    tenant.require(Perm.COMPLAINT_WORK)
    tab = request.GET.get("tab", "open")
    tab = tab if tab in TABS else "open"
    count, cases = selectors.case_list(
        tenant, states=TABS[tab], owner=tenant.user if tab == "mine" else None, limit=200
    )
    counts = selectors.open_counts(tenant, user=tenant.user)
    now = timezone.now()
    labels = [("open", pgettext("complaint cases", "Open")), ("mine", _("Mine")), ("escalated", _("Escalated")), ("done", _("Finished")),
              ("all", _("All"))]  # fmt: skip
    context = {
        "rows": [{"c": c, "overdue": overdue(c, now)} for c in cases],
        "count": count,
        "tabs": [{"key": k, "label": label, "n": counts.get(k), "active": k == tab} for k, label in labels],
        "can_see_orders": tenant.can(Perm.RO_VIEW),
        "can_report": tenant.can(Perm.CSI_REPORT),
        "can_manage": tenant.can(Perm.COMPLAINT_MANAGE),
    }
    return render(request, "satisfaction/cases.html", context)


HISTORY = {
    "open": gettext_lazy("Case opened"), "assign": gettext_lazy("Handed over"),
    "acknowledge": gettext_lazy("Acknowledged"), "escalate": gettext_lazy("Escalated"),
    "resolve": gettext_lazy("Resolved"), "close": gettext_lazy("Closed"), "reopen": gettext_lazy("Reopened"),
}  # fmt: skip


def history_line(e) -> str:
    """One step of the case as the reader reads it: what happened, and why (ComplaintEvent.reason_shown,
    which the API's events answer too: the worker's escalation in the reader's language)."""
    what = str(HISTORY.get(e.action, e.action))
    why = e.reason_shown
    return _("%(what)s: %(why)s") % {"what": what, "why": why} if why else what


def _detail_context(tenant, case, **forms) -> dict:
    now = timezone.now()
    allowed = CASE.allowed_actions(case, tenant, now=now)
    may_work = case.owner_id in (None, tenant.user.pk) or tenant.can(Perm.COMPLAINT_MANAGE)
    assignees = []
    if tenant.can(Perm.COMPLAINT_MANAGE) and case.is_open:
        members = User.objects.filter(memberships__store=tenant.store, is_active=True).values_list(
            "pk", "display_name", "username", "memberships__role"
        )
        assignees = [
            (pk, display or username)
            for pk, display, username, role in members.order_by("display_name", "username")
            if Perm.COMPLAINT_WORK in permissions_for(role)
        ]
    return {
        "c": case,
        "overdue": overdue(case, now),
        "history": [(e, history_line(e)) for e in case.history.select_related("by")],
        "allowed": allowed if may_work else [a for a in allowed if a == "reopen"],
        "may_work": may_work,
        "resolve_form": forms.get("resolve_form") or ResolveForm(),
        "reason_form": forms.get("reason_form") or ReasonForm(),
        "failed": forms.get("failed", ""),
        "assignees": assignees,
        "can_see_orders": tenant.can(Perm.RO_VIEW),
    }


@tenant_required
def case_detail(request, complaint_id):
    tenant = request.tenant
    case = services.get_case(tenant, complaint_id)
    tenant.require(Perm.COMPLAINT_WORK)
    return render(request, "satisfaction/case.html", _detail_context(tenant, case))


DONE = {
    "acknowledge": _("Acknowledged: tell the customer who handles the case and by when."),
    "escalate": _("Escalated to the service manager."),
    "resolve": _("Resolved. Close the case once the customer confirms the resolution."),
    "close": _("Closed."),
    "reopen": _("Reopened with new deadlines."),
}


@tenant_required
@require_POST
def case_action(request, complaint_id, action):
    tenant = request.tenant
    case = services.get_case(tenant, complaint_id)
    resolve_form = ResolveForm(request.POST if action == "resolve" else None)
    reason_form = ReasonForm(request.POST if action != "resolve" else None)
    form = resolve_form if action == "resolve" else reason_form
    if form.is_valid():
        try:
            services.complaint_act(
                tenant=tenant, complaint_id=case.pk, action=action, version=_int(request.POST.get("version")),
                **form.cleaned_data,
            )  # fmt: skip
        except DomainError as exc:
            apply_errors(form, exc)
            if not form.errors or exc.status == 409:
                messages.error(request, exc.message)
        else:
            messages.success(request, DONE.get(action, _("Done.")))
            return redirect("satisfaction:case", complaint_id=case.pk)
    case = services.get_case(tenant, complaint_id)
    context = _detail_context(tenant, case, resolve_form=resolve_form, reason_form=reason_form, failed=action)
    return render(request, "satisfaction/case.html", context, status=400 if form.errors else 409)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@tenant_required
@require_POST
def case_assign(request, complaint_id):
    tenant = request.tenant
    case = services.get_case(tenant, complaint_id)
    try:
        services.complaint_assign(
            tenant=tenant, complaint_id=case.pk, owner_id=_int(request.POST.get("owner_id")) or 0,
            version=_int(request.POST.get("version")),
        )  # fmt: skip
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Handed over."))
    return redirect("satisfaction:case", complaint_id=case.pk)


@tenant_required
def case_new(request):
    """A new case: find the customer (name, mobile, plate), then say what happened."""
    tenant = request.tenant
    tenant.require(Perm.COMPLAINT_WORK)
    customer = None
    if request.GET.get("customer") or request.POST.get("customer"):
        customer = get_scoped(
            Customer.objects, tenant, pk=request.POST.get("customer") or request.GET.get("customer")
        )
    if customer is None:
        q = request.GET.get("q", "").strip()
        found = customer_search(tenant, q, limit=20) if q else None
        return render(request, "satisfaction/new.html", {"q": q, "found": found, "customer": None})
    orders = list(
        RepairOrder.objects.for_tenant(tenant)
        .filter(Q(customer=customer) | Q(vehicle__owner=customer))
        .select_related("vehicle")
        .order_by("-opened_at")[:20]
    )
    initial = {}
    if request.GET.get("order"):
        initial["repair_order"] = request.GET["order"]
    form = CaseForm(request.POST or None, orders=orders, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        order = next((o for o in orders if o.pk == data["repair_order"]), None)
        try:
            case = services.complaint_open(
                store=tenant.store, customer=customer, category=data["category"], severity=data["severity"],
                description=data["description"], actor=tenant.user, repair_order=order, source=data["source"],
            )  # fmt: skip
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Case %(number)s opened: acknowledge the customer by %(at)s.")
                % {
                    "number": case.number,
                    "at": timezone.localtime(case.acknowledge_by).strftime("%m-%d %H:%M"),
                },
            )
            return redirect("satisfaction:case", complaint_id=case.pk)
    context = {"customer": customer, "form": form}
    return render(request, "satisfaction/new.html", context, status=400 if form.errors else 200)


@tenant_required
@require_http_methods(["GET", "POST"])
def sla(request):
    """The store's complaint SLA per severity (managers); empty fields: back to the group's."""
    tenant = request.tenant
    tenant.require(Perm.COMPLAINT_MANAGE)
    if request.method == "POST":
        try:
            services.sla_set(
                tenant=tenant, severity=request.POST.get("severity", ""),
                acknowledge_hours=_int(request.POST.get("acknowledge_hours")),
                resolve_hours=_int(request.POST.get("resolve_hours")),
            )  # fmt: skip
        except DomainError as exc:
            if exc.status == 403:
                raise
            messages.error(request, " ".join(str(e["message"]) for e in exc.errors) or str(exc.message))
        else:
            messages.success(request, _("Saved: new cases get these deadlines."))
        return redirect("satisfaction:sla")
    return render(request, "satisfaction/sla.html", {"rows": services.sla_table(tenant.store)})
