"""The quotation printed as a PDF, in Chinese (WeasyPrint; the CJK font as the workshop's documents)."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.template.loader import render_to_string
from django.utils import timezone, translation

from .models import Quotation

TEMPLATE = "sales/print/quotation.html"
VALID_DAYS = 7  # an offer holds for a week


def quotation_context(q: Quotation, tenant) -> dict:
    price_after = q.list_price - q.discount
    return {
        "q": q, "store": tenant.store, "lead": q.lead, "price_after": price_after,
        "consultant": q.created_by, "printed_at": timezone.now(),
        "valid_until": timezone.localtime(q.created_at).date() + timedelta(days=VALID_DAYS),
        "financed": (q.total - q.down_payment) if q.down_payment is not None else None,
    }  # fmt: skip


def quotation_html(q: Quotation, tenant) -> str:
    with (
        translation.override("zh-hans"),
        timezone.override(ZoneInfo(tenant.store.time_zone or "Asia/Shanghai")),
    ):
        return render_to_string(TEMPLATE, quotation_context(q, tenant))


def quotation_pdf(q: Quotation, tenant) -> bytes:
    from weasyprint import HTML  # heavy: imported when a document is printed

    return HTML(string=quotation_html(q, tenant), base_url=".").write_pdf()
