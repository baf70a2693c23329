"""The demo dealership's relationship engine (issue 13): the default touch plans, four weeks of
touches at both stores (the older ones done by the staff they were given to, cm1 and cm2, so that
the portfolio's toolkit and "done this month" show something and nobody's day starts with a wall
of overdue work), today's plan, a new car delivered at SZ01 two hours ago (cm1's 2-hour SMS and
call are due), a referral's thank-you gift, and the delivery photo recorded. The care agents'
calls after delivery (care1 at SZ01, care2 at SZ02) come from the service loop (service.py) through
the same plan. The monthly information update is not yet handed in: cm1's day shows it due by the
15th."""

from datetime import timedelta

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

    # A new car delivered at SZ01 two hours ago (the latest purchase of the store).
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
            at=now - timedelta(hours=2, minutes=10), subject=f"demo-delivery:{car.pk}",
        )  # fmt: skip
        ToolkitEntry.objects.create(
            store=store, customer=customer, tool=ToolkitEntry.Tool.PHOTO, note="交车合影已拍摄", at=now, by=cm
        )
    # A loyal customer of cm1 introduced a friend last week: the thank-you gift is due.
    referrer = cm.managed_customers.filter(value_tier="loyal").order_by("mobile").first()
    gifts = []
    if referrer is not None:
        gifts = touches_for_event(
            store=store, trigger=Trigger.REFERRAL_MADE, customer=referrer, at=now - timedelta(days=3),
            subject=f"demo-referral:{referrer.pk}",
        )  # fmt: skip
    return {
        "touches": FollowUp.objects.filter(store__group=group).count(),
        "created_today": created,
        "new_car_touches": len(new_car),
        "referral_gifts": len(gifts),
        "cm1_open": FollowUp.objects.filter(assigned_to=cm, state=FollowUp.State.OPEN).count(),
    }
