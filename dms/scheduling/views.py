"""Scheduling pages: the day's appointment board, the booking screen, an appointment's page, and the
customers' own booking page (public, rate-limited)."""

from datetime import date, datetime, timedelta

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dms.core import throttle
from dms.core.errors import DomainError, Forbidden, NotFound
from dms.core.models import Store
from dms.core.roles import Perm
from dms.core.shell import apply_errors, tenant_required
from dms.customers import selectors as customer_selectors
from dms.customers.rules import mask_mobile
from dms.vehicles import selectors as vehicle_selectors

from . import selectors, services, workflow
from .forms import ActionForm, BookingForm, DepositForm, PublicBookingForm, SlotQueryForm
from .models import Appointment, Job
from .permissions import APPOINTMENT_BOOK, APPOINTMENT_VIEW

WEB_ATTEMPTS = 10  # booking attempts on the public page per hour, per IP address and per mobile number
WEB_WINDOW = 3600


def _day(raw: str | None, store: Store) -> date:
    return parse_date(raw or "") or selectors.local_today(store)


def _render(request, store: Store, template: str, context: dict, status: int = 200):
    """Render in the store's time zone: times are shown as the store's clock reads them."""
    with timezone.override(selectors.store_zone(store)):
        return render(request, template, context, status=status)


def _mobile(tenant, mobile: str) -> str:
    return mobile if tenant.can(Perm.CUSTOMER_SEE_CONTACT) else mask_mobile(mobile)


def _row(tenant, a: Appointment, now: datetime, error: str = "") -> dict:
    allowed = workflow.allowed_actions(a, now=now) if tenant.can(APPOINTMENT_BOOK) else []
    return {
        "a": a,
        "mobile": _mobile(tenant, a.customer.mobile),
        "buttons": [
            (name, workflow.TRANSITIONS[name].button)
            for name in allowed
            if name not in ("cancel", "reschedule")
        ],
        "can_cancel": "cancel" in allowed,
        "can_reschedule": "reschedule" in allowed,
        "call_due": selectors.calls_due(a, now),
        "late": a.state in (Appointment.State.BOOKED, Appointment.State.CONFIRMED) and a.start <= now,
        "error": error,
    }


# --- The board ---------------------------------------------------------------------------------------


@tenant_required
def board(request):
    """The appointment board (预约看板): the day's appointments by time, the load of each slot, the
    confirmation calls due and the late customers."""
    tenant = request.tenant
    tenant.require(APPOINTMENT_VIEW)
    day = _day(request.GET.get("date"), tenant.store)
    now = timezone.now()
    b = selectors.board(tenant, day, now=now)
    capacity = b.plan.capacity
    context = {
        "board": b,
        "day": day,
        "today": selectors.local_today(tenant.store, now),
        "prev_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "rows": [_row(tenant, a, now) for a in b.appointments],
        "to_call": [_row(tenant, a, now) for a in b.to_call],
        "late": b.late,
        "loads": [
            {
                "at": at,
                "n": n,
                "pct": min(100, round(100 * n / capacity)) if capacity else 100,
                "full": n >= capacity,
            }
            for at, n in b.loads
        ],
        "can_book": tenant.can(APPOINTMENT_BOOK),
    }
    return _render(request, tenant.store, "scheduling/board.html", context)


@tenant_required
@require_POST
def appointment_action(request, pk, action):
    """One step from the board or the appointment's page; htmx gets the row back, others a redirect."""
    tenant = request.tenant
    if action not in workflow.TRANSITIONS or action == "reschedule":
        raise Http404()
    form = ActionForm(request.POST)
    form.is_valid()
    error = ""
    try:
        workflow.appointment_transition(
            tenant=tenant, appointment_id=pk, action=action, version=form.cleaned_data.get("version"),
            reason=form.cleaned_data.get("reason", ""),
        )  # fmt: skip
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        error = str(exc.message)
    a = selectors.appointment_get(tenant, pk)
    if request.headers.get("HX-Request"):
        return _render(
            request, tenant.store, "scheduling/_row.html", {"row": _row(tenant, a, timezone.now(), error)}
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("%(vehicle)s: %(step)s.") % {
            "vehicle": a.vehicle, "step": workflow.TRANSITIONS[action].done
        })  # fmt: skip
    if request.POST.get("next") == "board":
        day = a.start.astimezone(selectors.store_zone(a.store)).date()
        return redirect(f"{reverse('scheduling:board')}?date={day.isoformat()}")
    return redirect("scheduling:detail", pk=pk)


# --- The booking screen ------------------------------------------------------------------------------


def _slot_context(tenant, query: SlotQueryForm, *, exclude_id=None, chosen=None) -> dict:
    """The slot grid of the booking screen, with each start's load."""
    if not query.is_valid():
        return {"slots": [], "plan": None, "slot_error": _("Choose a date.")}
    d = query.cleaned_data
    try:
        hours = services.clean_hours(d.get("hours"), d["job"])
    except DomainError as exc:
        return {"slots": [], "plan": None, "slot_error": exc.message}
    plan = selectors.day_plan(tenant.store, d["date"])
    found = selectors.slots(tenant.store, d["date"], hours, exclude_id=exclude_id, plan=plan)
    if not plan.opens:
        error = _("The workshop takes no appointments on this day.")
    elif plan.capacity <= 0:
        error = _("No capacity is set up for this day: ask the foreman or the service manager.")
    elif not found:
        error = _("A job this long does not fit in the opening hours.")
    else:
        error = ""
    return {
        "slots": found, "plan": plan, "hours": hours, "slot_error": error,
        "chosen": chosen.isoformat() if isinstance(chosen, datetime) else (chosen or ""),
        "proposals": selectors.free_starts(found, limit=3),
    }  # fmt: skip


@tenant_required
def book(request):
    """Find the vehicle, pick a date and a time the load allows, book. With ?reschedule=<id>, move an
    appointment to a new time."""
    tenant = request.tenant
    tenant.require(APPOINTMENT_BOOK)
    data = request.POST if request.method == "POST" else request.GET
    old = None
    if data.get("reschedule"):
        old = selectors.appointment_get(tenant, data.get("reschedule"))
    vehicle = None
    vehicle_id = old.vehicle_id if old else data.get("vehicle")
    if vehicle_id:
        vehicle = vehicle_selectors.vehicle_get(tenant, vehicle_id)
    q = request.GET.get("q", "").strip()
    search = customer_selectors.customer_search(tenant, q, limit=10) if q and vehicle is None else None
    today = selectors.local_today(tenant.store)
    initial = {
        "date": old.start.astimezone(selectors.store_zone(tenant.store)).date() if old else today,
        "job": old.job if old else Job.MAINTENANCE,
        "hours": old.hours if old else None,
        "vehicle": vehicle.pk if vehicle else None,
        "channel": Appointment.Channel.PHONE,
    }
    form = BookingForm(request.POST or None, initial=initial)
    if request.method == "POST" and vehicle is not None and form.is_valid():
        try:
            if old:
                if not form.cleaned_data.get("reason"):
                    raise DomainError(_("Say why the appointment moves."), field="reason")
                a = services.appointment_reschedule(
                    tenant=tenant, appointment_id=old.pk, start=form.cleaned_data["start"],
                    reason=form.cleaned_data["reason"], hours=form.cleaned_data.get("hours"),
                )  # fmt: skip
                messages.success(request, _("Appointment moved; the old one is cancelled."))
            else:
                a = services.appointment_create(tenant=tenant, vehicle_id=vehicle.pk, **form.service_kwargs())
                messages.success(request, _("Appointment booked."))
        except (NotFound, Forbidden):
            raise
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            return redirect("scheduling:detail", pk=a.pk)
    query = SlotQueryForm(
        {
            k: (data.get(k) if data.get(k) is not None else initial.get(k) or "")
            for k in ("date", "job", "hours")
        }
    )
    context = {
        "form": form,
        "vehicle": vehicle,
        "old": old,
        "q": q,
        "search": search,
        "rows": [{"c": c, "mobile": _mobile(tenant, c.mobile)} for c in (search.items if search else [])],
        **(_slot_context(tenant, query, exclude_id=old.pk if old else None, chosen=data.get("start"))
           if vehicle else {}),
    }  # fmt: skip
    return _render(request, tenant.store, "scheduling/book.html", context)


@tenant_required
@require_GET
def slot_grid(request):
    """The slot grid fragment, refreshed by htmx as the date or the job changes."""
    tenant = request.tenant
    tenant.require(APPOINTMENT_VIEW)
    exclude = request.GET.get("reschedule")
    if exclude:
        exclude = selectors.appointment_get(tenant, exclude).pk
    context = _slot_context(tenant, SlotQueryForm(request.GET), exclude_id=exclude or None)
    return _render(request, tenant.store, "scheduling/_slots.html", context)


# --- An appointment's page -----------------------------------------------------------------------------


@tenant_required
def appointment_detail(request, pk):
    tenant = request.tenant
    tenant.require(APPOINTMENT_VIEW)
    a = selectors.appointment_get(tenant, pk, with_events=True)
    now = timezone.now()
    context = {
        "row": _row(tenant, a, now),
        "a": a,
        "events": [(e, workflow.EVENT_LABELS.get(e.action, e.action)) for e in a.events.all()],
        "next": selectors.rescheduled_to(a),
        "deposit_form": DepositForm(
            initial={"amount": a.deposit_amount, "method": a.deposit_method or "wechat", "version": a.version}
        ),
        "can_book": tenant.can(APPOINTMENT_BOOK),
    }
    return _render(request, tenant.store, "scheduling/detail.html", context)


@tenant_required
@require_POST
def deposit_record(request, pk):
    tenant = request.tenant
    selectors.appointment_get(tenant, pk)
    form = DepositForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the amount and how it was paid."))
        return redirect("scheduling:detail", pk=pk)
    try:
        services.appointment_deposit_record(
            tenant=tenant, appointment_id=pk, amount=form.cleaned_data["amount"],
            method=form.cleaned_data["method"], version=form.cleaned_data.get("version"),
        )  # fmt: skip
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Deposit recorded."))
    return redirect("scheduling:detail", pk=pk)


# --- The customers' own booking page ----------------------------------------------------------------------


def _over_limit(request, mobile: str) -> bool:
    """Count one booking attempt for the client's address and for the mobile number; True once either
    has made more than WEB_ATTEMPTS within the hour (dms/core/throttle.py)."""
    return throttle.over_limit(
        request, "scheduling:web", mobile=mobile, attempts=WEB_ATTEMPTS, window=WEB_WINDOW
    )


def _web_days(store: Store, now: datetime) -> list[tuple[date, str]]:
    today = selectors.local_today(store, now)
    ahead = selectors.day_plan(store, today).web_days_ahead
    plans = selectors.day_plans(store, [today + timedelta(days=i) for i in range(ahead + 1)])
    return [
        (p.date, date_format(p.date, "DATE_FORMAT") + " " + date_format(p.date, "l"))
        for p in plans
        if p.is_open
    ]


def _web_times(store: Store, day: date, job: str, now: datetime) -> list:
    earliest = now + services.WEB_LEAD
    found = selectors.slots(store, day, services.standard_hours(job), now=now)
    return [s for s in found if s.bookable and s.start >= earliest]


def public_book(request, store_code):
    """The customer books their car in: plate and mobile (matched against the file, never saying
    which was wrong), a date, a free time, and what to do. No login; rate-limited."""
    store = get_object_or_404(Store.objects.select_related("group"), code=store_code)
    now = timezone.now()
    plan = selectors.day_plan(store, selectors.local_today(store, now))
    context = {"store": store, "web_booking": plan.web_booking}
    if not plan.web_booking:
        return _render(request, store, "scheduling/public_book.html", context)
    days = _web_days(store, now)
    data = request.POST if request.method == "POST" else request.GET
    chosen_day = parse_date(data.get("date") or "") or (days[0][0] if days else None)
    if chosen_day not in {d for d, _label in days}:
        chosen_day = days[0][0] if days else None
    job = data.get("job") if data.get("job") in Job.values else Job.MAINTENANCE
    form = PublicBookingForm(
        request.POST or None,
        days=days,
        initial={"date": chosen_day.isoformat() if chosen_day else "", "job": job},
    )
    status = 200
    if request.method == "POST":
        if _over_limit(request, request.POST.get("mobile", "")):
            form.add_error(
                None,
                _("Too many attempts. Please try again in an hour, or call us at %(phone)s.")
                % {"phone": store.phone or store.name},
            )
            status = 429
        elif form.is_valid():
            d = form.cleaned_data
            try:
                a = services.appointment_book_online(
                    store=store, plate=d["plate"], mobile=d["mobile"], start=d["start"], job=d["job"],
                    items=d.get("items", ""),
                )  # fmt: skip
            except DomainError as exc:
                apply_errors(form, exc)
            else:
                return _render(request, store, "scheduling/public_done.html", {"store": store, "a": a})
    context.update(
        form=form,
        days=days,
        day=chosen_day,
        job=job,
        times=_web_times(store, chosen_day, job, now) if chosen_day else [],
        chosen=data.get("start", ""),
    )
    return _render(request, store, "scheduling/public_book.html", context, status=status)
