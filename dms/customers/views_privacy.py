"""The customer page's personal-data card and pages (PIPL): the notices and consents, the export of
everything held about the customer, and erasure with a typed confirmation. See privacy.py."""

from django import forms
from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from dms.core.errors import DomainError
from dms.core.roles import Perm
from dms.core.shell import tenant_required

from . import privacy, selectors, services
from .models import ErasureRecord


def may_erase(tenant) -> bool:
    return tenant.can(Perm.CUSTOMER_ERASE)


def card(tenant, customer) -> dict:
    """The context of customers/privacy/_card.html on the customer page."""
    return {
        "notices": list(privacy.notices(tenant.group_id).values()),
        "consents": list(customer.consent_events.select_related("by")[:20]),
        "erasure": ErasureRecord.objects.filter(customer_id=customer.pk).first(),
        "can_edit": tenant.can(Perm.CUSTOMER_EDIT),
        "can_export": tenant.can(Perm.CUSTOMER_EXPORT),
        "can_erase": may_erase(tenant),
    }


@tenant_required
@require_POST
def data_export(request, pk):
    try:
        out, name, _record = privacy.export_file(tenant=request.tenant, customer_id=pk)
    except DomainError as exc:
        if exc.status == 404:
            raise
        messages.error(request, exc.message)
        return redirect("customers:detail", pk=pk)
    return FileResponse(out, as_attachment=True, filename=name, content_type="application/zip")


@tenant_required
@require_POST
def service_notice(request, pk):
    """The customer was given the service notice in force (and signed or said so)."""
    selectors.customer_get(request.tenant, pk)
    try:
        services.consent_set(
            tenant=request.tenant, customer_id=pk, granted=True, purpose="service",
            how=_("Notice given in person"),
        )  # fmt: skip
    except DomainError as exc:
        if exc.status in (403, 404):
            raise
        messages.error(request, exc.message)
        return redirect("customers:detail", pk=pk)
    messages.success(request, _("Recorded: the customer was given the service privacy notice."))
    return redirect("customers:detail", pk=pk)


class EraseForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why"), max_length=300,
        help_text=gettext_lazy("E.g. the customer's written request of 1 December 2026."),
    )  # fmt: skip
    confirm = forms.CharField(label=gettext_lazy("Type the customer's name to confirm"), max_length=50)

    def __init__(self, *args, name: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.name = name

    def clean_confirm(self):
        value = self.cleaned_data["confirm"].strip()
        if value != self.name:
            raise forms.ValidationError(_("Type the customer's name exactly as shown."))
        return value


@tenant_required
def erase(request, pk):
    tenant = request.tenant
    customer = selectors.customer_get(tenant, pk)
    tenant.require(Perm.CUSTOMER_ERASE)
    erased = ErasureRecord.objects.filter(customer_id=customer.pk).first()
    form = EraseForm(request.POST or None, name=customer.name)
    if request.method == "POST" and erased is None and form.is_valid():
        try:
            privacy.erase(tenant=tenant, customer_id=customer.pk, reason=form.cleaned_data["reason"])
        except DomainError as exc:
            if exc.status == 404:
                raise
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("The customer's personal data has been erased."))
            return redirect("customers:detail", pk=customer.pk)
    context = {
        "customer": customer,
        "form": form,
        "erased": erased,
        "open_records": privacy.open_records(customer),
    }
    return render(request, "customers/privacy/erase.html", context)
