"""Slots come from the store's opening hours, its capacity and the job's standard hours."""

from datetime import time, timedelta
from decimal import Decimal

from conftest import make_user
from dms.core.roles import Role
from dms.scheduling import selectors, services
from dms.scheduling.models import Bay, CapacityDay, OpeningHours, Technician, WorkshopHours

from .conftest import MONDAY, TUESDAY, at


def starts(found):
    return [s.start for s in found]


def test_a_day_is_cut_into_slots_from_opening_until_the_job_must_end_by_closing(tenant, workshop):
    found = selectors.slots(tenant.store, TUESDAY, Decimal("2"))

    assert found[0].start == at(8, 30) and found[0].end == at(10, 30)
    assert found[-1].start == at(16) and found[-1].end == at(18)
    assert all(b.start - a.start == timedelta(minutes=30) for a, b in zip(found, found[1:], strict=False))
    assert all(s.capacity == 2 and s.free == 2 and s.bookable for s in found)


def test_a_booked_job_takes_a_place_in_every_slot_it_spans(tenant, workshop, vehicle, second_vehicle):
    services.appointment_create(tenant=tenant, vehicle_id=vehicle.pk, start=at(9), hours="1.5")
    services.appointment_create(tenant=tenant, vehicle_id=second_vehicle.pk, start=at(10))

    by_start = {s.start: s for s in selectors.slots(tenant.store, TUESDAY, Decimal("1"))}

    assert by_start[at(8, 30)].free == 1  # spans 08:30–09:30, meets the 09:00 job
    assert by_start[at(9)].free == 1
    assert by_start[at(10)].free == 0 and not by_start[at(10)].bookable  # 09:00–10:30 and 10:00–11:00
    assert by_start[at(10, 30)].free == 1
    assert by_start[at(11)].free == 2


def test_the_least_loaded_starts_are_proposed_first(tenant, workshop, vehicle):
    services.appointment_create(tenant=tenant, vehicle_id=vehicle.pk, start=at(9))

    found = selectors.slots(tenant.store, TUESDAY, Decimal("1"))
    proposed = selectors.free_starts(found, limit=3)

    assert [s.start for s in proposed] == [at(10), at(10, 30), at(11)]
    assert all(s.quiet for s in proposed)
    assert not next(s for s in found if s.start == at(9)).quiet


def test_past_starts_of_today_are_shown_but_not_bookable(tenant, workshop, clock):
    clock.move_to(MONDAY.replace(hour=10, minute=10))

    found = selectors.slots(tenant.store, MONDAY.date(), Decimal("1"))

    assert [s.start for s in found if s.bookable][0] == at(10, 30, day=MONDAY.date())
    assert all(s.past for s in found if s.start < at(10, 10, day=MONDAY.date()))


def test_a_closed_weekday_has_no_slots(tenant, workshop):
    sunday = TUESDAY + timedelta(days=5)
    assert selectors.slots(tenant.store, sunday, Decimal("1")) == []


def test_a_day_override_changes_that_days_capacity_only(tenant, workshop):
    CapacityDay.objects.create(store=tenant.store, date=TUESDAY, capacity=0, note="全员培训")

    assert selectors.slots(tenant.store, TUESDAY, Decimal("1")) == []
    assert selectors.slots(tenant.store, TUESDAY + timedelta(days=1), Decimal("1"))[0].capacity == 2


def test_without_configured_capacity_the_bays_in_use_count_or_the_technicians_if_fewer(tenant, store):
    for name in ("1号工位", "2号工位", "3号工位"):
        Bay.objects.create(store=store, name=name)
    Bay.objects.create(store=store, name="旧工位", active=False)
    assert selectors.day_plan(store, TUESDAY).capacity == 3

    for i in range(2):
        Technician.objects.create(
            store=store, user=make_user(f"t{i}", store, Role.TECHNICIAN), skills=["general"]
        )
    sunday_worker = Technician.objects.create(
        store=store, user=make_user("t9", store, Role.TECHNICIAN), weekdays=[6]
    )
    assert selectors.day_plan(store, TUESDAY).capacity == 2  # two technicians work on Tuesday
    assert sunday_worker.works_on(6)


def test_a_store_without_hours_opens_every_day_0830_to_1800(tenant, store):
    plan = selectors.day_plan(store, TUESDAY + timedelta(days=5))

    assert (plan.opens, plan.closes) == (at(8, 30, day=plan.date), at(18, day=plan.date))
    assert plan.capacity == 0 and not plan.is_open  # nothing set up: nothing to book


def test_the_stores_own_opening_hours_and_slot_length_are_used(tenant, store):
    hours = WorkshopHours.objects.create(store=store, slot_minutes=60, capacity=1)
    OpeningHours.objects.create(workshop=hours, weekday=TUESDAY.weekday(), opens=time(9), closes=time(12))

    found = selectors.slots(store, TUESDAY, Decimal("1"))

    assert starts(found) == [at(9), at(10), at(11)]
    assert selectors.slots(store, TUESDAY, Decimal("4")) == []  # does not fit in three hours


def test_a_job_that_does_not_fill_its_last_slot_still_takes_it(tenant, workshop, vehicle, second_vehicle):
    services.appointment_create(tenant=tenant, vehicle_id=vehicle.pk, start=at(9), hours="0.75")
    services.appointment_create(tenant=tenant, vehicle_id=second_vehicle.pk, start=at(9, 30), hours="0.5")

    by_start = {s.start: s for s in selectors.slots(tenant.store, TUESDAY, Decimal("0.5"))}

    assert by_start[at(9, 30)].free == 0  # 09:00–09:45 and 09:30–10:00
    assert by_start[at(10)].free == 2
