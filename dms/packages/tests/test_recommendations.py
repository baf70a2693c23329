"""What the service advisor is told to offer: maintenance due by km or months since the last one,
and the items the customer declined at earlier visits and has not had done since."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from conftest import valid_vin
from dms.packages.models import Application, MaintenancePackage, Powertrain
from dms.packages.selectors import order_page_context, recommendations_for
from dms.vehicles.services import mileage_record, service_record_add, vehicle_create
from dms.workshop.models import LineState, RepairOrder, RepairOrderLine
from dms.workshop.services import line_add, repair_order_create

from .conftest import make_package

SHANGHAI = ZoneInfo("Asia/Shanghai")
JULY_20 = datetime(2026, 7, 20, 10, 0, tzinfo=SHANGHAI)

pytestmark = pytest.mark.django_db


def car(tenant, customer, brand, *, km, serial=7, model="思域", **fields):
    return vehicle_create(tenant=tenant, owner_id=customer.pk, vin=valid_vin(serial), brand_id=brand.pk,
                          model=model, mileage_km=km, **fields).record  # fmt: skip


def maintained(tenant, vehicle, day: date, km: int):
    service_record_add(tenant=tenant, vehicle_id=vehicle.pk, date=day, mileage_km=km, kind="maintenance",
                       summary="更换机油机滤", amount_paid="480.00")  # fmt: skip


def maintenance(recs):
    return [r for r in recs if r.kind == "maintenance_due"]


# --- Maintenance due -------------------------------------------------------------------------------


@time_machine.travel(JULY_20, tick=False)
def test_maintenance_is_overdue_by_km_and_the_20000_km_service_is_offered_when_20000_km_was_passed(
    tenant, customer, brand, schedule
):
    # given a car last maintained at 11,800 km on 2026-03-02, now at 22,200 km
    vehicle = car(tenant, customer, brand, km=11800)
    maintained(tenant, vehicle, date(2026, 3, 2), 11800)
    mileage_record(tenant=tenant, vehicle_id=vehicle.pk, km=22200)
    vehicle.refresh_from_db()

    # when the advisor looks at its recommendations
    [rec] = maintenance(recommendations_for(tenant, vehicle))

    # then the maintenance is overdue, the 20,000 km service is offered, and the reason says why
    assert rec.due == "overdue"
    assert rec.package == schedule["20k"]
    assert rec.title == "20,000 km 保养"
    assert "11,800 km / 2026-03-02" in rec.reason
    assert "10,400 km" in rec.reason
    assert "10,000 km" in rec.reason and "6" in rec.reason
    # labor 0.8 + 0.3 + 0.5 h at 300.00, 4 L oil at 78.00, filter 68.00, air filter 128.00
    assert str(rec.amount) == "988.00"


@time_machine.travel(JULY_20, tick=False)
def test_a_little_driven_car_is_due_by_months(tenant, customer, brand, schedule):
    # given a car maintained at 11,800 km on 2026-01-10 and driven only 2,200 km since
    vehicle = car(tenant, customer, brand, km=11800)
    maintained(tenant, vehicle, date(2026, 1, 10), 11800)
    mileage_record(tenant=tenant, vehicle_id=vehicle.pk, km=14000)
    vehicle.refresh_from_db()

    [rec] = maintenance(recommendations_for(tenant, vehicle))

    # then it is overdue by the calendar (6 months), for the 10,000 km service
    assert rec.due == "overdue"
    assert rec.package == schedule["10k"]
    assert "2,200 km" in rec.reason and "6 个月" in rec.reason


@time_machine.travel(JULY_20, tick=False)
def test_maintenance_within_1000_km_is_due_soon_and_far_from_it_is_not_offered(
    tenant, customer, brand, schedule
):
    vehicle = car(tenant, customer, brand, km=11800)
    maintained(tenant, vehicle, date(2026, 5, 20), 11800)

    mileage_record(tenant=tenant, vehicle_id=vehicle.pk, km=14000)
    vehicle.refresh_from_db()
    assert maintenance(recommendations_for(tenant, vehicle)) == []

    mileage_record(tenant=tenant, vehicle_id=vehicle.pk, km=21000)
    vehicle.refresh_from_db()
    [rec] = maintenance(recommendations_for(tenant, vehicle))
    assert (rec.due, rec.due_label) == ("due_soon", "即将到期")


def test_a_new_car_without_maintenance_is_offered_the_first_service(tenant, customer, brand, schedule):
    # given a car bought 3 months ago, at 4,600 km, never maintained
    with time_machine.travel(datetime(2026, 4, 20, 10, tzinfo=SHANGHAI), tick=False):
        vehicle = car(tenant, customer, brand, km=4600, purchase_date=date(2026, 1, 20))

        [rec] = maintenance(recommendations_for(tenant, vehicle))

    assert rec.package == schedule["first"]
    assert rec.due == "due_soon"  # 400 km to go
    assert "2026-01-20" in rec.reason and "4,600 km" in rec.reason


def test_an_old_reading_is_carried_forward_at_the_cars_average_km_a_day(tenant, customer, brand, schedule):
    # given a car bought 2025-07-20 that had 14,600 km on 2026-05-21 (48 km a day), maintained at 7,000 km
    with time_machine.travel(datetime(2026, 5, 21, 10, tzinfo=SHANGHAI), tick=False):
        vehicle = car(tenant, customer, brand, km=14600, purchase_date=date(2025, 7, 20))
        maintained(tenant, vehicle, date(2026, 3, 2), 7000)

    # when it comes back two months later without a new reading
    with time_machine.travel(JULY_20, tick=False):
        [rec] = maintenance(recommendations_for(tenant, vehicle))

    # then 60 days at 48 km a day were added: about 17,472 km today, 10,472 km since the last one
    assert rec.due == "overdue"
    assert "10,472 km" in rec.reason and "17,472 km" in rec.reason and "48 km" in rec.reason
    # and a year after the purchase, the 12-month service is the one due
    assert rec.package.interval_months == 12


@time_machine.travel(JULY_20, tick=False)
def test_a_settled_order_with_a_package_counts_as_the_last_maintenance(
    tenant, customer, brand, schedule, order
):
    # given the vehicle's order of 2026-07-01 at 12,000 km had the 10,000 km package and was delivered
    RepairOrder.objects.filter(pk=order.pk).update(
        state="delivered", settled_at=datetime(2026, 7, 1, 16, tzinfo=SHANGHAI), delivered_at=timezone.now()
    )
    Application.objects.create(order=order, package=schedule["10k"], at=timezone.now())
    vehicle = type(order.vehicle).objects.get(pk=order.vehicle_id)

    # then no maintenance is due now
    assert maintenance(recommendations_for(tenant, vehicle)) == []


def test_a_models_own_package_replaces_the_brands_for_that_service(
    tenant, customer, brand, schedule, catalogue
):
    civic_10k = make_package(tenant.store.group, brand, "思域 10,000 km 保养", 10_000, 6,
                             [(catalogue["oil_change"], "1"), (catalogue["oil"], "3.5")], model="思域")  # fmt: skip
    vehicle = car(tenant, customer, brand, km=12000)

    [rec] = maintenance(recommendations_for(tenant, vehicle))

    assert rec.package == civic_10k


def test_a_battery_electric_car_gets_the_electric_packages_only(tenant, customer, brand, schedule, catalogue):
    ev = make_package(tenant.store.group, brand, "纯电 20,000 km 保养", 20_000, 12, [(catalogue["check"], "1")],
                      powertrain=Powertrain.ELECTRIC)  # fmt: skip
    MaintenancePackage.objects.exclude(pk=ev.pk).update(powertrain=Powertrain.ENGINE)
    vehicle = car(tenant, customer, brand, km=25000, energy="bev")

    assert [r.package for r in maintenance(recommendations_for(tenant, vehicle))] == [ev]


def test_another_groups_packages_are_never_offered(tenant, customer, brand, outsider_tenant, catalogue):
    make_package(outsider_tenant.store.group, None, "外人的保养", 10_000, 6, [])
    vehicle = car(tenant, customer, brand, km=25000)

    assert recommendations_for(tenant, vehicle) == []


# --- Declined earlier --------------------------------------------------------------------------------


def declined(tenant, order, **line):
    added = line_add(tenant=tenant, order_id=order.pk, **line)
    RepairOrderLine.objects.filter(pk=added.pk).update(state=LineState.DECLINED)
    return added


@pytest.fixture
def earlier_visit(people, order, catalogue):
    """At the visit of `order` the customer declined the front brake pads (labor and part)."""
    sa = people["sa"]
    labor = declined(
        sa, order, kind="labor", labor_operation_id=catalogue["pads_labor"].pk, note="前片剩 3 mm"
    )
    part = declined(sa, order, kind="part", part_id=catalogue["pads"].pk, quantity="1")
    RepairOrder.objects.filter(pk=order.pk).update(state="delivered")
    return labor, part


def next_visit(tenant, vehicle, km=18000):
    return repair_order_create(tenant=tenant, vehicle_id=vehicle.pk, mileage_km=km, complaint="异响")


def test_items_declined_at_an_earlier_visit_are_offered_again(people, vehicle, earlier_visit, order):
    sa = people["sa"]
    now = next_visit(sa, vehicle)

    recs = recommendations_for(sa, vehicle, order=now)

    assert [(r.kind, r.title) for r in recs] == [
        ("declined_earlier", "更换前刹车片"),
        ("declined_earlier", "前刹车片"),
    ]
    assert (
        order.number in recs[0].reason and "12,000 km" in recs[0].reason and "前片剩 3 mm" in recs[0].reason
    )
    assert str(recs[0].amount) == "300.00" and str(recs[1].amount) == "560.00"  # today's prices
    assert recs[0].line == earlier_visit[0]


def test_a_declined_item_done_since_is_not_offered(people, vehicle, earlier_visit, catalogue):
    sa = people["sa"]
    later = next_visit(sa, vehicle)
    line_add(tenant=sa, order_id=later.pk, kind="labor", labor_operation_id=catalogue["pads_labor"].pk)
    RepairOrder.objects.filter(pk=later.pk).update(state="delivered")
    now = next_visit(sa, vehicle, km=19000)

    titles = [r.title for r in recommendations_for(sa, vehicle, order=now)]

    assert titles == ["前刹车片"]


def test_an_item_already_on_this_order_is_not_offered(people, vehicle, earlier_visit, catalogue):
    sa = people["sa"]
    now = next_visit(sa, vehicle)
    line_add(tenant=sa, order_id=now.pk, kind="part", part_id=catalogue["pads"].pk, quantity="1")

    assert [r.title for r in recommendations_for(sa, vehicle, order=now)] == ["更换前刹车片"]


def test_the_orders_own_declined_lines_and_cancelled_visits_are_not_offered(
    people, vehicle, earlier_visit, order
):
    sa = people["sa"]
    assert recommendations_for(sa, vehicle, order=order) == []
    RepairOrder.objects.filter(pk=order.pk).update(state="cancelled")
    assert recommendations_for(sa, vehicle) == []


# --- Bounded ---------------------------------------------------------------------------------------------


def test_recommendations_take_a_fixed_number_of_queries_whatever_the_history(
    people, vehicle, schedule, catalogue, brake_job, django_assert_max_num_queries
):
    sa = people["sa"]
    maintained(sa, vehicle, date(2025, 1, 5), 2000)
    first = next_visit(sa, vehicle, km=12000)
    declined(sa, first, kind="labor", labor_operation_id=catalogue["pads_labor"].pk)
    now = next_visit(sa, vehicle, km=12100)
    from dms.workshop.selectors import order_get

    order = order_get(sa, now.pk)
    with django_assert_max_num_queries(12) as few:
        context = order_page_context(sa, order)
    assert len(context["recommendations"]) == 2 and context["canned_jobs"] == [brake_job]

    # a long history: twenty more visits, each with declined items, and twenty maintenance records
    for i in range(20):
        maintained(sa, vehicle, date(2025, 1, 6 + i), 2000 + i)
        visit = next_visit(sa, vehicle, km=12200 + i)
        declined(sa, visit, kind="fee", description=f"项目{i}", quantity="1", unit_price="10.00")
        declined(sa, visit, kind="part", part_id=catalogue["air"].pk, quantity="1")
    with django_assert_max_num_queries(len(few.captured_queries)):
        context = order_page_context(sa, order)
    assert len(context["recommendations"]) == 1 + 10  # maintenance, and the 10 latest declined items
