"""The service advisor's repair-order pages: open, quote, sign, in Chinese, with the steps in words."""

import re

import pytest
from django.urls import reverse

from dms.workshop.models import RepairOrder, State
from dms.workshop.services import line_add, repair_order_create


@pytest.fixture
def order(tenant, vehicle):
    return repair_order_create(tenant=tenant, vehicle_id=vehicle.pk, mileage_km=12500, complaint="左前轮异响")


@pytest.mark.django_db
def test_the_advisor_opens_an_order_from_the_vehicle(sa_client, vehicle):
    page = sa_client.get(reverse("workshop:create") + f"?vehicle={vehicle.pk}")
    assert page.status_code == 200 and "开委托书" in page.content.decode()

    r = sa_client.post(
        reverse("workshop:create"),
        {"vehicle": vehicle.pk, "mileage_km": 12600, "complaint": "保养，空调有异味", "work_class": "minor",
         "payment_method": "wechat", "old_parts": "leave", "preauth_amount": "200", "preauth_minutes": 30},
    )  # fmt: skip

    order = RepairOrder.objects.get(vehicle=vehicle)
    assert r.status_code == 302 and r["Location"] == reverse("workshop:detail", args=[order.pk])
    assert order.complaint == "保养，空调有异味" and order.mileage_in == 12600


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("amount", "minutes", "said"),
    [("200", 0, "¥200.00 以内无需再电话确认"), ("0", 30, "30 分钟以内无需再电话确认"),
     ("1500", 45, "¥1,500.00、45 分钟以内无需再电话确认"), ("0", 0, "无：每个追加项目都须经客户同意")],
)  # fmt: skip
def test_the_order_page_says_what_the_customer_pre_authorised(
    sa_client, tenant, vehicle, amount, minutes, said
):
    order = repair_order_create(
        tenant=tenant, vehicle_id=vehicle.pk, mileage_km=12500, complaint="保养",
        preauth_amount=amount, preauth_minutes=minutes,
    )  # fmt: skip

    text = sa_client.get(reverse("workshop:detail", args=[order.pk])).content.decode()

    preauth = re.search(r"<dt>预授权</dt><dd>(.*?)</dd>", text, re.S).group(1)
    assert preauth.strip() == said


@pytest.mark.django_db
def test_mileage_going_backwards_is_refused_on_the_form_and_nothing_is_opened(sa_client, vehicle):
    r = sa_client.post(
        reverse("workshop:create"),
        {"vehicle": vehicle.pk, "mileage_km": 100, "complaint": "保养", "work_class": "minor",
         "payment_method": "wechat", "old_parts": "leave", "preauth_amount": "0", "preauth_minutes": 0},
    )  # fmt: skip

    assert r.status_code == 200
    assert "12,000" in r.content.decode()  # the message names the last reading
    assert not RepairOrder.objects.filter(vehicle=vehicle).exists()


@pytest.mark.django_db
def test_the_order_page_shows_the_estimate_and_the_steps_in_words(sa_client, tenant, order):
    line_add(
        tenant=tenant,
        order_id=order.pk,
        kind="labor",
        description="检查异响",
        quantity="0.5",
        unit_price="200",
    )

    text = sa_client.get(reverse("workshop:detail", args=[order.pk])).content.decode()

    assert "检查异响" in text and "¥100.00" in text
    assert "客户签字" in text  # the next step the advisor may take
    assert "已添加项目" not in text and "line-add" not in text  # events in words, not codes


@pytest.mark.django_db
def test_signing_from_the_page_moves_the_order_and_a_stale_page_is_refused(sa_client, tenant, order):
    line_add(
        tenant=tenant,
        order_id=order.pk,
        kind="labor",
        description="检查异响",
        quantity="0.5",
        unit_price="200",
    )
    version = RepairOrder.objects.get(pk=order.pk).version

    sa_client.post(reverse("workshop:action", args=[order.pk, "sign"]), {"version": version})
    stale = sa_client.post(reverse("workshop:action", args=[order.pk, "cancel"]), {"version": version, "reason": "x"},
                           follow=True)  # fmt: skip

    assert RepairOrder.objects.get(pk=order.pk).state == State.SIGNED
    assert "已被他人修改" in stale.content.decode() or "刷新" in stale.content.decode()


@pytest.mark.django_db
def test_a_bad_line_says_why_and_adds_nothing(sa_client, order):
    r = sa_client.post(
        reverse("workshop:line_create", args=[order.pk]),
        {"kind": "part", "payer": "customer", "warranty": "no", "quantity": "1"},
        follow=True,
    )

    assert "请从配件目录中选择配件" in r.content.decode() or "配件" in r.content.decode()
    assert order.lines.count() == 0


@pytest.mark.django_db
def test_the_order_list_costs_the_same_queries_for_many_orders(
    sa_client, tenant, vehicle, django_assert_max_num_queries
):
    for i in range(3):
        repair_order_create(tenant=tenant, vehicle_id=vehicle.pk, mileage_km=12500 + i, complaint="保养")
    with django_assert_max_num_queries(12) as few:
        sa_client.get(reverse("workshop:list"))
    for i in range(20):
        repair_order_create(tenant=tenant, vehicle_id=vehicle.pk, mileage_km=13000 + i, complaint="保养")

    with django_assert_max_num_queries(len(few.captured_queries)):
        r = sa_client.get(reverse("workshop:list"))
    assert r.status_code == 200
