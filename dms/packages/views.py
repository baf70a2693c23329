"""Pages: the packages and canned jobs (read-only for the service advisor), and the order page's
"add to the order" buttons (plain POST forms; each answers with a redirect back to the order)."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dms.core.errors import DomainError, NotFound
from dms.core.roles import Perm
from dms.core.shell import tenant_required
from dms.workshop import selectors as order_selectors

from . import selectors, services


@tenant_required
def package_list(request):
    tenant = request.tenant
    tenant.require(Perm.RO_VIEW)
    q = request.GET.get("q", "").strip()[:50]
    packages = selectors.package_list(tenant, q=q)
    context = {
        "q": q,
        "packages": packages,
        "canned_jobs": selectors.canned_job_list(tenant, q=q),
        "can_admin": tenant.can(Perm.ADMIN_SITE) and request.user.is_staff,
    }
    return render(request, "packages/list.html", context)


def _int(value) -> int | None:
    value = (value or "").strip()
    return int(value) if value.isdigit() and len(value) < 19 else None


def _from_order_page(request, order_id, do, done_message):
    tenant = request.tenant
    order = order_selectors.order_get(tenant, order_id)  # another group's order: 404
    version = _int(request.POST.get("version"))
    try:
        name = do(tenant, order, version)
    except NotFound:
        messages.error(request, _("That item is no longer available: reload the page."))
    except DomainError as exc:
        messages.error(request, "；".join(str(e["message"]) for e in exc.errors) or str(exc.message))
    else:
        messages.success(request, done_message % {"name": name})
    return redirect("workshop:detail", pk=order.pk)


def _required(value, field):
    number = _int(value)
    if number is None:
        raise DomainError(_("Choose one first."), field=field)
    return number


@tenant_required
@require_POST
def apply_package(request, order_id):
    def do(tenant, order, version):
        package_id = _required(request.POST.get("package_id"), "package_id")
        return services.package_apply(
            tenant=tenant, order_id=order.pk, package_id=package_id, version=version
        ).package.name

    return _from_order_page(request, order_id, do, _("Added to the order: %(name)s."))


@tenant_required
@require_POST
def apply_canned_job(request, order_id):
    def do(tenant, order, version):
        job_id = _required(request.POST.get("canned_job_id"), "canned_job_id")
        return services.canned_job_apply(
            tenant=tenant, order_id=order.pk, canned_job_id=job_id, version=version
        ).canned_job.name

    return _from_order_page(request, order_id, do, _("Added to the order: %(name)s."))


@tenant_required
@require_POST
def accept_declined(request, order_id):
    def do(tenant, order, version):
        line_id = _required(request.POST.get("line_id"), "line_id")
        line = services.recommendation_accept(
            tenant=tenant, order_id=order.pk, line_id=line_id, version=version
        )
        return line.description

    return _from_order_page(request, order_id, do, _("Added to the order: %(name)s."))
