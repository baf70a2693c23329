"""Writes of the shop floor: clocking on and off a job, pausing it with a reason, reporting a
finding with a photo, finishing the work, the QC checklist and the foreman's progress reviews.

The repair order's own steps (start, finish, QC) stay in services.py and workflow.py: this module
calls them and adds what the floor records around them (JobClock, FindingPhoto, ProgressReview).
"""

import base64
import binascii

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import Conflict, DomainError, Forbidden
from dms.core.images import reencode_photo
from dms.core.roles import Perm
from dms.core.tenancy import Tenant, get_scoped
from dms.core.validation import full_clean, invalid
from dms.scheduling.models import Technician
from dms.scheduling.selectors import store_zone

from . import selectors_floor as floor
from . import services, workflow
from .models import (
    ClockEnd,
    FindingPhoto,
    JobClock,
    LineKind,
    PauseReason,
    ProgressReview,
    RepairOrder,
    RepairOrderLine,
    State,
)  # fmt: skip

CLOCK_ACTIONS = ("on", "pause", "resume", "off")
PHOTO_MAX_BYTES = 10 * 1024 * 1024
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp", "MPO": "image/jpeg"}


def _not_now(order: RepairOrder, message) -> Conflict:
    return Conflict(message, state=order.state, allowed_actions=workflow.allowed_actions(order))


def _technician_for(tenant: Tenant, order: RepairOrder) -> Technician:
    """Whose clock it is: a technician's own job; the foreman may act for the job's technician."""
    if order.technician_id is None:
        raise _not_now(order, _("This job is not dispatched to a technician yet."))
    tech = Technician.objects.select_related("user").get(pk=order.technician_id)
    if tech.user_id == tenant.user.pk or tenant.can(Perm.RO_DISPATCH):
        return tech
    raise Forbidden(_("This job is dispatched to someone else."))


def _lock_order(tenant: Tenant, order_id) -> RepairOrder:
    return get_scoped(RepairOrder.objects.select_for_update(), tenant, pk=order_id)


def _close(clock: JobClock, at, how: str, reason: str = "", note: str = "") -> None:
    clock.ended_at, clock.ended_by, clock.pause_reason, clock.pause_note = (
        max(at, clock.started_at),
        how,
        reason,
        note,
    )
    clock.save(update_fields=["ended_at", "ended_by", "pause_reason", "pause_note"])


def job_clock(*, tenant: Tenant, order_id: int, action: str, reason: str = "", note: str = "") -> JobClock:
    """Clock on (the first time, this starts the order), pause with a reason, resume or clock off.
    A technician is clocked on one job at a time. Returns the clocking written or closed."""
    with transaction.atomic():
        order = _lock_order(tenant, order_id)
        tenant.require(Perm.RO_WORK)
        if action not in CLOCK_ACTIONS:
            raise DomainError(_("Choose one of: %(v)s.") % {"v": ", ".join(CLOCK_ACTIONS)}, field="action")
        reason, note = (reason or "").strip(), (note or "").strip()
        if action == "pause":
            errors = []
            if reason not in PauseReason.values:
                errors.append({"field": "reason", "message": _("Choose why the work pauses: %(v)s.")
                               % {"v": ", ".join(PauseReason.values)}})  # fmt: skip
            elif reason == PauseReason.OTHER and not note:
                errors.append({"field": "note", "message": _("Say why the work pauses.")})
            if len(note) > 200:
                errors.append({"field": "note", "message": _("At most %(n)s characters.") % {"n": 200}})
            if errors:
                raise invalid(errors)
        tech = _technician_for(tenant, order)
        # Lock the technician: two taps at once must not leave two clocks running.
        Technician.objects.select_for_update().filter(pk=tech.pk).first()
        now = timezone.now()
        running = (
            JobClock.objects.filter(technician=tech, ended_at__isnull=True).select_related("order").first()
        )
        if running is not None and running.order.state not in floor.WORK_STATES:
            # Left running on a job finished elsewhere: it stopped when the work was finished.
            _close(running, running.order.finished_at or now, ClockEnd.FINISH)
            running = None
        last = JobClock.objects.filter(order=order, technician=tech).order_by("-started_at", "-pk").first()
        if action in ("on", "resume"):
            if action == "resume" and not (last and last.ended_by == ClockEnd.PAUSE):
                raise _not_now(order, _("This job is not paused."))
            if running is not None:
                if running.order_id == order.pk:
                    raise _not_now(order, _("You are already clocked on this job."))
                raise _not_now(order, _("%(name)s is clocked on %(number)s: pause or clock off there first.")
                               % {"name": tech.name, "number": running.order.number})  # fmt: skip
            if order.state == State.DISPATCHED and action == "on":
                order = services.order_start(tenant=tenant, order_id=order.pk)
            elif order.state not in (State.IN_PROGRESS, State.AWAITING_APPROVAL):
                raise _not_now(order, _("Work cannot be clocked while the order is “%(s)s”.")
                               % {"s": order.get_state_display()})  # fmt: skip
            try:
                with transaction.atomic():
                    clock = JobClock.objects.create(
                        order=order, technician=tech, started_at=now, by=tenant.user
                    )
            except IntegrityError:
                raise _not_now(order, _("You are already clocked on a job.")) from None
        elif action == "pause":
            if running is None or running.order_id != order.pk:
                raise _not_now(order, _("You are not clocked on this job."))
            clock = running
            _close(clock, now, ClockEnd.PAUSE, reason, note)
        else:  # off
            if running is not None and running.order_id == order.pk:
                clock = running
                _close(clock, now, ClockEnd.OFF)
            elif last is not None and last.ended_by == ClockEnd.PAUSE:
                clock = last  # clocking off during a pause: the pause becomes the end of the day's work
                clock.ended_by = ClockEnd.OFF
                clock.save(update_fields=["ended_by"])
            else:
                raise _not_now(order, _("You are not clocked on this job."))
        workflow.record(order, tenant, f"clock-{action}", reason=note or (PauseReason(reason).label if reason else ""),
                        data={"technician": tech.name, "pause_reason": reason})  # fmt: skip
    return clock


def job_finish(*, tenant: Tenant, order_id: int, version: int | None = None) -> RepairOrder:
    """Finish the work (order_finish) and stop the clocks running on the job."""
    with transaction.atomic():
        _lock_order(tenant, order_id)
        now = timezone.now()
        for clock in JobClock.objects.filter(order_id=order_id, ended_at__isnull=True):
            _close(clock, now, ClockEnd.FINISH)
        return services.order_finish(tenant=tenant, order_id=order_id, version=version)


# --- Findings ------------------------------------------------------------------------------------------


def read_photo(data: bytes, *, field: str = "photo") -> tuple[bytes, str]:
    """The photo as it is kept and shown to the customer: at most 10 MB sent, re-encoded as a JPEG
    without its metadata (the phone's GPS position, dms.core.images), and its type. Call it before
    any transaction: it decodes the image."""
    if len(data) > PHOTO_MAX_BYTES:
        raise DomainError(_("The photo is larger than 10 MB."), field=field)
    return reencode_photo(data, field=field), "image/jpeg"


def decode_photo(text: str, *, field: str = "photo") -> bytes:
    """A photo sent in JSON: base64, optionally as a data: URL."""
    if text.startswith("data:"):
        text = text.partition(",")[2]
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise DomainError(_("Send the photo as base64."), field=field) from None


def finding_report(
    *, tenant: Tenant, order_id: int, description: str, note: str, kind: str = LineKind.LABOR, quantity=None,
    unit_price=None, labor_operation_id: int | None = None, part_id: int | None = None, photo: bytes | None = None,
) -> RepairOrderLine:  # fmt: skip
    """A technician reports work found during the repair (追加项目): an additional line (line_add
    makes it a proposal the customer decides on, unless within the pre-authorisation), with what was
    found and, optionally, a photo."""
    order = get_scoped(RepairOrder.objects, tenant, pk=order_id)
    tenant.require(Perm.RO_WORK)
    if order.state not in floor.WORK_STATES:
        raise _not_now(order, _("Findings are reported while the job is dispatched or in work."))
    _technician_for(tenant, order)
    note = (note or "").strip()
    errors = []
    if not note:
        errors.append({"field": "note", "message": _("Say what you found.")})
    content_type = ""
    if photo:
        try:
            photo, content_type = read_photo(photo)
        except DomainError as exc:
            errors.extend(exc.errors)
    if errors:
        raise invalid(errors)
    with transaction.atomic():
        line = services.line_add(
            tenant=tenant, order_id=order.pk, kind=kind, description=description, quantity=quantity,
            unit_price=unit_price, labor_operation_id=labor_operation_id, part_id=part_id, note=note,
        )  # fmt: skip
        if photo:
            shot = FindingPhoto(
                order=order, line=line, content_type=content_type, by=tenant.user, at=timezone.now()
            )
            shot.image.save("finding", ContentFile(photo), save=False)
            shot.save()
    return line


# --- QC ---------------------------------------------------------------------------------------------


def qc_checklist_ticked(*, tenant: Tenant, order_id: int, ticked) -> dict[str, bool]:
    """The QC page's ticked items as the qc-pass step's checklist (dms.workshop.actions): the page
    passes an order only with every item of its checklist ticked, and says which are not."""
    order = get_scoped(RepairOrder.objects.prefetch_related("lines__labor_operation"), tenant, pk=order_id)
    tenant.require(Perm.RO_QC)
    items = floor.qc_checklist(order)
    ticked = set(ticked or [])
    missing = [label for code, label in items if code not in ticked]
    if missing:
        raise DomainError(
            _("Tick every item, or fail the inspection. Not ticked: %(items)s.")
            % {"items": "、".join(missing)},
            field="checklist",
        )
    return {code: True for code, _label in items}


# --- Progress reviews ------------------------------------------------------------------------------------


def progress_review_record(*, tenant: Tenant, note: str = "") -> ProgressReview:
    """The foreman's progress review (10:00, 14:00, 16:30): the open and late orders at that moment."""
    tenant.require(Perm.RO_DISPATCH)
    now = timezone.now()
    open_count, late_count = floor.floor_counts(tenant, now)
    review = ProgressReview(
        store=tenant.store, at=now, slot=floor.review_slot(now.astimezone(store_zone(tenant.store))),
        by=tenant.user, note=(note or "").strip(), open_orders=open_count, late_orders=late_count,
    )  # fmt: skip
    full_clean(review, exclude=("store", "by"))
    review.save()
    return review
