"""The pages: the advisor confirms a comeback on the order page (a reason asked); the managers'
page counts comebacks per store, technician and advisor with the list behind each number; the
三包 counters on the vehicle page and the service manager's list of vehicles near a threshold."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dms.vehicles.models import ServiceRecord, Vehicle
from dms.workshop import services
from dms.workshop.models import ComebackStatus, RepairOrder, State

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager_client(manager):
    c = Client()
    c.force_login(manager)
    return c


@pytest.fixture
def comeback(tenant, vehicle, customer, store, sa, tech):
    earlier = RepairOrder.objects.create(
        store=store, number="RO-H1", state=State.DELIVERED, customer=customer, vehicle=vehicle, advisor=sa,
        technician=tech, complaint="异响", mileage_in=11_800, mileage_out=11_800,
        delivered_at=timezone.now() - timedelta(days=3),
    )  # fmt: skip
    order = services.repair_order_create(
        tenant=tenant, vehicle_id=vehicle.pk, mileage_km=12_000, complaint="又响了"
    )
    return earlier, order


def test_the_advisor_confirms_the_comeback_on_the_order_page(sa_client, comeback):
    earlier, order = comeback
    page = sa_client.get(f"/orders/{order.pk}/").content.decode()
    assert "confirm-comeback" in page and "overrule-comeback" in page
    r = sa_client.post(
        f"/orders/{order.pk}/actions/confirm-comeback/", {"reason": "同一异响", "version": order.version}
    )
    assert r.status_code in (200, 302)
    assert RepairOrder.objects.get(pk=order.pk).comeback_status == ComebackStatus.CONFIRMED


def test_the_managers_page_counts_and_lists(manager_client, sa_client, comeback, tenant, tech):
    from dms.workshop import actions

    earlier, order = comeback
    actions.take(tenant=tenant, order_id=order.pk, action="confirm-comeback", data={"reason": "同一异响"})
    month = earlier.delivered_at.strftime("%Y-%m")
    page = manager_client.get(f"/orders/comebacks/?month={month}").content.decode()
    assert "RO-H1" in page and order.number in page and "同一异响" in page and "0.0%" in page
    listed = manager_client.get(f"/orders/comebacks/?month={month}&by=technician&name=tech1").content.decode()
    assert f'href="/orders/{earlier.pk}/"' in listed
    assert manager_client.get("/orders/comebacks/?month=2026-99").status_code == 200  # said, not a 500
    assert sa_client.get("/orders/comebacks/").status_code == 403


def test_the_vehicle_page_and_the_managers_list_show_the_sanbao_counters(
    manager_client, sa_client, vehicle, store
):
    Vehicle.objects.filter(pk=vehicle.pk).update(purchase_date=timezone.localdate() - timedelta(days=100))
    ServiceRecord.objects.create(
        vehicle=vehicle, customer_id=vehicle.owner_id, store=store, date=timezone.localdate() - timedelta(days=5),
        mileage_km=11_000, kind="repair", summary="修理", repair_days=27, faults=["B20 更换前刹车片"],
        replaced_systems=["engine"],
    )  # fmt: skip
    page = sa_client.get(f"/vehicles/{vehicle.pk}/").content.decode()
    assert "27" in page and "B20 更换前刹车片" in page and "sanbao-counters warn" in page
    watch = manager_client.get("/vehicles/sanbao/").content.decode()
    assert "粤B12345" in watch
    assert sa_client.get("/vehicles/sanbao/").status_code == 403


def test_the_managers_page_names_technicians_and_advisors(manager_client, comeback, tenant, tech, sa):
    from dms.workshop import actions

    tech.user.display_name, sa.display_name = "李师傅", "张顾问"
    tech.user.save(update_fields=["display_name"])
    sa.save(update_fields=["display_name"])
    earlier, order = comeback
    actions.take(tenant=tenant, order_id=order.pk, action="confirm-comeback", data={"reason": "同一异响"})
    month = earlier.delivered_at.strftime("%Y-%m")

    page = manager_client.get(f"/orders/comebacks/?month={month}").content.decode()
    listed = manager_client.get(f"/orders/comebacks/?month={month}&by=technician&name=tech1").content.decode()

    assert "<td>李师傅</td>" in page and "<td>张顾问</td>" in page and "<td>tech1</td>" not in page
    assert "name=tech1" in page  # the list behind the number is still found by the username
    assert "交车后返修：李师傅" in listed and f'href="/orders/{earlier.pk}/"' in listed
