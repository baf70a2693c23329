"""The home page's panel of complaint cases (registered in apps.py with dms.core.navigation)."""

from django import template
from django.utils import timezone

from ..api import overdue
from ..selectors import open_cases_for

register = template.Library()


@register.simple_tag(takes_context=True)
def my_open_cases(context, limit: int = 10) -> list[dict]:
    """The signed-in user's open cases in the store they act in: escalated first, then by deadline."""
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    if tenant is None:
        return []
    now = timezone.now()
    return [
        {"c": c, "overdue": overdue(c, now)} for c in open_cases_for(tenant.user, tenant.store, limit=limit)
    ]
