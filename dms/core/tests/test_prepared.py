"""Prepared reads: compiled once, run with each call's values, scoped like their queryset."""

import pytest
from django.db import connection, transaction

from dms.core.errors import NotFound
from dms.core.prepared import Prepared
from dms.vehicles.models import Vehicle

pytestmark = pytest.mark.django_db

BY_ID = Prepared(lambda tenant, pk: Vehicle.objects.for_tenant(tenant).filter(pk=pk), ints=("pk",))


def test_a_prepared_read_gives_the_record_its_queryset_gives(tenant, vehicle):
    found = BY_ID.get(tenant, pk=vehicle.pk)

    expected = Vehicle.objects.get(pk=vehicle.pk)
    assert type(found) is Vehicle and found.pk == vehicle.pk
    assert {f.attname: getattr(found, f.attname) for f in Vehicle._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in Vehicle._meta.concrete_fields
    }
    assert not found._state.adding  # saved as an update, like any fetched record


def test_it_is_compiled_once_and_then_takes_new_values(tenant, vehicle, customer, brand):
    from conftest import valid_vin
    from dms.vehicles.services import vehicle_create

    second = vehicle_create(
        tenant=tenant,
        owner_id=customer.pk,
        vin=valid_vin(2),
        plate="粤B54321",
        brand_id=brand.pk,
        model="思域",
    ).record
    prepared = Prepared(lambda tenant, pk: Vehicle.objects.for_tenant(tenant).filter(pk=pk), ints=("pk",))

    assert prepared.get(tenant, pk=vehicle.pk).vin == vehicle.vin
    compiled = dict(prepared._compiled)
    assert prepared.get(tenant, pk=second.pk).vin == second.vin
    assert prepared._compiled == compiled


def test_another_group_does_not_find_the_record(outsider_tenant, vehicle):
    with pytest.raises(NotFound):
        BY_ID.get(outsider_tenant, pk=vehicle.pk)


def test_an_id_that_is_not_a_whole_number_is_not_found(tenant, vehicle):
    for bad in ("1 OR 1=1", 1.5, None, True):
        with pytest.raises(NotFound):
            BY_ID.get(tenant, pk=bad)


def test_a_value_the_query_does_not_carry_is_refused_when_compiled(tenant, vehicle):
    ignores_its_value = Prepared(lambda tenant, pk: Vehicle.objects.for_tenant(tenant), ints=("pk",))

    with pytest.raises(ValueError, match="pk"):
        ignores_its_value.all(tenant, pk=vehicle.pk)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has no row locks")
@pytest.mark.django_db(transaction=True)
def test_a_locking_read_needs_a_transaction(tenant, vehicle):
    locking = Prepared(
        lambda tenant, pk: Vehicle.objects.select_for_update().for_tenant(tenant).filter(pk=pk), ints=("pk",)
    )
    with transaction.atomic():
        assert locking.get(tenant, pk=vehicle.pk).pk == vehicle.pk

    with pytest.raises(transaction.TransactionManagementError):
        locking.get(tenant, pk=vehicle.pk)


def test_a_prepared_update_changes_only_what_its_queryset_selects(tenant, outsider_tenant, vehicle):
    from django.db.models import F

    from dms.core.prepared import PreparedUpdate

    rename = PreparedUpdate(
        lambda tenant, pk, version, notes: (
            Vehicle.objects.for_tenant(tenant).filter(pk=pk, version=version),
            {"notes": notes, "version": F("version") + 1},
        ),
        ints=("pk", "version"),
        strs=("notes",),
    )

    assert rename.run(outsider_tenant, pk=vehicle.pk, version=1, notes="别家的") == 0
    assert rename.run(tenant, pk=vehicle.pk, version=1, notes="左后门有划痕") == 1
    assert rename.run(tenant, pk=vehicle.pk, version=1, notes="过期的版本") == 0  # now at version 2
    vehicle.refresh_from_db()
    assert (vehicle.notes, vehicle.version) == ("左后门有划痕", 2)


def test_a_value_that_may_be_none_is_only_accepted_where_the_update_sets_it(tenant, vehicle):
    from dms.core.prepared import PreparedUpdate

    compares_it = PreparedUpdate(
        lambda tenant, pk, km: (
            Vehicle.objects.for_tenant(tenant).filter(pk=pk, mileage_km=km),
            {"notes": "x"},
        ),
        ints=("pk", "km"),
        nullable=("km",),
    )
    with pytest.raises(ValueError, match="km"):
        compares_it.run(tenant, pk=vehicle.pk, km=None)

    sets_it = PreparedUpdate(
        lambda tenant, pk, store: (
            Vehicle.objects.for_tenant(tenant).filter(pk=pk),
            {"selling_store_id": store},
        ),
        ints=("pk", "store"),
        nullable=("store",),
    )
    assert sets_it.run(tenant, pk=vehicle.pk, store=tenant.store.pk) == 1
    vehicle.refresh_from_db()
    assert vehicle.selling_store_id == tenant.store.pk
    assert sets_it.run(tenant, pk=vehicle.pk, store=None) == 1
    vehicle.refresh_from_db()
    assert vehicle.selling_store_id is None


# --- insert: Model.save(force_insert=True) with the INSERT compiled once --------------------------


def _row(model, pk) -> dict:
    row = model.objects.filter(pk=pk).values().get()
    row.pop("id")
    return row


def test_an_insert_writes_the_row_save_writes(tenant, vehicle):
    from django.utils import timezone

    from dms.core.prepared import insert
    from dms.vehicles.models import MileageReading

    at = timezone.now()
    fields = dict(vehicle=vehicle, km=12_345, read_at=at, source="reception", note="备注", by=tenant.user)
    saved = MileageReading.objects.create(**fields)
    inserted = insert(MileageReading(**fields))

    assert not inserted._state.adding and inserted._state.db == "default"
    got, expected = _row(MileageReading, inserted.pk), _row(MileageReading, saved.pk)
    assert got.pop("recorded_at") >= expected.pop("recorded_at")  # auto_now_add: stamped at its insert
    assert got == expected
    assert inserted.recorded_at == MileageReading.objects.get(pk=inserted.pk).recorded_at


def test_an_insert_takes_the_id_the_database_makes(tenant, vehicle):
    from django.utils import timezone

    from dms.core.prepared import insert
    from dms.workshop.models import RepairOrderEvent
    from dms.workshop.services import repair_order_create

    order = repair_order_create(tenant=tenant, vehicle_id=vehicle.pk, mileage_km=vehicle.mileage_km + 10,
                                complaint="异响")  # fmt: skip
    first = insert(RepairOrderEvent(order=order, at=timezone.now(), by=tenant.user, action="note",
                                    data={"说": "话"}))  # fmt: skip
    second = insert(RepairOrderEvent(order=order, at=timezone.now(), by=None, action="note"))

    assert first.pk and second.pk and first.pk != second.pk
    assert RepairOrderEvent.objects.get(pk=first.pk).data == {"说": "话"}
    assert RepairOrderEvent.objects.get(pk=second.pk).by_id is None


def test_a_model_with_receivers_or_a_value_that_is_an_expression_goes_through_save(tenant, vehicle):
    """The audit log listens to vehicles' saves; an expression needs Django's compiler."""
    from auditlog.models import LogEntry
    from django.db.models.functions import Now

    from dms.core.prepared import insert
    from dms.vehicles.models import MileageReading, Vehicle

    twin = Vehicle.objects.get(pk=vehicle.pk)
    twin.pk, twin.vin, twin._state.adding = None, valid_vin_for_test(), True
    insert(twin)
    assert LogEntry.objects.get_for_object(twin).exists()

    reading = insert(MileageReading(vehicle=vehicle, km=1, read_at=Now(), source="import"))
    assert MileageReading.objects.get(pk=reading.pk).read_at is not None


def test_an_insert_that_breaks_a_constraint_is_refused_and_the_transaction_goes_on(tenant, vehicle):
    from django.db import IntegrityError
    from django.utils import timezone

    from dms.core.prepared import insert
    from dms.vehicles.models import MileageReading

    reading = insert(MileageReading(vehicle=vehicle, km=1, read_at=timezone.now(), source="import"))
    with transaction.atomic(), pytest.raises(IntegrityError):  # the same id twice
        insert(MileageReading(id=reading.pk, vehicle=vehicle, km=2, read_at=timezone.now(), source="import"))
    assert MileageReading.objects.get(pk=reading.pk).km == 1


def valid_vin_for_test() -> str:
    from conftest import valid_vin

    return valid_vin(777)
