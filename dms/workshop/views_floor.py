"""The shop floor's pages (steps 4-8): the foreman's dispatch board, the technician's own jobs,
the QC inspector's queue and the wall board. Each action answers an htmx request with the
refreshed fragment and a plain form post with a redirect, so every page works without script."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.template.defaultfilters import floatformat
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dms.core.errors import DomainError
from dms.core.middleware import api_file
from dms.core.roles import Perm
from dms.core.shell import tenant_required
from dms.core.tenancy import get_scoped
from dms.scheduling.models import Technician

from . import actions, services_floor
from . import selectors_floor as floor
from .models import LaborOperation, LineKind, PauseReason, RepairOrder


def _htmx(request) -> bool:
    return request.headers.get("HX-Request") == "true"


def _order(tenant, order_id) -> RepairOrder:
    """The order named in the URL, of this store, or 404 (before any permission is checked)."""
    return get_scoped(RepairOrder.objects, tenant, pk=order_id)


def _error_text(exc: DomainError) -> str:
    parts = [str(e["message"]) for e in exc.errors] if exc.errors else []
    return "；".join(parts) if len(parts) > 1 else str(exc.message)


# --- Dispatch board (派工) ------------------------------------------------------------------------------


def _dispatch_context(tenant, **extra) -> dict:
    board = floor.dispatch_board(tenant)
    # Each waiting job offers every technician with their load: worded once here, not once per job
    # (300 open orders make hundreds of choices).
    choices = [
        (r.technician.pk, f"{r.technician.name} · {floatformat(r.load_hours, 1)}/{floatformat(r.working_hours, 1)} h",
         r.works_today)
        for r in board.technicians
    ]  # fmt: skip
    return {"board": board, "technician_choices": choices, **extra}


@tenant_required
def dispatch(request):
    tenant = request.tenant
    tenant.require(Perm.RO_DISPATCH)
    return render(request, "workshop/floor/dispatch.html", _dispatch_context(tenant))


def _board_answer(request, *, ok: str = "", error: str = ""):
    if _htmx(request):
        return render(
            request,
            "workshop/floor/_dispatch_board.html",
            _dispatch_context(request.tenant, flash_ok=ok, flash_error=error),
        )  # an error is shown in the fragment: htmx swaps only 2xx answers
    if error:
        messages.error(request, error)
    elif ok:
        messages.success(request, ok)
    return redirect("floor:dispatch")


@tenant_required
@require_POST
def assign(request, order_id):
    """Give a waiting job to a technician (order_dispatch checks the skills)."""
    tenant = request.tenant
    order = _order(tenant, order_id)
    try:
        order = actions.take(
            tenant=tenant,
            order_id=order.pk,
            action="dispatch",
            data=actions.from_post("dispatch", request.POST),
        )
    except DomainError as exc:
        if exc.status == 403:
            raise
        return _board_answer(request, error=_error_text(exc))
    tech = Technician.objects.select_related("user").get(pk=order.technician_id)
    return _board_answer(
        request, ok=_("%(number)s dispatched to %(name)s.") % {"number": order.number, "name": tech.name}
    )


@tenant_required
@require_POST
def review(request):
    """Record a progress review from the dispatch board."""
    try:
        r = services_floor.progress_review_record(tenant=request.tenant, note=request.POST.get("note", ""))
    except DomainError as exc:
        if exc.status == 403:
            raise
        return _board_answer(request, error=_error_text(exc))
    return _board_answer(request, ok=_("%(review)s recorded.") % {"review": r.get_slot_display()})


# --- The technician's own jobs ------------------------------------------------------------------------


def _acting_technician(request):
    """The signed-in technician; a foreman may open a technician's view with ?technician=<id>."""
    tenant = request.tenant
    wanted = request.GET.get("technician") or request.POST.get("as_technician")
    if wanted and tenant.can(Perm.RO_DISPATCH):
        return get_scoped(Technician.objects.select_related("user"), tenant, pk=wanted)
    return floor.technician_of(tenant)


def _jobs_context(request, **extra) -> dict:
    tenant = request.tenant
    tech = _acting_technician(request)
    mine = floor.my_jobs(tenant, technician=tech) if tech else floor.MyJobs(None, [], None)
    return {
        "mine": mine,
        "acting_for": tech if tech and tech.user_id != tenant.user.pk else None,
        "pause_reasons": PauseReason.choices,
        "kinds": [(k, label) for k, label in LineKind.choices if k != LineKind.FEE],
        "operations": LaborOperation.objects.for_tenant(tenant).filter(active=True),
        "can_ask": tenant.can(Perm.RO_EDIT),
        "technicians": Technician.objects.for_tenant(tenant).filter(active=True).select_related("user")
        if tenant.can(Perm.RO_DISPATCH) else [],
        **extra,
    }  # fmt: skip


@tenant_required
def my_jobs(request):
    request.tenant.require(Perm.RO_WORK)
    return render(request, "workshop/floor/my_jobs.html", _jobs_context(request))


def _jobs_answer(request, *, ok: str = "", error: str = ""):
    if _htmx(request):  # an error is shown in the fragment: htmx swaps only 2xx answers
        context = _jobs_context(request, flash_ok=ok, flash_error=error)
        return render(request, "workshop/floor/_my_jobs.html", context)
    if error:
        messages.error(request, error)
    elif ok:
        messages.success(request, ok)
    target = redirect("floor:my_jobs")
    as_tech = request.POST.get("as_technician", "")
    if as_tech.isdigit():
        target["Location"] += f"?technician={as_tech}"
    return target


CLOCK_DONE = {
    "on": _("Clocked on %(number)s."),
    "pause": _("%(number)s paused."),
    "resume": _("Back on %(number)s."),
    "off": _("Clocked off %(number)s."),
}


@tenant_required
@require_POST
def clock(request, order_id):
    tenant = request.tenant
    order = _order(tenant, order_id)
    action = request.POST.get("action", "")
    try:
        services_floor.job_clock(
            tenant=tenant, order_id=order.pk, action=action, reason=request.POST.get("reason", ""),
            note=request.POST.get("note", ""),
        )  # fmt: skip
    except DomainError as exc:
        if exc.status == 403:
            raise
        return _jobs_answer(request, error=_error_text(exc))
    return _jobs_answer(request, ok=str(CLOCK_DONE[action]) % {"number": order.number})


@tenant_required
@require_POST
def finding(request, order_id):
    """Report a finding: the extra item, what was found, and a photo from the tablet's camera."""
    tenant = request.tenant
    order = _order(tenant, order_id)
    post = request.POST
    upload = request.FILES.get("photo")
    op = post.get("labor_operation_id", "")
    try:
        photo = upload.read() if upload else None
        if upload and upload.size > services_floor.PHOTO_MAX_BYTES:
            raise DomainError(_("The photo is larger than 10 MB."), field="photo")
        services_floor.finding_report(
            tenant=tenant, order_id=order.pk, kind=post.get("kind", LineKind.LABOR),
            description=post.get("description", ""), note=post.get("note", ""),
            quantity=post.get("quantity") or None, unit_price=post.get("unit_price") or None,
            labor_operation_id=int(op) if op.isdigit() else None, photo=photo,
        )  # fmt: skip
    except DomainError as exc:
        if exc.status == 403:
            raise
        errors = {e["field"]: str(e["message"]) for e in exc.errors if e.get("field")}
        context = _jobs_context(
            request, finding_for=order.pk, finding_errors=errors, finding_values=post,
            flash_error=_error_text(exc),
        )  # fmt: skip
        return render(request, "workshop/floor/my_jobs.html", context, status=400)
    return _jobs_answer(request, ok=_("Finding reported on %(number)s.") % {"number": order.number})


@tenant_required
@require_POST
def finish(request, order_id):
    tenant = request.tenant
    order = _order(tenant, order_id)
    try:
        actions.take(
            tenant=tenant, order_id=order.pk, action="finish", data=actions.from_post("finish", request.POST)
        )
    except DomainError as exc:
        if exc.status == 403:
            raise
        return _jobs_answer(request, error=_error_text(exc))
    return _jobs_answer(request, ok=_("%(number)s finished: waiting for QC.") % {"number": order.number})


@tenant_required
@require_POST
def ask(request, order_id):
    """Ask the customer about the extra work (the service advisor's step, order_request_approval)."""
    tenant = request.tenant
    order = _order(tenant, order_id)
    try:
        actions.take(tenant=tenant, order_id=order.pk, action="request-approval")
    except DomainError as exc:
        if exc.status == 403:
            raise
        return _jobs_answer(request, error=_error_text(exc))
    return _jobs_answer(
        request, ok=_("%(number)s is waiting for the customer's decision.") % {"number": order.number}
    )


@api_file  # the API links to it: a bearer token opens it too
@tenant_required
def photo(request, photo_id):
    """A finding's photo, for signed-in users of its store only."""
    shot = floor.photo_get(request.tenant, photo_id)
    request.tenant.require(Perm.RO_VIEW)
    try:
        handle = shot.image.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404() from None
    response = FileResponse(handle, content_type=shot.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- QC (质检) --------------------------------------------------------------------------------------------


@tenant_required
def qc(request):
    request.tenant.require(Perm.RO_QC)
    return render(request, "workshop/floor/qc.html", {"jobs": floor.qc_queue(request.tenant)})


@tenant_required
@require_POST
def qc_pass(request, order_id):
    tenant = request.tenant
    order = _order(tenant, order_id)
    try:
        checklist = services_floor.qc_checklist_ticked(
            tenant=tenant, order_id=order.pk, ticked=request.POST.getlist("item")
        )
        actions.take(
            tenant=tenant,
            order_id=order.pk,
            action="qc-pass",
            data={**actions.from_post("qc-pass", request.POST), "checklist": checklist},
        )
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, f"{order.number}：{_error_text(exc)}")
    else:
        messages.success(request, _("%(number)s passed QC: ready for delivery.") % {"number": order.number})
    return redirect("floor:qc")


@tenant_required
@require_POST
def qc_fail(request, order_id):
    tenant = request.tenant
    order = _order(tenant, order_id)
    try:
        actions.take(
            tenant=tenant,
            order_id=order.pk,
            action="qc-fail",
            data=actions.from_post("qc-fail", request.POST),
        )
    except DomainError as exc:
        if exc.status == 403:
            raise
        messages.error(request, f"{order.number}：{_error_text(exc)}")
    else:
        messages.warning(
            request, _("%(number)s failed QC: back to the technician as rework.") % {"number": order.number}
        )
    return redirect("floor:qc")


# --- The wall board (看板) --------------------------------------------------------------------------------


@tenant_required
def board(request):
    """The wall screen: the full page, or (htmx polling every 30 s) only its board."""
    request.tenant.require(Perm.RO_VIEW)
    context = {"board": floor.wall_board(request.tenant)}
    template = "workshop/floor/_board.html" if _htmx(request) else "workshop/floor/board.html"
    return render(request, template, context)
