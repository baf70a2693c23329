"""Reads of complaint cases: the owner's open cases, the store's case list, one case's page."""

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from dms.core.tenancy import Tenant

from .models import OPEN_STATES, CaseState, Complaint

# Open first (the most urgent deadline first), then the finished ones, newest first.
_STATE_RANK = Case(
    When(state=CaseState.ESCALATED, then=Value(0)),
    When(state=CaseState.OPEN, then=Value(1)),
    When(state=CaseState.ACKNOWLEDGED, then=Value(2)),
    When(state=CaseState.RESOLVED, then=Value(3)),
    default=Value(4),
    output_field=IntegerField(),
)


def _base() -> QuerySet:
    return Complaint.objects.select_related("customer", "owner", "repair_order")


def open_cases_for(user, store, *, limit: int = 50) -> list[Complaint]:
    """The open cases `user` owns in `store`, the nearest deadline first (escalated ones first):
    what comes first on the owner's day and on the manager's home page. One query."""
    return list(
        _base()
        .filter(store=store, owner=user, state__in=OPEN_STATES)
        .annotate(rank=_STATE_RANK)
        .order_by("rank", "resolve_by", "pk")[:limit]
    )


def case_list(
    tenant: Tenant, *, states: list[str] | None = None, owner=None, customer_id=None, limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[Complaint]]:  # fmt: skip
    """The store's cases: open first (escalated, open, acknowledged; nearest deadline first), then
    resolved and closed, newest first. Two queries."""
    qs = Complaint.objects.for_tenant(tenant)
    if states:
        qs = qs.filter(state__in=states)
    if owner is not None:
        qs = qs.filter(owner=owner)
    if customer_id is not None:
        qs = qs.filter(customer_id=customer_id)
    count = qs.count()
    rows = list(
        qs.select_related("customer", "owner", "repair_order")
        .annotate(rank=_STATE_RANK)
        .order_by("rank", Case(When(Q(state__in=OPEN_STATES), then="resolve_by")), "-opened_at", "-pk")[
            offset : offset + limit
        ]
    )
    return count, rows


def open_counts(tenant: Tenant, *, user=None) -> dict[str, int]:
    """The case list's tabs: open, mine (open ones `user` owns), escalated, done, all. One query."""
    from django.db.models import Count

    is_open = Q(state__in=OPEN_STATES)
    return Complaint.objects.for_tenant(tenant).aggregate(
        open=Count("pk", filter=is_open),
        mine=Count("pk", filter=is_open & Q(owner=user)),
        escalated=Count("pk", filter=Q(state=CaseState.ESCALATED)),
        done=Count("pk", filter=~is_open),
        all=Count("pk"),
    )
