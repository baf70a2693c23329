"""My day: the touches of a customer manager, care agent or service advisor (overdue, due today,
the coming week), each with its script rendered for the customer and the behaviour-type tips, and
one-click outcomes; the open complaint cases they own come first."""

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dms.core.errors import DomainError
from dms.core.models import User
from dms.core.roles import Perm, Role, permissions_for
from dms.core.shell import tenant_required
from dms.customers.guidance import VALUE_TIER_ADVICE
from dms.customers.rules import mask_mobile

from . import selectors, services
from .models import SENDING_CHANNELS, FollowUp, TouchChannel
from .plans import rule_name, script_for


def touch_mode(f: FollowUp) -> str:
    """auto: the system sends it when due; task: a card or a gift to hand over; call: a conversation."""
    if f.rule_id and f.rule.channel in SENDING_CHANNELS:
        return "auto"
    return "task" if f.channel in (TouchChannel.CARD, TouchChannel.GIFT) else "call"


def row(tenant, f: FollowUp) -> dict:
    mobile = f.customer.mobile
    return {
        "f": f,
        "mobile": mobile if tenant.can(Perm.CUSTOMER_SEE_CONTACT) else mask_mobile(mobile),
        "script": script_for(f),
        "tier_advice": VALUE_TIER_ADVICE.get(f.customer.value_tier, ""),
        "needs_form": f.kind == FollowUp.Kind.AFTER_SERVICE or not f.consent,
        "rule_name": rule_name(f.rule),
        "mode": touch_mode(f),
    }


def colleagues(tenant) -> list[User]:
    users = User.objects.filter(memberships__store=tenant.store, is_active=True).exclude(pk=tenant.user.pk)
    users = users.prefetch_related("memberships").order_by("display_name", "username")
    return [
        u for u in users
        if (m := u.membership_in(tenant.store)) is not None and Perm.FOLLOWUP_WORK in permissions_for(m.role)
    ]  # fmt: skip


@tenant_required
def my_day(request):
    tenant = request.tenant
    tenant.require(Perm.FOLLOWUP_WORK)
    day = selectors.my_day(tenant)
    renewed, due = selectors.renewal_rate(tenant)
    context = {
        "day": day,
        "sections": [
            ("overdue", _("Overdue"), [row(tenant, f) for f in day.overdue]),
            ("today", _("Due today"), [row(tenant, f) for f in day.today]),
            ("upcoming", _("Upcoming (7 days)"), [row(tenant, f) for f in day.upcoming]),
        ],
        "renewal": {"renewed": renewed, "due": due, "rate": round(100 * renewed / due) if due else None},
        "colleagues": colleagues(tenant),
        "is_manager": tenant.role == Role.CUSTOMER_MANAGER,
        "portfolio": _portfolio_summary(tenant) if tenant.role == Role.CUSTOMER_MANAGER else None,
        "can_see_cases": tenant.can(Perm.COMPLAINT_WORK),
    }
    return render(request, "followups/day.html", context)


def _portfolio_summary(tenant):
    from .portfolios import portfolio_summary

    return portfolio_summary(tenant, tenant.user)


def _back(request, default: str = "followups:day"):
    target = request.POST.get("next") or ""
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return redirect(target)
    return redirect(default)


def _local(value: str, tenant) -> datetime | None:
    parsed = parse_datetime(value or "")
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(tenant.store.time_zone or "Asia/Shanghai"))
    return parsed


OUTCOME_MESSAGES = {
    "reached": _("Recorded: reached."),
    "declined": _("Recorded: the customer declined."),
    "not_reached": _("Not reached: due again later."),
    "wrong_number": _("Recorded: wrong number. Correct the customer's file."),
    "call_back": _("The customer will be called back at the time chosen."),
    "do_not_contact": _("The customer will not be contacted again; their open touches are cancelled."),
}


@tenant_required
@require_POST
def quick_outcome(request, followup_id):
    """One click from the day's list: reached, not reached, call back at, wrong number, declined,
    do not contact; a note and a time may come with it."""
    tenant = request.tenant
    f = selectors.followup_get(tenant, followup_id)
    outcome = request.POST.get("outcome", "")
    reached = outcome in services.OUTCOMES_REACHED
    try:
        services.followup_record(
            tenant=tenant, followup_id=f.pk, reached=reached, outcome=outcome, note=request.POST.get("note", ""),
            retry_at=_local(request.POST.get("retry_at", ""), tenant),
        )  # fmt: skip
    except DomainError as exc:
        messages.error(
            request, "; ".join(e["message"] for e in exc.as_dict().get("errors") or []) or exc.message
        )
    else:
        messages.success(request, OUTCOME_MESSAGES.get(outcome, _("Recorded.")))
    return _back(request)


@tenant_required
@require_POST
def reschedule(request, followup_id):
    tenant = request.tenant
    f = selectors.followup_get(tenant, followup_id)
    try:
        services.followup_reschedule(
            tenant=tenant, followup_id=f.pk, due_at=_local(request.POST.get("due_at", ""), tenant),
            note=request.POST.get("note", ""),
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Rescheduled."))
    return _back(request)


@tenant_required
@require_POST
def hand_over(request, followup_id):
    tenant = request.tenant
    f = selectors.followup_get(tenant, followup_id)
    try:
        services.followup_hand_over(
            tenant=tenant, followup_id=f.pk, user_id=int(request.POST.get("user_id") or 0),
            note=request.POST.get("note", ""),
        )  # fmt: skip
    except (DomainError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", _("Choose a colleague.")))
    else:
        messages.success(request, _("Handed over."))
    return _back(request)
