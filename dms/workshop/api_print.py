"""/api/v1/documents: the printed documents of a repair order, as PDF."""

from ninja import Router

from dms.core.roles import Perm

from . import documents, extensions, selectors
from .views_print import pdf_response

router = Router(tags=["printed documents"])

PDF = {
    200: {"description": "The document as PDF.", "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
    404: {"description": "No such repair order in your dealer group."},
}  # fmt: skip


@router.get("/repair-orders/{order_id}/repair-order.pdf", openapi_extra={"responses": PDF})
def repair_order_pdf(request, order_id: int):
    """The repair order (任务委托书) as the customer signs it: estimate, terms, signature box and a
    QR code of the customer's status page. Printable at any state."""
    t = request.auth
    t.require(Perm.RO_VIEW)
    order = selectors.order_get(t, order_id)
    context = documents.repair_order_context(t, order, status_url=extensions.customer_link(order, request))
    data = documents.render_pdf(
        documents.REPAIR_ORDER_TEMPLATE, context, base_url=request.build_absolute_uri("/")
    )
    return pdf_response(data, documents.filename(order, "repair-order"))


@router.get(
    "/repair-orders/{order_id}/settlement.pdf",
    openapi_extra={
        "responses": {
            **PDF,
            409: {"description": "The order is not settled yet: `detail` says so and `state` is its state."},
        }
    },
)
def settlement_pdf(request, order_id: int):
    """The settlement list (维修结算清单) of a settled or delivered repair order; 409 before (the
    answer names the order's current state)."""
    t = request.auth
    t.require(Perm.RO_VIEW)
    order = selectors.order_get(t, order_id)
    context = documents.settlement_context(t, order)  # Conflict (409) while not settled
    data = documents.render_pdf(
        documents.SETTLEMENT_TEMPLATE, context, base_url=request.build_absolute_uri("/")
    )
    return pdf_response(data, documents.filename(order, "settlement"))


ROUTERS = [("/documents", router)]
