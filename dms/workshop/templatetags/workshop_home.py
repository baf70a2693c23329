"""The home page's panels of orders waiting to be settled and of parts to issue (registered in
apps.py with dms.core.navigation, for the roles that settle and that issue parts)."""

from django import template

from ..selectors import to_issue, to_settle

register = template.Library()


@register.simple_tag(takes_context=True)
def orders_to_settle(context) -> dict:
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {"count": 0, "rows": []}
    count, rows = to_settle(tenant)
    return {"count": count, "rows": rows}


@register.simple_tag(takes_context=True)
def parts_to_issue(context) -> dict:
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {"count": 0, "rows": []}
    count, rows = to_issue(tenant)
    return {"count": count, "rows": rows}
