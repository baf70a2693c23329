"""The parts pages, as the parts clerk and the service advisor use them."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, get_resolver

from dms.parts import services
from dms.parts.models import Part, Reservation, StockMove

from .conftest import APPOINTMENT_ID, RO_ID, level_of


def test_the_clerk_adds_a_part_from_the_form(clerk_client):
    r = clerk_client.post("/parts/new/", {"number": "17220-r5a-a01", "name": "空气滤清器", "unit": "piece",
                                          "price": "128.00", "quality": "oem", "min_stock": "2", "active": "on"})  # fmt: skip
    part = Part.objects.get(number="17220-R5A-A01")
    assert r.status_code == 302 and r.url == f"/parts/{part.pk}/"
    assert part.quality == "oem"


def test_a_bad_part_number_is_explained_on_the_form(clerk_client, oil_filter):
    data = {"number": "15400-RTA-003", "name": "机滤", "unit": "piece", "price": "1", "quality": "original",
            "min_stock": "0"}  # fmt: skip
    r = clerk_client.post("/parts/new/", data)
    assert r.status_code == 200 and "15400-RTA-003" in r.content.decode()
    assert 'class="field-error' in r.content.decode()
    assert Part.objects.count() == 1


def test_the_list_shows_this_stores_stock_and_finds_by_number(clerk_client, oil_filter, engine_oil, stock):
    stock(engine_oil, "18.5")
    page = clerk_client.get("/parts/").content.decode()
    assert "15400-RTA-003" in page and "08232-P99-K1LHE" in page and "18.5" in page
    found = clerk_client.get("/parts/", {"q": "15400rta"}, headers={"HX-Request": "true"}).content.decode()
    assert "15400-RTA-003" in found and "08232-P99-K1LHE" not in found and "<html" not in found


def test_retired_parts_are_listed_only_on_request(clerk_client, clerk_tenant, oil_filter):
    services.part_update(tenant=clerk_tenant, part_id=oil_filter.pk, version=1, active=False)
    assert "15400-RTA-003" not in clerk_client.get("/parts/").content.decode()
    assert "15400-RTA-003" in clerk_client.get("/parts/", {"retired": "1"}).content.decode()


def test_the_low_stock_page_lists_parts_below_their_minimum(clerk_client, oil_filter, engine_oil, stock):
    stock(engine_oil, 5)
    page = clerk_client.get("/parts/low-stock/").content.decode()
    assert "15400-RTA-003" in page and "08232-P99-K1LHE" not in page


def test_the_part_page_shows_stores_reservations_and_moves(
    clerk_client, tenant, oil_filter, stock, second_store
):
    stock(oil_filter, 3)
    services.reservation_create(tenant=tenant, part_id=oil_filter.pk, quantity=1, for_kind="appointment",
                                for_id=APPOINTMENT_ID, reference="AP-0501")  # fmt: skip
    r = clerk_client.get(f"/parts/{oil_filter.pk}/")
    page = r.content.decode()
    assert r.status_code == 200
    assert "SZ02" in page and "AP-0501" in page and 'name="reservation"' in page


def test_goods_are_received_and_counted_on_their_pages(clerk_client, oil_filter, store):
    assert clerk_client.get(f"/parts/{oil_filter.pk}/receive/").status_code == 200
    r = clerk_client.post(f"/parts/{oil_filter.pk}/receive/", {"quantity": "6", "reference": "DN-1"})
    assert r.status_code == 302
    r = clerk_client.post(f"/parts/{oil_filter.pk}/adjust/", {"counted": "5", "reason": "盘点"})
    assert r.status_code == 302
    assert level_of(oil_filter, store)[0] == 5
    assert list(StockMove.objects.order_by("at").values_list("kind", flat=True)) == ["receipt", "adjust"]


def test_a_fractional_receipt_of_pieces_is_explained(clerk_client, oil_filter):
    r = clerk_client.post(f"/parts/{oil_filter.pk}/receive/", {"quantity": "1.5"})
    assert r.status_code == 200 and 'class="field-error' in r.content.decode()
    assert not StockMove.objects.exists()


def test_the_part_is_edited_with_this_stores_minimum(clerk_client, oil_filter):
    data = {"number": "15400-RTA-003", "name": "机油滤清器（新款）", "unit": "piece", "price": "70.00",
            "quality": "original", "min_stock": "2", "store_min_qty": "5", "active": "on", "version": 1}  # fmt: skip
    r = clerk_client.post(f"/parts/{oil_filter.pk}/edit/", data)
    assert r.status_code == 302, r.content.decode()
    assert clerk_client.get(f"/parts/{oil_filter.pk}/edit/").context["form"].initial["store_min_qty"] == 5
    stale = clerk_client.post(f"/parts/{oil_filter.pk}/edit/", data)
    assert stale.status_code == 200  # version 1 is stale now
    assert Part.objects.get(pk=oil_filter.pk).version == 2


def test_a_reservation_is_released_from_the_part_page(clerk_client, tenant, oil_filter, stock, store):
    stock(oil_filter, 1)
    res = services.reservation_create(tenant=tenant, part_id=oil_filter.pk, quantity=1,
                                      for_kind="repair_order", for_id=RO_ID)  # fmt: skip
    r = clerk_client.post(f"/parts/{oil_filter.pk}/release/", {"reservation": res.pk})
    assert r.status_code == 302
    assert Reservation.objects.get(pk=res.pk).state == "released" and level_of(oil_filter, store)[1] == 0


def test_the_sa_may_look_but_not_manage(sa_client, oil_filter):
    page = sa_client.get("/parts/").content.decode()
    assert "15400-RTA-003" in page and "/parts/new/" not in page
    for url in ("/parts/new/", f"/parts/{oil_filter.pk}/edit/", f"/parts/{oil_filter.pk}/receive/",
                f"/parts/{oil_filter.pk}/adjust/"):  # fmt: skip
        assert sa_client.get(url).status_code == 403, url


def _parts_urls():
    for p in get_resolver().url_patterns:
        if getattr(p, "namespace", None) == "parts":
            for q in p.url_patterns:
                assert isinstance(q, URLPattern)
                yield "/parts/" + str(q.pattern), q.pattern.converters


def test_an_outsider_sees_and_changes_nothing_on_any_parts_page(outsider_client, tenant, oil_filter, stock):
    stock(oil_filter, 2)
    res = services.reservation_create(tenant=tenant, part_id=oil_filter.pk, quantity=1,
                                      for_kind="appointment", for_id=APPOINTMENT_ID)  # fmt: skip
    walked = 0
    for route, params in _parts_urls():
        if not params:
            continue
        url = route.replace("<int:pk>", str(oil_filter.pk))
        assert outsider_client.get(url).status_code in (404, 405), url
        assert outsider_client.post(url, {"reservation": res.pk, "quantity": "1", "counted": "0",
                                          "reason": "x", "number": "X", "name": "x"}).status_code == 404, url  # fmt: skip
        walked += 1
    assert walked >= 5
    assert "15400-RTA-003" not in outsider_client.get("/parts/", {"q": "15400"}).content.decode()
    assert "15400-RTA-003" not in outsider_client.get("/parts/low-stock/").content.decode()
    assert Part.objects.get(pk=oil_filter.pk).version == 1 and StockMove.objects.count() == 2


# --- Query counts --------------------------------------------------------------------------------------


def _add_parts(tenant, start, n):
    for i in range(start, start + n):
        part = services.part_create(tenant=tenant, number=f"P-{i:04d}", name=f"配件{i}", min_stock="5")
        services.stock_receive(tenant=tenant, part_id=part.pk, quantity=i % 7 + 1)


def _count(fetch) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as ctx:
        response = fetch()
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode()


@pytest.mark.parametrize("path", ["/parts/", "/parts/?q=P-0", "/parts/low-stock/"])
def test_parts_pages_do_not_grow_queries_with_rows(clerk_client, clerk_tenant, path):
    _add_parts(clerk_tenant, 1, 3)
    small, _ = _count(lambda: clerk_client.get(path))
    _add_parts(clerk_tenant, 100, 15)
    large, body = _count(lambda: clerk_client.get(path))
    assert "P-0114" in body
    assert large == small


def test_the_part_page_does_not_grow_queries_with_moves(
    clerk_client, clerk_tenant, tenant, oil_filter, stock
):
    stock(oil_filter, 1)
    small, _ = _count(lambda: clerk_client.get(f"/parts/{oil_filter.pk}/"))
    for i in range(10):
        stock(oil_filter, 1)
        services.reservation_create(
            tenant=tenant, part_id=oil_filter.pk, quantity=1, for_kind="appointment", for_id=i + 1
        )
    large, _ = _count(lambda: clerk_client.get(f"/parts/{oil_filter.pk}/"))
    assert large == small


@pytest.mark.parametrize("path", ["/parts", "/parts?q=P-0", "/parts/low-stock"])
def test_parts_endpoints_do_not_grow_queries_with_rows(clerk_api, clerk_tenant, path):
    _add_parts(clerk_tenant, 1, 3)
    small, _ = _count(lambda: clerk_api.get(path))
    _add_parts(clerk_tenant, 100, 15)
    large, body = _count(lambda: clerk_api.get(path))
    assert "P-0114" in body
    assert large == small <= 8


def test_the_moves_endpoint_does_not_grow_queries_with_moves(clerk_api, oil_filter, stock):
    stock(oil_filter, 1)
    small, _ = _count(lambda: clerk_api.get(f"/parts/{oil_filter.pk}/moves"))
    for _ in range(10):
        stock(oil_filter, 1)
    large, _ = _count(lambda: clerk_api.get(f"/parts/{oil_filter.pk}/moves"))
    assert large == small <= 8
