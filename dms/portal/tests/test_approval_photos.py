"""The technician's photos on the customer's approval page: a thumbnail per photo of each extra
item, the full photo a tap away, both served only under the customer's own signed link. Another
order's link, a status link, an altered or expired link, or a photo of an item that is not extra
work: 404, the same answer as for a photo that does not exist."""

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from PIL import Image

from conftest import valid_vin
from dms.portal import links
from dms.vehicles.services import vehicle_create
from dms.workshop import services, services_floor
from dms.workshop.models import FindingPhoto

from .conftest import fresh

pytestmark = pytest.mark.usefixtures("private_media")  # uploads go to a folder of the test


def jpeg(size=(64, 48), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def browser():
    return Client()


def report(people, order, description: str, photo: bytes):
    """The technician reports a finding with a photo on the shop floor."""
    return services_floor.finding_report(
        tenant=people["tech"], order_id=order.pk, description=description, note="磨损严重", quantity="1",
        photo=photo,
    )  # fmt: skip


@pytest.fixture
def asked(working, people):
    """Order A: the technician photographed the worn brake pads; the customer is asked."""
    pads = report(people, working, "更换前刹车片", jpeg(size=(2000, 1500)))
    services.order_request_approval(tenant=people["sa"], order_id=working.pk)
    o = fresh(working)
    o.photo = pads.photos.get()
    return o


@pytest.fixture
def other_asked(people, tenant, customer, brand, oil_change, tech):
    """Order B: another car of the same customer, its own finding and photo, its own link."""
    car = vehicle_create(
        tenant=tenant, owner_id=customer.pk, vin=valid_vin(2), plate="粤B67890", brand_id=brand.pk, model="雅阁",
        mileage_km=30000,
    ).record  # fmt: skip
    o = services.repair_order_create(
        tenant=people["sa"], vehicle_id=car.pk, mileage_km=30100, complaint="异响"
    )
    services.line_add(tenant=people["sa"], order_id=o.pk, kind="labor", labor_operation_id=oil_change.pk)
    services.order_sign(tenant=people["sa"], order_id=o.pk)
    services.order_dispatch(tenant=people["foreman"], order_id=o.pk, technician_id=tech.pk)
    services.order_start(tenant=people["tech"], order_id=o.pk)
    line = report(people, o, "更换后减震器", jpeg(color=(30, 30, 200)))
    services.order_request_approval(tenant=people["sa"], order_id=o.pk)
    o = fresh(o)
    o.photo = line.photos.get()
    return o


def token(order, purpose=links.APPROVAL) -> str:
    """The order's link for `purpose`; an approval link of its current approval round."""
    return links.make_token(order.pk, purpose, order.approval_round)


def photo_url(order_token: str, photo, small: bool = False) -> str:
    return reverse(
        "portal:approval_photo_small" if small else "portal:approval_photo", args=[order_token, photo.pk]
    )


def test_the_page_shows_a_thumbnail_that_opens_the_full_photo(asked, browser):
    t = token(asked)

    html = browser.get(reverse("portal:approval", args=[t])).content.decode()

    assert f'<img src="{photo_url(t, asked.photo, small=True)}"' in html
    assert f'href="{photo_url(t, asked.photo)}"' in html
    assert "技师拍摄的照片 1：更换前刹车片" in html  # its alt text names the item
    assert "点击照片可查看大图" in html


def test_the_photo_and_its_thumbnail_open_with_the_link(asked, browser, private_media):
    t = token(asked)

    full = browser.get(photo_url(t, asked.photo))
    small = browser.get(photo_url(t, asked.photo, small=True))

    assert full.status_code == 200 and full["Content-Type"] == "image/jpeg"
    assert b"".join(full.streaming_content) == (private_media / asked.photo.image.name).read_bytes()
    assert small.status_code == 200 and small["Content-Type"] == "image/jpeg"
    assert Image.open(io.BytesIO(small.content)).size == (480, 360)  # 2000x1500, made small for a phone
    for r in (full, small):
        assert r["X-Content-Type-Options"] == "nosniff" and r["Cache-Control"] == "private, no-store"


def test_another_orders_link_does_not_open_this_photo(asked, other_asked, browser):
    theirs = token(other_asked)

    assert browser.get(photo_url(theirs, asked.photo)).status_code == 404
    assert browser.get(photo_url(theirs, asked.photo, small=True)).status_code == 404
    assert browser.get(photo_url(theirs, other_asked.photo)).status_code == 200  # their own, yes
    page = browser.get(reverse("portal:approval", args=[theirs])).content.decode()
    assert f"/photos/{asked.photo.pk}/" not in page


@pytest.mark.parametrize(
    "bad",
    [
        lambda o: links.make_token(o.pk, links.STATUS),  # the progress link is not the approval link
        lambda o: links.make_token(o.pk, links.APPROVAL)[:-1] + "x",  # altered signature
        lambda o: "1a:xyz:forged",
        lambda o: "",
    ],
)
def test_without_a_valid_link_there_is_no_photo(asked, browser, bad):
    t = bad(asked)
    url = f"/c/a/{t}/photos/{asked.photo.pk}/" if t else f"/c/a/photos/{asked.photo.pk}/"

    assert browser.get(url).status_code == 404
    assert browser.get(url + "small/").status_code == 404


def test_an_expired_link_no_longer_opens_the_photo(asked, browser, clock):
    t = token(asked)
    assert browser.get(photo_url(t, asked.photo)).status_code == 200

    clock.shift(links.MAX_AGE[links.APPROVAL] + timedelta(minutes=1))

    assert browser.get(photo_url(t, asked.photo)).status_code == 404
    assert browser.get(photo_url(t, asked.photo, small=True)).status_code == 404


def test_a_photo_of_an_item_that_is_not_extra_work_is_not_served(asked, browser, people):
    agreed = asked.lines.get(is_additional=False)
    shot = FindingPhoto.objects.create(order=asked, line=agreed, image=asked.photo.image.name,
                                       content_type="image/jpeg", by=people["tech"].user, at=asked.photo.at)  # fmt: skip

    assert browser.get(photo_url(token(asked), shot)).status_code == 404


def test_staff_signed_in_need_the_link_too(asked, sa_client):
    """Being signed in opens nothing here: the link's token is the key."""
    assert sa_client.get(f"/c/a/forged/photos/{asked.photo.pk}/").status_code == 404


def test_a_missing_file_answers_404_not_500(asked, browser, private_media):
    (private_media / asked.photo.image.name).unlink()

    assert browser.get(photo_url(token(asked), asked.photo)).status_code == 404
    assert browser.get(photo_url(token(asked), asked.photo, small=True)).status_code == 404


def test_the_page_still_reads_the_order_in_a_few_queries(asked, browser, django_assert_max_num_queries):
    with django_assert_max_num_queries(9):
        assert browser.get(reverse("portal:approval", args=[token(asked)])).status_code == 200
