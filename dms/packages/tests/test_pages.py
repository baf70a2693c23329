"""The packages page, and the order page's "add to the order" forms (plain POST, redirect back)."""

import pytest
from django.contrib.messages import get_messages
from django.template.loader import render_to_string
from django.test import Client, RequestFactory

from dms.packages.selectors import order_page_context
from dms.workshop.models import RepairOrder, RepairOrderLine
from dms.workshop.selectors import order_get

pytestmark = pytest.mark.django_db


def said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_advisor_reads_the_packages_and_canned_jobs_with_prices(sa_client, schedule, brake_job):
    r = sa_client.get("/packages/")

    text = r.content.decode()
    assert r.status_code == 200
    assert "保养套餐与标准项目" in text and "20,000 km 保养" in text and "10,000 km 或 6 个月" in text
    assert "前刹车片更换套餐" in text and "¥860.00" in text and "¥710.00" in text
    assert "维护保养套餐" not in text  # the admin's link is for administrators


def test_the_packages_page_searches(sa_client, schedule, brake_job):
    text = sa_client.get("/packages/", {"q": "刹车"}).content.decode()

    assert "前刹车片更换套餐" in text and "10,000 km 保养" not in text


def test_adding_a_package_from_the_order_page_comes_back_to_the_order(sa_client, order, schedule):
    r = sa_client.post(
        f"/packages/orders/{order.pk}/package/", {"package_id": schedule["10k"].pk, "version": "1"}
    )

    assert r.status_code == 302 and r.url == f"/orders/{order.pk}/"
    assert said(r) == ["已加入委托书：10,000 km 保养。"]
    assert RepairOrderLine.objects.filter(order=order).count() == 4


def test_nothing_chosen_is_said_and_nothing_added(sa_client, order):
    r = sa_client.post(f"/packages/orders/{order.pk}/canned-job/", {"canned_job_id": ""})

    assert r.status_code == 302 and said(r) == ["请先选择。"]
    assert not RepairOrderLine.objects.filter(order=order).exists()


def test_a_canned_job_from_the_order_page(sa_client, order, brake_job):
    r = sa_client.post(f"/packages/orders/{order.pk}/canned-job/", {"canned_job_id": brake_job.pk})

    assert said(r) == ["已加入委托书：前刹车片更换套餐。"]


def test_a_stale_page_is_told_to_reload(sa_client, order, brake_job):
    r = sa_client.post(
        f"/packages/orders/{order.pk}/canned-job/", {"canned_job_id": brake_job.pk, "version": "7"}
    )

    assert "刷新" in said(r)[0]
    assert not RepairOrderLine.objects.filter(order=order).exists()


def test_a_technician_is_told_the_role_does_not_allow_it(people, order, brake_job):
    client = Client()
    client.force_login(people["tech"].user)

    r = client.post(f"/packages/orders/{order.pk}/canned-job/", {"canned_job_id": brake_job.pk})

    assert r.status_code == 302 and len(said(r)) == 1
    assert not RepairOrderLine.objects.filter(order=order).exists()


def test_a_declined_item_is_added_from_the_order_page(sa_client, people, order, vehicle, catalogue):
    from dms.workshop.services import line_add, repair_order_create

    line = line_add(
        tenant=people["sa"], order_id=order.pk, kind="part", part_id=catalogue["pads"].pk, quantity="1"
    )
    RepairOrderLine.objects.filter(pk=line.pk).update(state="declined")
    RepairOrder.objects.filter(pk=order.pk).update(state="delivered")
    now = repair_order_create(
        tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15000, complaint="刹车异响"
    )

    r = sa_client.post(f"/packages/orders/{now.pk}/declined/", {"line_id": line.pk})

    assert said(r) == ["已加入委托书：前刹车片。"]
    assert RepairOrderLine.objects.filter(order=now, part=catalogue["pads"]).count() == 1


def _partial(tenant, order) -> str:
    request = RequestFactory().get("/")
    request.user = tenant.user
    context = {"order": order, **order_page_context(tenant, order)}
    return render_to_string("packages/_recommendations.html", context, request=request)


def test_the_order_page_partial_shows_each_recommendation_with_its_reason_and_button(people, order, schedule,
                                                                                     brake_job):  # fmt: skip
    html = _partial(people["sa"], order_get(people["sa"], order.pk))

    assert "本车建议项目" in html and "10,000 km 保养" in html and "已逾期" in html
    assert "暂无保养记录，现 12,000 km" in html
    assert html.count("加入委托书") == 1 and f'value="{schedule["10k"].pk}"' in html
    assert "前刹车片更换套餐 · ¥860.00" in html  # the canned-job picker


def test_without_the_right_or_once_delivered_the_partial_offers_no_button(people, order, schedule, brake_job):
    html = _partial(people["tech"], order_get(people["tech"], order.pk))
    assert "10,000 km 保养" in html and "加入委托书" not in html and "canned_job_id" not in html

    RepairOrder.objects.filter(pk=order.pk).update(state="delivered")
    html = _partial(people["sa"], order_get(people["sa"], order.pk))
    assert "加入委托书" not in html
