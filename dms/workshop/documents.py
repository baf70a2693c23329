"""The two printed documents of a repair order, as PDF.

- The repair order (任务委托书): what the customer asked for and agreed to, printable at any
  state once the order is open, with the estimate and the terms the customer signs.
- The settlement list (维修结算清单) that 机动车维修管理规定 requires at delivery: only once the
  order is settled (or delivered).

What a document says is computed here, once, as plain values (`repair_order_context`,
`settlement_context`); how it looks is the templates' business (workshop/print/*.html), and
`render_pdf` turns the HTML into PDF with WeasyPrint. Times are shown in the store's time zone.

On A4 the lines' table is compact; a busy order runs on to a second page, which repeats the store,
the title and the number at its top and the table's heads, every page numbered ("page n of m").
The last lines, the sums and the signatures stay together: the customer signs under what they
agree to, never on a page of signatures alone (tests/test_documents_layout.py).

A confirmed comeback (返修) names on both documents the earlier order it repairs again: its number,
its settlement list's number and its delivery date. Quantities print with their units in the
reader's language, plural where it has one ("1 hour", "0.80 hours", "2 pieces"; "4.50 升").

Charges on the settlement list are grouped as the regulation lists them — 诊断费, 检测费, 材料费,
工时费, 加工费, 其他费用 — each line by its own `fee_category` (models.FeeCategory), chosen when the
line is added (by default its labor operation's; a part or material is a materials fee), never
guessed from its words. Declined lines cost nothing and are left off the settlement list.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import segno
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from dms.core.errors import Conflict
from dms.core.roles import Perm
from dms.core.tenancy import Tenant
from dms.customers.rules import mask_mobile
from dms.parts import units

from . import comebacks, extensions
from .models import (
    ZERO,
    ComebackStatus,
    FeeCategory,
    LineKind,
    LineState,
    OldParts,
    Payer,
    RepairOrder,
    RepairOrderLine,
    State,
)
from .rules import certificate_required

SETTLED_STATES = (State.SETTLED, State.DELIVERED)


def charge_totals(lines) -> dict[str, Decimal]:
    """The settlement list's charges: per fee (FeeCategory, in the regulation's order), the lines'
    amounts before discount; declined lines cost nothing. `lines`: RepairOrderLine or PrintedLine."""
    totals = dict.fromkeys(FeeCategory.values, ZERO)
    for ln in lines:
        if ln.state != LineState.DECLINED:
            totals[ln.fee_category] = totals.get(ln.fee_category, ZERO) + ln.amount + ln.discount
    return totals


# --- What both documents show ---------------------------------------------------------------------


@dataclass(frozen=True)
class PrintedLine:
    number: int
    kind: str
    kind_label: str
    description: str
    code: str  # the labor operation's code or the part number
    quantity: Decimal
    quantity_text: str  # with its unit, in the reader's language: "0.80 hours", "1 piece", "4.50 升"
    unit_price: Decimal
    discount: Decimal
    amount: Decimal
    payer: str
    payer_label: str
    warranty: str
    warranty_label: str
    warranty_reason: str
    state: str
    state_label: str
    declined: bool
    additional: bool
    quality_label: str  # parts: original / OEM-equivalent / used
    fee_category: str  # what the settlement list counts it as (FeeCategory)
    fee_label: str


def _printed_line(i: int, line: RepairOrderLine) -> PrintedLine:
    if line.kind == LineKind.LABOR:
        code = line.labor_operation.code if line.labor_operation_id else ""
        quantity = units.spell(line.quantity, units.HOURS)
    elif line.part_id:
        code, quantity = line.part.number, units.quantity_text(line.quantity, line.part.unit)
    else:
        code, quantity = "", units.number(line.quantity)
    return PrintedLine(
        number=i, kind=line.kind, kind_label=line.get_kind_display(), description=line.description, code=code,
        quantity=line.quantity, quantity_text=quantity, unit_price=line.unit_price, discount=line.discount, amount=line.amount,
        payer=line.payer, payer_label=line.get_payer_display(), warranty=line.warranty,
        warranty_label=line.get_warranty_display(), warranty_reason=line.warranty_reason, state=line.state,
        state_label=line.get_state_display(), declined=line.state == LineState.DECLINED,
        additional=line.is_additional, quality_label=line.part.get_quality_display() if line.part_id else "",
        fee_category=line.fee_category, fee_label=line.get_fee_category_display(),
    )  # fmt: skip


def _header(tenant: Tenant, order: RepairOrder) -> dict:
    store, customer, vehicle = order.store, order.customer, order.vehicle
    mobile = customer.mobile if tenant.can(Perm.CUSTOMER_SEE_CONTACT) else mask_mobile(customer.mobile)
    return {
        "order": order,
        "store": {
            "name": store.name,
            "licence_no": store.licence_no,
            "address": store.address,
            "phone": store.phone,
        },  # fmt: skip
        "customer": {"name": customer.name, "mobile": mobile},
        "vehicle": {
            "plate": vehicle.plate,
            "vin": vehicle.vin,
            "brand": vehicle.brand.name,
            "model": vehicle.model,
        },  # fmt: skip
        "advisor": str(order.advisor),
        "opened_at": order.opened_at,
        "printed_at": timezone.now(),
        "time_zone": store.time_zone,
        "comeback": _comeback(order),
    }


def _paid_by_others(lines: list[PrintedLine]) -> list[dict]:
    """What payers other than the customer pay of the lines that count, in Payer's order."""
    paid = dict.fromkeys(Payer.values, ZERO)
    for ln in lines:
        if not ln.declined:
            paid[ln.payer] += ln.amount
    return [
        {"payer": p, "label": label, "amount": paid[p]}
        for p, label in Payer.choices
        if p != Payer.CUSTOMER and paid[p]
    ]


def _comeback(order: RepairOrder) -> dict | None:
    """A confirmed comeback (返修) names the order it repairs again, free: its number, its settlement
    list's number and its delivery (one query, only for a comeback)."""
    if order.comeback_status != ComebackStatus.CONFIRMED or not order.comeback_of_id:
        return None
    original = order.comeback_of
    return {
        "number": original.number,
        "settlement_number": original.settlement_number,
        "delivered_at": original.delivered_at,
    }


def _lines(order: RepairOrder) -> list[PrintedLine]:
    return [_printed_line(i, ln) for i, ln in enumerate(order.lines.all(), start=1)]


def qr_svg(url: str) -> str:
    """An inline SVG QR code of the url (scaled by CSS: it carries a viewBox, no size)."""
    return segno.make(url, error="m").svg_inline(scale=1, border=2, omitsize=True, svgclass="qr")


# --- The repair order (任务委托书) -------------------------------------------------------------------


def repair_order_context(tenant: Tenant, order: RepairOrder, *, status_url: str | None) -> dict:
    """Everything the repair order prints. `order` comes from selectors.order_get (lines and their
    parts and operations prefetched); `status_url` is the customer's absolute status link (its QR
    code is printed; None: no code). What other apps add (reception: the walk-around of the
    check-in and the customer's signature image) comes from extensions.printed_order."""
    lines = _lines(order)
    return {
        **_header(tenant, order),
        "document_title": _("Vehicle repair order"),
        "complaint": order.complaint,
        "lines": lines,
        "estimate": {
            "labor": order.labor_total,
            "parts": order.parts_total,
            "other": order.other_total,
            "discount": order.discount_total,
            "total": order.total,
            "customer": order.customer_total,
            "covered": order.total - order.customer_total,
            # Who pays the rest, each on its own line: the warranty, the insurer, the store (返修).
            "paid_by": _paid_by_others(lines),
        },
        "has_declined": any(ln.declined for ln in lines),
        "promised_at": order.promised_at,
        "payment_method": order.get_payment_method_display(),
        "old_parts": order.get_old_parts_display(),
        "free_wash": order.free_wash,
        "preauth_amount": order.preauth_amount,
        "preauth_minutes": order.preauth_minutes,
        # The customer's signature image, printed in the signature box (reception adds it).
        "signature_data_url": None,
        "signed_at": order.signed_at,
        "status_url": status_url,
        "qr_svg": qr_svg(status_url) if status_url else "",
        **extensions.printed_order(order),
    }


# --- The settlement list (维修结算清单) --------------------------------------------------------------


def settlement_available(order: RepairOrder) -> bool:
    return order.state in SETTLED_STATES


def not_settled(order: RepairOrder) -> Conflict:
    return Conflict(
        _("The settlement list is printed once the order is settled; it is “%(state)s”.")
        % {"state": order.get_state_display()},
        state=order.state,
    )


def _local(dt: datetime | None, zone: ZoneInfo) -> datetime | None:
    return timezone.localtime(dt, zone) if dt else None


def settlement_context(tenant: Tenant, order: RepairOrder) -> dict:
    """Everything the settlement list prints; a Conflict when the order is not settled yet."""
    if not settlement_available(order):
        raise not_settled(order)
    zone = ZoneInfo(order.store.time_zone)
    events = {
        e.action: e
        for e in order.events.select_related("by").filter(action__in=("settle", "qc-pass", "deliver"))
    }
    settle, qc_pass, deliver = events.get("settle"), events.get("qc-pass"), events.get("deliver")
    lines = [ln for ln in _lines(order) if not ln.declined]
    charges = charge_totals(lines)
    by_payer = dict.fromkeys(Payer.values, ZERO)
    for ln in lines:
        by_payer[ln.payer] += ln.amount
    discount = sum((ln.discount for ln in lines), ZERO)
    # The repair-quality warranty runs from delivery: by the delivery date once delivered, else as
    # if the car left today (the list is usually printed at settlement, just before delivery).
    period = comebacks.period_of(order, order.vehicle.category)
    delivered = order.delivered_at is not None
    start = (_local(order.delivered_at, zone) or timezone.localtime(timezone.now(), zone)).date()
    start_km = order.mileage_out if order.mileage_out is not None else order.mileage_in
    # Old parts: as recorded at delivery; before (or when not recorded), as agreed on the order.
    returned = deliver.data.get("old_parts_returned") if deliver is not None else None
    if returned:
        old_parts = _("Handed over to the customer")
    elif returned is False and order.old_parts == OldParts.TAKE:
        old_parts = _("Not handed over")
    else:
        old_parts = order.get_old_parts_display()
    header = _header(tenant, order)
    # The record as it was at settlement (copied onto the order): a later plate change or
    # ownership transfer does not rewrite a list printed again.
    record = {
        "vin": order.vin or header["vehicle"]["vin"],
        "plate": order.plate or header["vehicle"]["plate"],
        "customer_name": order.customer_name or header["customer"]["name"],
        "settlement_number": order.settlement_number
        or (settle.data.get("settlement_number") if settle else None)
        or "",
    }
    header["vehicle"] = {**header["vehicle"], "vin": record["vin"], "plate": record["plate"]}
    header["customer"] = {**header["customer"], "name": record["customer_name"]}
    return {
        **header,
        "record": record,
        "document_title": _("Vehicle repair settlement list"),
        "settlement_number": record["settlement_number"],
        "settled_at": order.settled_at,
        "delivered_at": order.delivered_at,
        "mileage_in": order.mileage_in,
        "mileage_out": order.mileage_out,
        "labor_lines": [ln for ln in lines if ln.kind == LineKind.LABOR],
        "part_lines": [ln for ln in lines if ln.kind in (LineKind.PART, LineKind.MATERIAL)],
        "fee_lines": [ln for ln in lines if ln.kind == LineKind.FEE],
        # The regulation's fees, each with its total (zero ones too: the list names them all).
        "charges": [
            {"fee": fee, "label": label, "amount": charges[fee]} for fee, label in FeeCategory.choices
        ],
        "totals": {
            **charges,
            "discount": discount,
            "total": sum(by_payer.values(), ZERO),
        },
        # 机动车维修竣工出厂合格证: issued for level-2 maintenance and overhauls.
        "certificate": {
            "number": order.certificate_number,
            "required": certificate_required(order.work_class),
        },
        "payers": [
            {"payer": p, "label": Payer(p).label, "amount": by_payer[p]}
            for p in Payer.values
            if by_payer[p] or p == Payer.CUSTOMER
        ],
        "payments": [
            {"method": p.get_method_display(), "amount": p.amount, "at": p.at}
            for p in order.payments.order_by("at", "pk")
        ],
        "settled_by": str(settle.by) if settle and settle.by_id else "",
        "qc_inspector": str(qc_pass.by) if qc_pass and qc_pass.by_id else "",
        "qc_at": order.qc_passed_at,
        "quality_warranty": {
            "work_class": order.get_work_class_display(),
            "km": period.km,
            "days": period.days,
            "start": start,
            "end": start + timedelta(days=period.days),
            "end_km": start_km + period.km,
            "from_delivery": delivered,
        },
        "old_parts": old_parts,
        # What the apps above add (claims: the insurer who pays and its report number).
        **extensions.printed_settlement(order),
    }


# --- Formatting -----------------------------------------------------------------------------------


def page_label() -> str:
    """The footer's "page n of m" as CSS `content` (the order of words depends on the language)."""
    text = _("Page %(page)s of %(pages)s") % {"page": "\x00", "pages": "\x01"}
    quoted = '"' + text.replace('"', "'") + '"'
    return quoted.replace("\x00", '" counter(page) "').replace("\x01", '" counter(pages) "')


def render_html(template: str, context: dict) -> str:
    """The document's HTML, with times in the store's time zone."""
    with timezone.override(ZoneInfo(context["time_zone"])):
        return render_to_string(template, {**context, "page_label": page_label()})


def render_pdf(template: str, context: dict, *, base_url: str) -> bytes:
    from weasyprint import HTML  # heavy: imported when a document is printed

    return HTML(string=render_html(template, context), base_url=base_url).write_pdf()


REPAIR_ORDER_TEMPLATE = "workshop/print/repair_order.html"
SETTLEMENT_TEMPLATE = "workshop/print/settlement.html"


def filename(order: RepairOrder, kind: str) -> str:
    """e.g. RO-SZ01-2026-000012-settlement.pdf (ASCII: every browser saves it as is)."""
    return f"{order.number}-{kind}.pdf"
