"""Import and export pages: upload a spreadsheet, follow its import, download the file or the template."""

import tempfile

from django import forms
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from dms.core.errors import DomainError
from dms.core.roles import Perm
from dms.core.shell import apply_errors, tenant_required
from dms.core.tenancy import get_scoped
from dms.core.uploads import max_body

from . import xlsx
from .models import ExportRecord, ImportJob

RECENT = 10


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Spreadsheet (.xlsx)"),
        help_text=_("Up to 10 MB and 50,000 rows; the first row holds the column names."),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{xlsx.CONTENT_TYPE}"}),
    )


@max_body(xlsx.MAX_BYTES + 1024 * 1024)  # the file and the form around it
@tenant_required
def transfer(request):
    """The import and export page; POST uploads a file and goes to its import's progress."""
    tenant = request.tenant
    if not tenant.can(Perm.CUSTOMER_EXPORT):
        tenant.require(Perm.CUSTOMER_IMPORT)
    form = ImportForm()
    if request.method == "POST":
        tenant.require(Perm.CUSTOMER_IMPORT)
        form = ImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                job = xlsx.import_start(tenant=tenant, upload=form.cleaned_data["file"])
            except DomainError as exc:
                apply_errors(form, exc)
            else:
                return redirect("customers:import_status", job_id=job.pk)
    return render(
        request, "customers/transfer.html", _context(tenant, form=form), status=400 if form.errors else 200
    )


@tenant_required
def import_status(request, job_id: int):
    """An import's progress and, once finished, its errors. htmx polls the fragment until then."""
    tenant = request.tenant
    job = get_scoped(ImportJob.objects.select_related("user"), tenant, pk=job_id)
    tenant.require(Perm.CUSTOMER_IMPORT)
    if request.headers.get("HX-Request"):
        return render(request, "customers/_import_status.html", {"job": job})
    return render(request, "customers/transfer.html", _context(tenant, form=ImportForm(), job=job))


@tenant_required
@require_GET
def export(request):
    """The group's customers and vehicles as .xlsx; each download is recorded (PIPL)."""
    tenant = request.tenant
    out = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it, which removes it)
    try:
        xlsx.export_write(tenant=tenant, out=out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    name = f"opendms-customers-{tenant.store.code}-{timezone.localdate():%Y%m%d}.xlsx"
    return FileResponse(out, as_attachment=True, filename=name, content_type=xlsx.CONTENT_TYPE)


@tenant_required
@require_GET
def import_template(request):
    out = tempfile.TemporaryFile()  # noqa: SIM115  (FileResponse closes it, which removes it)
    try:
        xlsx.template_write(tenant=request.tenant, out=out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return FileResponse(
        out, as_attachment=True, filename="opendms-import-template.xlsx", content_type=xlsx.CONTENT_TYPE
    )


def _context(tenant, *, form, job=None) -> dict:
    can_import, can_export = tenant.can(Perm.CUSTOMER_IMPORT), tenant.can(Perm.CUSTOMER_EXPORT)
    return {
        "form": form,
        "job": job,
        "can_import": can_import,
        "can_export": can_export,
        "columns": xlsx.column_guide(),
        "max_rows": xlsx.MAX_ROWS,
        "jobs": (
            list(ImportJob.objects.for_tenant(tenant).select_related("user", "store")[:RECENT])
            if can_import
            else []
        ),
        "exports": (
            list(ExportRecord.objects.for_tenant(tenant).select_related("store")[:RECENT])
            if can_export
            else []
        ),
    }
