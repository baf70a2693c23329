"""The customer and vehicle pages, as the service advisor uses them."""

from conftest import valid_vin
from dms.customers.models import Customer
from dms.vehicles.models import Vehicle


def test_sa_opens_a_customer_file_from_the_form(sa_client, tenant):
    r = sa_client.post(
        "/customers/new/",
        {"name": "李四", "title": "mr", "mobile": "139 0000 1111", "preferred_channel": "phone",
         "preferred_time": "any", "source": "walk_in", "marketing_consent": "on"},
    )  # fmt: skip
    customer = Customer.objects.get(name="李四")
    assert r.status_code == 302 and r.url == f"/customers/{customer.pk}/"
    assert customer.mobile == "13900001111"
    assert customer.marketing_consent and customer.consent_events.count() == 1


def test_a_bad_mobile_is_explained_on_the_form_and_nothing_is_saved(sa_client):
    r = sa_client.post(
        "/customers/new/",
        {
            "name": "李四",
            "mobile": "12345",
            "preferred_channel": "phone",
            "preferred_time": "any",
            "source": "walk_in",
        },
    )
    assert r.status_code == 200
    assert "不是有效的大陆手机号" in r.content.decode() or "not a valid mainland mobile" in r.content.decode()
    assert not Customer.objects.filter(name="李四").exists()


def test_a_wrong_vin_check_digit_is_explained_on_the_vehicle_form(sa_client, customer, brand):
    vin = valid_vin(7)
    wrong = vin[:8] + ("0" if vin[8] != "0" else "1") + vin[9:]
    data = {"customer": customer.pk, "vin": wrong, "plate": "粤B8K2M5", "brand": brand.pk, "model": "雅阁",
            "energy": "petrol", "usage": "private", "mileage_km": 100}  # fmt: skip
    r = sa_client.post(f"/vehicles/new/?customer={customer.pk}", data)
    assert r.status_code == 200 and "vin" in r.content.decode().lower()
    assert not Vehicle.objects.filter(vin=wrong).exists()
    r = sa_client.post(f"/vehicles/new/?customer={customer.pk}", {**data, "vin": vin})
    assert r.status_code == 302
    assert Vehicle.objects.get(vin=vin).owner == customer


def test_the_360_page_shows_vehicles_guidance_and_history(sa_client, customer, vehicle):
    r = sa_client.get(f"/customers/{customer.pk}/")
    page = r.content.decode()
    assert r.status_code == 200
    assert vehicle.plate in page and customer.name in page
    assert "13812345678" in page


def test_search_page_finds_by_initials_and_last_four(sa_client, customer):
    assert customer.name in sa_client.get("/customers/", {"q": "zs"}).content.decode()
    assert customer.name in sa_client.get("/customers/", {"q": "5678"}).content.decode()
    assert customer.name not in sa_client.get("/customers/", {"q": "9999"}).content.decode()


def test_vehicle_page_shows_coverage_and_mileage(sa_client, vehicle):
    r = sa_client.get(f"/vehicles/{vehicle.pk}/")
    assert r.status_code == 200 and vehicle.vin in r.content.decode()


def test_outsider_gets_404_on_the_pages_of_another_group(outsider_client, customer, vehicle):
    for url in (f"/customers/{customer.pk}/", f"/customers/{customer.pk}/edit/", f"/vehicles/{vehicle.pk}/",
                f"/vehicles/{vehicle.pk}/edit/", f"/vehicles/{vehicle.pk}/transfer/", f"/vehicles/new/?customer={customer.pk}"):  # fmt: skip
        assert outsider_client.get(url).status_code == 404, url
    assert customer.name not in outsider_client.get("/customers/", {"q": "zs"}).content.decode()


def test_the_change_history_reads_as_values_not_as_stored_text(sa_client, tenant, customer):
    from django.utils import timezone

    from dms.customers.services import consent_set, customer_update

    consent_set(tenant=tenant, customer_id=customer.pk, granted=True, how="到店签署")
    customer.refresh_from_db()
    customer_update(
        tenant=tenant, customer_id=customer.pk, version=customer.version, preferred_channel="wechat"
    )
    customer.refresh_from_db()

    page = sa_client.get(f"/customers/{customer.pk}/").content.decode()
    changed_at = timezone.localtime(customer.consent_changed_at).strftime("%Y-%m-%d %H:%M")
    assert "否 → 是" in page and f"— → {changed_at}<" in page  # in the store's time, to the minute
    assert "→ 微信<" in page  # a choice by its label
    assert "False" not in page and "True" not in page and str(customer.consent_changed_at.year) + "-" in page
