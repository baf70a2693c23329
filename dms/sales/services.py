"""Writes of the showroom: prospects (leads), their contacts and grades, the door's traffic log,
the needs analysis and test drives. Offers, orders and stock: services_orders.py.

A lead is one prospect per mobile number and store: creating one for a mobile that has an open
lead answers that lead; a mobile of a known customer links the customer. New leads are assigned
round robin among the store's sales consultants (or by the showroom manager). The first contact
measures the first response time; each grade sets the next follow-up and the expected purchase
date (per store: SalesSettings). A lost prospect (战败) needs a reason and the showroom manager's
confirmation.
"""

import base64
import binascii
import io
import logging
from datetime import date, datetime, timedelta

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import DomainError, NotFound
from dms.core.events import publish
from dms.core.models import Store, User
from dms.core.roles import Perm, Role
from dms.core.tenancy import Tenant, get_scoped
from dms.core.validation import invalid
from dms.customers.models import Customer
from dms.customers.rules import validate_mobile

from . import workflow
from .models import Grade, Lead, LeadSource, Payment, SalesSettings, ShowroomVisit, TestDrive, agreement_path

log = logging.getLogger(__name__)

NOTE_MAX = 2000
MAX_SIGNATURE_BYTES = 600_000


class Unprocessable(DomainError):
    """Input that is well-formed but cannot be accepted (an expired licence): 422."""

    status = 422


def settings_for(store: Store) -> SalesSettings:
    found = SalesSettings.objects.filter(store=store).first()
    if found is None:
        found, _created = SalesSettings.objects.get_or_create(store=store)
    return found


def consultants_of(store: Store):
    return User.objects.filter(
        memberships__store=store, memberships__role=Role.SALES_CONSULTANT, is_active=True
    ).order_by("pk")


def _round_robin(store: Store) -> User | None:
    """The next sales consultant after the one last given a lead (locks the store's settings row)."""
    settings_for(store)
    rules = SalesSettings.objects.select_for_update().get(store=store)
    people = list(consultants_of(store))
    if not people:
        return None
    after = [u for u in people if rules.last_assigned_id is not None and u.pk > rules.last_assigned_id]
    chosen = after[0] if after else people[0]
    rules.last_assigned = chosen
    rules.save(update_fields=["last_assigned"])
    return chosen


def _store_user(store: Store, user_id: int, field: str) -> User:
    user = User.objects.filter(pk=user_id, memberships__store=store, is_active=True).first()
    if user is None:
        raise DomainError(_("No such colleague in this store."), field=field)
    return user


# --- Leads ------------------------------------------------------------------------------------------


def _validate_lead(name: str, mobile: str, source: str, note: str) -> tuple[str, str]:
    errors = []
    name = (name or "").strip()
    if not name:
        errors.append({"field": "name", "message": _("Enter the prospect's name.")})
    elif len(name) > 50:
        errors.append({"field": "name", "message": _("At most %(n)s characters.") % {"n": 50}})
    try:
        mobile = validate_mobile(mobile)
    except DomainError as exc:
        errors.extend(exc.errors)
    if source not in LeadSource.values:
        errors.append(
            {"field": "source", "message": _("Choose one of: %(v)s.") % {"v": ", ".join(LeadSource.values)}}
        )
    if len(note or "") > NOTE_MAX:
        errors.append({"field": "note", "message": _("At most %(n)s characters.") % {"n": NOTE_MAX}})
    if errors:
        raise invalid(errors)
    return name, mobile


def lead_create(
    *, tenant: Tenant | None, name: str, mobile: str, source: str, model_interest: str = "",
    referrer_customer_id: int | None = None, note: str = "", assigned_to_id: int | None = None,
    store: Store | None = None, vehicle_id: int | None = None,
) -> tuple[Lead, bool]:  # fmt: skip
    """Register a prospect; returns (lead, created). A mobile with an open lead in the store answers
    that lead (created False). `tenant` None: the system (a service customer handed over)."""
    if tenant is not None:
        tenant.require(Perm.LEAD_WORK)
        store = tenant.store
    name, mobile = _validate_lead(name, mobile, source, note)
    model_interest = (model_interest or "").strip()[:100]
    referrer = None
    if referrer_customer_id is not None:
        referrer = Customer.objects.filter(pk=referrer_customer_id, group_id=store.group_id).first()
        if referrer is None:
            raise NotFound(_("No such customer in your group."), field="referrer_customer_id")
    elif source == LeadSource.REFERRAL:
        raise invalid(
            [{"field": "referrer_customer_id", "message": _("Name the customer who referred them.")}]
        )
    existing = Lead.objects.filter(store=store, mobile=mobile, state__in=Lead.OPEN_STATES).first()
    if existing is not None:
        return existing, False
    assignee = None
    if assigned_to_id is not None:
        if tenant is not None and assigned_to_id != tenant.user.pk:
            tenant.require(Perm.LEAD_ASSIGN)
        assignee = _store_user(store, assigned_to_id, "assigned_to_id")
    customer = Customer.objects.filter(group_id=store.group_id, mobile=mobile).order_by("pk").first()
    now = timezone.now()
    try:
        with transaction.atomic():
            if assignee is None:
                if (
                    tenant is not None
                    and tenant.role == Role.SALES_CONSULTANT
                    and source == LeadSource.WALK_IN
                ):
                    assignee = tenant.user  # the consultant who greeted them at the door
                else:
                    assignee = _round_robin(store)
            lead = Lead.objects.create(
                store=store, name=name, mobile=mobile, source=source, customer=customer, referrer=referrer,
                model_interest=model_interest, note=(note or "").strip(), assigned_to=assignee,
                next_follow_up_at=now + timedelta(hours=1), vehicle_id=vehicle_id,
            )  # fmt: skip
            actor = tenant.user if tenant is not None else None
            workflow.history(lead, "lead", actor=actor, action="created", at=now, data={"source": source})
            publish(
                type="lead.created", store=store, subject=lead, actor=actor,
                payload={"lead_id": lead.pk, "source": source, "customer_id": lead.customer_id,
                         "assigned_to": lead.assigned_to_id, "referrer_customer_id": lead.referrer_id},
            )  # fmt: skip
    except IntegrityError:  # created meanwhile by a concurrent request
        existing = Lead.objects.filter(store=store, mobile=mobile, state__in=Lead.OPEN_STATES).first()
        if existing is None:
            raise
        return existing, False
    return lead, True


def _grade_effect(lead: Lead, grade: str, now: datetime) -> list[str]:
    rules = settings_for(lead.store)
    lead.grade = grade
    lead.next_follow_up_at = now + timedelta(days=rules.follow_days(grade))
    lead.expected_by = timezone.localdate(now) + timedelta(days=rules.buy_days(grade))
    return ["grade", "next_follow_up_at", "expected_by"]


def _check_grade(grade) -> None:
    if grade not in Grade.values:
        raise invalid(
            [{"field": "grade", "message": _("Choose one of: %(v)s.") % {"v": ", ".join(Grade.values)}}]
        )


def lead_contact(
    *, tenant: Tenant, lead_id: int, channel: str, note: str = "", grade: str | None = None,
    version: int | None = None,
) -> Lead:  # fmt: skip
    """A contact with the prospect (call, visit, message): the first one measures the first
    response time; a grade given re-grades them (the next follow-up follows the grade)."""
    note = (note or "").strip()
    if grade:
        _check_grade(grade)
    if len(note) > NOTE_MAX:
        raise invalid([{"field": "note", "message": _("At most %(n)s characters.") % {"n": NOTE_MAX}}])

    def effect(lead: Lead) -> dict:
        now = timezone.now()
        fields = []
        if lead.first_contact_at is None:
            lead.first_contact_at = now
            lead.first_response_seconds = max(int((now - lead.created_at).total_seconds()), 0)
            fields += ["first_contact_at", "first_response_seconds"]
        if grade:
            fields += _grade_effect(lead, grade, now)
        elif lead.grade:
            lead.next_follow_up_at = now + timedelta(days=settings_for(lead.store).follow_days(lead.grade))
            fields.append("next_follow_up_at")
        else:
            lead.next_follow_up_at = now + timedelta(days=1)
            fields.append("next_follow_up_at")
        return {"_fields": fields, "channel": channel, "note": note[:300], "grade": lead.grade}

    return workflow.LEAD.apply(tenant=tenant, pk=lead_id, action="contact", version=version, effect=effect)


def lead_grade(*, tenant: Tenant, lead_id: int, grade: str, version: int | None = None) -> Lead:
    _check_grade(grade)

    def effect(lead: Lead) -> dict:
        return {"_fields": _grade_effect(lead, grade, timezone.now()), "grade": grade}

    return workflow.LEAD.apply(tenant=tenant, pk=lead_id, action="grade", version=version, effect=effect)


def lead_lose(*, tenant: Tenant, lead_id: int, reason: str, version: int | None = None) -> Lead:
    """The consultant marks a prospect lost (战败) with a reason; the showroom manager confirms."""
    reason = (reason or "").strip()
    if len(reason) > 300:
        raise invalid([{"field": "reason", "message": _("At most %(n)s characters.") % {"n": 300}}])

    def effect(lead: Lead) -> dict:
        lead.lost_reason = reason
        return {"_fields": ["lost_reason"]}

    return workflow.LEAD.apply(
        tenant=tenant, pk=lead_id, action="lose", version=version, reason=reason, effect=effect
    )


def lead_confirm_lost(*, tenant: Tenant, lead_id: int, version: int | None = None) -> Lead:
    def effect(lead: Lead) -> dict:
        lead.next_follow_up_at = None
        return {"_fields": ["next_follow_up_at"], "lost_reason": lead.lost_reason}

    return workflow.LEAD.apply(
        tenant=tenant, pk=lead_id, action="confirm-lost", version=version, effect=effect
    )


def lead_reopen(*, tenant: Tenant, lead_id: int, version: int | None = None, reason: str = "") -> Lead:
    def effect(lead: Lead) -> dict:
        if (
            Lead.objects.filter(store=lead.store, mobile=lead.mobile, state__in=Lead.OPEN_STATES)
            .exclude(pk=lead.pk)
            .exists()
        ):
            raise DomainError(_("This mobile number has another open prospect."), field="mobile")
        lead.lost_at, lead.next_follow_up_at = None, timezone.now() + timedelta(days=1)
        return {"_fields": ["lost_at", "next_follow_up_at"]}

    return workflow.LEAD.apply(
        tenant=tenant, pk=lead_id, action="reopen", version=version, reason=reason, effect=effect
    )


def lead_assign(*, tenant: Tenant, lead_id: int, user_id: int) -> Lead:
    """The showroom manager gives a prospect to a consultant."""
    with transaction.atomic():
        lead = get_scoped(Lead.objects.select_for_update(), tenant, pk=lead_id)
        tenant.require(Perm.LEAD_ASSIGN)
        user = _store_user(tenant.store, user_id, "assigned_to_id")
        before = lead.assigned_to_id
        lead.assigned_to, lead.version = user, lead.version + 1
        lead.save(update_fields=["assigned_to", "version", "updated_at"])
        workflow.history(lead, "lead", actor=tenant.user, action="assigned", at=timezone.now(),
                         data={"from": before, "to": user.pk})  # fmt: skip
    return lead


NEEDS_FIELDS = (
    "budget",
    "usage",
    "family",
    "models_of_interest",
    "competing_brands",
    "payment",
    "needs_note",
)


def lead_needs(*, tenant: Tenant, lead_id: int, version: int | None = None, **changes) -> Lead:
    """The needs analysis (咨询): budget, use, family, models of interest, competing brands, payment."""
    unknown = set(changes) - set(NEEDS_FIELDS)
    if unknown:
        raise DomainError(_("Unknown fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    errors = []
    if changes.get("payment") and changes["payment"] not in Payment.values:
        errors.append(
            {"field": "payment", "message": _("Choose one of: %(v)s.") % {"v": ", ".join(Payment.values)}}
        )
    limits = {
        "usage": 100,
        "family": 100,
        "models_of_interest": 200,
        "competing_brands": 200,
        "needs_note": NOTE_MAX,
    }
    for name, limit in limits.items():
        if name in changes:
            changes[name] = (changes[name] or "").strip()
            if len(changes[name]) > limit:
                errors.append({"field": name, "message": _("At most %(n)s characters.") % {"n": limit}})
    if errors:
        raise invalid(errors)
    with transaction.atomic():
        lead = get_scoped(Lead.objects.select_for_update(), tenant, pk=lead_id)
        tenant.require(Perm.LEAD_WORK)
        if version is not None and version != lead.version:
            from dms.core.errors import stale_version

            raise stale_version(lead.version)
        for name, value in changes.items():
            setattr(lead, name, value if value is not None else ("" if name != "budget" else 0))
        lead.version += 1
        lead.save(update_fields=[*changes, "version", "updated_at"])
        workflow.history(lead, "lead", actor=tenant.user, action="needs", at=timezone.now(),
                         data={k: str(v) for k, v in changes.items()})  # fmt: skip
    return lead


# --- The door's traffic log ---------------------------------------------------------------------------


def visit_log(
    *, tenant: Tenant, party_size: int = 1, first_visit: bool = True, consultant_id: int | None = None,
    lead_id: int | None = None, note: str = "", arrived_at: datetime | None = None,
) -> ShowroomVisit:  # fmt: skip
    """A party arrives at the showroom: one tap at the door."""
    tenant.require(Perm.LEAD_WORK)
    errors = []
    if isinstance(party_size, bool) or not isinstance(party_size, int) or not 1 <= party_size <= 30:
        errors.append({"field": "party_size", "message": _("A party is 1 to 30 people.")})
    now = timezone.now()
    if arrived_at is not None and arrived_at > now + timedelta(minutes=5):
        errors.append({"field": "arrived_at", "message": _("An arrival cannot be in the future.")})
    if errors:
        raise invalid(errors)
    lead = get_scoped(Lead.objects, tenant, pk=lead_id) if lead_id is not None else None
    consultant = _store_user(tenant.store, consultant_id, "consultant_id") if consultant_id else None
    if lead is not None and consultant is None:
        consultant = lead.assigned_to
    if lead is not None and lead.visits.exists():
        first_visit = False
    return ShowroomVisit.objects.create(
        store=tenant.store, lead=lead, arrived_at=arrived_at or now, consultant=consultant,
        first_visit=first_visit, party_size=party_size, note=(note or "").strip()[:200], created_by=tenant.user,
    )  # fmt: skip


def visit_leave(*, tenant: Tenant, visit_id: int, lead_id: int | None = None) -> ShowroomVisit:
    with transaction.atomic():
        visit = get_scoped(ShowroomVisit.objects.select_for_update(), tenant, pk=visit_id)
        tenant.require(Perm.LEAD_WORK)
        fields = []
        if lead_id is not None:
            visit.lead = get_scoped(Lead.objects, tenant, pk=lead_id)
            fields.append("lead")
        if visit.left_at is None:
            visit.left_at = timezone.now()
            fields.append("left_at")
        if fields:
            visit.save(update_fields=fields)
    return visit


# --- Test drives ---------------------------------------------------------------------------------------


def _decode_png(data_url: str, *, field: str) -> bytes:
    """A PNG drawn on the tablet, sent as a data URL (as reception's check-in signature)."""
    from PIL import Image, UnidentifiedImageError

    head, sep, payload = (data_url or "").partition(",")
    if not sep or head != "data:image/png;base64":
        raise DomainError(_("Send the image as a data URL (data:image/png;base64,…)."), field=field)
    if len(payload) > MAX_SIGNATURE_BYTES * 4 // 3 + 4:
        raise DomainError(_("The image is too large."), field=field)
    try:
        raw = base64.b64decode(payload, validate=True)
        image = Image.open(io.BytesIO(raw))
        image.load()
    except (binascii.Error, ValueError, UnidentifiedImageError, OSError):
        raise DomainError(_("The signature is not a PNG image."), field=field) from None
    if image.format != "PNG" or not (50 <= image.width <= 4000 and 20 <= image.height <= 2000):
        raise DomainError(_("The signature is not a PNG image."), field=field)
    extrema = image.convert("L").getextrema() if image.mode != "RGBA" else image.getchannel("A").getextrema()
    if extrema[0] == extrema[1]:
        raise DomainError(_("The customer has not signed yet."), field=field)
    return raw


def testdrive_start(
    *, tenant: Tenant, lead_id: int, model: str, licence_no: str, licence_expires: date,
    odometer_start: int | None = None, route: str = "", signature: str = "",
) -> TestDrive:  # fmt: skip
    """A test drive starts: the licence is checked (an expired one answers 422 on licence_expires);
    the agreement the customer signed on the tablet is kept with it."""
    lead = get_scoped(Lead.objects, tenant, pk=lead_id)
    tenant.require(Perm.LEAD_WORK)
    errors = []
    model, licence_no = (model or "").strip(), (licence_no or "").strip().upper()
    if not model:
        errors.append({"field": "model", "message": _("Say which model is driven.")})
    if not (6 <= len(licence_no) <= 30):
        errors.append({"field": "licence_no", "message": _("Enter the driving licence number.")})
    if licence_expires is None or licence_expires < timezone.localdate():
        errors.append(
            {"field": "licence_expires", "message": _("The driving licence has expired: no test drive.")}
        )
    if odometer_start is not None and not 0 <= odometer_start <= 2_000_000:
        errors.append({"field": "odometer_start", "message": _("Enter the odometer in km.")})
    if len(route) > 200:
        errors.append({"field": "route", "message": _("At most %(n)s characters.") % {"n": 200}})
    if errors:
        exc = invalid(errors)
        raise Unprocessable(exc.message, errors=exc.errors)
    if lead.state not in (Lead.State.NEW, Lead.State.FOLLOWING):
        from dms.core.errors import Conflict

        raise Conflict(_("This prospect is closed: reopen it first."), state=lead.state)
    raw = _decode_png(signature, field="signature") if signature else None
    drive = TestDrive(
        store=tenant.store, lead=lead, model=model[:100], licence_no=licence_no, licence_expires=licence_expires,
        route=route.strip(), odometer_start=odometer_start, started_at=timezone.now(), consultant=tenant.user,
    )  # fmt: skip
    if raw is not None:
        drive.agreement.save(agreement_path(drive, "a.png"), ContentFile(raw), save=False)
    with transaction.atomic():
        drive.save()
        workflow.history(drive, "test_drive", actor=tenant.user, action="started", at=drive.started_at,
                         data={"lead_id": lead.pk, "model": drive.model})  # fmt: skip
        publish(type="test_drive.started", store=tenant.store, subject=drive, actor=tenant.user,
                payload={"test_drive_id": drive.pk, "lead_id": lead.pk, "model": drive.model})  # fmt: skip
    return drive


def testdrive_sign(*, tenant: Tenant, test_drive_id: int, signature: str) -> TestDrive:
    """The customer signs the test-drive agreement on the tablet (once)."""
    drive = get_scoped(TestDrive.objects, tenant, pk=test_drive_id)
    tenant.require(Perm.LEAD_WORK)
    raw = _decode_png(signature, field="signature")
    if drive.agreement:
        from dms.core.errors import Conflict

        raise Conflict(_("The agreement is signed already."), field="signature")
    field = TestDrive._meta.get_field("agreement")
    name = field.storage.save(agreement_path(drive, "a.png"), ContentFile(raw))
    with transaction.atomic():
        TestDrive.objects.filter(pk=drive.pk).update(agreement=name, version=drive.version + 1)
    drive.refresh_from_db()
    return drive


def testdrive_finish(
    *,
    tenant: Tenant,
    test_drive_id: int,
    odometer_end: int,
    impressions: str = "",
    version: int | None = None,
) -> TestDrive:
    impressions = (impressions or "").strip()
    if len(impressions) > NOTE_MAX:
        raise invalid([{"field": "impressions", "message": _("At most %(n)s characters.") % {"n": NOTE_MAX}}])

    def effect(drive: TestDrive) -> dict:
        if (
            isinstance(odometer_end, bool)
            or not isinstance(odometer_end, int)
            or not 0 <= odometer_end <= 2_000_000
        ):
            raise invalid([{"field": "odometer_end", "message": _("Enter the odometer in km.")}])
        if drive.odometer_start is not None and odometer_end < drive.odometer_start:
            raise invalid([{"field": "odometer_end",
                            "message": _("The odometer at the end cannot be below its start (%(km)s km).")
                            % {"km": drive.odometer_start}}])  # fmt: skip
        drive.odometer_end, drive.impressions = odometer_end, impressions
        km = odometer_end - drive.odometer_start if drive.odometer_start is not None else None
        return {"_fields": ["odometer_end", "impressions"], "km": km}

    return workflow.TEST_DRIVE.apply(
        tenant=tenant, pk=test_drive_id, action="finish", version=version, effect=effect
    )


# --- A service customer handed over by the relationship engine -----------------------------------------


def on_replacement_due(event) -> None:
    """vehicle.replacement_due {customer_id, vehicle_id, reason}: a lead of source "service" for
    the store, unless the customer's mobile has an open lead there already."""
    payload = event.payload or {}
    store = Store.objects.filter(pk=event.store_id).first() if event.store_id else None
    customer = Customer.objects.filter(pk=payload.get("customer_id"), group_id=event.group_id).first()
    if store is None or customer is None:
        log.warning("vehicle.replacement_due %s: no store or customer", event.pk)
        return
    vehicle_id = payload.get("vehicle_id")
    from dms.vehicles.models import Vehicle

    if vehicle_id and not Vehicle.objects.filter(pk=vehicle_id, group_id=event.group_id).exists():
        vehicle_id = None
    try:
        with transaction.atomic():
            lead_create(
                tenant=None, store=store, name=customer.name, mobile=customer.mobile, source=LeadSource.SERVICE,
                note=str(payload.get("reason") or "")[:NOTE_MAX], vehicle_id=vehicle_id,
            )  # fmt: skip
    except DomainError as exc:  # a customer without a valid mobile: nobody to call
        log.warning("vehicle.replacement_due %s: no lead (%s)", event.pk, exc.message)
