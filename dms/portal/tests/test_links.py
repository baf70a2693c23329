"""A customer's link opens their own order's page and nothing else: a forged, altered, expired or
wrong-purpose link opens nothing (404, the same as for an order that does not exist)."""

from datetime import timedelta

import pytest
from django.core import signing
from django.test import Client

from dms.portal import links
from dms.workshop import services


@pytest.fixture
def browser():
    return Client()


def test_the_status_link_opens_the_orders_page(order, browser):
    r = browser.get(links.status_path(order))

    assert r.status_code == 200
    assert order.number in r.content.decode()


def test_a_token_reads_back_its_order_only_for_its_purpose(order):
    token = links.make_token(order.pk, links.STATUS)

    assert links.read_token(token, links.STATUS) == order.pk
    assert links.read_token(token, links.APPROVAL) is None


def _signed(value: str, **kw) -> str:
    return signing.TimestampSigner(salt=kw.pop("salt", "dms.portal.links"), **kw).sign(value)


@pytest.mark.parametrize(
    "forge",
    [
        lambda order: "not-a-token",
        lambda order: "",
        # the right shape, signed with another key
        lambda order: _signed(f"{links._base36(order.pk)}s", key="x" * 50),
        # the right key, another salt (another feature's signature)
        lambda order: _signed(f"{links._base36(order.pk)}s", salt="elsewhere"),
        # signed by us, but not an order id and a purpose
        lambda order: _signed("s"),
        lambda order: _signed(f"-{links._base36(order.pk)}s"),
        lambda order: _signed(f"{links._base36(order.pk)}"),
    ],
    ids=["garbage", "empty", "other-key", "other-salt", "no-id", "not-base36", "no-purpose"],
)
def test_a_forged_link_opens_nothing(order, browser, forge):
    r = browser.get(f"/c/s/{forge(order)}/")

    assert r.status_code == 404
    assert order.number not in r.content.decode()


def test_an_altered_link_opens_nothing(order, browser):
    token = links.make_token(order.pk, links.STATUS)

    def flip(i):
        return token[:i] + ("A" if token[i] != "A" else "B") + token[i + 1 :]

    # one character changed in the payload, the timestamp or the signature; or one added
    for tampered in (flip(3), flip(len(token) // 2), flip(len(token) - 1), token + "x"):
        assert browser.get(f"/c/s/{tampered}/").status_code == 404


def test_a_status_link_expires_after_30_days(order, browser, clock):
    path = links.status_path(order)

    clock.shift(timedelta(days=29, hours=23))
    assert browser.get(path).status_code == 200
    clock.shift(timedelta(hours=2))
    assert browser.get(path).status_code == 404


def test_an_approval_link_expires_after_24_hours(awaiting, browser, clock):
    path = links.approval_path(awaiting)

    clock.shift(timedelta(hours=23, minutes=59))
    assert browser.get(path).status_code == 200
    clock.shift(timedelta(minutes=2))
    r = browser.post(
        path, {f"decision_{awaiting.pads.pk}": "approve", f"decision_{awaiting.filt.pk}": "approve"}
    )
    assert r.status_code == 404
    assert awaiting.pads.__class__.objects.get(pk=awaiting.pads.pk).state == "proposed"


def test_a_link_for_one_page_does_not_open_the_other(awaiting, browser):
    status_token = links.make_token(awaiting.pk, links.STATUS)
    approval_token = links.make_token(awaiting.pk, links.APPROVAL)

    assert browser.get(f"/c/a/{status_token}/").status_code == 404
    assert (
        browser.post(f"/c/a/{status_token}/", {f"decision_{awaiting.pads.pk}": "approve"}).status_code == 404
    )
    assert browser.get(f"/c/s/{approval_token}/").status_code == 404


def test_a_link_of_a_deleted_or_unknown_order_opens_nothing(browser, db):
    assert browser.get(f"/c/s/{links.make_token(1, links.STATUS)}/").status_code == 404
    assert browser.get(f"/c/a/{links.make_token(1, links.APPROVAL)}/").status_code == 404


def test_one_orders_link_never_shows_another_order(order, people, vehicle, oil_change, browser):
    # given a second order of the same car, with its own items
    other = services.repair_order_create(
        tenant=people["sa"], vehicle_id=vehicle.pk, mileage_km=15001, complaint="喷漆"
    )
    services.line_add(tenant=people["sa"], order_id=other.pk, kind="fee", description="左前门喷漆",
                      quantity="1", unit_price="999.00")  # fmt: skip

    # when the customer opens the first order's link
    page = browser.get(links.status_path(order)).content.decode()

    # then only the first order is on it
    assert order.number in page
    assert other.number not in page and "左前门喷漆" not in page and "999.00" not in page


def test_the_customer_pages_are_not_cached_indexed_or_referred(order, browser):
    r = browser.get(links.status_path(order))

    assert "no-store" in r["Cache-Control"] or "no-cache" in r["Cache-Control"]
    assert r["X-Robots-Tag"].startswith("noindex")
    assert r["Referrer-Policy"] == "same-origin"
