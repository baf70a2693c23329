"""The home page's panel of orders waiting to be settled (registered in apps.py with
dms.core.navigation, for the roles that settle)."""

from django import template

from ..selectors import to_settle

register = template.Library()


@register.simple_tag(takes_context=True)
def orders_to_settle(context) -> dict:
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return {"count": 0, "rows": []}
    count, rows = to_settle(tenant)
    return {"count": count, "rows": rows}
