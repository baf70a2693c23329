"""The delivery photo (一照): taken at the delivery on the tablet, texted to the buyer as a link through
the outbox (a service SMS: withheld from a customer who wants no message, held back in quiet hours,
once per order), opened by the buyer without signing in, and counted in the customer manager's
toolkit."""

import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from conftest import suite_start
from dms.customers.models import Customer
from dms.followups.models import ToolkitEntry
from dms.messaging.models import Message
from dms.messaging.services import opt_out_all
from dms.sales.models import SalesOrder

from .test_orders import CHECKLIST, _ready

pytestmark = pytest.mark.usefixtures("private_media")
BEIJING = ZoneInfo("Asia/Shanghai")


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, format="JPEG")
    return out.getvalue()


@pytest.fixture
def ready(order, stock_car, sales_api, cashier_api):
    """Allocated, paid and invoiced: the car can be handed over."""
    _ready(order, stock_car, sales_api, cashier_api)
    return order


def deliver(sales_client, order) -> None:
    r = sales_client.post(
        f"/sales/orders/{order['id']}/",
        {"do": "deliver", **{k: "on" for k in CHECKLIST}, "plate": "粤BD12345",
         "photo": SimpleUploadedFile("photo.jpg", _jpeg(), content_type="image/jpeg")},
    )  # fmt: skip
    assert r.status_code == 302
    assert SalesOrder.objects.get(pk=order["id"]).state == "delivered"


def photo_text() -> Message:
    return Message.objects.get(kind="delivery_photo")


def test_the_buyer_is_texted_a_link_to_their_delivery_photo(ready, sales_client):
    deliver(sales_client, ready)

    text = photo_text()
    buyer = SalesOrder.objects.get(pk=ready["id"]).customer
    assert (text.customer, text.channel, text.purpose, text.state) == (buyer, "sms", "service", "queued")
    assert (text.subject_type, text.subject_id) == ("sales_order", ready["id"])
    assert "王先生" in text.body and "雅阁" in text.body and text.params["url"] in text.body
    page = sales_client.get(f"/sales/orders/{ready['id']}/").content.decode()
    assert 'id="photo-message"' in page


def test_the_link_opens_the_photo_without_signing_in(ready, sales_client):
    deliver(sales_client, ready)
    path = photo_text().params["url"].split("://", 1)[1].split("/", 1)[1]
    stranger = Client()

    page = stranger.get(f"/{path}")
    image = stranger.get(f"/{path}photo")

    assert page.status_code == 200 and "王先生" in page.content.decode()
    assert page["X-Robots-Tag"] == "noindex, nofollow"
    assert image.status_code == 200 and image["Content-Type"] == "image/jpeg"
    assert b"".join(image.streaming_content)[:2] == b"\xff\xd8"


def test_a_forged_or_altered_link_opens_nothing(ready, sales_client):
    deliver(sales_client, ready)
    token = photo_text().params["url"].rstrip("/").rsplit("/", 1)[1]
    stranger = Client()

    assert stranger.get("/sales/photo/1:forged:sig/").status_code == 404
    assert stranger.get(f"/sales/photo/{token[:-1]}x/").status_code == 404
    assert stranger.get(f"/sales/photo/{token[:-1]}x/photo").status_code == 404
    assert stranger.post("/sales/photo/1:forged:sig/").status_code == 404  # whatever is asked of it
    assert stranger.post(f"/sales/photo/{token}/").status_code == 405  # the photo is only looked at


def test_in_quiet_hours_the_text_waits_for_the_morning(ready, consultant):
    with time_machine.travel(suite_start(22, 30), tick=False):
        evening = Client()  # signed in now: the morning's session has long been idle
        evening.force_login(consultant)
        deliver(evening, ready)

    text = photo_text()
    assert text.state == "scheduled"
    assert text.send_after.astimezone(BEIJING).strftime("%H:%M") == "08:30"


def test_a_buyer_who_wants_no_message_is_not_texted(ready, sales_client, tenant):
    from dms.customers.services import customer_create

    buyer = customer_create(tenant=tenant, name="王建国", mobile="13700001234").record
    opt_out_all(customer=buyer, how="电话告知")

    deliver(sales_client, ready)

    text = photo_text()
    assert text.state == "suppressed" and text.reason
    page = sales_client.get(f"/sales/orders/{ready['id']}/").content.decode()
    assert text.reason in page


def test_the_photo_counts_in_the_customer_managers_toolkit(ready, sales_client):
    deliver(sales_client, ready)

    buyer = Customer.objects.get(mobile="13700001234")
    assert ToolkitEntry.objects.filter(customer=buyer, tool="photo").count() == 1
