"""The demo dealership loader (`manage.py load_demo`)."""

import io
import random
from collections import Counter, defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F
from django.test import override_settings
from django.utils import timezone

from conftest import suite_start
from dms.core.errors import NotFound
from dms.core.models import DealerGroup, Store, User
from dms.core.roles import Role
from dms.core.tenancy import get_scoped, resolve_tenant
from dms.customers.models import ConsentEvent, Customer, CustomerContact, ValueTier
from dms.customers.rules import validate_mobile
from dms.customers.segmentation import recompute_group_tiers
from dms.demo.dealership import DEMO, DEMO_PASSWORD, SEED, STAFF, WORK_PHONES, Planner
from dms.followups.generation import works_touches
from dms.followups.models import FollowUp
from dms.followups.plans import script_for
from dms.vehicles.models import Energy, MileageReading, ServiceRecord, Vehicle, VehicleOwnership
from dms.vehicles.rules import is_new_energy_plate, validate_plate, validate_vin

CUSTOMERS = 40  # the command's default is 300; fewer keep this module fast


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """The demo, loaded once by the command for this module, in a transaction rolled back at its end."""
    out = io.StringIO()
    fast_hashing = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])
    frozen = time_machine.travel(suite_start(), tick=False)  # the suite's day; its tests run then too
    with frozen, fast_hashing, django_db_blocker.unblock(), transaction.atomic():
        call_command("load_demo", customers=CUSTOMERS, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def _counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (DealerGroup, User, Customer, Vehicle, ServiceRecord, MileageReading, CustomerContact)
    }


def test_the_command_prints_the_tiers(demo):
    assert "DEMO 示范汽车集团" in demo
    assert f"{CUSTOMERS} customers" in demo
    assert all(tier in demo for tier in ValueTier.values)


def test_every_demo_user_logs_in_with_the_demo_password(demo, client):
    for username, *_ in STAFF:
        assert User.objects.get(username=username).check_password(DEMO_PASSWORD), username
    response = client.post("/login/", {"username": "sa1", "password": DEMO_PASSWORD})
    assert response.status_code == 302


def test_the_staff_who_talk_to_customers_have_a_work_phone_no_customer_has(demo):
    phones = dict(User.objects.exclude(phone="").values_list("username", "phone"))
    assert phones == WORK_PHONES
    assert {"cm1", "care1", "cm2", "care2", "sa1", "sales1", "showroom1", "manager1"} <= set(phones)
    assert not Customer.objects.filter(mobile__in=phones.values()).exists()


def test_cm1s_texts_to_her_customers_give_her_own_phone(demo):
    cm1 = User.objects.get(username="cm1")
    texts = FollowUp.objects.filter(
        assigned_to=cm1, channel="sms", state="open", rule__script_zh__contains="{manager_phone}"
    ).select_related("customer__customer_manager", "store", "vehicle", "rule")
    assert texts.exists()

    for text in texts:
        assert f"{cm1.display_name} {cm1.phone}" in script_for(text, "zh-hans")
        assert cm1.phone in script_for(text, "en")


def test_sa1_acts_in_sz01_and_also_works_in_sz02(demo):
    tenant = resolve_tenant(User.objects.get(username="sa1"))
    assert tenant.store.code == "SZ01"
    assert tenant.role == Role.SERVICE_ADVISOR
    assert [s.code for s in tenant.stores] == ["SZ01", "SZ02"]


def test_admin_is_the_administrator_of_sz01_and_no_superuser(demo):
    admin = User.objects.get(username="admin")
    assert admin.is_staff and not admin.is_superuser
    assert resolve_tenant(admin).role == Role.ADMINISTRATOR


def test_every_vehicle_has_a_valid_vin_and_plate(demo):
    vehicles = list(Vehicle.objects.values_list("vin", "plate", "energy"))
    assert len(vehicles) >= CUSTOMERS
    for vin, plate, energy in vehicles:
        assert validate_vin(vin) == vin
        assert validate_plate(plate) == plate
        assert is_new_energy_plate(plate) == (energy in (Energy.BEV, Energy.PHEV)), plate
    assert len({vin for vin, _, _ in vehicles}) == len(vehicles)


def test_every_mobile_is_a_valid_mainland_mobile(demo):
    for mobile in Customer.objects.values_list("mobile", flat=True):
        assert validate_mobile(mobile) == mobile


def test_mileage_never_goes_backwards_and_the_vehicle_shows_the_last_reading(demo):
    readings = defaultdict(list)
    for vehicle_id, km, at in MileageReading.objects.order_by("vehicle_id", "read_at", "id").values_list(
        "vehicle_id", "km", "read_at"
    ):
        readings[vehicle_id].append((km, at))
    for vehicle in Vehicle.objects.all():
        kms = [km for km, _ in readings[vehicle.pk]]
        assert kms == sorted(kms), vehicle.plate
        assert (vehicle.mileage_km, vehicle.mileage_read_at) == readings[vehicle.pk][-1]
        assert vehicle.created_at <= readings[vehicle.pk][0][1]


def test_every_service_record_has_its_mileage_reading(demo):
    readings = set(MileageReading.objects.values_list("vehicle_id", "km", "note"))
    records = ServiceRecord.objects.values_list("vehicle_id", "mileage_km", "reference", "date")
    today = timezone.localdate()
    for vehicle_id, km, reference, day in records:
        assert (vehicle_id, km, reference) in readings
        assert day < today


def test_every_value_tier_has_a_meaningful_share(demo):
    tiers = Counter(Customer.objects.filter(group__code="DEMO").values_list("value_tier", flat=True))
    assert set(tiers) == set(ValueTier.values)
    assert all(n >= CUSTOMERS // 10 for n in tiers.values()), tiers


def test_the_tiers_are_computed_from_the_history(demo):
    group = DealerGroup.objects.get(code="DEMO")
    assert recompute_group_tiers(group.pk) == 0


def test_customers_were_created_through_the_services(demo):
    customers = list(Customer.objects.filter(group__code="DEMO"))
    consenting = [c for c in customers if c.marketing_consent]
    assert all(c.name_pinyin and c.mobile_tail == c.mobile[::-1] for c in customers)
    assert len(consenting) >= len(customers) // 3
    granted = set(ConsentEvent.objects.filter(granted=True).values_list("customer_id", flat=True))
    assert {c.pk for c in consenting} <= granted
    logged = set(
        LogEntry.objects.get_for_model(Customer)
        .filter(action=LogEntry.Action.CREATE)
        .values_list("object_pk", flat=True)
    )
    assert {str(c.pk) for c in customers} <= logged
    assert CustomerContact.objects.filter(customer__group__code="DEMO").exists()


def test_a_car_sold_on_keeps_its_owner_history(demo):
    ended = VehicleOwnership.objects.filter(ended_on__isnull=False).select_related("vehicle")
    assert ended.count() == 2
    for old in ended:
        current = VehicleOwnership.objects.get(vehicle=old.vehicle, ended_on__isnull=True)
        assert current.customer_id == old.vehicle.owner_id != old.customer_id
        assert ServiceRecord.objects.filter(vehicle=old.vehicle, customer=old.customer).exists()


def test_if_empty_does_nothing_the_second_time(demo):
    before = _counts()
    call_command("load_demo", "--if-empty", verbosity=0)
    assert _counts() == before
    with pytest.raises(CommandError):
        call_command("load_demo", verbosity=0)


def test_the_other_group_is_separate(demo):
    outsider = resolve_tenant(User.objects.get(username="sa9"))
    sa = resolve_tenant(User.objects.get(username="sa1"))
    assert outsider.store.code == "GZ01"
    theirs = Customer.objects.for_tenant(outsider)
    assert theirs.count() == 20
    assert not Customer.objects.for_tenant(sa).filter(pk__in=theirs.values("pk")).exists()
    with pytest.raises(NotFound):
        get_scoped(Customer.objects, sa, pk=theirs.first().pk)
    for vehicle in Vehicle.objects.select_related("owner", "brand", "selling_store"):
        assert vehicle.owner.group_id == vehicle.brand.group_id == vehicle.group_id
        assert vehicle.selling_store is None or vehicle.selling_store.group_id == vehicle.group_id
    assert not ServiceRecord.objects.exclude(store__group_id=F("vehicle__group_id")).exists()
    assert not ServiceRecord.objects.exclude(customer__group_id=F("vehicle__group_id")).exists()


def test_the_plan_is_the_same_on_every_load():
    today = timezone.localdate()

    def plan():
        used = {"mobile": set(), "vin": set(), "plate": set()}
        p = Planner(DEMO, random.Random(SEED), today, used).plan(CUSTOMERS, buyers=2, staff=True)
        return [(c.name, c.fields["mobile"]) for c in p.customers], [
            (v.fields["vin"], [(x.at, x.km, x.summary) for x in v.visits]) for v in p.vehicles
        ]

    assert plan() == plan()


@pytest.mark.parametrize(("username", "store"), [("cm1", "SZ01"), ("cm2", "SZ02")])
def test_each_customer_manager_manages_customers_of_the_store_where_they_work(demo, username, store):
    manager = User.objects.get(username=username)
    managed = Customer.objects.filter(customer_manager=manager)
    assert managed.count() > Customer.objects.filter(home_store__code=store).count() // 2  # most of them
    assert set(managed.values_list("home_store__code", flat=True)) == {store}
    # every touch given to them is one they can open
    assert set(FollowUp.objects.filter(assigned_to=manager).values_list("store__code", flat=True)) == {store}


def _demo_stores():
    stores = list(Store.objects.filter(group__code=DEMO.code).order_by("code"))
    assert [s.code for s in stores] == ["SZ01", "SZ02"]
    return stores


def test_every_open_touch_of_each_store_is_on_the_day_of_someone_who_works_touches_there(demo):
    for store in _demo_stores():
        open_touches = FollowUp.objects.filter(store=store, state=FollowUp.State.OPEN)
        assert open_touches.exists(), store.code

        assert not open_touches.filter(assigned_to__isnull=True).exists(), store.code
        for user_id in set(open_touches.values_list("assigned_to", flat=True)):
            assert works_touches(user_id, store), (store.code, user_id)


A_FEW = 8  # overdue touches a person finds in the morning: the last days' catch-up, not weeks of work


def test_the_customer_manager_and_care_agent_of_each_store_start_with_a_few_overdue_touches(demo):
    for store in _demo_stores():
        day = timezone.localtime(timezone.now(), ZoneInfo(store.time_zone)).date()
        start = datetime.combine(day, time.min, tzinfo=ZoneInfo(store.time_zone))
        for role in (Role.CUSTOMER_MANAGER, Role.CUSTOMER_CARE):
            staff = User.objects.filter(memberships__store=store, memberships__role=role)
            assert staff.exists(), (store.code, role)

            for user in staff:
                overdue = FollowUp.objects.filter(
                    store=store, assigned_to=user, state=FollowUp.State.OPEN, due_at__lt=start
                )
                assert overdue.count() <= A_FEW, (store.code, user.username, overdue.count())
                # what fell due in the weeks before was worked then
                assert not overdue.filter(due_at__lt=start - timedelta(days=4)).exists(), user.username
