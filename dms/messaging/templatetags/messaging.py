"""{% customer_messages customer %} and {% subject_messages "repair_order" order.pk %}: the
messages to a customer, or about a record, with their delivery status, as a timeline card
(messaging/_messages.html). Pages of apps below messaging (the customer file) include it through
this tag, without importing messaging."""

from django import template

from dms.core.roles import Perm
from dms.customers.rules import mask_mobile

from .. import selectors
from ..kinds import shown_body
from ..models import Channel

register = template.Library()


def _context(context, messages) -> dict:
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    see = tenant is not None and tenant.can(Perm.CUSTOMER_SEE_CONTACT)
    rows = []
    for m in messages:
        to = m.address
        if not see and m.channel == Channel.SMS:
            to = mask_mobile(to)
        elif not see and m.channel == Channel.EMAIL and "@" in to:
            to = f"{to[:1]}***@{to.split('@', 1)[1]}"
        rows.append({"m": m, "to": to, "body": shown_body(m, tenant)})
    return {"rows": rows}


@register.inclusion_tag("messaging/_messages.html", takes_context=True)
def customer_messages(context, customer, limit: int = 30):
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {"rows": []}
    return _context(context, selectors.messages_for(tenant, customer_id=customer.pk, limit=limit))


@register.inclusion_tag("messaging/_messages.html", takes_context=True)
def subject_messages(context, subject_type: str, subject_id, limit: int = 30):
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    if tenant is None or subject_id is None:
        return {"rows": []}
    return _context(context, selectors.messages_for(tenant, subject=(subject_type, subject_id), limit=limit))
