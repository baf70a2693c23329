"""The home page's card of failed uploads (registered in apps.py with dms.core.navigation), and what
the record's pages show of its data."""

from django import template

from dms.workshop.models import FeeCategory

from ..selectors import counts

register = template.Library()


@register.simple_tag(takes_context=True)
def record_upload_counts(context) -> dict:
    """How many of the store's records are in each upload state ({} without a store)."""
    request = context.get("request")
    tenant = getattr(request, "tenant", None)
    return counts(tenant) if tenant is not None else {}


@register.inclusion_tag("records/_state.html")
def record_state(record):
    return {"record": record}


@register.filter
def record_date(value) -> str:
    """A record's date as the platform takes it (YYYYMMDD), shown as YYYY-MM-DD."""
    text = str(value or "")
    return f"{text[:4]}-{text[4:6]}-{text[6:]}" if len(text) == 8 and text.isdigit() else text


@register.filter
def fee_label(value) -> str:
    """A record's fee (FeeCategory's value) in the reader's language; "" for a record kept without."""
    return str(FeeCategory(value).label) if value in FeeCategory.values else ""
