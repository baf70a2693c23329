"""Vehicle pages: the vehicle file, mileage, coverage, owners and service history."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dms.core.audit import timeline_for
from dms.core.errors import DomainError
from dms.core.models import Brand, Store
from dms.core.roles import Perm
from dms.core.shell import apply_errors, tenant_required
from dms.customers import selectors as customer_selectors
from dms.customers.guidance import AGE_TIER_ADVICE

from . import selectors, services
from .forms import FIELDS, MileageForm, TransferForm, VehicleForm
from .models import MileageReading, ServiceRecord, VehicleOwnership
from .warranty import AGE_TIER_LABELS, age_tier, manufacturer_warranty, sanbao_periods

PAGE = 25


def _choices(tenant):
    return {
        "brands": list(Brand.objects.for_tenant(tenant)),
        "stores": list(Store.objects.for_tenant(tenant)),
    }


@tenant_required
def vehicle_list(request):
    tenant = request.tenant
    tenant.require(Perm.VEHICLE_VIEW)
    q = request.GET.get("q", "")
    try:
        offset = max(int(request.GET.get("offset", 0)), 0)
    except ValueError:
        offset = 0
    count, items = selectors.vehicle_list(tenant, q=q, limit=PAGE, offset=offset)
    return render(
        request,
        "vehicles/list.html",
        {
            "q": q, "count": count, "items": items, "offset": offset,
            "prev_offset": max(offset - PAGE, 0) if offset else None,
            "next_offset": offset + PAGE if offset + PAGE < count else None,
        },
    )  # fmt: skip


@tenant_required
def vehicle_create(request):
    tenant = request.tenant
    tenant.require(Perm.VEHICLE_EDIT)
    owner = customer_selectors.customer_get(
        tenant, request.GET.get("customer") or request.POST.get("customer")
    )
    form = VehicleForm(
        request.POST or None,
        initial={"mileage_km": 0, "usage": "private", "energy": "petrol"},
        **_choices(tenant),
    )
    if request.method == "POST" and form.is_valid():
        try:
            result = services.vehicle_create(tenant=tenant, owner_id=owner.pk, **form.service_kwargs())
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            for w in result.warnings:
                messages.warning(request, w["message"])
            messages.success(
                request, _("Vehicle %(v)s registered to %(name)s.") % {"v": result.record, "name": owner.name}
            )
            return redirect("customers:detail", pk=owner.pk)
    return render(request, "vehicles/form.html", {"form": form, "owner": owner, "creating": True})


@tenant_required
def vehicle_edit(request, pk):
    tenant = request.tenant
    tenant.require(Perm.VEHICLE_EDIT)
    vehicle = selectors.vehicle_get(tenant, pk)
    initial = {f: getattr(vehicle, f) for f in FIELDS if f not in ("brand", "selling_store")}
    initial.update(brand=vehicle.brand_id, selling_store=vehicle.selling_store_id, version=vehicle.version)
    form = VehicleForm(request.POST or None, initial=initial, with_mileage=False, **_choices(tenant))
    if request.method == "POST" and form.is_valid():
        try:
            result = services.vehicle_update(
                tenant=tenant,
                vehicle_id=vehicle.pk,
                version=form.cleaned_data["version"] or 0,
                **form.service_kwargs(),
            )
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            for w in result.warnings:
                messages.warning(request, w["message"])
            messages.success(request, _("Saved."))
            return redirect("vehicles:detail", pk=vehicle.pk)
    return render(request, "vehicles/form.html", {"form": form, "owner": vehicle.owner, "vehicle": vehicle})


@tenant_required
def vehicle_detail(request, pk):
    tenant = request.tenant
    tenant.require(Perm.VEHICLE_VIEW)
    vehicle = selectors.vehicle_get(tenant, pk)
    today = timezone.localdate()
    tier = age_tier(vehicle, today)
    readings = list(MileageReading.objects.filter(vehicle=vehicle).select_related("by")[:50])
    ownerships = list(VehicleOwnership.objects.filter(vehicle=vehicle).select_related("customer"))
    context = {
        "vehicle": vehicle,
        "warranty": manufacturer_warranty(vehicle, today),
        "sanbao": sanbao_periods(vehicle, today),
        "tier_label": AGE_TIER_LABELS[tier],
        "tier_advice": AGE_TIER_ADVICE[tier],
        "readings": readings,
        "ownerships": ownerships,
        "service_records": ServiceRecord.objects.filter(vehicle=vehicle).select_related("customer", "store")[
            :100
        ],
        "changes": timeline_for(vehicle, limit=50, readable=True),
        "mileage_form": MileageForm(),
        "can_edit": tenant.can(Perm.VEHICLE_EDIT),
        "can_correct": tenant.can(Perm.MILEAGE_CORRECT),
        "can_transfer": tenant.can(Perm.VEHICLE_TRANSFER),
        "today": today,
    }
    return render(request, "vehicles/detail.html", context)


@tenant_required
@require_POST
def mileage_create(request, pk):
    tenant = request.tenant
    selectors.vehicle_get(tenant, pk)
    form = MileageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter the odometer reading in whole km."))
        return redirect("vehicles:detail", pk=pk)
    try:
        services.mileage_record(
            tenant=tenant, vehicle_id=pk, km=form.cleaned_data["km"], correction=form.cleaned_data["correction"],
            note=form.cleaned_data["note"], source=MileageReading.Source.CUSTOMER,
        )  # fmt: skip
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Mileage recorded."))
    return redirect("vehicles:detail", pk=pk)


@tenant_required
def vehicle_transfer(request, pk):
    """Hand the vehicle to a new owner, found with the same search box."""
    tenant = request.tenant
    tenant.require(Perm.VEHICLE_TRANSFER)
    vehicle = selectors.vehicle_get(tenant, pk)
    q = request.GET.get("q", "").strip()
    candidates = customer_selectors.customer_search(tenant, q, limit=10).items if q else []
    form = TransferForm(request.POST or None, initial={"on_date": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.vehicle_transfer(
                tenant=tenant, vehicle_id=vehicle.pk, new_owner_id=form.cleaned_data["new_owner"],
                on_date=form.cleaned_data["on_date"], note=form.cleaned_data["note"],
            )  # fmt: skip
        except DomainError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Ownership transferred."))
            return redirect("vehicles:detail", pk=vehicle.pk)
    return render(
        request,
        "vehicles/transfer.html",
        {"vehicle": vehicle, "form": form, "q": q, "candidates": candidates},
    )
