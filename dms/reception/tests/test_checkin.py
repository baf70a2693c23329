"""The check-in, step by step, through the services: covers, walk-around, the mileage rule, the
comeback check, opening the order, the signature; and drafts that are resumed."""

import pytest
from django.utils import timezone

from dms.core.errors import Conflict, DomainError, NotFound
from dms.reception import selectors, services
from dms.reception.models import CheckIn, Step
from dms.reception.tests.tenancy_world import png_data_url, tiny_png
from dms.vehicles.models import MileageReading
from dms.workshop.models import RepairOrder

pytestmark = pytest.mark.django_db


def walk(tenant, checkin, **over):
    fields = {
        "cover_seat": True,
        "cover_wheel": True,
        "cover_floor": True,
        "fuel_level": 3,
        "mileage_km": 15000,
        **over,
    }
    return services.checkin_update(tenant=tenant, checkin_id=checkin.pk, **fields)


def test_a_walk_in_check_in_belongs_to_the_store_and_the_owner(tenant, vehicle, customer):
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)

    assert (checkin.store, checkin.customer, checkin.appointment, checkin.step) == (
        tenant.store,
        customer,
        None,
        Step.PROTECT,
    )
    assert checkin.is_draft and checkin.created_by == tenant.user


def test_the_walk_around_cannot_start_until_all_three_covers_are_fitted(tenant, vehicle):
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)

    with pytest.raises(DomainError) as err:
        services.checkin_update(
            tenant=tenant, checkin_id=checkin.pk, complete=Step.PROTECT, cover_seat=True, cover_wheel=True
        )

    assert [e["field"] for e in err.value.errors] == ["cover_floor"]
    assert CheckIn.objects.get(pk=checkin.pk).step == Step.PROTECT
    services.checkin_update(tenant=tenant, checkin_id=checkin.pk, complete=Step.PROTECT, cover_floor=True)
    assert CheckIn.objects.get(pk=checkin.pk).step == Step.WALKAROUND


def test_the_walk_around_records_marks_lamps_fuel_and_valuables(tenant, vehicle):
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)

    walk(tenant, checkin, warning_lamps=["tyre", "engine", "tyre"], valuables="行车记录仪", valuables_taken=False,
         damage_marks=[{"x": 0.21, "y": 0.5, "kind": "dent", "note": "左后门"}])  # fmt: skip

    saved = CheckIn.objects.get(pk=checkin.pk)
    assert saved.warning_lamps == ["engine", "tyre"]  # the panel's order, once each
    assert saved.damage_marks == [{"x": 0.21, "y": 0.5, "kind": "dent", "note": "左后门"}]
    assert (saved.fuel_level, saved.mileage_km, saved.valuables) == (3, 15000, "行车记录仪")


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"fuel_level": 9}, "fuel_level"),
        ({"warning_lamps": ["disco"]}, "warning_lamps"),
        ({"damage_marks": [{"x": 1.5, "y": 0.2, "kind": "scratch"}]}, "damage_marks.0"),
        ({"damage_marks": [{"x": 0.5, "y": 0.2, "kind": "bullet"}]}, "damage_marks.0.kind"),
        ({"mileage_km": -5}, "mileage_km"),
    ],
)
def test_bad_walk_around_values_are_refused_with_the_field_at_fault(tenant, vehicle, fields, field):
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)

    with pytest.raises(DomainError) as err:
        services.checkin_update(tenant=tenant, checkin_id=checkin.pk, **fields)

    assert field in [e["field"] for e in err.value.errors]
    assert CheckIn.objects.get(pk=checkin.pk).version == checkin.version


def test_the_mileage_never_goes_backwards_and_nothing_is_recorded_before_the_order(tenant, vehicle):
    # given the file's last reading is 12,000 km
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)

    with pytest.raises(DomainError) as err:
        services.checkin_update(tenant=tenant, checkin_id=checkin.pk, mileage_km=11000)

    assert err.value.errors[0]["field"] == "mileage_km"
    assert "12,000" in str(err.value.errors[0]["message"])
    # a plausible reading is kept on the check-in but not yet in the vehicle's file
    services.checkin_update(tenant=tenant, checkin_id=checkin.pk, mileage_km=15000)
    assert MileageReading.objects.filter(vehicle=vehicle).count() == 1
    vehicle.refresh_from_db()
    assert vehicle.mileage_km == 12000


def test_an_advisor_may_not_correct_an_earlier_reading_but_a_manager_may(tenant, manager_tenant, vehicle):
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)

    with pytest.raises(DomainError):
        services.checkin_update(tenant=tenant, checkin_id=checkin.pk, mileage_km=1200, mileage_correction=True,
                                mileage_note="上次多录了一个 0")  # fmt: skip
    services.checkin_update(tenant=manager_tenant, checkin_id=checkin.pk, mileage_km=1200, mileage_correction=True,
                            mileage_note="上次多录了一个 0")  # fmt: skip

    vehicle.refresh_from_db()
    assert vehicle.mileage_km == 1200
    assert MileageReading.objects.filter(vehicle=vehicle, is_correction=True).count() == 1


def test_a_vehicle_has_one_check_in_in_progress_which_is_resumed(tenant, vehicle):
    first = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)
    walk(tenant, first)

    with pytest.raises(Conflict) as err:
        services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)

    assert err.value.extra["checkin_id"] == first.pk
    assert [c.pk for c in selectors.drafts(tenant)] == [first.pk]


def test_the_order_is_opened_with_the_walk_around_mileage_and_linked(tenant, vehicle):
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)
    walk(tenant, checkin)

    checkin = services.checkin_open_order(tenant=tenant, checkin_id=checkin.pk, complaint="冷车启动有异响")

    order = RepairOrder.objects.get(pk=checkin.repair_order_id)
    assert (order.mileage_in, order.complaint, order.vehicle_id) == (15000, "冷车启动有异响", vehicle.pk)
    assert selectors.checkin_for_order(order).pk == checkin.pk
    vehicle.refresh_from_db()
    assert vehicle.mileage_km == 15000
    assert checkin.step == Step.SIGN


def test_the_order_is_not_opened_before_the_walk_around(tenant, vehicle):
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)

    with pytest.raises(DomainError) as err:
        services.checkin_open_order(tenant=tenant, checkin_id=checkin.pk, complaint="保养")

    assert {e["field"] for e in err.value.errors} == {
        "cover_seat",
        "cover_wheel",
        "cover_floor",
        "fuel_level",
        "mileage_km",
    }
    assert not RepairOrder.objects.exists()


def test_an_appointment_arrives_when_its_order_is_opened(appointment, tenant, vehicle):
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk, appointment_id=appointment.pk)
    walk(tenant, checkin)

    checkin = services.checkin_open_order(tenant=tenant, checkin_id=checkin.pk, complaint="保养")

    appointment.refresh_from_db()
    assert appointment.state == "arrived"
    assert checkin.repair_order.appointment_id == appointment.pk


def test_a_return_within_the_repair_quality_warranty_is_a_comeback(tenant, vehicle, delivered_repair):
    # given a minor repair delivered 5 days ago at 12,000 km (warranty: 2,000 km / 10 days)
    last = delivered_repair(days=5, km=12000)
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)
    walk(tenant, checkin, mileage_km=12800)

    found = selectors.checks(tenant, CheckIn.objects.get(pk=checkin.pk))

    assert found.comeback == last
    assert (found.comeback_days_left, found.comeback_km_left) == (5, 1200)
    order = services.checkin_open_order(
        tenant=tenant, checkin_id=checkin.pk, complaint="刹车还是响"
    ).repair_order
    assert order.is_comeback and order.comeback_of == last


def test_a_return_after_the_warranty_is_not_a_comeback(tenant, vehicle, delivered_repair):
    delivered_repair(days=5, km=12000)
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)
    walk(tenant, checkin, mileage_km=14500)  # 2,500 km since: past the 2,000 km

    assert selectors.checks(tenant, CheckIn.objects.get(pk=checkin.pk)).comeback is None


def test_the_customer_signs_after_the_order_is_opened_and_the_sheet_is_then_locked(tenant, vehicle):
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)
    walk(tenant, checkin)
    with pytest.raises(DomainError):
        services.checkin_sign(tenant=tenant, checkin_id=checkin.pk, data_url=png_data_url())
    services.checkin_open_order(tenant=tenant, checkin_id=checkin.pk, complaint="保养")

    signed = services.checkin_sign(tenant=tenant, checkin_id=checkin.pk, data_url=png_data_url())

    assert signed.signed_at is not None and signed.step == Step.DONE
    assert selectors.signature_data_url(signed).startswith("data:image/png;base64,")
    with pytest.raises(Conflict):
        walk(tenant, signed, fuel_level=8)
    assert selectors.drafts(tenant) == []


@pytest.mark.parametrize(
    "data_url",
    ["", "hello", "data:image/png;base64,!!!", "data:text/plain;base64,aGVsbG8=", None],
)
def test_a_signature_that_is_not_a_png_is_refused(tenant, vehicle, data_url):
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)
    walk(tenant, checkin)
    services.checkin_open_order(tenant=tenant, checkin_id=checkin.pk, complaint="保养")
    data_url = data_url if data_url is not None else png_data_url(stroke=False)

    with pytest.raises(DomainError) as err:
        services.checkin_sign(tenant=tenant, checkin_id=checkin.pk, data_url=data_url)

    assert err.value.errors[0]["field"] == "signature"
    assert CheckIn.objects.get(pk=checkin.pk).signed_at is None


def test_photos_are_re_encoded_without_exif_and_kept_private(tenant, vehicle, private_media):
    from PIL import Image

    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)

    photo = services.photo_add(
        tenant=tenant, checkin_id=checkin.pk, content=tiny_png(3000, 1000), caption="前杠"
    )

    assert photo.image.name.startswith(f"reception/photos/{tenant.store.pk}/")
    with Image.open(photo.image.path) as image:
        assert (image.format, image.size, dict(image.getexif())) == ("JPEG", (1600, 533), {})
    with pytest.raises(DomainError):
        services.photo_add(tenant=tenant, checkin_id=checkin.pk, content=b"not an image")


def test_another_group_cannot_touch_our_check_in(tenant, outsider_tenant, vehicle):
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)

    with pytest.raises(NotFound):
        services.checkin_update(tenant=outsider_tenant, checkin_id=checkin.pk, fuel_level=1)
    with pytest.raises(NotFound):
        services.checkin_create(tenant=outsider_tenant, vehicle_id=vehicle.pk)


def test_today_s_arrivals_show_each_appointment_with_its_check_in(
    appointment, tenant, vehicle, django_assert_max_num_queries
):
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk, appointment_id=appointment.pk)

    with django_assert_max_num_queries(4):
        arrivals = selectors.todays_arrivals(tenant, now=timezone.now())

    assert [(a.appointment.pk, a.checkin.pk) for a in arrivals] == [(appointment.pk, checkin.pk)]


def test_an_appointment_whose_order_was_opened_elsewhere_is_not_received_again(appointment, tenant, vehicle):
    """The order opened for the appointment from the order page (no check-in): reception lists it as
    in the workshop with its number, offers no check-in for it, and a search for the car starts a
    walk-in check-in not tied to that appointment."""
    from django.test import Client

    from dms.workshop.services import repair_order_create

    order = repair_order_create(
        tenant=tenant, vehicle_id=vehicle.pk, mileage_km=vehicle.mileage_km, complaint="保养",
        appointment_id=appointment.pk,
    )  # fmt: skip

    (arrival,) = selectors.todays_arrivals(tenant, now=timezone.now())
    assert arrival.checkin is None and arrival.order == {
        "pk": order.pk,
        "number": order.number,
        "appointment_id": appointment.pk,
    }
    client = Client()
    client.force_login(tenant.user)
    page = client.get("/reception/").content.decode()
    assert (
        "已开单" in page
        and order.number in page
        and f'name="appointment" value="{appointment.pk}"' not in page
    )
    assert services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk).appointment_id is None


def test_a_car_found_by_search_is_linked_to_its_appointment_of_today(appointment, tenant, vehicle):
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)

    assert checkin.appointment == appointment


def test_two_tablets_starting_the_same_car_at_once_end_with_one_check_in(tenant, vehicle):
    # given the first tablet's check-in is saved
    first = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)

    # when the second tablet starts the same car (no look-before-insert to race past: the
    # database's constraint decides, also for two INSERTs at the same moment)
    with pytest.raises(Conflict) as err:
        services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk, fuel_level=3)

    # then the second is refused and sent to the first, which is unchanged
    assert err.value.extra["checkin_id"] == first.pk
    assert CheckIn.objects.count() == 1
    first.refresh_from_db()
    assert first.fuel_level is None


def test_the_comeback_found_at_the_walk_around_is_kept_and_taken_over_by_the_order(
    tenant, vehicle, delivered_repair
):
    last = delivered_repair(days=5, km=12000)
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)
    walk(tenant, checkin, mileage_km=12800)

    kept = CheckIn.objects.get(pk=checkin.pk)
    assert (kept.comeback_of_id, kept.comeback_km) == (last.pk, 12800)
    walk(tenant, checkin, mileage_km=14500)  # read again: past the 2,000 km, no comeback now
    kept = CheckIn.objects.get(pk=checkin.pk)
    assert (kept.comeback_of_id, kept.comeback_km) == (None, 14500)
    assert selectors.comeback_for(kept) is None
    walk(tenant, checkin, mileage_km=12900)  # a mistyped reading put right before the order records it
    kept = CheckIn.objects.get(pk=checkin.pk)
    assert kept.comeback_of_id == last.pk
    order = services.checkin_open_order(
        tenant=tenant, checkin_id=checkin.pk, complaint="刹车还是响"
    ).repair_order
    assert order.is_comeback and order.comeback_of_id == last.pk


def test_photos_are_counted_on_the_check_in_and_listed_in_the_answers_of_its_writes(tenant, vehicle):
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)
    walk(tenant, checkin)
    first = services.photo_add(tenant=tenant, checkin_id=checkin.pk, content=tiny_png(), caption="左前")
    services.photo_add(tenant=tenant, checkin_id=checkin.pk, content=tiny_png(), caption="右后")
    services.photo_remove(tenant=tenant, checkin_id=checkin.pk, photo_id=first.pk)

    assert CheckIn.objects.get(pk=checkin.pk).photo_count == 1
    opened = selectors.checkin_answer(
        tenant, services.checkin_open_order(tenant=tenant, checkin_id=checkin.pk, complaint="保养")
    )
    assert [p.caption for p in opened.photos.all()] == ["右后"]


def test_a_walk_in_finds_todays_appointment_and_the_order_keeps_the_comeback_found(
    appointment, tenant, vehicle, delivered_repair, private_media
):
    last = delivered_repair(days=5, km=12000)
    checkin = services.checkin_create(
        tenant=tenant, vehicle_id=vehicle.pk
    )  # found by search, no appointment sent
    assert checkin.appointment_id == appointment.pk
    walk(tenant, checkin, mileage_km=12800)

    opened = services.checkin_open_order(tenant=tenant, checkin_id=checkin.pk, complaint="保养")
    signed = services.checkin_sign(tenant=tenant, checkin_id=checkin.pk, data_url=png_data_url())

    stored = CheckIn.objects.select_related("repair_order", "vehicle").get(pk=checkin.pk)
    assert (stored.repair_order_id, stored.comeback_of_id, stored.version) == (
        opened.repair_order.pk, last.pk, signed.version,
    )  # fmt: skip
    assert (
        stored.repair_order.comeback_of_id == last.pk and stored.repair_order.appointment_id == appointment.pk
    )
    assert stored.vehicle.mileage_km == 12800 and stored.signed_at == signed.signed_at
    assert signed.repair_order.number == stored.repair_order.number


def test_a_signature_refused_keeps_no_file_and_says_why(tenant, vehicle, private_media):
    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)
    walk(tenant, checkin)
    opened = services.checkin_open_order(tenant=tenant, checkin_id=checkin.pk, complaint="保养")

    with pytest.raises(Conflict) as stale:
        services.checkin_sign(
            tenant=tenant, checkin_id=checkin.pk, data_url=png_data_url(), version=opened.version - 1
        )
    assert stale.value.errors[0]["field"] == "version"
    signed = services.checkin_sign(
        tenant=tenant, checkin_id=checkin.pk, data_url=png_data_url(), version=opened.version
    )
    with pytest.raises(Conflict):  # signed: it no longer changes
        services.checkin_sign(tenant=tenant, checkin_id=checkin.pk, data_url=png_data_url())
    with pytest.raises(NotFound):
        services.checkin_sign(tenant=tenant, checkin_id=checkin.pk + 1, data_url=png_data_url())

    kept = sorted(p.relative_to(private_media).as_posix() for p in private_media.rglob("*.png"))
    assert kept == [signed.signature.name] and signed.version == opened.version + 1
    assert signed.repair_order.number == opened.repair_order.number


def test_the_migration_counts_the_photos_of_the_check_ins_already_there(tenant, vehicle):
    from importlib import import_module

    from django.apps import apps

    checkin = services.checkin_create(tenant=tenant, vehicle_id=vehicle.pk)
    for caption in ("左前", "右后"):
        services.photo_add(tenant=tenant, checkin_id=checkin.pk, content=tiny_png(), caption=caption)
    CheckIn.objects.update(photo_count=0)  # as before the field existed

    import_module("dms.reception.migrations.0003_checkin_photo_count").count_photos(apps, None)

    assert CheckIn.objects.get(pk=checkin.pk).photo_count == 2


def test_the_customers_signature_publishes_check_in_signed(tenant, vehicle):
    from dms.core.models import Event
    from dms.reception.tests.tenancy_world import walked_checkin

    pk = walked_checkin(tenant, vehicle)
    checkin = services.checkin_open_order(tenant=tenant, checkin_id=pk, complaint="异响")
    assert not Event.objects.filter(type="check_in.signed").exists()

    services.checkin_sign(tenant=tenant, checkin_id=pk, data_url=png_data_url())

    [event] = Event.objects.filter(type="check_in.signed")
    assert (event.subject_type, event.subject_id, event.actor_id, event.store_id) == (
        "check_in", pk, tenant.user.pk, tenant.store.pk,
    )  # fmt: skip
    assert event.payload["repair_order_id"] == checkin.repair_order_id
    assert Event.objects.filter(type="repair_order.opened", subject_id=checkin.repair_order_id).exists()


def test_a_first_visit_s_check_in_with_its_mileage_costs_no_comeback_query(
    tenant, vehicle, django_assert_max_num_queries
):
    # The vehicle's read says whether it has a delivered order that may still be in warranty; a car
    # without one (most cars at the counter) is not looked up again: one read (the vehicle, today's
    # appointment and that answer), then the check-in's INSERT (in a test, within a savepoint).
    with django_assert_max_num_queries(4) as captured:
        checkin = services.checkin_create(
            tenant=tenant, vehicle_id=vehicle.pk, mileage_km=vehicle.mileage_km + 500
        )

    assert checkin.comeback_of is None and checkin.comeback_km == vehicle.mileage_km + 500
    reads = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    assert len(reads) == 1 and "vehicles_vehicle" in reads[0]
