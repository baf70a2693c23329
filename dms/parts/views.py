"""Parts pages: the catalogue with this store's stock, the low-stock list, a part's page with its
stock in every store, reservations and moves, and the forms to add parts, receive and count stock.

Issuing to a repair order happens on the repair order's page (workshop), through the same
services; see docs/parts.md."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dms.core.errors import DomainError, NotFound
from dms.core.shell import apply_errors, tenant_required

from . import selectors, services
from .forms import PART_FIELDS, AdjustForm, PartForm, ReceiveForm
from .models import ZERO
from .permissions import PARTS_MANAGE, PARTS_VIEW, can_reserve

PAGE = 25


def _offset(request) -> int:
    try:
        return max(int(request.GET.get("offset", 0)), 0)
    except ValueError:
        return 0


def _is_low(p) -> bool:
    return p.available < 0 or (p.minimum > 0 and p.available <= p.minimum)


def _pager(offset: int, count: int) -> dict:
    return {
        "offset": offset,
        "prev_offset": max(offset - PAGE, 0) if offset else None,
        "next_offset": offset + PAGE if offset + PAGE < count else None,
    }


@tenant_required
def part_list(request):
    """The catalogue with this store's stock. htmx asks for the results fragment as the clerk types."""
    tenant = request.tenant
    tenant.require(PARTS_VIEW)
    q = request.GET.get("q", "").strip()
    show_retired = request.GET.get("retired") == "1"
    offset = _offset(request)
    page = selectors.part_search(tenant, q, active=None if show_retired else True, limit=PAGE, offset=offset)
    context = {
        "q": q,
        "show_retired": show_retired,
        "page": page,
        "rows": [{"p": p, "low": _is_low(p)} for p in page.items],
        "can_manage": tenant.can(PARTS_MANAGE),
        **_pager(offset, page.count),
    }
    template = "parts/_results.html" if request.headers.get("HX-Request") else "parts/list.html"
    return render(request, template, context)


@tenant_required
def low_stock(request):
    """What to order for this store."""
    tenant = request.tenant
    tenant.require(PARTS_VIEW)
    offset = _offset(request)
    page = selectors.low_stock(tenant, limit=PAGE, offset=offset)
    context = {"page": page, "can_manage": tenant.can(PARTS_MANAGE), **_pager(offset, page.count)}
    return render(request, "parts/low_stock.html", context)


@tenant_required
def part_detail(request, pk):
    tenant = request.tenant
    part = selectors.part_get(tenant, pk)
    tenant.require(PARTS_VIEW)
    moves = selectors.part_moves(tenant, part, limit=50)
    context = {
        "part": part,
        "low": _is_low(part),
        "stores": selectors.stock_by_store(tenant, part),
        "reservations": selectors.reservations(tenant, part=part),
        "moves": moves,
        "can_manage": tenant.can(PARTS_MANAGE),
        "can_release": can_reserve(tenant),
    }
    return render(request, "parts/detail.html", context)


@tenant_required
def part_create(request):
    tenant = request.tenant
    tenant.require(PARTS_MANAGE)
    form = PartForm(request.POST or None, initial={"unit": "piece", "quality": "original", "active": True,
                                                   "price": ZERO, "min_stock": ZERO})  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            part = services.part_create(tenant=tenant, **form.part_fields())
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Part %(number)s added to the catalogue.") % {"number": part.number})
            return redirect("parts:detail", pk=part.pk)
    return render(request, "parts/form.html", {"form": form, "creating": True})


@tenant_required
def part_edit(request, pk):
    tenant = request.tenant
    part = selectors.part_get(tenant, pk)
    tenant.require(PARTS_MANAGE)
    initial = {f: getattr(part, f) for f in PART_FIELDS}
    initial.update(version=part.version, store_min_qty=part.store_minimum)
    form = PartForm(request.POST or None, initial=initial, store=tenant.store)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                services.part_update(
                    tenant=tenant, part_id=part.pk, version=form.cleaned_data["version"] or 0,
                    **form.part_fields(),
                )  # fmt: skip
                if form.cleaned_data["store_min_qty"] != part.store_minimum:
                    services.stock_set_minimum(
                        tenant=tenant, part_id=part.pk, min_qty=form.cleaned_data["store_min_qty"]
                    )
        except DomainError as exc:
            apply_errors(form, exc)
            if exc.field == "min_qty":
                form.add_error("store_min_qty", str(exc.message))
        else:
            messages.success(request, _("Saved."))
            return redirect("parts:detail", pk=part.pk)
    return render(request, "parts/form.html", {"form": form, "part": part})


def _stock_form(request, pk, *, form_class, service, template, success):
    tenant = request.tenant
    part = selectors.part_get(tenant, pk)
    tenant.require(PARTS_MANAGE)
    form = form_class(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            move = service(tenant=tenant, part_id=part.pk, **form.cleaned_data)
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, success % {"n": services.fmt(move.on_hand_after)})
            return redirect("parts:detail", pk=part.pk)
    return render(request, template, {"form": form, "part": part})


@tenant_required
def stock_receive(request, pk):
    return _stock_form(
        request, pk, form_class=ReceiveForm, service=services.stock_receive, template="parts/receive.html",
        success=_("Goods received: %(n)s now on hand."),
    )  # fmt: skip


@tenant_required
def stock_adjust(request, pk):
    return _stock_form(
        request, pk, form_class=AdjustForm, service=services.stock_adjust, template="parts/adjust.html",
        success=_("Count recorded: %(n)s now on hand."),
    )  # fmt: skip


@tenant_required
@require_POST
def reservation_release(request, pk):
    """Release one of the part's reservations in this store (its id in the form)."""
    tenant = request.tenant
    part = selectors.part_get(tenant, pk)
    reservation = selectors.reservation_get(tenant, request.POST.get("reservation"))
    if reservation.part_id != part.pk:
        raise NotFound()
    try:
        services.reservation_release(
            tenant=tenant, reservation_id=reservation.pk, note=_("Released on the part's page")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Reservation released."))
    return redirect("parts:detail", pk=part.pk)
