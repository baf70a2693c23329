"""Writes of complaint cases: open, take a step, escalate the late ones.

A case's deadlines come from the SLA of its severity: the store's own (ComplaintSla with the
store), else its group's, else DEFAULT_SLA. Its owner is whoever opened it when their role works
complaints, else the store's customer-care agent, else its service manager. `complaint_open` is
called by this app's pages and API, by the survey (a low overall score) and by dms.followups (a
complaint, or a satisfaction of 1 or 2, on the after-service call).
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import DomainError, Forbidden
from dms.core.events import publish
from dms.core.models import Store, StoreMembership, User
from dms.core.numbering import next_number
from dms.core.roles import Perm, Role, permissions_for
from dms.core.tenancy import Tenant, get_scoped
from dms.core.validation import collect, invalid
from dms.customers.privacy import consent_record_purpose
from dms.customers.rules import validate_mobile
from dms.customers.services import customer_for_public_form
from dms.vehicles.rules import normalize_plate
from dms.workshop.models import RepairOrder

from .models import LATE_REASONS, OPEN_STATES, CaseState, Category, Complaint, ComplaintSla, Severity, Source
from .workflow import CASE

# Hours to acknowledge and to resolve, per severity, when neither store nor group set their own.
DEFAULT_SLA: dict[str, tuple[int, int]] = {
    Severity.HIGH: (2, 24),
    Severity.MEDIUM: (8, 72),
    Severity.LOW: (24, 168),
}
DESCRIPTION_MAX = 4000
TEXT_MAX = 4000


def sla_for(store: Store, severity: str) -> tuple[int, int]:
    """(acknowledge hours, resolve hours) for a case of `severity` in `store`."""
    rows = {
        (r.store_id is not None): (r.acknowledge_hours, r.resolve_hours)
        for r in ComplaintSla.objects.filter(group_id=store.group_id, severity=severity).filter(
            store__isnull=True
        )
        | ComplaintSla.objects.filter(store=store, severity=severity)
    }
    return rows.get(True) or rows.get(False) or DEFAULT_SLA[severity]


def _member_with_role(store: Store, *roles: str) -> User | None:
    for role in roles:
        user = (
            User.objects.filter(memberships__store=store, memberships__role=role, is_active=True)
            .order_by("pk")
            .first()
        )
        if user is not None:
            return user
    return None


def service_manager_of(store: Store) -> User | None:
    """Who owns the store's escalated cases: its service manager, else its general manager."""
    return _member_with_role(store, Role.SERVICE_MANAGER, Role.GENERAL_MANAGER)


def _role_in(user: User, store: Store) -> str:
    m = StoreMembership.objects.filter(user=user, store=store).values_list("role", flat=True).first()
    return m or ""


def _can_work_complaints(user: User | None, store: Store) -> bool:
    return bool(user and user.pk and Perm.COMPLAINT_WORK in permissions_for(_role_in(user, store)))


def _default_owner(store: Store, actor: User | None) -> User | None:
    if _can_work_complaints(actor, store):
        return actor
    return _member_with_role(store, Role.CUSTOMER_CARE, Role.SERVICE_MANAGER, Role.GENERAL_MANAGER)


def _validate_open(*, store, customer, category, severity, description, repair_order, source) -> str:
    errors = []
    if category not in Category.values:
        errors.append({"field": "category", "message": _("Choose a category from the list.")})
    if severity not in Severity.values:
        errors.append({"field": "severity", "message": _("Choose a severity: low, medium or high.")})
    if source not in Source.values:
        errors.append(
            {"field": "source", "message": _("Choose a source: call, survey, counter, web or other.")}
        )
    description = (description or "").strip()
    if not description:
        errors.append({"field": "description", "message": _("Write down what the customer said.")})
    elif len(description) > DESCRIPTION_MAX:
        errors.append(
            {
                "field": "description",
                "message": _("Keep the description under %(n)d characters.") % {"n": DESCRIPTION_MAX},
            }
        )
    if customer.group_id != store.group_id:
        errors.append({"field": "customer_id", "message": _("This customer is not one of the group's.")})
    if repair_order is not None:
        if repair_order.store_id != store.pk:
            errors.append(
                {"field": "repair_order_id", "message": _("This repair order is not one of the store's.")}
            )
        elif repair_order.customer_id != customer.pk:
            errors.append(
                {"field": "repair_order_id", "message": _("This repair order belongs to another customer.")}
            )
    if errors:
        raise invalid(errors)
    return description


def complaint_open(
    *, store: Store, customer, category: str, severity: str, description: str, actor: User | None = None,
    repair_order=None, followup=None, source: str = "call", owner: User | None = None,
    now: datetime | None = None,
) -> Complaint:  # fmt: skip
    """Open a case: its deadlines from the severity's SLA, its owner (see the module doc); publishes
    `complaint.opened`. `followup` is the dms.followups FollowUp that raised it (kept by id)."""
    description = _validate_open(
        store=store, customer=customer, category=category, severity=severity, description=description,
        repair_order=repair_order, source=source,
    )  # fmt: skip
    now = now or timezone.now()
    ack_hours, resolve_hours = sla_for(store, severity)
    with transaction.atomic():
        case = Complaint(
            store=store, customer=customer, repair_order=repair_order,
            followup_id=getattr(followup, "pk", followup), source=source, category=category,
            severity=severity, description=description, owner=owner or _default_owner(store, actor),
            opened_by=actor if actor is not None and actor.pk else None, opened_at=now,
            acknowledge_by=now + timedelta(hours=ack_hours), resolve_by=now + timedelta(hours=resolve_hours),
        )  # fmt: skip
        case.number = next_number(
            store=store, kind="complaint", year=timezone.localdate(now).year, prefix="CP-"
        )
        case.save(force_insert=True)
        CASE.history(
            case, action="open", from_state="", to_state=case.state, actor=case.opened_by, at=now, reason="",
            data={"source": source},
        )  # fmt: skip
        publish(
            type="complaint.opened", store=store, subject=case, actor=actor, at=now,
            payload={
                "number": case.number, "severity": severity, "category": category, "source": source,
                "customer_id": customer.pk, "repair_order_id": getattr(repair_order, "pk", None),
                "followup_id": case.followup_id, "owner_id": case.owner_id,
                "acknowledge_by": case.acknowledge_by.isoformat(), "resolve_by": case.resolve_by.isoformat(),
            },
        )  # fmt: skip
        transaction.on_commit(_queue_sweep)
    return case


NAME_MAX = 50
WEB_SEVERITY = Severity.MEDIUM  # the customer does not rate their own case: the owner re-grades it
WEB_LINK_DAYS = 180  # a plate given on the web form links the customer's order of the last six months


def complaint_open_web(
    *, store: Store, name: str, mobile: str, category: str, description: str, consented: bool, plate: str = ""
) -> Complaint:  # fmt: skip
    """A complaint sent on the store's public web form (no sign-in): the customer is found by mobile in
    the group's file (else a file is opened with the name and the mobile), their agreement to the
    privacy notice is recorded, and a case opens with source `web`, of medium severity, linked to
    their latest repair order at this store of the plate they give (when there is one). Every bad
    field is named in one DomainError; nothing is written then."""
    errors: list[dict] = []
    name, description = (name or "").strip(), (description or "").strip()
    if not name:
        errors.append({"field": "name", "message": _("Enter your name.")})
    elif len(name) > NAME_MAX:
        errors.append(
            {"field": "name", "message": _("Keep the name under %(n)d characters.") % {"n": NAME_MAX}}
        )
    mobile = collect(errors, validate_mobile, mobile)
    if category not in Category.values:
        errors.append({"field": "category", "message": _("Choose what the complaint is about.")})
    if not description:
        errors.append({"field": "description", "message": _("Tell us what happened.")})
    elif len(description) > DESCRIPTION_MAX:
        errors.append({
            "field": "description",
            "message": _("Keep the description under %(n)d characters.") % {"n": DESCRIPTION_MAX},
        })  # fmt: skip
    plate = normalize_plate(plate or "")
    if len(plate) > 8:
        errors.append(
            {"field": "plate", "message": _("A number plate has at most 8 characters, such as 粤B12345.")}
        )
    if not consented:
        errors.append({
            "field": "consent",
            "message": _("Tick the box to agree that we use your details to handle this complaint."),
        })  # fmt: skip
    if errors:
        raise invalid(errors)
    with transaction.atomic():
        customer = customer_for_public_form(store=store, name=name, mobile=mobile)
        consent_record_purpose(
            tenant=None, customer=customer, purpose="service", granted=True, how=_("Web complaint form")
        )
        order = _recent_order(store, customer, plate) if plate else None
        if plate and order is None:  # not linked: the plate stays in the words for whoever reads them
            description = f"{description}\n" + _("(Number plate: %(plate)s)") % {"plate": plate}
        return complaint_open(
            store=store, customer=customer, category=category, severity=WEB_SEVERITY,
            description=description, repair_order=order, source=Source.WEB,
        )  # fmt: skip


def _recent_order(store: Store, customer, plate: str):
    since = timezone.now() - timedelta(days=WEB_LINK_DAYS)
    return (
        RepairOrder.objects.filter(store=store, customer=customer, vehicle__plate=plate, opened_at__gte=since)
        .order_by("-opened_at", "-pk")
        .first()
    )


def _queue_sweep() -> None:
    from .tasks import schedule_quietly  # tasks imports this module

    schedule_quietly()


def _require_owner_or_manager(tenant: Tenant, case: Complaint) -> None:
    if case.owner_id in (None, tenant.user.pk) or tenant.can(Perm.COMPLAINT_MANAGE):
        return
    raise Forbidden(
        _("This case is %(owner)s's: only they or a manager may work it.") % {"owner": case.owner}
    )


def complaint_act(
    *, tenant: Tenant, complaint_id, action: str, version: int | None = None, reason: str = "",
    root_cause: str = "", resolution: str = "",
) -> Complaint:  # fmt: skip
    """Take a step on a case (workflow.py). `resolve` needs the root cause and the resolution;
    `close` needs how the customer confirmed (reason); `reopen` needs why (reason). Only the
    case's owner or a manager works a case; anyone who works complaints may reopen one."""
    root_cause, resolution, reason = (root_cause or "").strip(), (resolution or "").strip(), (reason or "")
    now = timezone.now()

    def effect(case: Complaint) -> dict:
        if action != "reopen":
            _require_owner_or_manager(tenant, case)
        if action == "acknowledge" and case.owner_id is None:
            case.owner = tenant.user
            return {"_fields": ["owner"], "owner_id": tenant.user.pk}
        if action == "escalate":
            return _escalate_effect(case)
        if action == "resolve":
            errors = []
            for name, value in (("root_cause", root_cause), ("resolution", resolution)):
                if not value:
                    message = (
                        _("Say what caused the complaint.")
                        if name == "root_cause"
                        else _("Say what was done.")
                    )
                    errors.append({"field": name, "message": message})
                elif len(value) > TEXT_MAX:
                    errors.append(
                        {"field": name, "message": _("Keep it under %(n)d characters.") % {"n": TEXT_MAX}}
                    )
            if errors:
                raise invalid(errors)
            case.root_cause, case.resolution = root_cause, resolution
            return {"_fields": ["root_cause", "resolution"]}
        if action == "close":
            if len(reason.strip()) > TEXT_MAX:
                raise DomainError(_("Keep it under %(n)d characters.") % {"n": TEXT_MAX}, field="reason")
            case.customer_confirmation = reason.strip()
            return {"_fields": ["customer_confirmation"]}
        if action == "reopen":
            ack_hours, resolve_hours = sla_for(case.store, case.severity)
            case.acknowledge_by = now + timedelta(hours=ack_hours)
            case.resolve_by = now + timedelta(hours=resolve_hours)
            return {"_fields": ["acknowledge_by", "resolve_by"]}
        return {}

    return CASE.apply(
        tenant=tenant, pk=complaint_id, action=action, version=version, reason=reason[:300], effect=effect,
        now=now, queryset=Complaint.objects.select_related("store"),  # inner joins only: locked FOR UPDATE
    )  # fmt: skip


def _escalate_effect(case: Complaint) -> dict:
    manager = service_manager_of(case.store)
    if manager is None or manager.pk == case.owner_id:
        return {"owner_id": case.owner_id}
    previous = case.owner_id
    case.owner = manager
    return {"_fields": ["owner"], "owner_id": manager.pk, "previous_owner_id": previous}


def overdue_cases(now: datetime):
    """Cases past a deadline and not yet escalated: not acknowledged in time, or not resolved."""
    from django.db.models import Q

    return Complaint.objects.filter(
        Q(state=CaseState.OPEN, acknowledge_by__lt=now)
        | Q(state__in=[CaseState.OPEN, CaseState.ACKNOWLEDGED], resolve_by__lt=now)
    )


def complaint_escalate_overdue(*, now: datetime | None = None) -> int:
    """The worker's sweep: every case past its SLA becomes escalated and owned by its store's
    service manager (complaint.escalated, actor none). Running it twice escalates nothing twice."""
    now = now or timezone.now()
    done = 0
    for pk in overdue_cases(now).values_list("pk", flat=True).order_by("resolve_by"):
        with transaction.atomic():
            case = overdue_cases(now).select_for_update().select_related("store").filter(pk=pk).first()
            if case is None:
                continue  # worked or escalated meanwhile
            late = "acknowledge" if case.state == CaseState.OPEN and case.acknowledge_by < now else "resolve"
            CASE.step(
                case, "escalate", actor=None, store=case.store, effect=_escalate_effect, now=now,
                # The code in data is what readers see, in their language (ComplaintEvent.reason_shown);
                # the text stays for the event's payload and whoever reads the row itself.
                reason=str(LATE_REASONS[late]), data={"sla": late, "by_worker": True},
            )  # fmt: skip
            done += 1
    return done


def complaint_assign(*, tenant: Tenant, complaint_id, owner_id: int, version: int | None = None) -> Complaint:
    """A manager hands an open case to someone of the store who works complaints."""
    tenant.require(Perm.COMPLAINT_MANAGE)
    with transaction.atomic():
        case = CASE.lock(tenant, complaint_id)
        if version is not None and version != case.version:
            from dms.core.errors import stale_version

            raise stale_version(case.version)
        if case.state not in OPEN_STATES:
            raise DomainError(_("Only an open case can be handed over."), field="user_id")
        owner = User.objects.filter(pk=owner_id, memberships__store=tenant.store, is_active=True).first()
        if owner is None or not _can_work_complaints(owner, tenant.store):
            raise DomainError(_("Choose someone of this store who works complaints."), field="user_id")
        previous = case.owner_id
        case.owner = owner
        case.version += 1
        case.save(update_fields=["owner", "version", "updated_at"])
        CASE.history(
            case, action="assign", from_state=case.state, to_state=case.state, actor=tenant.user,
            at=timezone.now(), reason="", data={"owner_id": owner.pk, "previous_owner_id": previous},
        )  # fmt: skip
        return case


def get_case(tenant: Tenant, complaint_id) -> Complaint:
    return get_scoped(
        Complaint.objects.select_related("customer", "owner", "repair_order"), tenant, pk=complaint_id
    )


SLA_MAX_HOURS = 24 * 30


def sla_table(store: Store) -> list[dict]:
    """Per severity: the default, the group's and the store's hours, and which applies."""
    rows = {(r.severity, r.store_id is not None): r for r in ComplaintSla.objects.filter(group_id=store.group_id).filter(
        store__isnull=True) | ComplaintSla.objects.filter(store=store)}  # fmt: skip
    out = []
    for severity in (Severity.HIGH, Severity.MEDIUM, Severity.LOW):
        group_row, store_row = rows.get((severity, False)), rows.get((severity, True))
        applies = store_row or group_row
        out.append({
            "severity": severity, "label": Severity(severity).label, "default": DEFAULT_SLA[severity],
            "group": (group_row.acknowledge_hours, group_row.resolve_hours) if group_row else None,
            "store": (store_row.acknowledge_hours, store_row.resolve_hours) if store_row else None,
            "applies": (applies.acknowledge_hours, applies.resolve_hours) if applies else DEFAULT_SLA[severity],
        })  # fmt: skip
    return out


def sla_set(
    *, tenant: Tenant, severity: str, acknowledge_hours: int | None, resolve_hours: int | None
) -> None:
    """The store's own SLA for a severity; both hours empty: back to the group's (or the default)."""
    tenant.require(Perm.COMPLAINT_MANAGE)
    if severity not in Severity.values:
        raise DomainError(_("Choose a severity: low, medium or high."), field="severity")
    if acknowledge_hours is None and resolve_hours is None:
        ComplaintSla.objects.filter(store=tenant.store, severity=severity).delete()
        return
    errors = []
    for name, value in (("acknowledge_hours", acknowledge_hours), ("resolve_hours", resolve_hours)):
        if value is None or not 1 <= value <= SLA_MAX_HOURS:
            errors.append(
                {"field": name, "message": _("Give whole hours from 1 to %(n)d.") % {"n": SLA_MAX_HOURS}}
            )
    if not errors and acknowledge_hours > resolve_hours:
        errors.append(
            {"field": "resolve_hours", "message": _("A case cannot be resolved before it is acknowledged.")}
        )
    if errors:
        raise invalid(errors)
    ComplaintSla.objects.update_or_create(
        group_id=tenant.store.group_id, store=tenant.store, severity=severity,
        defaults={"acknowledge_hours": acknowledge_hours, "resolve_hours": resolve_hours},
    )  # fmt: skip
