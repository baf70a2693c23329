"""Writes of follow-ups: created by the steps that call for them, closed with an outcome.

An after-service call (回访) is due within 2 days of delivery. Its outcome is recorded here:
reached (satisfaction 1–5, a complaint in the customer's words) or not reached, in which case it
stays open and is due again a few hours later; after MAX_ATTEMPTS failed calls it is closed as
unreachable (state done, reached false). A customer who did not agree to be contacted is not
called: their follow-up is closed without a call.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import Conflict, DomainError
from dms.core.models import User
from dms.core.roles import Perm, Role
from dms.core.tenancy import Tenant, get_scoped
from dms.core.validation import invalid
from dms.customers.models import CustomerContact
from dms.customers.services import contact_log
from dms.satisfaction.models import Category

from .models import FollowUp

AFTER_SERVICE_WITHIN = timedelta(days=2)
MAX_ATTEMPTS = 3  # failed calls before a follow-up is closed as unreachable
RETRY_AFTER = timedelta(hours=3)
CALL_HOURS = (time(9, 0), time(20, 0))  # when customers are called, in the store's time
NOTE_MAX = 2000
COMPLAINT_AT = 2  # a satisfaction at or below this on a call opens a complaint case


def followup_create_for_delivery(
    *, order, consent: bool, channel: str, time: str, tenant: Tenant | None = None
) -> FollowUp | None:
    """Delivery creates the store's "service delivered" touches (by default the call within 2 days,
    for the store's customer-care agent). A channel or time the customer asked for at delivery
    becomes their file's preference too, and the channel of the call (phone: a call)."""
    from .generation import touches_for_event
    from .models import Trigger

    _remember_preference(order.customer, channel=channel, time=time)
    touches = touches_for_event(
        store=order.store, trigger=Trigger.SERVICE_DELIVERED, customer=order.customer, vehicle=order.vehicle,
        repair_order=order, at=timezone.now(), subject=f"ro:{order.pk}", consent=consent,
        preferred_time=time or "any",
    )  # fmt: skip
    asked = {"phone": "call", "": "call"}.get(channel or "", channel)
    calls = [f for f in touches if f.kind == FollowUp.Kind.AFTER_SERVICE]
    for f in calls:
        if asked and f.channel == "call" and asked != f.channel:
            f.channel = asked
            f.save(update_fields=["channel"])
    return calls[0] if calls else None


def _remember_preference(customer, *, channel: str, time: str) -> None:
    wanted = {"preferred_channel": channel, "preferred_time": time}
    changed = [f for f, v in wanted.items() if v and getattr(customer, f) != v]
    if changed:
        for f in changed:
            setattr(customer, f, wanted[f])
        customer.version += 1  # an open edit of the file answers 409 rather than undoing this
        customer.save(update_fields=[*changed, "version", "updated_at"])


def next_try(now: datetime, zone: str) -> datetime:
    """When to call again after no answer: a few hours later, within calling hours."""
    tz = ZoneInfo(zone or "Asia/Shanghai")
    at = (now + RETRY_AFTER).astimezone(tz)
    opens, closes = CALL_HOURS
    if at.time() >= closes:
        at = datetime.combine(at.date() + timedelta(days=1), time(10, 0), tzinfo=tz)
    elif at.time() < opens:
        at = datetime.combine(at.date(), time(10, 0), tzinfo=tz)
    return at


OUTCOMES_REACHED = ("reached", "declined", "call_back", "do_not_contact")
OUTCOMES_NOT_REACHED = ("not_reached", "wrong_number")


def _validate(
    f: FollowUp, reached, satisfaction, complaint, note: str, outcome: str, retry_at, category: str
) -> None:
    errors = []
    if not isinstance(reached, bool):
        errors.append({"field": "reached", "message": _("Say whether the customer was reached.")})
    if outcome and outcome not in OUTCOMES_REACHED + OUTCOMES_NOT_REACHED:
        errors.append({"field": "outcome", "message": _("Choose one of: %(v)s.") % {
            "v": ", ".join(OUTCOMES_REACHED + OUTCOMES_NOT_REACHED)}})  # fmt: skip
    elif outcome and (outcome in OUTCOMES_REACHED) != bool(reached):
        errors.append(
            {
                "field": "outcome",
                "message": _("This outcome does not match whether the customer was reached."),
            }
        )
    if satisfaction is not None and (
        isinstance(satisfaction, bool) or not isinstance(satisfaction, int) or not 1 <= satisfaction <= 5
    ):
        errors.append({"field": "satisfaction", "message": _("Satisfaction is a whole number from 1 to 5.")})
    elif (
        reached is True and satisfaction is None and outcome in ("", "reached")
        and f.kind == FollowUp.Kind.AFTER_SERVICE
    ):  # fmt: skip
        errors.append(
            {"field": "satisfaction", "message": _("Ask the customer how satisfied they are (1–5).")}
        )
    if reached is False and (satisfaction is not None or complaint):
        errors.append(
            {"field": "reached", "message": _("Satisfaction and complaints are recorded only when reached.")}
        )
    if complaint and not note:
        errors.append({"field": "note", "message": _("Write down the complaint in the customer's words.")})
    if category and category not in Category.values:
        errors.append({"field": "category", "message": _("Choose one of: %(v)s.") % {
            "v": ", ".join(Category.values)}})  # fmt: skip
    if outcome == "call_back" and retry_at is None:
        errors.append({"field": "retry_at", "message": _("When should the customer be called back?")})
    if retry_at is not None and retry_at <= timezone.now():
        errors.append({"field": "retry_at", "message": _("Choose a time in the future.")})
    if len(note) > NOTE_MAX:
        errors.append({"field": "note", "message": _("At most %(n)s characters.") % {"n": NOTE_MAX}})
    if errors:
        raise invalid(errors)


def _open(tenant: Tenant, followup_id: int) -> FollowUp:
    f = get_scoped(FollowUp.objects.select_for_update(), tenant, pk=followup_id)
    if f.state != FollowUp.State.OPEN:
        raise Conflict(_("This follow-up is already closed."), state=f.state)
    return f


def _open_complaint(tenant: Tenant, f: FollowUp, *, satisfaction, note: str, category: str):
    """A complaint, or a satisfaction of 1 or 2, opens a complaint case (dms.satisfaction) of the
    category the agent chose (other when none)."""
    from dms.satisfaction.services import complaint_open

    severity = "high" if satisfaction == 1 else "medium"
    description = note or _("Satisfaction %(s)d/5 on the follow-up call.") % {"s": satisfaction}
    return complaint_open(
        store=f.store, customer=f.customer, category=category or Category.OTHER, severity=severity,
        description=description, actor=tenant.user, repair_order=f.repair_order, followup=f, source="call",
    )  # fmt: skip


def _do_not_contact(tenant: Tenant, f: FollowUp, note: str) -> int:
    """The customer asks not to be contacted again: no message of any kind any more (withdrawn
    consent, opted out), and every open touch of theirs is cancelled. Returns how many."""
    from dms.messaging.services import opt_out_all

    how = _("Asked on a call not to be contacted (%(who)s)") % {"who": tenant.user}
    opt_out_all(customer=f.customer, how=how[:100], by=tenant.user)
    return (
        FollowUp.objects.filter(customer=f.customer, state=FollowUp.State.OPEN)
        .exclude(pk=f.pk)
        .update(
            state=FollowUp.State.CANCELLED, outcome=FollowUp.Outcome.DO_NOT_CONTACT, done_at=timezone.now()
        )
    )


def followup_record(
    *, tenant: Tenant, followup_id: int, reached: bool, satisfaction: int | None = None, complaint: bool = False,
    note: str = "", outcome: str = "", retry_at: datetime | None = None, category: str = "",
) -> FollowUp:  # fmt: skip
    """Record the outcome of a touch (see OUTCOMES_*). Not reached keeps it open for another
    attempt, due a few hours later (or at `retry_at`); the third failed attempt closes it as
    unreachable. "Call back at" keeps it open until `retry_at`. A complaint, or a satisfaction of
    1 or 2 (COMPLAINT_AT), opens a complaint case of `category` (a satisfaction.Category; other when
    empty; unused when no case opens), its id on the touch: `complaint_case_id`."""
    tenant.require(Perm.FOLLOWUP_WORK)
    note = (note or "").strip()
    outcome, category = outcome or "", category or ""
    with transaction.atomic():
        f = _open(tenant, followup_id)
        _validate(f, reached, satisfaction, complaint, note, outcome, retry_at, category)
        if not f.consent:
            raise Conflict(
                _("The customer did not agree to be contacted: do not call. Close it without calling."),
                field="reached",
                state=f.state,
            )
        now = timezone.now()
        label = f.get_kind_display()
        f.attempts += 1
        fields = ["attempts", "reached", "note", "outcome"]
        outcome = outcome or ("reached" if reached else "not_reached")
        f.outcome = outcome
        f.reached = reached
        if outcome == "call_back":
            f.due_at = retry_at
            fields.append("due_at")
            summary = _("%(kind)s: the customer asked to be called back.") % {"kind": label}
        elif reached:
            f.state, f.satisfaction, f.complaint = FollowUp.State.DONE, satisfaction, complaint
            f.done_at, f.done_by = now, tenant.user
            fields += ["state", "satisfaction", "complaint", "done_at", "done_by"]
            if satisfaction is not None:
                summary = (
                    _("%(kind)s: satisfaction %(s)d/5; complaint:") if complaint
                    else _("%(kind)s: satisfaction %(s)d/5.")
                ) % {"s": satisfaction, "kind": label}  # fmt: skip
            else:
                summary = _("%(kind)s: %(outcome)s") % {"kind": label, "outcome": f.get_outcome_display()}
            if complaint or (satisfaction is not None and satisfaction <= COMPLAINT_AT):
                case = _open_complaint(tenant, f, satisfaction=satisfaction, note=note, category=category)
                f.complaint, f.complaint_case_id = True, case.pk
                fields += ["complaint_case_id"]
            if outcome == "do_not_contact":
                _do_not_contact(tenant, f, note)
        elif outcome == "wrong_number":
            f.state, f.done_at, f.done_by = FollowUp.State.DONE, now, tenant.user
            fields += ["state", "done_at", "done_by"]
            summary = _("%(kind)s: wrong number.") % {"kind": label}
        else:
            if f.attempts >= MAX_ATTEMPTS and retry_at is None:
                f.state, f.done_at, f.done_by = FollowUp.State.DONE, now, tenant.user
                fields += ["state", "done_at", "done_by"]
                summary = _("%(kind)s: not reached %(n)d times, closed as unreachable.") % {
                    "n": f.attempts, "kind": label,
                }  # fmt: skip
            else:
                f.due_at = retry_at or next_try(now, tenant.store.time_zone)
                fields.append("due_at")
                summary = _("%(kind)s: not reached.") % {"kind": label}
        f.note = "\n".join(x for x in (f.note, note) if x)
        f.save(update_fields=list(dict.fromkeys(fields)))
        kind = {"call": "phone", "visit": "visit", "sms": "sms", "wechat": "wechat", "email": "email"}.get(
            f.channel,
            CustomerContact.Kind.OTHER if f.channel in ("card", "gift") else CustomerContact.Kind.PHONE,
        )
        contact_log(tenant=tenant, customer_id=f.customer_id, kind=kind, summary=f"{summary} {note}".strip())
    return f


def followup_reschedule(*, tenant: Tenant, followup_id: int, due_at: datetime, note: str = "") -> FollowUp:
    tenant.require(Perm.FOLLOWUP_WORK)
    if due_at is None:
        raise DomainError(_("Choose when."), field="due_at")
    with transaction.atomic():
        f = _open(tenant, followup_id)
        f.due_at = due_at
        note = (note or "").strip()[:NOTE_MAX]
        f.note = "\n".join(x for x in (f.note, note) if x)
        f.save(update_fields=["due_at", "note"])
    return f


def followup_hand_over(*, tenant: Tenant, followup_id: int, user_id: int, note: str = "") -> FollowUp:
    """Give the touch to a colleague of the store who may work touches."""
    tenant.require(Perm.FOLLOWUP_WORK)
    from dms.core.roles import permissions_for

    with transaction.atomic():
        f = _open(tenant, followup_id)  # another store's or group's touch: 404 before anything else
        colleague = User.objects.filter(pk=user_id, is_active=True, memberships__store=tenant.store).first()
        role = colleague.membership_in(tenant.store).role if colleague is not None else None
        if colleague is None or Perm.FOLLOWUP_WORK not in permissions_for(role):
            raise DomainError(_("Choose a colleague of this store who works follow-ups."), field="user_id")
        f.assigned_to = colleague
        note = (note or "").strip()[:NOTE_MAX]
        f.note = "\n".join(x for x in (f.note, note) if x)
        f.save(update_fields=["assigned_to", "note"])
    return f


def followup_close(*, tenant: Tenant, followup_id: int, reason: str = "") -> FollowUp:
    """Close a follow-up without calling: the customer did not agree to be contacted (or it is no
    longer needed, with a reason)."""
    tenant.require(Perm.FOLLOWUP_WORK)
    reason = (reason or "").strip()
    with transaction.atomic():
        f = _open(tenant, followup_id)
        if f.consent and not reason:
            raise DomainError(_("Say why this follow-up is closed without a call."), field="reason")
        if len(reason) > NOTE_MAX:
            raise DomainError(_("At most %(n)s characters.") % {"n": NOTE_MAX}, field="reason")
        f.state, f.done_at, f.done_by = FollowUp.State.CANCELLED, timezone.now(), tenant.user
        f.note = "\n".join(
            x for x in (f.note, reason or _("Not called: the customer did not agree to be contacted.")) if x
        )
        f.save(update_fields=["state", "done_at", "done_by", "note"])
    return f


# --- Customer managers -----------------------------------------------------------------------------


def customer_manager_assign_default(*, customer, store) -> bool:
    """Give a customer without a manager the store's least loaded one (a new car's buyer).
    Whether one was assigned."""
    from dms.customers.models import Customer

    from .portfolios import least_loaded_manager

    if customer.customer_manager_id:
        return False
    manager = least_loaded_manager(store)
    if manager is None:
        return False
    updated = Customer.objects.filter(pk=customer.pk, customer_manager__isnull=True).update(
        customer_manager=manager, version=models.F("version") + 1
    )
    if updated:
        customer.customer_manager = manager
        customer.version += 1
    return bool(updated)


def portfolio_review_hand_in(*, tenant: Tenant, note: str = ""):
    """The customer manager hands in this month's information update (by the 15th, seed 003):
    how many customers they hold and how many files were brought up to date this month."""
    from dms.customers.models import Customer

    from .models import PortfolioReview
    from .portfolios import month_bounds

    if tenant.role != Role.CUSTOMER_MANAGER:
        raise DomainError(_("Only a customer manager hands in a monthly information update."))
    first, start, end = month_bounds(tenant)
    mine = Customer.objects.filter(group_id=tenant.group_id, customer_manager=tenant.user)
    review, created = PortfolioReview.objects.get_or_create(
        store=tenant.store, manager=tenant.user, month=first,
        defaults={"customers": mine.count(), "updated": mine.filter(updated_at__gte=start, updated_at__lt=end).count(),
                  "note": (note or "").strip()[:NOTE_MAX], "completed_at": timezone.now()},
    )  # fmt: skip
    if not created:
        raise Conflict(_("This month's update was already handed in."))
    return review


def toolkit_record(*, tenant: Tenant, customer_id, tool: str, note: str = ""):
    """Record a use of the toolkit with a customer outside a touch (a delivery photo, an invitation)."""
    from dms.customers.models import Customer

    from .models import ToolkitEntry

    tenant.require(Perm.FOLLOWUP_WORK)
    customer = get_scoped(Customer.objects, tenant, pk=customer_id)
    if tool not in ToolkitEntry.Tool.values:
        raise DomainError(
            _("Choose one of: %(v)s.") % {"v": ", ".join(ToolkitEntry.Tool.values)}, field="tool"
        )
    return ToolkitEntry.objects.create(
        store=tenant.store, customer=customer, tool=tool, note=(note or "").strip()[:200], at=timezone.now(),
        by=tenant.user,
    )  # fmt: skip


def portfolios_balance(*, tenant: Tenant, apply: bool = True) -> int | list:
    """Even out the store's portfolios (portfolios.balance_plan); CM_ASSIGN only."""
    from .portfolios import balance_apply, balance_plan

    tenant.require(Perm.CM_ASSIGN)
    plan = balance_plan(tenant.store)
    return balance_apply(tenant.store, plan) if apply else plan
