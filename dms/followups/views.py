"""Follow-up pages: the customer-care queue (due today, overdue, later, complaints, closed) and one
call with its outcome form. Customer care records; managers see the same queue."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dms.core.errors import DomainError
from dms.core.roles import Perm
from dms.core.shell import apply_errors, tenant_required
from dms.customers.models import Channel, PreferredTime
from dms.customers.rules import mask_mobile

from . import selectors, services
from .forms import CloseForm, OutcomeForm
from .models import FollowUp, TouchChannel
from .plans import script_for
from .views_day import touch_mode


def _how(f: FollowUp) -> str:
    """The preferred channel and time, as words: 电话 · 上午."""
    channel = dict(TouchChannel.choices).get(f.channel) or dict(Channel.choices).get(f.channel, f.channel)
    when = dict(PreferredTime.choices).get(f.preferred_time, f.preferred_time)
    return " · ".join(str(x) for x in (channel, when) if x)


def _mobile(tenant, customer) -> str:
    return customer.mobile if tenant.can(Perm.CUSTOMER_SEE_CONTACT) else mask_mobile(customer.mobile)


@tenant_required
def followup_queue(request):
    tenant = request.tenant
    tenant.require(Perm.FOLLOWUP_WORK)
    q = selectors.queue(tenant, bucket=request.GET.get("bucket", "due"))
    rows = [
        {
            "f": f,
            "mobile": _mobile(tenant, f.customer),
            "how": _how(f),
            "overdue": f.state == FollowUp.State.OPEN and f.due_at < q.day_start,
            "unreachable": f.state == FollowUp.State.DONE and f.reached is False,
            "mode": touch_mode(f),
        }
        for f in q.rows
    ]
    tabs = [
        ("due", _("Due now")), ("overdue", _("Overdue")), ("today", _("Due today")), ("later", _("Later")),
        ("complaints", _("Complaints")), ("closed", _("Closed")),
    ]  # fmt: skip
    context = {
        "queue": q,
        "rows": rows,
        "tabs": [{"key": k, "label": label, "n": q.counts[k], "active": k == q.bucket} for k, label in tabs],
        "can_see_orders": tenant.can(Perm.RO_VIEW),
    }
    return render(request, "followups/queue.html", context)


@tenant_required
def followup_detail(request, followup_id):
    tenant = request.tenant
    f = selectors.followup_get(tenant, followup_id)
    tenant.require(Perm.FOLLOWUP_WORK)
    form = OutcomeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            f = services.followup_record(tenant=tenant, followup_id=f.pk, **form.cleaned_data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            if f.state == FollowUp.State.OPEN:
                messages.info(request, _("Not reached: call again from %(t)s.") % {"t": _local(f.due_at)})
            elif f.reached is False:
                messages.warning(request, _("Not reached 3 times: closed as unreachable."))
            elif f.complaint_case_id:
                messages.warning(
                    request, _("Recorded. A complaint case was opened: it comes first on your day.")
                )
            else:
                messages.success(request, _("Recorded."))
            return redirect("followups:day" if f.assigned_to_id == tenant.user.pk else "followups:queue")
    order = f.repair_order
    context = {
        "f": f,
        "form": form,
        "close_form": CloseForm(),
        "mobile": _mobile(tenant, f.customer),
        "how": _how(f),
        "order": order,
        "lines": [ln for ln in order.lines.all() if ln.state != "declined"] if order else [],
        "is_open": f.state == FollowUp.State.OPEN,
        "unreachable": f.state == FollowUp.State.DONE and f.reached is False,
        "can_see_orders": tenant.can(Perm.RO_VIEW),
        "max_attempts": services.MAX_ATTEMPTS,
        "script": script_for(f),
        "mode": touch_mode(f),
        "asks_satisfaction": f.kind in ASKS_SATISFACTION,
        "next_steps": _next_steps(tenant, f),
    }
    return render(request, "followups/detail.html", context, status=400 if form.errors else 200)


# The touches that follow a visit or a purchase ask how satisfied the customer is; a reminder, a
# renewal or a call to a dormant customer does not (a score there would measure nothing).
ASKS_SATISFACTION = {
    FollowUp.Kind.AFTER_SERVICE,
    FollowUp.Kind.NEW_CAR,
    FollowUp.Kind.COMPLAINT,
    FollowUp.Kind.SURVEY,
}
# What the call is for, one click away: a visit to book, or a renewal to record on the vehicle file
# (the renewal rate on My day counts the vehicles whose policy expiry moved on).
BOOKS_A_VISIT = {
    FollowUp.Kind.MAINTENANCE,
    FollowUp.Kind.INSPECTION,
    FollowUp.Kind.DORMANT,
    FollowUp.Kind.KEEP_IN_TOUCH,
}


def _next_steps(tenant, f: FollowUp) -> list[tuple[str, str]]:
    if f.state != FollowUp.State.OPEN or not f.vehicle_id:
        return []
    steps = []
    if f.kind in BOOKS_A_VISIT and tenant.can(Perm.APPOINTMENT_BOOK):
        steps.append((_("Book a visit for this car"), f"{reverse('scheduling:book')}?vehicle={f.vehicle_id}"))
    if f.kind == FollowUp.Kind.INSURANCE and tenant.can(Perm.VEHICLE_EDIT):
        steps.append(
            (
                _("Renewed: record the new policy on the vehicle"),
                reverse("vehicles:edit", args=[f.vehicle_id]),
            )
        )
    return steps


def _local(dt) -> str:
    return timezone.localtime(dt).strftime("%m-%d %H:%M")


@tenant_required
@require_POST
def followup_close(request, followup_id):
    tenant = request.tenant
    f = selectors.followup_get(tenant, followup_id)
    try:
        services.followup_close(tenant=tenant, followup_id=f.pk, reason=request.POST.get("reason", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("followups:detail", followup_id=f.pk)
    messages.success(request, _("Closed without a call."))
    return redirect("followups:queue")
