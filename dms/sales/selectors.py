"""Reads of the sales desk: each page's and answer's records in a bounded number of queries."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from dms.core.tenancy import Tenant, get_scoped
from dms.customers.guidance import behaviour_rows

from . import workflow
from .models import Lead, ShowroomVisit, TestDrive


def lead_get(tenant: Tenant, lead_id: int) -> Lead:
    return get_scoped(Lead.objects.select_related("assigned_to", "customer"), tenant, pk=lead_id)


def lead_actions(lead: Lead, tenant: Tenant) -> list[str]:
    return workflow.LEAD.allowed_actions(lead, tenant)


def lead_list(
    tenant: Tenant, *, states=(), grade: str = "", mine: bool = False, limit: int = 50, offset: int = 0
):
    qs = Lead.objects.for_tenant(tenant)
    if states:
        qs = qs.filter(state__in=states)
    if grade:
        qs = qs.filter(grade=grade)
    if mine:
        qs = qs.filter(assigned_to=tenant.user)
    count = qs.count()
    items = list(
        qs.select_related("assigned_to").order_by("next_follow_up_at", "-created_at", "id")[
            offset : offset + limit
        ]
    )
    return count, items


def behaviour_tips(lead: Lead) -> list[tuple[str, str]]:
    return behaviour_rows(lead.customer.behaviour_type) if lead.customer_id else []


def day_bounds(tenant: Tenant, day: date | None = None) -> tuple[datetime, datetime]:
    tz = ZoneInfo(tenant.store.time_zone or "Asia/Shanghai")
    day = day or timezone.localtime(timezone.now(), tz).date()
    start = datetime.combine(day, time(0), tzinfo=tz)
    return start, start + timedelta(days=1)


def visit_list(tenant: Tenant, *, day: date | None = None, limit: int = 50, offset: int = 0):
    start, end = day_bounds(tenant, day)
    qs = ShowroomVisit.objects.for_tenant(tenant).filter(arrived_at__gte=start, arrived_at__lt=end)
    count = qs.count()
    return count, list(
        qs.select_related("lead", "consultant").order_by("-arrived_at", "id")[offset : offset + limit]
    )


def drive_get(tenant: Tenant, drive_id: int) -> TestDrive:
    return get_scoped(TestDrive.objects, tenant, pk=drive_id)
