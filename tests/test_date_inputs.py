"""Date fields in Chinese: a form gives <input type="date"> its value in ISO (YYYY-MM-DD), the only form a
browser reads. Django's zh_Hans wrote "2026/12/08": every date field showed empty in Chinese, and
saving a customer or a vehicle erased its birthday, insurance expiry or annual inspection (which the
touch plans run on). config/formats/zh_Hans puts ISO first."""

import re
from datetime import date

import pytest
from django.utils import timezone

from dms.customers.models import Customer
from dms.vehicles.models import Vehicle

pytestmark = pytest.mark.django_db


def date_value(html: str, name: str) -> str | None:
    tag = re.search(rf'<input type="date" name="{name}"[^>]*>', html)
    assert tag, name
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


def test_the_booking_date_is_iso_in_chinese(sa_client, vehicle):
    html = sa_client.get(f"/appointments/new/?vehicle={vehicle.pk}").content.decode()

    assert "新建预约" in html  # the page in Chinese
    assert date_value(html, "date") == timezone.localdate().isoformat()


def test_a_customers_birthday_is_iso_in_chinese(sa_client, customer):
    Customer.objects.filter(pk=customer.pk).update(birthday=date(1988, 3, 16))

    html = sa_client.get(f"/customers/{customer.pk}/edit/").content.decode()

    assert date_value(html, "birthday") == "1988-03-16"


def test_a_vehicles_insurance_expiry_and_inspection_are_iso_in_chinese(sa_client, vehicle):
    Vehicle.objects.filter(pk=vehicle.pk).update(
        insurance_expiry=date(2027, 2, 4), inspection_due=date(2027, 5, 1)
    )

    html = sa_client.get(f"/vehicles/{vehicle.pk}/edit/").content.decode()

    assert date_value(html, "insurance_expiry") == "2027-02-04"
    assert date_value(html, "inspection_due") == "2027-05-01"
