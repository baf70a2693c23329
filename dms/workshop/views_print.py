"""Pages answering the printed documents of a repair order as PDF (shown inline by the browser)."""

from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render

from dms.core.roles import Perm
from dms.core.shell import tenant_required

from . import documents, extensions, selectors


def pdf_response(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response


def _order(request, pk):
    request.tenant.require(Perm.RO_VIEW)
    return selectors.order_get(request.tenant, pk)


@tenant_required
def repair_order_pdf(request, pk):
    order = _order(request, pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    context = documents.repair_order_context(
        request.tenant, order, status_url=extensions.customer_link(order, request)
    )
    data = documents.render_pdf(
        documents.REPAIR_ORDER_TEMPLATE, context, base_url=request.build_absolute_uri("/")
    )
    return pdf_response(data, documents.filename(order, "repair-order"))


@tenant_required
def settlement_pdf(request, pk):
    order = _order(request, pk)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    if not documents.settlement_available(order):
        return render(request, "workshop/print/not_settled.html", {"order": order}, status=409)
    context = documents.settlement_context(request.tenant, order)
    data = documents.render_pdf(
        documents.SETTLEMENT_TEMPLATE, context, base_url=request.build_absolute_uri("/")
    )
    return pdf_response(data, documents.filename(order, "settlement"))
