"""Reads of claims: the lists, one claim, the orders waiting to be claimed, the month's
reconciliation of claimed against reimbursed, and what insurers owe (receivables with ageing).
Each in a bounded number of queries, whatever the number of rows."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from dms.core.tenancy import Tenant, get_scoped
from dms.workshop.comebacks import month_bounds
from dms.workshop.models import LineState, Payer, RepairOrder, RepairOrderLine, State

from .models import (
    ClaimLine,
    ClaimState,
    InsuranceClaim,
    InsuranceState,
    WarrantyClaim,
)

ZERO = Decimal("0.00")
SETTLED = (State.SETTLED, State.DELIVERED)
AGEING = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("90+", 91, None))


# --- Warranty claims -----------------------------------------------------------------------------------


def _claim_lines() -> Prefetch:
    return Prefetch("lines", queryset=ClaimLine.objects.select_related("repair_order").order_by("id"))


def claim_list(
    tenant: Tenant, *, states: list[str] | None = None, q: str = "", limit: int = 50, offset: int = 0
) -> tuple[int, list[WarrantyClaim]]:
    """The store's claims, newest first; `q` finds a claim's number or an order's number, VIN or
    plate. Four queries."""
    qs = WarrantyClaim.objects.for_tenant(tenant)
    if states:
        qs = qs.filter(state__in=states)
    q = (q or "").strip()
    if q:
        orders = ClaimLine.objects.filter(claim=OuterRef("pk")).filter(
            Q(repair_order__number__icontains=q) | Q(repair_order__vin__icontains=q)
            | Q(repair_order__plate__icontains=q)
        )  # fmt: skip
        qs = qs.filter(Q(number__icontains=q) | Exists(orders))
    count = qs.count()
    rows = list(
        qs.select_related("brand")
        .prefetch_related(_claim_lines(), "photos")
        .order_by("-created_at", "-pk")[offset : offset + limit]
    )
    return count, rows


def claim_get(tenant: Tenant, claim_id) -> WarrantyClaim:
    return get_scoped(
        WarrantyClaim.objects.select_related("brand", "created_by", "store").prefetch_related(
            _claim_lines(), "photos"
        ),
        tenant,
        pk=claim_id,
    )


def claim_orders(claim: WarrantyClaim) -> list[RepairOrder]:
    """The claim's orders, in the order of its lines (lines prefetched)."""
    seen: dict[int, RepairOrder] = {}
    for ln in claim.lines.all():
        seen.setdefault(ln.repair_order_id, ln.repair_order)
    return list(seen.values())


def _unclaimed_lines():
    claimed = ClaimLine.objects.filter(order_line=OuterRef("pk"), active=True)
    return (
        RepairOrderLine.objects.filter(payer=Payer.WARRANTY)
        .exclude(state=LineState.DECLINED)
        .exclude(Exists(claimed))
    )


def claimable_orders(tenant: Tenant, *, limit: int = 100, offset: int = 0) -> tuple[int, list[RepairOrder]]:
    """Settled (or delivered) orders of the store with warranty lines not claimed yet, with
    `unclaimed_amount` (at the order's prices) and `unclaimed_lines`; newest settlement first."""
    lines = _unclaimed_lines().filter(order=OuterRef("pk"))
    sums = lines.order_by().values("order").annotate(s=Sum("amount"), n=Count("pk"))
    qs = RepairOrder.objects.for_tenant(tenant).filter(state__in=SETTLED).filter(Exists(lines))
    count = qs.count()
    rows = list(
        qs.select_related("vehicle__brand")
        .annotate(unclaimed_amount=Subquery(sums.values("s")), unclaimed_lines=Subquery(sums.values("n")))
        .order_by("-settled_at", "-pk")[offset : offset + limit]
    )
    return count, rows


def order_claims(tenant: Tenant, order: RepairOrder) -> dict:
    """The claims of one order (its page's card): the warranty claims its lines are in, its
    insurance claim, and whether warranty lines wait to be claimed. Two or three queries."""
    warranty = list(
        WarrantyClaim.objects.for_tenant(tenant)
        .filter(lines__repair_order=order)
        .exclude(state=ClaimState.CANCELLED)
        .distinct()
        .order_by("created_at")
    )
    insurance = (
        InsuranceClaim.objects.for_tenant(tenant)
        .filter(repair_order=order)
        .exclude(state=InsuranceState.CANCELLED)
        .select_related("insurer")
        .first()
    )
    waiting = order.state in SETTLED and _unclaimed_lines().filter(order=order).exists()
    return {"warranty": warranty, "insurance": insurance, "warranty_waiting": waiting}


# --- Reconciliation of claimed against reimbursed -------------------------------------------------------


@dataclass
class MonthSums:
    month: str
    claims: int = 0
    claimed: Decimal = ZERO
    pending: Decimal = ZERO  # with the maker, not decided yet
    approved: Decimal = ZERO
    rejected: Decimal = ZERO  # claimed on rejected claims
    cut: Decimal = ZERO  # claimed minus approved, on decided claims
    paid: Decimal = ZERO
    unpaid: Decimal = ZERO  # approved, not paid yet
    short_paid: Decimal = ZERO  # approved minus paid, on paid claims
    items: list = field(default_factory=list)

    @property
    def difference(self) -> Decimal:
        """Claimed minus reimbursed: what the maker has not paid of what was claimed."""
        return self.claimed - self.paid

    def add(self, c: WarrantyClaim) -> None:
        self.claims += 1
        self.claimed += c.claimed_total
        if c.state == ClaimState.SUBMITTED:
            self.pending += c.claimed_total
            return
        approved = c.approved_total or ZERO
        self.approved += approved
        self.cut += c.claimed_total - approved
        if c.state == ClaimState.REJECTED:
            self.rejected += c.claimed_total
        if c.state == ClaimState.PAID:
            self.paid += c.paid_total or ZERO
            self.short_paid += approved - (c.paid_total or ZERO)
        elif c.state in (ClaimState.APPROVED, ClaimState.PARTLY_APPROVED):
            self.unpaid += approved


SUBMITTED_STATES = [s for s in ClaimState.values if s not in (ClaimState.DRAFT, ClaimState.CANCELLED)]


def _local_bounds(tenant: Tenant, start: date, end: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(tenant.store.time_zone or "Asia/Shanghai")
    return datetime.combine(start, time(0), tzinfo=zone), datetime.combine(end, time(0), tzinfo=zone)


def _month_key(dt: datetime, zone: ZoneInfo) -> str:
    return timezone.localtime(dt, zone).strftime("%Y-%m")


def reconciliation(tenant: Tenant, month: str, *, months: int = 12) -> dict:
    """The claims submitted in `month` (YYYY-MM, the store's time zone) with what each claimed,
    was approved and was paid; and the same sums for the `months` months up to it. Two queries."""
    start, end = month_bounds(month)
    first = start
    for _i in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    lo, hi = _local_bounds(tenant, first, end)
    zone = ZoneInfo(tenant.store.time_zone or "Asia/Shanghai")
    claims = list(
        WarrantyClaim.objects.for_tenant(tenant)
        .filter(state__in=SUBMITTED_STATES, submitted_at__gte=lo, submitted_at__lt=hi)
        .select_related("brand")
        .order_by("submitted_at", "pk")
    )
    series: dict[str, MonthSums] = {}
    day = first
    while day < end:
        key = day.strftime("%Y-%m")
        series[key] = MonthSums(key)
        day = (day + timedelta(days=32)).replace(day=1)
    for c in claims:
        series[_month_key(c.submitted_at, zone)].add(c)
    chosen = series[month]
    chosen.items = [c for c in claims if _month_key(c.submitted_at, zone) == month]
    return {"month": month, "sums": chosen, "months": list(series.values())}


# --- Insurance claims -----------------------------------------------------------------------------------


def insurance_list(
    tenant: Tenant, *, states: list[str] | None = None, insurer_id=None, q: str = "", limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[InsuranceClaim]]:  # fmt: skip
    qs = InsuranceClaim.objects.for_tenant(tenant)
    if states:
        qs = qs.filter(state__in=states)
    if insurer_id is not None:
        qs = qs.filter(insurer_id=insurer_id)
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(number__icontains=q) | Q(claim_number__icontains=q) | Q(policy_number__icontains=q)
            | Q(repair_order__number__icontains=q) | Q(repair_order__plate__icontains=q)
        )  # fmt: skip
    count = qs.count()
    rows = list(
        qs.select_related("insurer", "repair_order")
        .annotate(share=Coalesce(Subquery(_insurer_sums().values("s")), ZERO), docs=Count("documents"))
        .order_by("-created_at", "-pk")[offset : offset + limit]
    )
    return count, rows


def _insurer_sums():
    return (
        RepairOrderLine.objects.filter(order=OuterRef("repair_order"), payer=Payer.INSURER)
        .exclude(state=LineState.DECLINED)
        .order_by()
        .values("order")
        .annotate(s=Sum("amount"))
    )


def insurance_get(tenant: Tenant, claim_id) -> InsuranceClaim:
    return get_scoped(
        InsuranceClaim.objects.select_related("insurer", "repair_order__vehicle", "repair_order__customer",
                                              "created_by")
        .annotate(share=Coalesce(Subquery(_insurer_sums().values("s")), ZERO))
        .prefetch_related("documents", "payments__by"),
        tenant,
        pk=claim_id,
    )  # fmt: skip


@dataclass
class InsurerRow:
    insurer_id: int | None
    name: str
    claims: int = 0
    billed: Decimal = ZERO
    paid: Decimal = ZERO
    unbilled: Decimal = ZERO  # open claims of settled orders: owed, not billed yet
    buckets: dict = field(default_factory=lambda: {key: ZERO for key, _lo, _hi in AGEING})

    @property
    def outstanding(self) -> Decimal:
        return self.billed - self.paid


def _bucket(days: int) -> str:
    for key, lo, hi in AGEING:
        if days >= lo and (hi is None or days <= hi):
            return key
    return AGEING[-1][0]


def receivables(tenant: Tenant, *, today: date | None = None) -> dict:
    """What each insurer owes the store: billed and not paid (aged by the days since billing:
    0-30, 31-60, 61-90, over 90), and not billed yet (open claims of settled orders); and the
    settled orders with lines paid by an insurer that have no insurance claim. Three queries."""
    today = today or timezone.localdate()
    zone = ZoneInfo(tenant.store.time_zone or "Asia/Shanghai")
    rows: dict[int, InsurerRow] = {}
    claims = (
        InsuranceClaim.objects.for_tenant(tenant)
        .filter(Q(state=InsuranceState.SUBMITTED) | Q(state=InsuranceState.OPEN, repair_order__state__in=SETTLED))
        .select_related("insurer")
        .annotate(share=Coalesce(Subquery(_insurer_sums().values("s")), ZERO))
    )  # fmt: skip
    for c in claims:
        row = rows.setdefault(c.insurer_id, InsurerRow(c.insurer_id, c.insurer.name))
        row.claims += 1
        if c.state == InsuranceState.OPEN:
            row.unbilled += c.share
            continue
        row.billed += c.billed_amount
        row.paid += c.paid_total
        days = (today - timezone.localtime(c.submitted_at, zone).date()).days
        row.buckets[_bucket(days)] += c.billed_amount - c.paid_total
    has_claim = InsuranceClaim.objects.filter(repair_order=OuterRef("pk")).exclude(
        state=InsuranceState.CANCELLED
    )
    insurer_lines = RepairOrderLine.objects.filter(order=OuterRef("pk"), payer=Payer.INSURER).exclude(
        state=LineState.DECLINED
    )
    orphans = list(
        RepairOrder.objects.for_tenant(tenant)
        .filter(state__in=SETTLED)
        .filter(Exists(insurer_lines))
        .exclude(Exists(has_claim))
        .annotate(
            share=Subquery(insurer_lines.order_by().values("order").annotate(s=Sum("amount")).values("s"))
        )
        .order_by("settled_at")[:200]
    )
    ordered = sorted(rows.values(), key=lambda r: (-r.outstanding - r.unbilled, r.name))
    total = InsurerRow(None, "")
    for r in ordered:
        total.claims += r.claims
        total.billed += r.billed
        total.paid += r.paid
        total.unbilled += r.unbilled
        for k in total.buckets:
            total.buckets[k] += r.buckets[k]
    return {"rows": ordered, "total": total, "without_claim": orphans, "today": today,
            "buckets": [key for key, _lo, _hi in AGEING]}  # fmt: skip
