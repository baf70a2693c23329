"""The managers' page of comebacks (返修): per store, technician and advisor of a month, the orders
delivered, those that came back and the first-time-fix rate, with the list behind each number;
and the comebacks confirmed that month with the original order, its technician and QC inspector.
Beside it, the store's own repair-quality warranty periods (longer than the law's)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import DomainError
from dms.core.shell import tenant_required

from . import comebacks, quality

# The managers of after-sales (service manager, general manager): those who may give discounts
# beyond an advisor's authority read the workshop's quality too, and set the store's periods.
REPORT_PERM = quality.MANAGE


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
    report = comebacks.report(tenant, month)
    # The list's heading names the person as the table does (the link carries the username).
    label = next((r["label"] for r in report.get(by, ()) if r["name"] == name), name)
    context = {
        "month": month, "error": error, "report": report,
        "confirmed": list(comebacks.confirmed(tenant, month)[:200]),
        "by": by if by in comebacks.BY else "", "name": name, "label": label,
        "came_back": list(comebacks.came_back(tenant, month, by, name)[:200]) if by in comebacks.BY else None,
    }  # fmt: skip
    return render(request, "workshop/comebacks.html", context)


@tenant_required
def quality_warranty(request):
    """The store's repair-quality warranty (质量保证期) per vehicle category and kind of work: the
    law's period and the store's own, longer one, edited in one form (both left empty: the law's)."""
    tenant = request.tenant
    tenant.require(quality.MANAGE)
    rows = quality.periods(tenant.store)
    errors: dict[str, dict[str, str]] = {}
    posted, failed = None, False
    if request.method == "POST":
        posted = request.POST
        items, keys = quality.as_items(request.POST)
        try:
            quality.periods_set(tenant=tenant, items=items)
        except DomainError as exc:
            failed = True
            for e in exc.errors or [{"field": None, "message": exc.message}]:
                parts = (e.get("field") or "").split(".")  # periods.<i>.<km|days>
                if len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(keys):
                    errors.setdefault(keys[int(parts[1])], {})[parts[2]] = str(e["message"])
                else:
                    messages.error(request, str(e["message"]))
        else:
            messages.success(request, _("The store's repair-quality warranty periods are saved."))
            return redirect("workshop:quality_warranty")
    table = [
        {
            "period": p,
            "km": posted.get(f"km_{p.key}", "") if posted is not None else (p.store.km if p.store else ""),
            "days": posted.get(f"days_{p.key}", "") if posted is not None else (p.store.days if p.store else ""),
            "errors": errors.get(p.key, {}),
        }
        for p in rows
    ]  # fmt: skip
    context = {"rows": table, "store": tenant.store, "longest": quality.LONGEST}
    return render(request, "workshop/quality_warranty.html", context, status=400 if failed else 200)
