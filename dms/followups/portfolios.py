"""Customer managers' portfolios (seed 003): each owns 150–250 owner customers (保有客户).

Assignment: a customer gets a manager when they buy a car (the least loaded manager of the store)
or by hand; the balancing tool proposes moves so that every manager holds about as many customers,
and as many loyal ones, as the others."""

from django.db.models import Count, Q

from dms.core.models import Store, User
from dms.core.roles import Role
from dms.customers.models import Customer, ValueTier

PORTFOLIO_MIN, PORTFOLIO_MAX = 150, 250


def managers_of(store: Store):
    """The store's active customer managers, each with `customers` and `loyal` counted."""
    return (
        User.objects.filter(memberships__store=store, memberships__role=Role.CUSTOMER_MANAGER, is_active=True)
        .annotate(
            customers=Count("managed_customers", distinct=True),
            loyal=Count(
                "managed_customers", filter=Q(managed_customers__value_tier=ValueTier.LOYAL), distinct=True
            ),
        )
        .order_by("customers", "pk")
    )


def least_loaded_manager(store: Store) -> User | None:
    return managers_of(store).first()


def customers_without_manager(store: Store):
    return Customer.objects.filter(group_id=store.group_id, home_store=store, customer_manager__isnull=True)


UPDATE_DUE_DAY = 15  # the monthly information update is handed in by the 15th (seed 003)


def month_start(day):
    return day.replace(day=1)


def month_bounds(tenant, day=None):
    """The store's local month containing `day`: (first day, aware start, aware end)."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    day = day or timezone.localdate()
    tz = ZoneInfo(tenant.store.time_zone or "Asia/Shanghai")
    first = month_start(day)
    nxt = (first.replace(day=28) + __import__("datetime").timedelta(days=4)).replace(day=1)
    return first, datetime.combine(first, time.min, tzinfo=tz), datetime.combine(nxt, time.min, tzinfo=tz)


def portfolio_summary(tenant, manager) -> dict:
    """A manager's portfolio at a glance: customers (by tier), touches due this month and done,
    and the monthly information update (due by the 15th, handed in or not)."""
    from django.utils import timezone

    from .models import FollowUp, PortfolioReview

    today = timezone.localdate()
    first, start, end = month_bounds(tenant, today)
    tiers = dict(
        Customer.objects.filter(group_id=tenant.group_id, customer_manager=manager)
        .values_list("value_tier")
        .annotate(n=Count("pk"))
    )
    touches = FollowUp.objects.filter(
        store=tenant.store, assigned_to=manager, due_at__gte=start, due_at__lt=end
    )
    counts = touches.aggregate(due=Count("pk"), done=Count("pk", filter=~Q(state=FollowUp.State.OPEN)))
    review = PortfolioReview.objects.filter(store=tenant.store, manager=manager, month=first).first()
    due_on = first.replace(day=UPDATE_DUE_DAY)
    return {
        "customers": sum(tiers.values()), "tiers": {t.value: tiers.get(t.value, 0) for t in ValueTier},
        "tier_labels": [(t.value, t.label, tiers.get(t.value, 0)) for t in ValueTier],
        "due_this_month": counts["due"], "done_this_month": counts["done"], "review": review,
        "update_due_on": due_on, "update_late": review is None and today > due_on,
        "within_range": PORTFOLIO_MIN <= sum(tiers.values()) <= PORTFOLIO_MAX,
        "range": (PORTFOLIO_MIN, PORTFOLIO_MAX),
    }  # fmt: skip


# --- Balancing -------------------------------------------------------------------------------------


def balance_plan(store: Store) -> list[dict]:
    """Moves that even out the store's portfolios by count and by value tier: for each tier, every
    manager should hold the tier's customers divided by the number of managers (±1). Customers of
    the store without a manager are placed first; a manager above their share gives the
    customers they were given last. Returns [{customer_id, from_id, to_id, tier}]; nothing moves."""
    managers = list(managers_of(store).values_list("pk", flat=True))
    if not managers:
        return []
    rows = list(
        Customer.objects.filter(group_id=store.group_id, home_store=store)
        .filter(Q(customer_manager__isnull=True) | Q(customer_manager_id__in=managers))
        .order_by("pk")
        .values_list("pk", "customer_manager_id", "value_tier")
    )
    moves: list[dict] = []
    n = len(managers)
    for tier in ValueTier.values:
        held: dict = {m: [] for m in managers}
        loose = []
        for pk, manager_id, t in rows:
            if t != tier:
                continue
            held.get(manager_id, loose).append(pk)
        total = sum(len(v) for v in held.values()) + len(loose)
        base, extra = divmod(total, n)
        # Managers that hold more keep the extra places first (fewer moves).
        order = sorted(managers, key=lambda m: (-len(held[m]), m))
        share = {m: base + (1 if i < extra else 0) for i, m in enumerate(order)}
        givers = []
        for m in managers:
            surplus = len(held[m]) - share[m]
            if surplus > 0:
                givers += [(pk, m) for pk in held[m][-surplus:]]
        givers = [(pk, None) for pk in loose] + givers
        for m in managers:
            need = share[m] - len(held[m])
            while need > 0 and givers:
                pk, source = givers.pop(0)
                moves.append({"customer_id": pk, "from_id": source, "to_id": m, "tier": tier})
                need -= 1
    return moves


def balance_apply(store: Store, moves: list[dict]) -> int:
    """Apply a plan (each customer's version is raised: an open edit answers 409)."""
    from django.db import transaction
    from django.db.models import F

    moved = 0
    with transaction.atomic():
        by_target: dict = {}
        for move in moves:
            by_target.setdefault((move["to_id"], move["from_id"]), []).append(move["customer_id"])
        for (to_id, from_id), ids in by_target.items():
            moved += Customer.objects.filter(
                pk__in=ids, group_id=store.group_id, customer_manager_id=from_id
            ).update(customer_manager_id=to_id, version=F("version") + 1)
    return moved


# --- The toolkit and the pages' rows --------------------------------------------------------------

# 一照二卡三邀请四礼五电六拜访: (tool, the touch channel that counts as it)
TOOLS = (
    ("photo", None),
    ("card", "card"),
    ("invitation", None),
    ("gift", "gift"),
    ("call", "call"),
    ("visit", "visit"),
)
TIER_ORDER = {ValueTier.LOYAL: 0, ValueTier.OPPORTUNITY: 1, ValueTier.MARGINAL: 2, ValueTier.LOST: 3}


def toolkit_counts(customer_ids: list[int]) -> dict[int, dict[str, int]]:
    """Per customer, how often each tool was used: entries recorded by hand plus touches done
    (a call, a card, a gift, a visit; the one-week new-car call sends the delivery photo)."""
    from .models import FollowUp, ToolkitEntry

    out: dict[int, dict[str, int]] = {pk: {tool: 0 for tool, _ in TOOLS} for pk in customer_ids}
    for cid, tool, n in (
        ToolkitEntry.objects.filter(customer_id__in=customer_ids)
        .values_list("customer_id", "tool")
        .annotate(n=Count("pk"))
    ):
        out[cid][tool] += n
    channel_tool = {channel: tool for tool, channel in TOOLS if channel}
    done = FollowUp.objects.filter(
        customer_id__in=customer_ids, state=FollowUp.State.DONE, outcome__in=("reached", "sent", "declined")
    )
    for cid, channel, code, n in done.values_list("customer_id", "channel", "rule__code").annotate(
        n=Count("pk")
    ):
        if channel in channel_tool:
            out[cid][channel_tool[channel]] += n
        if code == "new_car_call_1w":
            out[cid]["photo"] += n
    return out


def portfolio_rows(tenant, manager, *, limit: int = 300) -> list[dict]:
    """The manager's customers, loyal first: vehicles, last contact, open touches, the toolkit."""
    from django.db.models import Max

    from .models import FollowUp

    customers = list(
        Customer.objects.filter(group_id=tenant.group_id, customer_manager=manager)
        .annotate(
            last_contact=Max("contacts__at"),
            open_touches=Count("followups", filter=Q(followups__state=FollowUp.State.OPEN), distinct=True),
        )
        .prefetch_related("vehicles")
        .order_by("name_pinyin", "pk")[:limit]
    )
    customers.sort(key=lambda c: (TIER_ORDER.get(c.value_tier, 9), c.name_pinyin, c.pk))
    counts = toolkit_counts([c.pk for c in customers])
    return [{"c": c, "tools": [(tool, counts[c.pk][tool]) for tool, _ in TOOLS]} for c in customers]


def team_rows(tenant) -> list[dict]:
    """Every manager of the store: customers, loyal ones, touches due this month, the monthly update."""
    from .models import FollowUp, PortfolioReview

    first, start, end = month_bounds(tenant)
    managers = list(managers_of(tenant.store))
    due = dict(
        FollowUp.objects.filter(
            store=tenant.store, assigned_to__in=managers, due_at__gte=start, due_at__lt=end
        )
        .values_list("assigned_to")
        .annotate(n=Count("pk"))
    )
    reviews = {
        r.manager_id: r
        for r in PortfolioReview.objects.filter(store=tenant.store, month=first, manager__in=managers)
    }
    return [
        {"user": m, "customers": m.customers, "loyal": m.loyal, "due_this_month": due.get(m.pk, 0),
         "review": reviews.get(m.pk), "in_range": PORTFOLIO_MIN <= m.customers <= PORTFOLIO_MAX}
        for m in managers
    ]  # fmt: skip
