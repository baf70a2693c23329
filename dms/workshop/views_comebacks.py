"""The managers' page of comebacks (返修): per store, technician and advisor of a month, the orders
delivered, those that came back and the first-time-fix rate, with the list behind each number;
and the comebacks confirmed that month with the original order, its technician and QC inspector."""

from django.shortcuts import render
from django.utils import timezone

from dms.core.errors import DomainError
from dms.core.roles import Perm
from dms.core.shell import tenant_required

from . import comebacks

# The managers of after-sales (service manager, general manager): those who may give discounts
# beyond an advisor's authority read the workshop's quality too.
REPORT_PERM = Perm.RO_DISCOUNT_HIGH


@tenant_required
def comeback_report(request):
    tenant = request.tenant
    tenant.require(REPORT_PERM)
    month = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
    by, name = request.GET.get("by", ""), request.GET.get("name", "")
    try:
        comebacks.month_bounds(month)
    except DomainError as exc:
        month, error = timezone.localdate().strftime("%Y-%m"), exc.message
    else:
        error = ""
    context = {
        "month": month, "error": error, "report": comebacks.report(tenant, month),
        "confirmed": list(comebacks.confirmed(tenant, month)[:200]),
        "by": by if by in comebacks.BY else "", "name": name,
        "came_back": list(comebacks.came_back(tenant, month, by, name)[:200]) if by in comebacks.BY else None,
    }  # fmt: skip
    return render(request, "workshop/comebacks.html", context)
