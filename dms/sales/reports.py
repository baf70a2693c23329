"""The sales desk's measures (seed 002): the funnel per store, consultant and month, the pipeline
by grade, stock ageing, receivables, gross per car and commissions.

Each measure is one grouped query (set-based: no loop over records); `funnel` merges them per
consultant. The Excel export writes what the page shows; text cells that a spreadsheet would take
for a formula are written as quoted text (as dms.customers' export does).
"""

from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from django.db.models import Avg, Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.utils.translation import gettext as _

from dms.core.tenancy import Tenant

from .models import ZERO, Lead, LeadSource, Quotation, SalesOrder, ShowroomVisit, TestDrive

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def month_bounds(tenant: Tenant, month: date) -> tuple[datetime, datetime]:
    tz = ZoneInfo(tenant.store.time_zone or "Asia/Shanghai")
    start = datetime.combine(month.replace(day=1), time(0), tzinfo=tz)
    nxt = (month.replace(day=28) + (date(2000, 1, 31) - date(2000, 1, 1))).replace(day=1)
    return start, datetime.combine(nxt, time(0), tzinfo=tz)


@dataclass
class FunnelRow:
    consultant_id: int | None
    consultant: str
    leads: int = 0
    first_response_min: float | None = None
    visits: int = 0
    drove: int = 0
    quotations: int = 0
    orders: int = 0
    deliveries: int = 0
    lost: int = 0
    sources: dict = field(default_factory=dict)

    @property
    def test_drive_rate(self) -> float | None:
        return round(100 * self.drove / self.leads, 1) if self.leads else None

    @property
    def conversion(self) -> float | None:
        return round(100 * self.orders / self.leads, 1) if self.leads else None


# The funnel's steps whose records the desk lists (measure_records), each with the field naming its
# consultant. One query builds both the number and the list behind it, so that they always agree.
MEASURES = {
    "leads": "assigned_to", "drove": "assigned_to", "lost": "assigned_to", "visits": "consultant",
    "quotations": "lead__assigned_to", "orders": "consultant", "deliveries": "consultant",
}  # fmt: skip


def measure_records(tenant: Tenant, month: date, measure: str):
    """The records behind one number of the month's funnel: the prospects registered (all, those who
    drove, those lost), the showroom visits, the quotations, the orders signed (not cancelled) and the
    cars delivered. KeyError for a measure not in MEASURES."""
    start, end = month_bounds(tenant, month)
    store = tenant.store
    leads = Lead.objects.filter(store=store, created_at__gte=start, created_at__lt=end)
    orders = SalesOrder.objects.filter(store=store).exclude(state=SalesOrder.State.CANCELLED)
    return {
        "leads": lambda: leads,
        "drove": lambda: leads.filter(test_drives__isnull=False).distinct(),
        "lost": lambda: leads.filter(state=Lead.State.LOST),
        "visits": lambda: ShowroomVisit.objects.filter(
            store=store, arrived_at__gte=start, arrived_at__lt=end
        ),
        "quotations": lambda: Quotation.objects.filter(
            store=store, created_at__gte=start, created_at__lt=end
        ),
        "orders": lambda: orders.filter(created_at__gte=start, created_at__lt=end),
        "deliveries": lambda: orders.filter(delivered_at__gte=start, delivered_at__lt=end),
    }[measure]()


def by_consultant(records, measure: str, consultant) -> object:
    """`records` of one consultant (an id), of nobody ("none"), or all (None)."""
    if consultant is None:
        return records
    name = MEASURES[measure]
    return records.filter(
        **({f"{name}__isnull": True} if consultant == "none" else {f"{name}_id": consultant})
    )


def funnel(tenant: Tenant, month: date) -> dict:
    """Per consultant (and the store's total) for the month: leads by source, the mean first
    response, showroom visits, the test-drive rate (leads who drove), quotations, orders,
    deliveries, conversion (orders per lead) and the lost reasons."""
    start, end = month_bounds(tenant, month)
    store = tenant.store
    leads = measure_records(tenant, month, "leads")
    names = {}
    rows: dict = {}

    def row(uid, name=None) -> FunnelRow:
        if uid not in rows:
            rows[uid] = FunnelRow(uid, name or names.get(uid) or _("Unassigned"))
        return rows[uid]

    for r in (
        leads.values("assigned_to", "assigned_to__display_name", "assigned_to__username")
        .annotate(n=Count("pk"), fr=Avg("first_response_seconds"), lost=Count("pk", filter=Q(state=Lead.State.LOST)))
        .order_by()
    ):  # fmt: skip
        name = r["assigned_to__display_name"] or r["assigned_to__username"]
        names[r["assigned_to"]] = name
        x = row(r["assigned_to"], name)
        x.leads, x.lost = r["n"], r["lost"]
        x.first_response_min = round(r["fr"] / 60, 1) if r["fr"] is not None else None
    for r in (
        leads.filter(test_drives__isnull=False)
        .values("assigned_to")
        .annotate(n=Count("pk", distinct=True))
        .order_by()
    ):
        row(r["assigned_to"]).drove = r["n"]
    for r in leads.values("assigned_to", "source").annotate(n=Count("pk")).order_by():
        row(r["assigned_to"]).sources[r["source"]] = r["n"]
    for r in (
        measure_records(tenant, month, "visits")
        .values("consultant", "consultant__display_name", "consultant__username").annotate(n=Count("pk")).order_by()
    ):  # fmt: skip
        row(r["consultant"], r["consultant__display_name"] or r["consultant__username"]).visits = r["n"]
    for measure in ("quotations", "orders", "deliveries"):
        key = MEASURES[measure]
        for r in measure_records(tenant, month, measure).values(key).annotate(n=Count("pk")).order_by():
            setattr(row(r[key]), measure, r["n"])
    total = FunnelRow(None, _("Store total"))
    for x in rows.values():
        for name in ("leads", "visits", "drove", "quotations", "orders", "deliveries", "lost"):
            setattr(total, name, getattr(total, name) + getattr(x, name))
        for k, v in x.sources.items():
            total.sources[k] = total.sources.get(k, 0) + v
    agg = leads.aggregate(fr=Avg("first_response_seconds"))
    total.first_response_min = round(agg["fr"] / 60, 1) if agg["fr"] is not None else None
    lost_reasons = list(
        Lead.objects.filter(store=store, state=Lead.State.LOST, lost_at__gte=start, lost_at__lt=end)
        .values("lost_reason").annotate(n=Count("pk")).order_by("-n", "lost_reason")[:20]
    )  # fmt: skip
    return {
        "start": start, "end": end, "rows": sorted(rows.values(), key=lambda x: -x.leads), "total": total,
        "sources": [(v, label) for v, label in LeadSource.choices], "lost_reasons": lost_reasons,
    }  # fmt: skip


def pipeline(tenant: Tenant) -> list[dict]:
    """Open prospects by grade."""
    counts = dict(
        Lead.objects.for_tenant(tenant).filter(state__in=[Lead.State.NEW, Lead.State.FOLLOWING])
        .values_list("grade").annotate(n=Count("pk")).order_by()
    )  # fmt: skip
    return [{"grade": g, "label": label, "n": counts.get(g, 0)}
            for g, label in [("H", "H"), ("A", "A"), ("B", "B"), ("C", "C"), ("", _("Not graded"))]]  # fmt: skip


def gross_per_car(tenant: Tenant, month: date) -> dict:
    """Delivered cars of the month: the car's price after discount less its cost, per car and on average."""
    start, end = month_bounds(tenant, month)
    money = DecimalField(max_digits=11, decimal_places=2)
    qs = (
        SalesOrder.objects.for_tenant(tenant)
        .filter(state=SalesOrder.State.DELIVERED, delivered_at__gte=start, delivered_at__lt=end)
        .annotate(
            gross=ExpressionWrapper(
                F("quotation__list_price") - F("quotation__discount") - F("cost"), output_field=money
            )
        )
    )
    agg = qs.aggregate(n=Count("pk"), total=Sum("gross"), avg=Avg("gross"))
    avg = agg["avg"]
    return {
        "cars": agg["n"], "total": agg["total"] or ZERO,
        "average": Decimal(avg).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if avg is not None else None,
        "orders": list(qs.select_related("quotation", "stock_vehicle").order_by("delivered_at")[:200]),
    }  # fmt: skip


def drives_of(tenant: Tenant, month: date) -> int:
    start, end = month_bounds(tenant, month)
    return TestDrive.objects.for_tenant(tenant).filter(started_at__gte=start, started_at__lt=end).count()


# --- Excel -------------------------------------------------------------------------------------------------------


def _cell(sheet, value):
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell
    return value


def desk_xlsx(tenant: Tenant, month: date, out) -> None:
    """The funnel, the lost reasons and the gross per car of the month, as an .xlsx workbook."""
    import openpyxl

    f = funnel(tenant, month)
    g = gross_per_car(tenant, month)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(_("Funnel"))
    sources = f["sources"]
    sheet.append([_("Consultant"), _("Leads"), *[str(label) for _v, label in sources], _("First response (min)"),
                  _("Showroom visits"), _("Test-drive rate (%)"), _("Quotations"), _("Orders"), _("Deliveries"),
                  _("Conversion (%)"), _("Lost prospects")])  # fmt: skip
    for x in [*f["rows"], f["total"]]:
        sheet.append([_cell(sheet, str(x.consultant)), x.leads, *[x.sources.get(v, 0) for v, _label in sources],
                      x.first_response_min, x.visits, x.test_drive_rate, x.quotations, x.orders, x.deliveries,
                      x.conversion, x.lost])  # fmt: skip
    lost = book.create_sheet(_("Lost reasons"))
    lost.append([_("Lost reason"), _("Prospects")])
    for r in f["lost_reasons"]:
        lost.append([_cell(lost, r["lost_reason"]), r["n"]])
    gross = book.create_sheet(_("Gross per car"))
    gross.append([_("Order"), _("VIN"), _("Model"), _("Price after discount"), _("Cost"), _("Gross")])
    for o in g["orders"]:
        gross.append([o.number, o.stock_vehicle.vin if o.stock_vehicle_id else "", _cell(gross, o.quotation.model),
                      o.quotation.list_price - o.quotation.discount, o.cost, o.gross])  # fmt: skip
    book.save(out)
