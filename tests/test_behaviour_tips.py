"""The behaviour-type tips appear where the work happens, short and for the step at hand: the booking
screen (opening, what you do), the reception wizard (opening, needs analysis, what you do), the quote
(the service estimate on the repair order and the car's quotation: presentation, objections) and the
follow-up call (opening, objections, what you do). Seed 000's table."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_user
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant
from dms.customers.models import Customer

pytestmark = pytest.mark.django_db

# The dominant type's tips, in Chinese: one per step of seed 000's table.
OPENING = "表示尊重，直奔主题，注重结果。"
NEEDS = "不拘泥于细节，快速推进。"
PRESENTATION = "突出独特卖点，介绍最新产品。"
OBJECTIONS = "允许有一点争论。"
YOU = "多听。"


@pytest.fixture
def dominant(vehicle):
    Customer.objects.filter(pk=vehicle.owner_id).update(behaviour_type="dominant")
    return vehicle.owner


def _tips(page: str) -> str:
    """The text of the tips box on a page ('' when there is none)."""
    start = page.find('class="advice small bt-tips"')
    return page[start : page.find("</aside>", start)] if start >= 0 else ""


def test_the_booking_screen_shows_how_to_open_the_call(sa_client, vehicle, dominant):
    page = sa_client.get(f"/appointments/new/?vehicle={vehicle.pk}").content.decode()

    tips = _tips(page)
    assert "主导型" in tips and OPENING in tips and YOU in tips
    assert PRESENTATION not in tips  # the booking is no place for a sales pitch


def test_the_reception_wizard_shows_the_opening_and_the_needs_analysis(sa_client, tenant, vehicle, dominant):
    from dms.reception.services import checkin_create

    checkin = checkin_create(tenant=tenant, vehicle_id=vehicle.pk)

    page = sa_client.get(f"/reception/{checkin.pk}/protect/").content.decode()

    tips = _tips(page)
    assert OPENING in tips and NEEDS in tips and YOU in tips
    assert OBJECTIONS not in tips


def test_the_reception_wizard_asks_for_an_unknown_type(sa_client, tenant, vehicle):
    from dms.reception.services import checkin_create

    checkin = checkin_create(tenant=tenant, vehicle_id=vehicle.pk)

    page = sa_client.get(f"/reception/{checkin.pk}/protect/").content.decode()

    assert "行为类型未知" in page and f"/customers/{vehicle.owner_id}/edit/" in page


def test_the_service_estimate_shows_how_to_quote(sa_client, tenant, vehicle, dominant):
    from dms.workshop.services import repair_order_create

    order = repair_order_create(tenant=tenant, vehicle_id=vehicle.pk, mileage_km=12500, complaint="保养")

    page = sa_client.get(f"/orders/{order.pk}/").content.decode()

    tips = _tips(page)
    assert PRESENTATION in tips and OBJECTIONS in tips and "三明治报价" in tips
    assert OPENING not in tips


def test_the_car_quotation_shows_how_to_quote(store, dominant):
    from dms.sales.services import lead_create
    from dms.sales.services_orders import quotation_create

    consultant = make_user("sales1", store, Role.SALES_CONSULTANT)
    tenant = resolve_tenant(consultant)
    lead, _created = lead_create(tenant=tenant, name=dominant.name, mobile=dominant.mobile, source="walk_in")
    assert lead.customer_id == dominant.pk  # matched by mobile
    quotation = quotation_create(tenant=tenant, lead_id=lead.pk, model="思域", list_price=Decimal("129800"))
    client = Client()
    client.force_login(consultant)

    page = client.get(f"/sales/quotations/{quotation.pk}/").content.decode()

    tips = _tips(page)
    assert PRESENTATION in tips and OBJECTIONS in tips


def test_the_follow_up_call_shows_its_tips_in_english(store, vehicle, dominant):
    from dms.followups.models import FollowUp

    cm = make_user("cm1", store, Role.CUSTOMER_MANAGER, language="en")  # English chosen
    FollowUp.objects.create(
        store=store, kind="after_service", customer=dominant, vehicle=vehicle, assigned_to=cm, channel="call",
        due_at=timezone.now() + timedelta(hours=1), consent=True,
    )  # fmt: skip
    client = Client()
    client.force_login(cm)

    page = client.get("/followups/day/").content.decode()

    tips = _tips(page)
    assert "Dominant" in tips and "Show respect, get to the point, talk results." in tips
    assert "Expect a little contest." in tips and "Listen." in tips


def test_the_tips_read_as_chinese_with_a_full_width_colon(sa_client, vehicle, dominant):
    tips = _tips(sa_client.get(f"/appointments/new/?vehicle={vehicle.pk}").content.decode())

    assert f"开场：{OPENING}" in tips and f"开场: {OPENING}" not in tips


def test_my_day_gives_no_call_tips_for_a_text_the_system_sends_or_a_card(store, vehicle, dominant):
    from dms.followups.models import FollowUp, TouchRule
    from dms.followups.plans import ensure_defaults

    ensure_defaults(store.group_id)
    cm = make_user("cm1", store, Role.CUSTOMER_MANAGER)
    for code in ("new_car_sms_2h", "birthday_card", "new_car_call_2h"):
        rule = TouchRule.objects.get(group_id=store.group_id, store=None, code=code)
        FollowUp.objects.create(
            store=store, kind=rule.kind, customer=dominant, vehicle=vehicle, assigned_to=cm, channel=rule.channel,
            rule=rule, key=f"{code}:test", due_at=timezone.now() + timedelta(hours=1), consent=True,
        )  # fmt: skip
    client = Client()
    client.force_login(cm)

    page = client.get("/followups/day/").content.decode()

    touches = page.split('<article class="fu-touch')[1:]
    assert len(touches) == 3
    with_tips = [t.split("</header>")[0] for t in touches if "bt-tips" in t]
    assert len(with_tips) == 1 and "电话" in with_tips[0]  # the call only
