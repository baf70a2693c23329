"""The demo dealership's relationship engine (issue 13): the default touch plans, four weeks of
touches at both stores (the older ones done by the staff they were given to, cm1 and cm2, so that
the portfolio's toolkit and "done this month" show something and nobody's day starts with a wall
of overdue work), today's plan, a new car delivered at SZ01 two hours ago in the showroom's hours
(cm1's 2-hour SMS and call are due), a referral's thank-you gift, and the delivery photo recorded.
The care agents' calls after delivery (care1 at SZ01, care2 at SZ02) come from the service loop
(service.py) through the same plan. The monthly information update is not yet handed in: cm1's day
shows it due by the 15th."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db.models import F
from django.utils import timezone

from dms.core.models import DealerGroup, Store, User
from dms.followups.generation import DATE_TRIGGERS, generate, touches_for_event
from dms.followups.models import FollowUp, ToolkitEntry, Trigger
from dms.followups.plans import ensure_defaults
from dms.followups.services import customer_manager_assign_default
from dms.vehicles.models import Vehicle

HISTORY_WEEKS = 4
WORKED_UP_TO = timedelta(days=3)  # the touches due before this were worked; the later ones wait
SHOWROOM_HOURS = (time(9), time(18))  # cars are handed over in these hours, not at night
DELIVERED_AGO = timedelta(hours=2, minutes=10)  # the 2-hour SMS and call fell due ten minutes ago
LATE_DELIVERY = time(16)  # when the demo's car was handed over if not DELIVERED_AGO


def delivery_time(now: datetime, tz: ZoneInfo) -> datetime:
    """When the demo's new car was handed over: DELIVERED_AGO before `now` if that is in today's
    showroom hours, else at 16:00 of the last day the showroom was open by then (today's after
    the evening, yesterday's before the morning), so that loading the demo at night does not sell
    a car at night. Its 2-hour touches are then overdue or due today: on the manager's day."""
    local = now.astimezone(tz)
    at = local - DELIVERED_AGO
    opens, closes = (datetime.combine(local.date(), t, tzinfo=tz) for t in SHOWROOM_HOURS)
    if opens <= at <= closes:
        return at
    day = local.date() if at > closes else local.date() - timedelta(days=1)
    return datetime.combine(day, LATE_DELIVERY, tzinfo=tz)


def load_demo_relationships() -> dict:
    now = timezone.now()
    today = timezone.localdate()
    for group in DealerGroup.objects.all():
        ensure_defaults(group.pk)
    group = DealerGroup.objects.get(code="DEMO")
    store = Store.objects.get(code="SZ01")
    cm = User.objects.get(username="cm1")
    # Four weeks of plans at both stores; what fell due before the catch-up window was worked by
    # the one it was given to (cm1 at SZ01, cm2 at SZ02): calls made, texts and cards sent.
    for weeks in range(HISTORY_WEEKS, 0, -1):
        generate(group_id=group.pk, day=today - timedelta(weeks=weeks))
    done = FollowUp.objects.filter(
        store__group=group, rule__trigger__in=DATE_TRIGGERS, assigned_to__isnull=False,
        state=FollowUp.State.OPEN, due_at__lt=now - WORKED_UP_TO,
    )  # fmt: skip
    done.exclude(channel__in=("sms", "wechat", "email")).update(
        state=FollowUp.State.DONE, outcome=FollowUp.Outcome.REACHED, reached=True, attempts=1,
        done_at=F("due_at") + timedelta(hours=1), done_by=F("assigned_to"),
    )  # fmt: skip
    done.update(state=FollowUp.State.DONE, outcome=FollowUp.Outcome.SENT, done_at=F("due_at"))
    created = generate(group_id=group.pk, day=today).created

    # A new car delivered at SZ01 two hours ago (the latest purchase of the store), in the
    # showroom's hours (delivery_time).
    delivered = delivery_time(now, ZoneInfo(store.time_zone or "Asia/Shanghai"))
    car = (
        Vehicle.objects.filter(group=group, selling_store=store, purchase_date__isnull=False)
        .select_related("owner")
        .order_by("-purchase_date", "vin")
        .first()
    )
    new_car = []
    if car is not None:
        customer = car.owner
        customer_manager_assign_default(customer=customer, store=store)
        if customer.customer_manager_id is None:
            customer.customer_manager = cm
        new_car = touches_for_event(
            store=store, trigger=Trigger.NEW_CAR_DELIVERED, customer=customer, vehicle=car,
            at=delivered, subject=f"demo-delivery:{car.pk}",
        )  # fmt: skip
        ToolkitEntry.objects.create(
            store=store, customer=customer, tool=ToolkitEntry.Tool.PHOTO, note="交车合影已拍摄",
            at=delivered + timedelta(minutes=15), by=cm,
        )  # fmt: skip
    # A loyal customer of cm1 introduced a friend three days before (in the showroom's hours too):
    # the thank-you gift is due.
    referrer = cm.managed_customers.filter(value_tier="loyal").order_by("mobile").first()
    gifts = []
    if referrer is not None:
        gifts = touches_for_event(
            store=store, trigger=Trigger.REFERRAL_MADE, customer=referrer, at=delivered - timedelta(days=3),
            subject=f"demo-referral:{referrer.pk}",
        )  # fmt: skip
    return {
        "touches": FollowUp.objects.filter(store__group=group).count(),
        "created_today": created,
        "new_car_touches": len(new_car),
        "referral_gifts": len(gifts),
        "cm1_open": FollowUp.objects.filter(assigned_to=cm, state=FollowUp.State.OPEN).count(),
    }
