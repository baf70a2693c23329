"""Value tiers computed from the visit history (rules in docs/segmentation.md, per group)."""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Customer, SegmentationRules, ValueTier


@dataclass(frozen=True)
class Visit:
    date: date
    paid: Decimal


def rules_for(group_id: int) -> SegmentationRules:
    rules = SegmentationRules.objects.filter(group_id=group_id).first()
    return rules or SegmentationRules(group_id=group_id)


def _months_ago(today: date, months: int) -> date:
    """The same day `months` calendar months earlier (the month's last day if it is shorter):
    "the last 6 months" on 15 June starts on 15 December, as the reason sentence tells the user."""
    year, month = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(year, month + 1, min(today.day, calendar.monthrange(year, month + 1)[1]))


def value_tier(
    *, visits: list[Visit], known_since: date, rules: SegmentationRules, today: date
) -> tuple[str, str]:
    """The tier and a sentence saying why, from the customer's visits (any vehicle they owned then)."""
    lost_before = _months_ago(today, rules.lost_years * 12)
    if not visits:
        if known_since < lost_before:
            return ValueTier.LOST, _("No visit in the %(y)d years since the file was opened.") % {
                "y": rules.lost_years
            }
        return ValueTier.OPPORTUNITY, _("No visit yet: loyalty not yet formed.")
    last = max(v.date for v in visits)
    first = min(v.date for v in visits)
    if last < lost_before:
        return ValueTier.LOST, _("Last visit %(d)s, more than %(y)d years ago.") % {
            "d": last.isoformat(),
            "y": rules.lost_years,
        }
    year_ago = _months_ago(today, 12)
    paid_year = [v for v in visits if v.date >= year_ago and v.paid > 0]
    spend = sum((v.paid for v in paid_year), Decimal(0))
    if len(paid_year) >= rules.loyal_min_visits and spend >= rules.loyal_min_spend:
        return ValueTier.LOYAL, _("%(n)d paid visits, %(s)s CNY in the last 12 months.") % {
            "n": len(paid_year),
            "s": f"{spend:,.0f}",
        }
    if first >= _months_ago(today, rules.opportunity_months):
        return ValueTier.OPPORTUNITY, _("First visit %(d)s: a new customer.") % {"d": first.isoformat()}
    paid_dates = [v.date for v in visits if v.paid > 0]
    gap_start = _months_ago(today, rules.marginal_gap_months)
    if not paid_dates or max(paid_dates) < gap_start:
        return ValueTier.MARGINAL, _(
            "No paid visit in the last %(m)d months; comes only for warranty or free items."
        ) % {"m": rules.marginal_gap_months}
    return ValueTier.OPPORTUNITY, _(
        "Visits regularly, not yet at the loyal threshold (%(n)d paid visits in 12 months)."
    ) % {"n": len(paid_year)}


def recompute_customer_tier(
    customer: Customer, *, today: date | None = None, rules: SegmentationRules | None = None
) -> bool:
    """Recompute and store one customer's tier; True when it changed."""
    from dms.vehicles.models import ServiceRecord

    today = today or timezone.localdate()
    rules = rules or rules_for(customer.group_id)
    visits = [
        Visit(d, p)
        for d, p in ServiceRecord.objects.filter(customer=customer).values_list("date", "amount_paid")
    ]
    tier, reason = value_tier(visits=visits, known_since=customer.customer_since, rules=rules, today=today)
    if (tier, reason) == (customer.value_tier, customer.value_tier_reason):
        return False
    Customer.objects.filter(pk=customer.pk).update(value_tier=tier, value_tier_reason=reason[:200])
    customer.value_tier, customer.value_tier_reason = tier, reason[:200]
    return True


def recompute_group_tiers(group_id: int, *, today: date | None = None, batch: int = 2000) -> int:
    """Recompute every customer of a group (nightly: tiers move as time passes). Returns changes."""
    from dms.vehicles.models import ServiceRecord

    today = today or timezone.localdate()
    rules = rules_for(group_id)
    changed = 0
    ids = list(Customer.objects.filter(group_id=group_id).order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        visits: dict[int, list[Visit]] = {}
        for cid, d, p in ServiceRecord.objects.filter(customer_id__in=chunk).values_list(
            "customer_id", "date", "amount_paid"
        ):
            visits.setdefault(cid, []).append(Visit(d, p))
        for c in Customer.objects.filter(pk__in=chunk).only(
            "pk", "created_at", "known_since", "value_tier", "value_tier_reason"
        ):
            tier, reason = value_tier(
                visits=visits.get(c.pk, []),
                known_since=c.customer_since,
                rules=rules,
                today=today,
            )
            if (tier, reason[:200]) != (c.value_tier, c.value_tier_reason):
                Customer.objects.filter(pk=c.pk).update(value_tier=tier, value_tier_reason=reason[:200])
                changed += 1
    return changed
