"""Customer managers' portfolios: my portfolio (customers, the toolkit per customer, the monthly
information update), and the team (every manager's load, the balancing tool) for the managers who
assign customers (CM_ASSIGN)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dms.core.errors import DomainError
from dms.core.roles import Perm, Role
from dms.core.shell import tenant_required
from dms.core.tenancy import get_scoped
from dms.customers.models import Customer

from . import portfolios, services


def _manager_for(request):
    """The portfolio shown: one's own, or (CM_ASSIGN) any manager's of the store by ?manager=."""
    tenant = request.tenant
    wanted = request.GET.get("manager") or request.POST.get("manager")
    if wanted and tenant.can(Perm.CM_ASSIGN):
        user = portfolios.managers_of(tenant.store).filter(pk=wanted if str(wanted).isdigit() else 0).first()
        if user is None:
            raise PermissionDenied
        return user
    if tenant.role != Role.CUSTOMER_MANAGER:
        if tenant.can(Perm.CM_ASSIGN):
            return None
        raise PermissionDenied
    return tenant.user


@tenant_required
def portfolio(request):
    tenant = request.tenant
    tenant.require(Perm.FOLLOWUP_WORK)
    manager = _manager_for(request)
    if manager is None:
        return redirect("followups:team")
    context = {
        "manager": manager,
        "own": manager.pk == tenant.user.pk,
        "summary": portfolios.portfolio_summary(tenant, manager),
        "customers": portfolios.portfolio_rows(tenant, manager),
        "tools": portfolios.TOOLS,
    }
    return render(request, "followups/portfolio.html", context)


@tenant_required
@require_POST
def portfolio_update(request):
    tenant = request.tenant
    try:
        services.portfolio_review_hand_in(tenant=tenant, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Monthly information update handed in."))
    return redirect("followups:portfolio")


@tenant_required
@require_POST
def toolkit_record(request, customer_id):
    tenant = request.tenant
    customer = get_scoped(Customer.objects, tenant, pk=customer_id)  # another group's: 404
    try:
        services.toolkit_record(
            tenant=tenant,
            customer_id=customer.pk,
            tool=request.POST.get("tool", ""),
            note=request.POST.get("note", ""),
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Recorded."))
    return redirect("followups:portfolio")


@tenant_required
def team(request):
    tenant = request.tenant
    tenant.require(Perm.CM_ASSIGN)
    managers = portfolios.team_rows(tenant)
    plan = portfolios.balance_plan(tenant.store)
    names = {m["user"].pk: str(m["user"]) for m in managers}
    moves_by_target: dict = {}
    for move in plan:
        key = (names.get(move["from_id"], _("(no manager)")), names.get(move["to_id"], ""))
        moves_by_target[key] = moves_by_target.get(key, 0) + 1
    context = {
        "managers": managers,
        "plan": plan,
        "plan_summary": [{"from": k[0], "to": k[1], "n": n} for k, n in sorted(moves_by_target.items())],
        "unassigned": portfolios.customers_without_manager(tenant.store).count(),
        "range": (portfolios.PORTFOLIO_MIN, portfolios.PORTFOLIO_MAX),
    }
    return render(request, "followups/team.html", context)


@tenant_required
@require_POST
def team_balance(request):
    tenant = request.tenant
    moved = services.portfolios_balance(tenant=tenant)
    messages.success(request, _("%(n)d customers moved.") % {"n": moved})
    return redirect("followups:team")
