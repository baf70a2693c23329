"""Customer pages: search, the file's form, and the customer 360 page."""

from urllib.parse import urlencode

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dms.core.audit import timeline_for
from dms.core.errors import DomainError
from dms.core.models import User
from dms.core.roles import Perm
from dms.core.shell import apply_errors, tenant_required
from dms.vehicles.models import ServiceRecord, Usage
from dms.vehicles.warranty import AGE_TIER_LABELS, age_tier, manufacturer_warranty

from . import guidance, masking, selectors, services, views_privacy
from .forms import FIELDS, ConsentForm, ContactForm, CustomerForm

PAGE = 25


def _managers(tenant):
    return (
        User.objects.filter(group_id=tenant.group_id, is_active=True, memberships__role="cm")
        .distinct()
        .order_by("username")
    )


def _rows(tenant, customers):
    return [{"c": c, "mobile": masking.contact_of(tenant, c)["mobile"]} for c in customers]


@tenant_required
def customer_list(request):
    """The one search box. htmx asks for the results fragment as the SA types."""
    tenant = request.tenant
    tenant.require(Perm.CUSTOMER_VIEW)
    q = request.GET.get("q", "").strip()
    try:
        offset = max(int(request.GET.get("offset", 0)), 0)
    except ValueError:
        offset = 0
    bulk = services.bulk_read_allow(tenant=tenant, limit=PAGE, offset=offset)
    tier = request.GET.get("tier", "")
    if q:
        result = selectors.customer_search(tenant, q, limit=PAGE, offset=offset)
    else:
        result = selectors.customer_list(tenant, tier=tier, limit=PAGE, offset=offset)
    if bulk:
        query = urlencode({k: v for k, v in {"q": q, "tier": tier, "offset": offset}.items() if v})
        services.bulk_read_record(tenant=tenant, query=f"{request.path}?{query}", rows=len(result.items))
    next_offset = offset + PAGE if offset + PAGE < result.count else None
    beyond = next_offset is not None and services.is_bulk_read(limit=PAGE, offset=next_offset)
    if beyond and not tenant.can(Perm.CUSTOMER_EXPORT):
        next_offset = None  # beyond the first pages is an export: refine the search instead
    context = {
        "q": q,
        "result": result,
        "rows": _rows(tenant, result.items),
        "offset": offset,
        "prev_offset": max(offset - PAGE, 0) if offset else None,
        "next_offset": next_offset,
        "can_edit": tenant.can(Perm.CUSTOMER_EDIT),
    }
    template = "customers/_results.html" if request.headers.get("HX-Request") else "customers/list.html"
    return render(request, template, context)


@tenant_required
def customer_create(request):
    tenant = request.tenant
    tenant.require(Perm.CUSTOMER_EDIT)
    form = CustomerForm(
        request.POST or None,
        managers=_managers(tenant),
        initial={"preferred_channel": "phone", "preferred_time": "any"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.customer_create(tenant=tenant, **form.service_kwargs())
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            for w in result.warnings:
                messages.warning(request, w["message"])
            messages.success(request, _("Customer file opened for %(name)s.") % {"name": result.record.name})
            return redirect("customers:detail", pk=result.record.pk)
    return render(request, "customers/form.html", {"form": form, "creating": True})


@tenant_required
def customer_edit(request, pk):
    tenant = request.tenant
    tenant.require(Perm.CUSTOMER_EDIT)
    customer = selectors.customer_get(tenant, pk)
    initial = {f: getattr(customer, f) for f in FIELDS}
    initial.update(
        customer_manager=customer.customer_manager_id,
        marketing_consent=customer.marketing_consent,
        version=customer.version,
    )
    form = CustomerForm(request.POST or None, managers=_managers(tenant), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            result = services.customer_update(
                tenant=tenant, customer_id=customer.pk, version=form.cleaned_data["version"] or 0,
                consent_how=_("Changed in the customer file"), **form.service_kwargs(),
            )  # fmt: skip
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            for w in result.warnings:
                messages.warning(request, w["message"])
            messages.success(request, _("Saved."))
            return redirect("customers:detail", pk=customer.pk)
    return render(request, "customers/form.html", {"form": form, "customer": customer})


@tenant_required
def customer_detail(request, pk):
    """The customer 360 page: contact data, vehicles, how to serve them, and every contact."""
    tenant = request.tenant
    tenant.require(Perm.CUSTOMER_VIEW)
    customer = selectors.customer_get(tenant, pk)
    today = timezone.localdate()
    vehicles = []
    for v in customer.vehicles.all():
        tier = age_tier(v, today)
        vehicles.append(
            {
                "v": v,
                "tier": tier,
                "tier_label": AGE_TIER_LABELS[tier],
                "warranty": manufacturer_warranty(v, today),
            }
        )
    age_tiers = sorted({row["tier"] for row in vehicles})
    usages = sorted({row["v"].usage for row in vehicles})
    context = {
        "customer": customer,
        "contact": masking.contact_of(tenant, customer),
        "vehicles": vehicles,
        "tier_advice": guidance.VALUE_TIER_ADVICE.get(customer.value_tier),
        "age_advice": [(AGE_TIER_LABELS[t], guidance.AGE_TIER_ADVICE[t]) for t in age_tiers],
        "usage_advice": [(Usage(u).label, guidance.USAGE_ADVICE[u]) for u in usages],
        "behaviour_rows": guidance.behaviour_rows(customer.behaviour_type),
        "service_records": ServiceRecord.objects.filter(customer=customer).select_related("vehicle", "store")[
            :100
        ],
        "contacts": [
            (c, masking.mask_text(tenant, c.summary))
            for c in customer.contacts.select_related("by", "store")[:50]
        ],
        "consents": customer.consent_events.select_related("by")[:10],
        "changes": timeline_for(
            customer,
            related=[row["v"] for row in vehicles],
            limit=50,
            redact=masking.redactor(tenant),
            readable=True,
        ),
        "contact_form": ContactForm(),
        "can_edit": tenant.can(Perm.CUSTOMER_EDIT),
        "can_log": tenant.can(Perm.CONTACT_LOG),
        "can_add_vehicle": tenant.can(Perm.VEHICLE_EDIT),
        "privacy": views_privacy.card(tenant, customer),
    }
    return render(request, "customers/detail.html", context)


@tenant_required
@require_POST
def contact_create(request, pk):
    tenant = request.tenant
    selectors.customer_get(tenant, pk)
    form = ContactForm(request.POST)
    if form.is_valid():
        try:
            services.contact_log(tenant=tenant, customer_id=pk, **form.cleaned_data)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Contact recorded."))
    else:
        messages.error(request, _("Choose the channel and write what was said."))
    return redirect("customers:detail", pk=pk)


@tenant_required
@require_POST
def consent_set(request, pk):
    selectors.customer_get(request.tenant, pk)
    form = ConsentForm(request.POST)
    form.is_valid()
    granted = form.cleaned_data.get("granted", False)
    try:
        services.consent_set(
            tenant=request.tenant, customer_id=pk, granted=granted, how=form.cleaned_data.get("how", "")
        )
    except DomainError as exc:  # e.g. an erased customer's file
        messages.error(request, exc.message)
        return redirect("customers:detail", pk=pk)
    messages.success(
        request, _("Consent granted.") if granted else _("Consent withdrawn: no more marketing messages.")
    )
    return redirect("customers:detail", pk=pk)
