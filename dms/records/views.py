"""Pages of the records app: the administrator's list of records by upload state (failures first),
one record, a retry (also from the repair order's card), the month's export, the store's platform
settings; and the owner's page, opened by a signed link (no login)."""

import io
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dms.core.errors import DomainError, Forbidden, NotFound
from dms.core.roles import Perm
from dms.core.shell import apply_errors, tenant_required

from . import exports, links, selectors, services
from .build import labor_hours
from .forms import PlatformForm
from .models import RepairRecord, UploadState

LANGS = {code for code, _name in settings.LANGUAGES}
TABS = (UploadState.FAILED, UploadState.PENDING, UploadState.SENT, UploadState.MANUAL)


@tenant_required
def record_list(request):
    """The store's records by upload state: failures first (with their reason and a retry)."""
    t = request.tenant
    t.require(Perm.RECORD_MANAGE)
    counts = selectors.counts(t)
    state = request.GET.get("state")
    if state is None:
        state = UploadState.FAILED if counts[UploadState.FAILED] else ""
    state = state if state in UploadState.values else ""
    month, error = (request.GET.get("month") or "").strip(), ""
    try:
        qs = selectors.records(t, state=state or None, month=month or None, q=request.GET.get("q", ""))
    except DomainError as exc:
        month, error = "", str(exc.message)
        qs = selectors.records(t, state=state or None)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {
        "page": page, "state": state, "month": month, "q": request.GET.get("q", ""), "error": error,
        "tabs": [(s, UploadState(s).label, counts[s]) for s in TABS], "total": sum(counts.values()),
        "export_month": month or selectors.this_month(), "config": selectors.platform_settings(t),
    }  # fmt: skip
    return render(request, "records/list.html", context)


@tenant_required
def record_detail(request, record_id: int):
    t = request.tenant
    record = selectors.record_get(t, record_id)
    context = {
        "record": record, "data": record.data, "labor_hours": labor_hours(record.data),
        "attempts": list(record.attempt_log.select_related("by")[:50]), "owner_url": links.owner_url(record),
        "can_retry": t.can(Perm.RECORD_MANAGE) and record.state in services.RETRYABLE,
        "can_manage": t.can(Perm.RECORD_MANAGE),
    }  # fmt: skip
    return render(request, "records/detail.html", context)


def _safe_next(request, default: str) -> str:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return default


@tenant_required
@require_POST
def record_retry(request, record_id: int):
    """Upload a failed record again. From the order's card (htmx): the card again, with the outcome."""
    t = request.tenant
    record = selectors.record_get(t, record_id)  # 404 for another store's record before anything else
    notice, error = "", ""
    try:
        services.record_retry(tenant=t, record_id=record.pk)
        notice = _("Queued for upload again.")
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        error = str(exc.message)
    if request.headers.get("HX-Request"):
        context = selectors.for_order(t, record.order) or {}
        context.update({"order": record.order, "record_notice": notice, "record_error": error})
        # 200 either way: htmx swaps in the card, which says what went wrong.
        return HttpResponse(render_to_string("records/_order_record.html", context, request))
    if notice:
        messages.success(request, notice)
    if error:
        messages.error(request, error)
    return redirect(_safe_next(request, f"/records/{record.pk}/"))


@tenant_required
def record_export(request):
    """The month's records as an Excel file (every upload state), for uploading by hand."""
    t = request.tenant
    t.require(Perm.RECORD_MANAGE)
    month = (request.GET.get("month") or "").strip() or selectors.this_month()
    try:
        items = list(selectors.records(t, month=month).select_related("store"))
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("records:list")
    out = io.BytesIO()
    exports.write_xlsx(items, out)
    services.records_mark_exported(records=items)
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.filename(t.store.code, month)}"'
    return response


@tenant_required
def platform_settings(request):
    """The store's platform: address, company code, password (never shown again), automatic upload."""
    t = request.tenant
    t.require(Perm.RECORD_MANAGE)
    config = selectors.platform_settings(t)
    initial = {"active": True}
    if config is not None:
        initial = {
            "base_url": config.base_url, "company_code": config.company_code, "active": config.active,
            "token_path": config.token_path, "upload_path": config.upload_path,
        }  # fmt: skip
    form = PlatformForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.platform_settings_save(
                tenant=t, **{**form.cleaned_data, "password": form.cleaned_data["password"] or None}
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The platform settings are saved."))
            return redirect("records:platform")
    context = {"config": config, "form": form}
    return render(request, "records/platform.html", context, status=400 if form.errors else 200)


# --- The owner's page ------------------------------------------------------------------------------


def owner(request, token: str):
    """The car's record as its owner reads it (signed link, no login): this repair and the car's
    earlier ones in the dealer group. Chinese unless ?lang=en; never cached, never indexed."""
    record_id = links.read_token(token)
    record = (
        RepairRecord.objects.select_related("store").filter(pk=record_id).first()
        if record_id is not None
        else None
    )
    if record is None:
        raise Http404()
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    lang = request.GET.get("lang")
    lang = lang if lang in LANGS else None
    zone = ZoneInfo(record.store.time_zone or settings.TIME_ZONE)
    with translation.override(lang or translation.get_language()), timezone.override(zone):
        response = render(
            request, "records/owner.html",
            {"record": record, "data": record.data, "labor_hours": labor_hours(record.data), "store": record.store,
             "history": selectors.vehicle_history(record), "lang": lang},
        )  # fmt: skip
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response
