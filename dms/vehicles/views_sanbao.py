"""The service manager's list of vehicles near or past a 三包 threshold (dms/vehicles/sanbao.py)."""

from django.shortcuts import render

from dms.core.roles import Perm
from dms.core.shell import tenant_required

from . import sanbao
from .models import Vehicle

# The managers of after-sales (service manager, general manager), as the workshop's comebacks page.
WATCH_PERM = Perm.QUALITY_MANAGE


@tenant_required
def sanbao_watch(request):
    tenant = request.tenant
    tenant.require(WATCH_PERM)
    rows = sanbao.watch_list(Vehicle.objects.for_tenant(tenant))
    return render(request, "vehicles/sanbao_watch.html", {"rows": rows[:500], "count": len(rows)})
