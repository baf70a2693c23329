"""Insurance claim pages (事故车): the store's claims, opening one for a repair order, one claim with
its numbers, the assessed amount against the repair, the documents checklist and the insurer's
payments; what insurers owe (managers); the store's insurers."""

from django.contrib import messages
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dms.core.errors import DomainError, Forbidden, NotFound
from dms.core.roles import Perm
from dms.core.shell import tenant_required
from dms.core.uploads import max_body
from dms.workshop.models import RepairOrder

from . import insurance, selectors, warranty
from .models import DocumentKind, InsuranceState, Insurer
from .views import _date, _int, sentence, stored_file, uploaded
from .workflow import INSURANCE, INSURANCE_ACTIONS

TABS = {
    "open": [InsuranceState.OPEN, InsuranceState.SUBMITTED],
    "billed": [InsuranceState.SUBMITTED],
    "paid": [InsuranceState.PAID],
    "all": None,
}


@tenant_required
def insurance_list(request):
    t = request.tenant
    warranty.require_read(t)
    tab = request.GET.get("tab", "open")
    tab = tab if tab in TABS else "open"
    q = request.GET.get("q", "")[:60]
    count, rows = selectors.insurance_list(t, states=TABS[tab], q=q, limit=200)
    labels = [
        ("open", _("To follow up")),
        ("billed", _("Billed, awaiting payment")),
        ("paid", _("Paid by the insurer")),
        ("all", _("All")),
    ]
    return render(request, "claims/insurance_list.html", {
        "rows": rows, "count": count, "q": q,
        "tabs": [{"key": k, "label": label, "active": k == tab} for k, label in labels],
        "can_work": t.can(Perm.CLAIM_WORK), "can_manage": t.can(Perm.CLAIM_MANAGE),
    })  # fmt: skip


def _money_or_none(value):
    value = (value or "").strip()
    return value or None


@tenant_required
def insurance_new(request):
    """Open the insurance claim of an order (from the order's card, or by its number)."""
    t = request.tenant
    t.require(Perm.CLAIM_WORK)
    post = request.POST if request.method == "POST" else None
    order = None
    ref = (post or request.GET).get("order", "").strip()
    if ref:
        qs = RepairOrder.objects.for_tenant(t)
        order = qs.filter(number=ref).first() or (qs.filter(pk=_int(ref)).first() if _int(ref) else None)
    insurers = list(Insurer.objects.for_tenant(t).filter(active=True))
    if post is not None:
        try:
            if order is None:
                raise DomainError(
                    _("No repair order %(ref)s in this store.") % {"ref": ref or "—"}, field="order"
                )
            claim = insurance.insurance_claim_create(
                tenant=t, repair_order_id=order.pk, insurer_id=_int(post.get("insurer_id")) or 0,
                policy_number=post.get("policy_number", ""), claim_number=post.get("claim_number", ""),
                accident_date=_date(post.get("accident_date")), assessed_amount=_money_or_none(post.get("assessed_amount")),
                assessor=post.get("assessor", ""), note=post.get("note", ""),
            )  # fmt: skip
        except Forbidden:
            raise
        except DomainError as exc:  # an unknown insurer too (NotFound): say so on the form
            messages.error(request, sentence(exc))
        else:
            messages.success(request, _("Insurance claim %(number)s opened: upload the documents the insurer asks for.") % {"number": claim.number})  # fmt: skip
            return redirect("claims:insurance_detail", claim.pk)
    return render(request, "claims/insurance_new.html", {
        "order": order, "ref": ref, "insurers": insurers, "post": post or {},
        "share": insurance.insurer_share(order.pk) if order else None,
    })  # fmt: skip


def _detail_context(t, claim) -> dict:
    docs = list(claim.documents.all())
    labels = dict(DocumentKind.choices)
    required = list(claim.insurer.required_documents or [])
    kinds = required + [k for k in DocumentKind.values if k not in required]
    checklist = [
        {"kind": k, "label": labels[k], "required": k in required, "docs": [d for d in docs if d.kind == k]}
        for k in kinds
    ]
    share = claim.share
    return {
        "c": claim, "o": claim.repair_order, "share": share, "checklist": checklist,
        "missing": insurance.missing_documents(claim, [d.kind for d in docs]),
        "over": share - claim.assessed_amount if claim.assessed_amount is not None and share > claim.assessed_amount else None,
        "under": claim.assessed_amount - share if claim.assessed_amount is not None and share < claim.assessed_amount else None,
        "allowed": [a for a in INSURANCE.allowed_actions(claim, t) if a in INSURANCE_ACTIONS],
        "history": list(claim.history.select_related("by")), "payments": list(claim.payments.all()),
        "insurers": list(Insurer.objects.for_tenant(t).filter(active=True)), "kinds": DocumentKind.choices,
        "can_work": t.can(Perm.CLAIM_WORK), "can_manage": t.can(Perm.CLAIM_MANAGE),
        "can_see_orders": t.can(Perm.RO_VIEW), "open": claim.state == InsuranceState.OPEN,
    }  # fmt: skip


@tenant_required
def insurance_detail(request, insurance_claim_id):
    t = request.tenant
    claim = selectors.insurance_get(t, insurance_claim_id)
    warranty.require_read(t)
    return render(request, "claims/insurance_detail.html", _detail_context(t, claim))


@tenant_required
@require_POST
def insurance_edit(request, insurance_claim_id):
    t = request.tenant
    selectors.insurance_get(t, insurance_claim_id)
    post = request.POST
    try:
        insurance.insurance_claim_update(
            tenant=t, claim_id=insurance_claim_id, version=_int(post.get("version")),
            insurer_id=_int(post.get("insurer_id")), policy_number=post.get("policy_number"),
            claim_number=post.get("claim_number"), accident_date=_date(post.get("accident_date")),
            assessed_amount=_money_or_none(post.get("assessed_amount")), assessor=post.get("assessor"),
            note=post.get("note"),
        )  # fmt: skip
    except Forbidden:
        raise
    except DomainError as exc:
        messages.error(request, sentence(exc))
    return redirect("claims:insurance_detail", insurance_claim_id)


@tenant_required
@require_POST
@max_body(insurance.DOCUMENTS_REQUEST_BYTES)
def insurance_documents(request, insurance_claim_id):
    t = request.tenant
    selectors.insurance_get(t, insurance_claim_id)
    try:
        files = uploaded(
            request, "files", insurance.MAX_FILE_BYTES,
            none=_("Choose at least one file."), too_big=_("A file may be at most %(mb)s MB."),
        )  # fmt: skip
        caption = request.POST.get("caption", "")
        insurance.documents_add(tenant=t, claim_id=insurance_claim_id, kind=request.POST.get("kind", ""),
                                files=[(f.read(), caption) for f in files])  # fmt: skip
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, sentence(exc))
    return redirect("claims:insurance_detail", insurance_claim_id)


@tenant_required
def insurance_document(request, insurance_claim_id, document_id):
    t = request.tenant
    claim = selectors.insurance_get(t, insurance_claim_id)
    warranty.require_read(t)
    if request.method not in ("GET", "HEAD"):  # after the claim: another group's is 404 to any method
        return HttpResponseNotAllowed(["GET"])
    doc = next((d for d in claim.documents.all() if d.pk == document_id), None)
    return stored_file(doc and doc.file, doc.content_type if doc else "")


@tenant_required
@require_POST
def insurance_document_remove(request, insurance_claim_id, document_id):
    t = request.tenant
    selectors.insurance_get(t, insurance_claim_id)
    try:
        insurance.document_remove(tenant=t, claim_id=insurance_claim_id, document_id=document_id)
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, sentence(exc))
    return redirect("claims:insurance_detail", insurance_claim_id)


@tenant_required
@require_POST
def insurance_action(request, insurance_claim_id, action):
    t = request.tenant
    selectors.insurance_get(t, insurance_claim_id)
    if action not in INSURANCE_ACTIONS:
        raise Http404()
    try:
        insurance.insurance_claim_act(tenant=t, claim_id=insurance_claim_id, action=action,
                                      version=_int(request.POST.get("version")), reason=request.POST.get("reason", ""))  # fmt: skip
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, sentence(exc))
    else:
        messages.success(request, _("Billed to the insurer.") if action == "submit" else _("Cancelled."))
    return redirect("claims:insurance_detail", insurance_claim_id)


@tenant_required
@require_POST
def insurance_payment(request, insurance_claim_id):
    t = request.tenant
    selectors.insurance_get(t, insurance_claim_id)
    try:
        insurance.insurance_payment_record(
            tenant=t, claim_id=insurance_claim_id, amount=request.POST.get("amount"),
            received_on=_date(request.POST.get("received_on")), reference=request.POST.get("reference", ""),
        )  # fmt: skip
    except (NotFound, Forbidden):
        raise
    except DomainError as exc:
        messages.error(request, sentence(exc))
    else:
        messages.success(request, _("The insurer's payment is recorded."))
    return redirect("claims:insurance_detail", insurance_claim_id)


@tenant_required
def receivables(request):
    t = request.tenant
    t.require(Perm.CLAIM_MANAGE)
    return render(request, "claims/receivables.html", selectors.receivables(t))


@tenant_required
def insurers(request):
    """The store's insurers and the documents each asks for (managers add and change them)."""
    t = request.tenant
    warranty.require_read(t)
    if request.method == "POST":
        t.require(Perm.CLAIM_MANAGE)
        post = request.POST
        try:
            pk = _int(post.get("insurer_id"))
            docs = post.getlist("required_documents")
            if pk:
                insurance.insurer_update(tenant=t, insurer_id=pk, required_documents=docs,
                                         active=post.get("active") == "on")  # fmt: skip
            else:
                insurance.insurer_create(tenant=t, name=post.get("name", ""), contact=post.get("contact", ""),
                                         phone=post.get("phone", ""), required_documents=docs or None)  # fmt: skip
        except NotFound:
            raise
        except DomainError as exc:
            messages.error(request, sentence(exc))
        else:
            messages.success(request, _("Saved."))
        return redirect("claims:insurers")
    return render(request, "claims/insurers.html", {
        "insurers": Insurer.objects.for_tenant(t).order_by("-active", "name"), "kinds": DocumentKind.choices,
        "can_manage": t.can(Perm.CLAIM_MANAGE), "defaults": [str(k) for k in insurance_defaults()],
    })  # fmt: skip


def insurance_defaults() -> list[str]:
    from .models import default_required

    return default_required()
