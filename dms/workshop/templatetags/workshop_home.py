"""The home page's panels of orders waiting to be settled and of parts to issue (registered in
apps.py with dms.core.navigation, for the roles that settle and that issue parts)."""

from django import template

from ..selectors import to_issue, to_settle

register = template.Library()


def _queue(context, selector) -> dict:
    """{"count", "rows"} of `selector` for the tenant the page is shown to (nothing without one)."""
    tenant = getattr(context.get("request"), "tenant", None)
    if tenant is None:
        return {"count": 0, "rows": []}
    count, rows = selector(tenant)
    return {"count": count, "rows": rows}


@register.simple_tag(takes_context=True)
def orders_to_settle(context) -> dict:
    return _queue(context, to_settle)


@register.simple_tag(takes_context=True)
def parts_to_issue(context) -> dict:
    return _queue(context, to_issue)
