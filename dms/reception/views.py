"""The check-in wizard on the advisor's tablet (接待).

Start (today's appointments, search, a first visit) → 三件套 → walk-around → comeback and
warranty → the customer's words and the repair order → the customer's signature → the order's
page. Each step posts to itself; the services check it; an error re-renders the step with what
was entered. A check-in not signed yet is a draft and resumes at the step it reached.
"""

import json

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from dms.core.errors import Conflict, DomainError
from dms.core.middleware import api_file
from dms.core.models import Brand
from dms.core.roles import Perm
from dms.core.shell import apply_errors, tenant_required
from dms.core.uploads import max_body
from dms.customers import selectors as customer_selectors
from dms.vehicles.models import Energy
from dms.workshop import load

from . import selectors, services
from .forms import OrderForm, ProtectForm, RegisterForm, WalkaroundForm
from .models import STEP_ORDER, DamageKind, Step, WarningLamp, numbered_marks

WIZARD = [Step.PROTECT, Step.WALKAROUND, Step.CHECKS, Step.ORDER, Step.SIGN]


def _steps(checkin, current: str) -> list[dict]:
    """The stepper: every step with its state; the steps reached are links."""
    out = [{"label": _("Vehicle"), "url": reverse("reception:start"), "state": "done", "n": 1}]
    for i, step in enumerate(WIZARD, start=2):
        reached = checkin.reached(step)
        state = (
            "current"
            if step == current
            else ("done" if reached and STEP_ORDER.index(step) < STEP_ORDER.index(checkin.step) else "todo")
        )
        out.append({
            "label": Step(step).label, "n": i, "state": state,
            "url": reverse(f"reception:{step}", args=[checkin.pk]) if reached else None,
        })  # fmt: skip
    return out


def _page(request, checkin, step: str, template: str, context: dict):
    context = {
        "checkin": checkin, "steps": _steps(checkin, step), "step": step,
        "is_ev": checkin.vehicle.energy == Energy.BEV, **context,
    }  # fmt: skip
    return render(request, template, context)


def _go(checkin, step: str | None = None):
    return redirect(f"reception:{step or _resume_step(checkin)}", checkin.pk)


def _resume_step(checkin) -> str:
    return Step.SIGN if checkin.step == Step.DONE else checkin.step


def _guard(checkin, step: str):
    """A step not reached yet sends to the one reached; a signed check-in to the order."""
    if not checkin.is_draft:
        return redirect("workshop:detail", checkin.repair_order_id) if checkin.repair_order_id else None
    if not checkin.reached(step):
        return _go(checkin)
    return None


def _errors_message(request, exc: DomainError) -> None:
    messages.error(request, "；".join(str(e["message"]) for e in exc.errors) or str(exc.message))


# --- Start: who is here ---------------------------------------------------------------------------------


@tenant_required
def start(request):
    tenant = request.tenant
    tenant.require(Perm.RO_EDIT)
    q = request.GET.get("q", "").strip()
    found, carless = selectors.find_vehicles(tenant, q) if q else ([], [])
    context = {"q": q, "found": found, "carless": carless, "searched": bool(q)}
    if request.headers.get("HX-Request"):
        return render(request, "reception/_found.html", context)
    context.update(arrivals=selectors.todays_arrivals(tenant), drafts=selectors.drafts(tenant))
    return render(request, "reception/start.html", context)


@tenant_required
@require_POST
def begin(request):
    """Start (or resume) the check-in of a chosen vehicle."""
    tenant = request.tenant
    try:
        checkin = services.checkin_create(
            tenant=tenant, vehicle_id=_int(request.POST.get("vehicle")),
            appointment_id=_int(request.POST.get("appointment")),
        )  # fmt: skip
    except Conflict as exc:
        if "checkin_id" in exc.extra:
            messages.info(request, exc.message)
            return redirect("reception:resume", exc.extra["checkin_id"])
        raise
    except DomainError as exc:
        if exc.status == 404 or exc.status == 403:
            raise
        _errors_message(request, exc)
        return redirect("reception:start")
    return _go(checkin)


def _int(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return 0


@tenant_required
def register(request):
    """A first visit: open the customer file and register the car, then go on with the check-in.
    With ?customer=<id>, only the car, for a customer already in the file."""
    tenant = request.tenant
    tenant.require(Perm.RO_EDIT)
    tenant.require(Perm.VEHICLE_EDIT)
    owner_id = request.GET.get("customer") or request.POST.get("customer")
    owner = customer_selectors.customer_get(tenant, owner_id) if owner_id else None
    form = RegisterForm(
        request.POST or None, brands=Brand.objects.for_tenant(tenant), owner=owner,
        initial={"plate": request.GET.get("plate", ""), "title": "mr"},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            vehicle, warnings = services.register_walk_in(
                tenant=tenant, owner_id=owner.pk if owner else None, **form.service_kwargs()
            )
            checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            for w in warnings:
                messages.warning(request, w["message"])
            return _go(checkin)
    return render(request, "reception/register.html", {"form": form, "owner": owner})


@tenant_required
def resume(request, checkin_id):
    tenant = request.tenant
    tenant.require(Perm.RO_VIEW)
    checkin = selectors.checkin_get(tenant, checkin_id)
    if not checkin.is_draft and checkin.repair_order_id:
        return redirect("workshop:detail", checkin.repair_order_id)
    return _go(checkin)


# --- The steps ------------------------------------------------------------------------------------------


@tenant_required
def protect(request, checkin_id):
    tenant = request.tenant
    tenant.require(Perm.RO_EDIT)
    checkin = selectors.checkin_get(tenant, checkin_id)
    if (guard := _guard(checkin, Step.PROTECT)) is not None:
        return guard
    initial = {f: getattr(checkin, f) for f in ("cover_seat", "cover_wheel", "cover_floor")}
    form = ProtectForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.checkin_update(
                tenant=tenant, checkin_id=checkin.pk, complete=Step.PROTECT, **form.cleaned_data
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            return _go(checkin, Step.WALKAROUND)
    return _page(request, checkin, Step.PROTECT, "reception/protect.html", {"form": form})


@max_body(services.PHOTOS_REQUEST_BYTES)
@tenant_required
def walkaround(request, checkin_id):
    tenant = request.tenant
    tenant.require(Perm.RO_EDIT)
    checkin = selectors.checkin_get(tenant, checkin_id)
    if (guard := _guard(checkin, Step.WALKAROUND)) is not None:
        return guard
    initial = {
        "damage_marks": json.dumps(checkin.damage_marks, ensure_ascii=False),
        "mileage_km": checkin.mileage_km, "fuel_level": checkin.fuel_level,
        **{f: getattr(checkin, f) for f in ("warning_lamps", "valuables", "valuables_taken", "exterior_notes")},
    }  # fmt: skip
    form = WalkaroundForm(request.POST or None, initial=initial)
    photo_errors = []
    if request.method == "POST":
        # Photos first, in their own transaction: a wrong mileage must not lose them.
        photo_errors = _save_photos(request, tenant, checkin)
        if form.is_valid():
            finishing = "save" not in request.POST
            try:
                services.checkin_update(
                    tenant=tenant, checkin_id=checkin.pk, complete=Step.WALKAROUND if finishing else None,
                    **form.service_kwargs(),
                )  # fmt: skip
            except DomainError as exc:
                apply_errors(form, exc)
            else:
                if not photo_errors:
                    if finishing:
                        return _go(checkin, Step.CHECKS)
                    messages.success(request, _("Draft saved."))
                    return _go(checkin, Step.WALKAROUND)
        checkin = selectors.checkin_get(tenant, checkin_id)
    return _page(request, checkin, Step.WALKAROUND, "reception/walkaround.html", {
        "form": form, "photo_errors": photo_errors, "kinds": DamageKind.choices, "lamps": WarningLamp.choices,
        "marks": _posted_marks(form) if form.is_bound else checkin.marks, "can_correct": tenant.can(Perm.MILEAGE_CORRECT),
        "last_km": checkin.vehicle.mileage_km,
    })  # fmt: skip


def _posted_marks(form) -> list[dict]:
    try:
        return numbered_marks(json.loads(form["damage_marks"].value() or "[]"))
    except ValueError:
        return []


def _save_photos(request, tenant, checkin) -> list[str]:
    errors = []
    caption = request.POST.get("caption", "")
    for upload in request.FILES.getlist("photos"):
        if upload.size > services.MAX_PHOTO_BYTES:  # before its bytes are read
            errors.append(
                f"{upload.name}: "
                + _("A photo may be at most %(mb)s MB.") % {"mb": services.MAX_PHOTO_BYTES // 1024 // 1024}
            )
            continue
        try:
            services.photo_add(tenant=tenant, checkin_id=checkin.pk, content=upload.read(), caption=caption)
        except DomainError as exc:
            errors.append(f"{upload.name}: {exc.message}")
    return errors


@max_body(services.PHOTOS_REQUEST_BYTES)
@tenant_required
@require_POST
def photo_add(request, checkin_id):
    """Photos sent as soon as they are taken (the walk-around page's script): answers the photo strip."""
    tenant = request.tenant
    checkin = selectors.checkin_get(tenant, checkin_id)
    errors = _save_photos(request, tenant, checkin)
    checkin = selectors.checkin_get(tenant, checkin_id)
    response = render(
        request, "reception/_photos.html", {"checkin": checkin, "photo_errors": errors, "editable": True}
    )
    if errors:
        response.status_code = 400
    return response


@tenant_required
@require_POST
def photo_delete(request, checkin_id, photo_id):
    tenant = request.tenant
    selectors.photo_get(tenant, checkin_id, photo_id)
    try:
        services.photo_remove(tenant=tenant, checkin_id=checkin_id, photo_id=photo_id)
    except DomainError as exc:
        if exc.status == 404:
            raise
        _errors_message(request, exc)
    if request.headers.get("HX-Request"):
        checkin = selectors.checkin_get(tenant, checkin_id)
        return render(request, "reception/_photos.html", {"checkin": checkin, "editable": True})
    return redirect("reception:walkaround", checkin_id)


@api_file  # the API links to it: a bearer token opens it too
@tenant_required
@never_cache
def photo(request, checkin_id, photo_id):
    """A walk-around photo, for users of the store only (never a public media URL)."""
    tenant = request.tenant
    tenant.require(Perm.RO_VIEW)
    p = selectors.photo_get(tenant, checkin_id, photo_id)
    try:
        return FileResponse(p.image.open("rb"), content_type="image/jpeg")
    except (FileNotFoundError, OSError):
        raise Http404() from None


@tenant_required
@never_cache
def signature(request, checkin_id):
    """The customer's signature, for users of the store only."""
    tenant = request.tenant
    tenant.require(Perm.RO_VIEW)
    checkin = selectors.checkin_get(tenant, checkin_id)
    if not checkin.signature:
        raise Http404()
    try:
        return FileResponse(checkin.signature.open("rb"), content_type="image/png")
    except (FileNotFoundError, OSError):
        raise Http404() from None


@tenant_required
def checks(request, checkin_id):
    tenant = request.tenant
    tenant.require(Perm.RO_EDIT)
    checkin = selectors.checkin_get(tenant, checkin_id)
    if (guard := _guard(checkin, Step.CHECKS)) is not None:
        return guard
    if request.method == "POST":
        try:
            services.checkin_update(tenant=tenant, checkin_id=checkin.pk, complete=Step.CHECKS)
        except DomainError as exc:
            _errors_message(request, exc)
        else:
            return _go(checkin, Step.ORDER)
    found = selectors.checks(tenant, checkin)
    return _page(
        request,
        checkin,
        Step.CHECKS,
        "reception/checks.html",
        {"checks": found, "today": timezone.localdate()},
    )


@tenant_required
def order(request, checkin_id):
    tenant = request.tenant
    tenant.require(Perm.RO_EDIT)
    checkin = selectors.checkin_get(tenant, checkin_id)
    if (guard := _guard(checkin, Step.ORDER)) is not None:
        return guard
    if checkin.repair_order_id:
        return _page(request, checkin, Step.ORDER, "reception/order.html", {"opened": checkin.repair_order})
    estimate = load.promise_estimate(tenant)
    appointment = checkin.appointment
    words = (appointment.items or appointment.get_job_display()) if appointment else ""
    form = OrderForm(
        request.POST or None,
        initial={
            "complaint": words,
            "promised_at": timezone.localtime(estimate.ready_at).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            checkin = services.checkin_open_order(tenant=tenant, checkin_id=checkin.pk, **form.cleaned_data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            if checkin.repair_order.is_comeback:
                messages.warning(request, _("Comeback: this vehicle was repaired under %(n)s within the repair-quality warranty.")
                                 % {"n": checkin.repair_order.comeback_of.number})  # fmt: skip
            return _go(checkin, Step.SIGN)
    found = selectors.checks(tenant, checkin)
    return _page(
        request,
        checkin,
        Step.ORDER,
        "reception/order.html",
        {"form": form, "estimate": estimate, "checks": found},
    )


@tenant_required
def sign(request, checkin_id):
    tenant = request.tenant
    tenant.require(Perm.RO_EDIT)
    checkin = selectors.checkin_get(tenant, checkin_id)
    if (guard := _guard(checkin, Step.SIGN)) is not None:
        return guard
    error = None
    if request.method == "POST":
        try:
            checkin = services.checkin_sign(
                tenant=tenant, checkin_id=checkin.pk, data_url=request.POST.get("signature", "")
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("Check-in signed. The repair order is open."))
            return redirect("workshop:detail", checkin.repair_order_id)
    return _page(request, checkin, Step.SIGN, "reception/sign.html", {"error": error})


@tenant_required
@require_POST
def discard(request, checkin_id):
    tenant = request.tenant
    checkin = selectors.checkin_get(tenant, checkin_id)
    try:
        services.checkin_discard(tenant=tenant, checkin_id=checkin.pk)
    except DomainError as exc:
        if exc.status == 404:
            raise
        _errors_message(request, exc)
        return _go(checkin)
    messages.success(request, _("Check-in of %(v)s discarded.") % {"v": checkin.vehicle})
    return redirect("reception:start")
