"""Touch plans: the daily generation (set-based, idempotent) and the touches events create."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from conftest import make_user, valid_vin
from dms.core.roles import Role
from dms.customers.models import Customer
from dms.followups.generation import generate, touches_for_event
from dms.followups.models import FollowUp, TouchRule
from dms.followups.plans import effective_rules, ensure_defaults, script_for
from dms.vehicles.models import ServiceRecord, Vehicle

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def cm(store):
    user = make_user("cm1", store, Role.CUSTOMER_MANAGER)
    user.display_name = "王经理"
    user.save(update_fields=["display_name"])
    return user


@pytest.fixture
def owner(vehicle, cm):
    c = vehicle.owner
    Customer.objects.filter(pk=c.pk).update(customer_manager=cm, marketing_consent=True, value_tier="loyal")
    c.refresh_from_db()
    return c


def at_ten(day: date) -> datetime:
    return datetime.combine(day, time(10), tzinfo=BEIJING)


def test_insurance_30_days_before_expiry_is_created_once_for_the_customers_manager(store, vehicle, owner, cm):
    today = timezone.localdate()
    Vehicle.objects.filter(pk=vehicle.pk).update(insurance_expiry=today + timedelta(days=30))

    first = generate(group_id=store.group_id, day=today)
    again = generate(group_id=store.group_id, day=today)

    touches = list(FollowUp.objects.filter(kind="insurance"))
    assert first.created == 1 and again.created == 0
    [t] = touches
    assert (t.rule.code, t.channel, t.assigned_to, t.vehicle_id) == ("insurance_30", "sms", cm, vehicle.pk)
    assert t.due_at == at_ten(today) and t.subject_date == today + timedelta(days=30)
    assert t.priority == 0  # loyal first
    script = script_for(t, "zh-hans")
    assert "张先生" in script and "粤B12345" in script and str(today + timedelta(days=30)) in script
    assert "王经理" in script


def test_marketing_touches_skip_customers_without_consent(store, vehicle, owner):
    today = timezone.localdate()
    Customer.objects.filter(pk=owner.pk).update(marketing_consent=False)
    Vehicle.objects.filter(pk=vehicle.pk).update(insurance_expiry=today + timedelta(days=30))

    assert generate(group_id=store.group_id, day=today).created == 0


def test_the_annual_inspection_and_the_birthday_card(store, vehicle, owner):
    today = timezone.localdate()
    Vehicle.objects.filter(pk=vehicle.pk).update(inspection_due=today + timedelta(days=32))
    Customer.objects.filter(pk=owner.pk).update(
        birthday=date(1980, *(today + timedelta(days=5)).timetuple()[1:3])
    )

    generate(group_id=store.group_id, day=today)

    inspection = FollowUp.objects.get(kind="inspection")
    assert inspection.due_at == at_ten(today + timedelta(days=2))
    card = FollowUp.objects.get(kind="birthday")
    assert (card.channel, card.due_at, card.vehicle_id) == ("card", at_ten(today), None)


def test_maintenance_is_due_by_the_estimated_mileage_before_the_months(store, vehicle, owner):
    today = timezone.localdate()
    # Serviced 60 days ago at 10,000 km; now 14,800 km, a car bought 600 days ago (~25 km/day):
    # the 5,000 km are reached in ~8 days, long before the 6 months; reminded a week before.
    bought = today - timedelta(days=600)
    Vehicle.objects.filter(pk=vehicle.pk).update(
        purchase_date=bought, mileage_km=14_800, mileage_read_at=timezone.now()
    )
    ServiceRecord.objects.create(
        vehicle=vehicle, customer=owner, store=store, date=today - timedelta(days=60), mileage_km=10_000,
        kind="maintenance", summary="小保养",
    )  # fmt: skip

    generate(group_id=store.group_id, day=today)

    m = FollowUp.objects.get(kind="maintenance")
    assert today + timedelta(days=7) <= m.subject_date <= today + timedelta(days=9)
    assert m.due_at.astimezone(BEIJING).date() == m.subject_date - timedelta(days=7)


def test_a_dormant_customer_is_invited_back_when_six_months_pass(store, vehicle, owner):
    today = timezone.localdate()
    ServiceRecord.objects.create(
        vehicle=vehicle, customer=owner, store=store, date=date(today.year - 1, today.month, 1) if today.month > 6
        else date(today.year - 1, today.month + 6, 1), mileage_km=9_000, kind="repair", summary="维修",
    )  # fmt: skip
    last = ServiceRecord.objects.get().date
    # Six months after the last visit falls in the window only on the right day: generate then.
    dormant_on = date(last.year + (last.month + 5) // 12, (last.month + 5) % 12 + 1, last.day)

    generate(group_id=store.group_id, day=dormant_on)
    generate(group_id=store.group_id, day=dormant_on + timedelta(days=1))

    [touch] = FollowUp.objects.filter(kind="dormant")
    assert touch.rule.code == "dormant_6m" and touch.subject_date == dormant_on


def test_behaviour_type_sets_the_rhythm_of_keeping_in_touch(store, vehicle, owner):
    today = timezone.localdate()
    Customer.objects.filter(pk=owner.pk).update(behaviour_type="social")

    for day in range(0, 62, 7):
        generate(group_id=store.group_id, day=today + timedelta(days=day))

    codes = list(FollowUp.objects.filter(kind="keep_in_touch").values_list("rule__code", flat=True))
    assert codes and set(codes) == {"keep_in_touch_social"}
    assert len(codes) >= 2  # monthly


def test_a_store_overrides_a_rule_of_the_group(store, second_store, vehicle, owner):
    today = timezone.localdate()
    ensure_defaults(store.group_id)
    group_rule = TouchRule.objects.get(group_id=store.group_id, store=None, code="insurance_30")
    TouchRule.objects.create(
        group_id=store.group_id, store=store, code="insurance_30", name="续保 45 天", trigger=group_rule.trigger,
        kind="insurance", offset_days=-45, channel="call", assignee="manager", marketing=True,
        script_zh="{name}您好,续保。",
    )  # fmt: skip
    Vehicle.objects.filter(pk=vehicle.pk).update(insurance_expiry=today + timedelta(days=45))

    generate(group_id=store.group_id, day=today)

    t = FollowUp.objects.get(kind="insurance")
    assert (t.channel, t.rule.store_id) == ("call", store.pk)
    assert [r.offset_days for r in effective_rules(second_store, trigger="insurance_expiry")] == [
        -60,
        -30,
        -7,
    ]


def test_a_rule_switched_off_creates_nothing(store, vehicle, owner):
    today = timezone.localdate()
    ensure_defaults(store.group_id)
    TouchRule.objects.filter(code="insurance_30").update(active=False)
    Vehicle.objects.filter(pk=vehicle.pk).update(insurance_expiry=today + timedelta(days=30))

    assert generate(group_id=store.group_id, day=today).created == 0


def test_other_groups_vehicles_are_not_touched(store, other_group_store, vehicle, owner, brand):
    from dms.customers.models import Customer as C

    other = C.objects.create(group=other_group_store.group, home_store=other_group_store, name="李四",
                             mobile="13900000000", marketing_consent=True)  # fmt: skip
    Vehicle.objects.create(group=other_group_store.group, owner=other, vin=valid_vin(7), plate="京A00001",
                           brand_id=brand.pk, model="X", insurance_expiry=timezone.localdate() + timedelta(days=30))  # fmt: skip

    generate(group_id=store.group_id, day=timezone.localdate())

    assert not FollowUp.objects.filter(customer=other).exists()


def test_a_car_bought_at_the_groups_other_store_is_touched_there_by_a_manager_who_works_there(
    store, second_store, vehicle, owner, cm
):
    # cm works at SZ01 only; the car was bought at SZ02, where its touches are made
    there = make_user("cm2", second_store, Role.CUSTOMER_MANAGER)
    today = timezone.localdate()
    Vehicle.objects.filter(pk=vehicle.pk).update(
        selling_store=second_store, insurance_expiry=today + timedelta(days=30)
    )

    generate(group_id=store.group_id, day=today)

    t = FollowUp.objects.get(kind="insurance")
    assert (t.store, t.assigned_to) == (second_store, there)


def test_a_manager_who_left_leaves_the_touches_to_the_stand_in(store, vehicle, owner, cm):
    care = make_user("care1", store, Role.CUSTOMER_CARE)
    cm.is_active = False
    cm.save(update_fields=["is_active"])
    today = timezone.localdate()
    Vehicle.objects.filter(pk=vehicle.pk).update(insurance_expiry=today + timedelta(days=30))

    generate(group_id=store.group_id, day=today)

    assert FollowUp.objects.get(kind="insurance").assigned_to == care


def test_an_event_touch_goes_to_the_manager_only_where_they_work(store, second_store, vehicle, owner, cm):
    there = make_user("cm2", second_store, Role.CUSTOMER_MANAGER)

    made = touches_for_event(
        store=second_store, trigger="new_car_delivered", customer=owner, vehicle=vehicle,
        at=timezone.now(), subject="so:1",
    )  # fmt: skip
    here = touches_for_event(
        store=store, trigger="new_car_delivered", customer=owner, vehicle=vehicle, at=timezone.now(),
        subject="so:2",
    )  # fmt: skip

    assert made and {t.assigned_to_id for t in made} == {there.pk}
    assert here and {t.assigned_to_id for t in here} == {cm.pk}
