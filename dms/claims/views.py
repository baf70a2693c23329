"""Warranty claim pages (索赔): the store's claims, collecting new ones from settled orders, one
claim with its lines, photos and steps, the month's reconciliation and the maker's prices.

The pages call the same services as the API (warranty.py); a refused step or edit comes back as
the service's sentence on the page. A line's edit from the claim's table is an htmx request: the
row comes back (with the sentence when refused)."""

from datetime import date

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dms.core.errors import DomainError, Forbidden, NotFound
from dms.core.models import Brand
from dms.core.roles import Perm
from dms.core.shell import tenant_required
from dms.core.uploads import max_body
from dms.parts.models import Part

from . import selectors, warranty
from .api import rates_of, xlsx_response
from .models import ClaimState, MakerPartPrice, OldPartStatus
from .workflow import WARRANTY

TABS = {
    "open": [ClaimState.DRAFT, ClaimState.SUBMITTED, ClaimState.APPROVED, ClaimState.PARTLY_APPROVED],
    "draft": [ClaimState.DRAFT],
    "submitted": [ClaimState.SUBMITTED],
    "decided": [ClaimState.APPROVED, ClaimState.PARTLY_APPROVED, ClaimState.REJECTED],
    "paid": [ClaimState.PAID],
    "all": None,
}


def sentence(exc: DomainError) -> str:
    """The error's sentence with its fields' messages (a claim that is not complete says what lacks)."""
    parts = [str(exc.message)]
    parts += [str(e["message"]) for e in exc.errors or [] if str(e["message"]) not in parts[0]]
    return " ".join(parts)


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@tenant_required
def claim_list(request):
    t = request.tenant
    warranty.require_read(t)
    tab = request.GET.get("tab", "open")
    tab = tab if tab in TABS else "open"
    q = request.GET.get("q", "")[:60]
    count, rows = selectors.claim_list(t, states=TABS[tab], q=q, limit=200)
    labels = [("open", _("To follow up")), ("draft", _("Drafts")), ("submitted", _("With the maker")),
              ("decided", _("Decided")), ("paid", _("Reimbursed by the maker")), ("all", _("All"))]  # fmt: skip
    waiting, _orders = selectors.claimable_orders(t, limit=1) if t.can(Perm.CLAIM_WORK) else (0, [])
    return render(request, "claims/list.html", {
        "rows": [{"c": c, "orders": selectors.claim_orders(c)} for c in rows], "count": count, "q": q,
        "tabs": [{"key": k, "label": label, "active": k == tab} for k, label in labels],
        "can_work": t.can(Perm.CLAIM_WORK), "can_manage": t.can(Perm.CLAIM_MANAGE), "waiting": waiting,
    })  # fmt: skip


@tenant_required
def claim_new(request):
    """The settled orders with unclaimed warranty lines: tick one, or several of one brand (a batch)."""
    t = request.tenant
    t.require(Perm.CLAIM_WORK)
    if request.method == "POST":
        ids = [i for i in (_int(v) for v in request.POST.getlist("order")) if i is not None]
        try:
            claim = warranty.warranty_claim_create(
                tenant=t, repair_order_ids=ids, fault_code=request.POST.get("fault_code", ""),
                fault_description=request.POST.get("fault_description", ""),
            )  # fmt: skip
        except (NotFound, Forbidden):
            raise
        except DomainError as exc:
            messages.error(request, sentence(exc))
        else:
            messages.success(request, _("Claim %(number)s collected: check the maker's prices, the fault codes and the tags, add photos, then submit it.") % {"number": claim.number})  # fmt: skip
            return redirect("claims:detail", claim.pk)
    count, orders = selectors.claimable_orders(t, limit=200)
    return render(request, "claims/new.html", {"orders": orders, "count": count})


def _detail_context(t, claim) -> dict:
    lines = list(claim.lines.all())
    allowed = WARRANTY.allowed_actions(claim, t)
    return {
        "c": claim, "lines": lines, "photos": list(claim.photos.all()), "orders": selectors.claim_orders(claim),
        "allowed": allowed, "draft": claim.state == ClaimState.DRAFT,
        "missing": warranty.missing_for_submission(claim, lines, len(claim.photos.all()))
        if claim.state == ClaimState.DRAFT else [],
        "history": list(claim.history.select_related("by")),
        "can_work": t.can(Perm.CLAIM_WORK), "can_manage": t.can(Perm.CLAIM_MANAGE),
        "old_part_choices": OldPartStatus.choices, "today": timezone.localdate(),
        "can_see_orders": t.can(Perm.RO_VIEW),
        "tracks_old_parts": claim.state not in (ClaimState.DRAFT, ClaimState.CANCELLED),
    }  # fmt: skip


@tenant_required
def claim_detail(request, claim_id):
    t = request.tenant
    claim = selectors.claim_get(t, claim_id)
    warranty.require_read(t)
    return render(request, "claims/detail.html", _detail_context(t, claim))


@tenant_required
@require_POST
def claim_edit(request, claim_id):
    t = request.tenant
    selectors.claim_get(t, claim_id)
    try:
        warranty.warranty_claim_update(
            tenant=t, claim_id=claim_id, version=_int(request.POST.get("version")),
            fault_code=request.POST.get("fault_code"), fault_description=request.POST.get("fault_description"),
            note=request.POST.get("note"),
        )  # fmt: skip
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, sentence(exc))
    return redirect("claims:detail", claim_id)


@tenant_required
@require_POST
def claim_line(request, claim_id, claim_line_id):
    """Correct a line (draft), or record what became of its old part (later). htmx: the row back."""
    t = request.tenant
    selectors.claim_get(t, claim_id)
    post = request.POST
    fields = {name: post.get(name) for name in ("quantity", "unit_price", "fault_code", "old_part_tag", "old_part_status")
              if name in post}  # fmt: skip
    error = ""
    try:
        warranty.claim_line_update(tenant=t, claim_id=claim_id, line_id=claim_line_id, **fields)
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        error = sentence(exc)
    if request.headers.get("HX-Request"):
        claim = selectors.claim_get(t, claim_id)
        line = next((ln for ln in claim.lines.all() if ln.pk == claim_line_id), None)
        if line is None:
            raise Http404()
        context = {**_detail_context(t, claim), "ln": line, "error": error}
        return render(request, "claims/_line_row.html", context, status=200)
    if error:
        messages.error(request, error)
    return redirect("claims:detail", claim_id)


def uploaded(request, field: str, limit: int, *, none: str, too_big: str) -> list:
    """The files of a form's field, at least one and none above `limit` bytes (else a DomainError with
    the sentence given; `too_big` takes %(mb)s)."""
    files = request.FILES.getlist(field)
    if not files:
        raise DomainError(none, field=field)
    if any(f.size > limit for f in files):
        raise DomainError(too_big % {"mb": limit // 1024 // 1024}, field=field)
    return files


@tenant_required
@require_POST
@max_body(warranty.PHOTOS_REQUEST_BYTES)
def claim_photos(request, claim_id):
    t = request.tenant
    selectors.claim_get(t, claim_id)
    try:
        files = uploaded(
            request, "photos", warranty.MAX_PHOTO_BYTES,
            none=_("Choose at least one photo."), too_big=_("A photo may be at most %(mb)s MB."),
        )  # fmt: skip
        caption = request.POST.get("caption", "")
        warranty.claim_photos_add(tenant=t, claim_id=claim_id, photos=[(f.read(), caption) for f in files])
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, sentence(exc))
    return redirect("claims:detail", claim_id)


@tenant_required
def claim_photo(request, claim_id, claim_photo_id):
    t = request.tenant
    claim = selectors.claim_get(t, claim_id)
    warranty.require_read(t)
    if request.method not in ("GET", "HEAD"):  # after the claim: another group's is 404 to any method
        return HttpResponseNotAllowed(["GET"])
    photo = next((p for p in claim.photos.all() if p.pk == claim_photo_id), None)
    return stored_file(photo and photo.image, "image/jpeg")


def stored_file(field_file, content_type: str):
    """A claim's stored file (a photo, an insurer's document), never cached; 404 when there is none
    or it is gone from the storage."""
    if not field_file:
        raise Http404()
    try:
        response = FileResponse(field_file.open("rb"), content_type=content_type)
    except OSError:
        raise Http404() from None
    add_never_cache_headers(response)
    return response


@tenant_required
@require_POST
def claim_photo_remove(request, claim_id, claim_photo_id):
    t = request.tenant
    selectors.claim_get(t, claim_id)
    try:
        warranty.claim_photo_remove(tenant=t, claim_id=claim_id, photo_id=claim_photo_id)
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, sentence(exc))
    return redirect("claims:detail", claim_id)


DONE = {
    "submit": _(
        "Submitted to the maker. Keep the tagged old parts until the maker says what to do with them."
    ),
    "approve": _("The maker's approval is recorded."),
    "partly-approve": _("The maker's partial approval is recorded."),
    "reject": _("The maker's rejection is recorded."),
    "pay": _("The maker's payment is recorded."),
    "cancel": _("Cancelled: its lines may be claimed again."),
}


@tenant_required
@require_POST
def claim_action(request, claim_id, action):
    t = request.tenant
    claim = selectors.claim_get(t, claim_id)
    if action not in WARRANTY:
        raise Http404()
    post = request.POST
    cut = []
    if action == "partly-approve":
        for ln in claim.lines.all():
            value = (post.get(f"approved_{ln.pk}") or "").strip()
            if value != "" and value != f"{ln.amount:.2f}":
                cut.append({"line_id": ln.pk, "approved_amount": value})
    try:
        warranty.warranty_claim_act(
            tenant=t, claim_id=claim_id, action=action, version=_int(post.get("version")),
            reason=post.get("reason", ""), maker_reference=post.get("maker_reference", ""), lines=cut,
            amount=post.get("amount") or None, paid_on=_date(post.get("paid_on")),
            payment_reference=post.get("payment_reference", ""),
        )  # fmt: skip
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, sentence(exc))
    else:
        messages.success(request, DONE[action])
    return redirect("claims:detail", claim_id)


@tenant_required
def claim_export(request, claim_id):
    t = request.tenant
    claim = selectors.claim_get(t, claim_id)  # the claim before the method: another group's is 404
    warranty.require_read(t)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    return xlsx_response(claim)


@tenant_required
def reconciliation(request):
    """Claimed against reimbursed, per month of submission (managers)."""
    t = request.tenant
    t.require(Perm.CLAIM_MANAGE)
    month = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
    error = ""
    try:
        data = selectors.reconciliation(t, month)
    except DomainError as exc:
        error, month = str(exc.message), timezone.localdate().strftime("%Y-%m")
        data = selectors.reconciliation(t, month)
    return render(request, "claims/reconciliation.html", {**data, "error": error})


@tenant_required
def rates(request):
    """The maker's labor rate per brand, and the maker's part prices (managers set them)."""
    t = request.tenant
    warranty.require_read(t)
    if request.method == "POST":
        t.require(Perm.CLAIM_MANAGE)
        try:
            if request.POST.get("what") == "part":
                number = (request.POST.get("part_number") or "").strip()
                part = Part.objects.for_tenant(t).filter(number=number).first()
                if part is None:
                    raise DomainError(_("No part %(number)s in the catalogue.") % {"number": number or "—"})
                warranty.maker_part_price_set(tenant=t, brand_id=_int(request.POST.get("brand_id")) or 0,
                                              part_id=part.pk, price=request.POST.get("price"))  # fmt: skip
            else:
                warranty.maker_rate_set(tenant=t, brand_id=_int(request.POST.get("brand_id")) or 0,
                                        rate=request.POST.get("rate"))  # fmt: skip
        except NotFound:
            messages.error(request, _("No such brand or part."))
        except DomainError as exc:
            messages.error(request, sentence(exc))
        else:
            messages.success(request, _("Saved. Claims collected from now on use it."))
        return redirect("claims:rates")
    prices = (
        MakerPartPrice.objects.for_tenant(t)
        .select_related("brand", "part")
        .order_by("brand__name", "part__number")[:300]
    )
    return render(request, "claims/rates.html", {
        "rates": rates_of(t), "prices": prices, "brands": Brand.objects.for_tenant(t).order_by("name"),
        "can_manage": t.can(Perm.CLAIM_MANAGE),
    })  # fmt: skip
