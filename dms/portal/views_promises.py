"""Staff: the top bar's badge of promised times at risk that the sweep warned the advisor of."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from dms.core.roles import Perm, Role

from . import selectors

HTMX_STOP_POLLING = 286


@never_cache
@require_GET
def at_risk_badge(request):
    """The badge (htmx: loaded after the page, then polled every minute): the orders at risk whose
    advisor was warned by the sweep. An advisor counts their own orders; anyone else who may edit
    orders (a service manager) the whole store's. Signed out, or not allowed: nothing, and the
    polling stops."""
    tenant = getattr(request, "tenant", None)
    if not request.user.is_authenticated or tenant is None or not tenant.can(Perm.RO_EDIT):
        return HttpResponse(status=HTMX_STOP_POLLING)
    mine = tenant.role == Role.SERVICE_ADVISOR
    count = selectors.warnings_open(tenant.store, timezone.now(), advisor=request.user if mine else None)
    return render(request, "portal/_at_risk_badge.html", {"count": count, "mine": mine})
