"""Tags for the staff partials: the customer's links of an order, and the orders at risk."""

import segno
from django import template
from django.utils import timezone
from django.utils.safestring import mark_safe

from dms.core.roles import Perm
from dms.workshop.models import OPEN_STATES, State

from .. import links, selectors

register = template.Library()


def qr_svg(url: str) -> str:
    """A QR code of the link, as inline SVG (no image request, prints crisp)."""
    svg = segno.make(url, error="m").svg_inline(
        scale=4, dark="#12324f", svgclass="qr", lineclass=None, omitsize=True
    )
    return mark_safe(svg)  # noqa: S308 (segno's own markup, no user text)


@register.simple_tag(takes_context=True)
def customer_links(context, order) -> dict:
    """The links of `order` for the SA: progress link always, approval link while extra work awaits
    the customer. The texts of the order are messaging's panel on the same page."""
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    can = tenant.can if tenant is not None else (lambda perm: False)
    status_url = links.status_url(order, request)
    awaiting = order.state == State.AWAITING_APPROVAL
    # The approval link decides for the customer: only for the roles that may edit the order.
    shown = awaiting and links.may_see_approval_link(tenant)
    approval_url = links.approval_url(order, request) if shown else ""
    promise = selectors.current_promise(order)
    return {
        "status_url": status_url,
        "status_qr": qr_svg(status_url),
        "awaiting": awaiting,
        "approval_url": approval_url,
        "approval_qr": qr_svg(approval_url) if approval_url else "",
        "can_send": can(Perm.RO_EDIT) and order.state in OPEN_STATES,
        "can_delay": can(Perm.RO_EDIT) and order.state in selectors.NOT_READY,
        "promise": promise,
        "promise_moved": promise != order.promised_at,
    }


@register.simple_tag(takes_context=True)
def orders_at_risk(context) -> list:
    """Open orders of the current store whose promised time is within 30 minutes or passed."""
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    if tenant is None or not tenant.can(Perm.RO_VIEW):
        return []
    now = timezone.now()
    orders = selectors.orders_at_risk(tenant.store, now)
    for o in orders:
        o.minutes_left = int((o.promise - now).total_seconds() // 60)
        o.minutes_late = -o.minutes_left
    return orders
