"""The door's traffic log, test drives with the licence checked and the agreement signed, and the
service customers handed over by the relationship engine."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from dms.core.events import publish
from dms.core.models import Event
from dms.customers.services import customer_create
from dms.sales.models import Lead, TestDrive

from .conftest import signature_png

pytestmark = pytest.mark.usefixtures("private_media")


def drive_body(lead_id, **extra):
    return {"lead_id": lead_id, "model": "雅阁 锐·T动", "licence_no": "440301199001011234",
            "licence_expires": (timezone.localdate() + timedelta(days=400)).isoformat(),
            "odometer_start": 1200, "route": "店—滨海大道—店", **extra}  # fmt: skip


def test_a_party_is_logged_at_the_door_in_one_tap(sales_api, consultant):
    r = sales_api.post("/showroom-visits", {"party_size": 3, "consultant_id": consultant.pk})
    left = sales_api.post(f"/showroom-visits/{r.json()['id']}/leave", {})

    assert r.status_code == 201 and r.json()["first_visit"] is True
    assert left.json()["left_at"] is not None
    assert sales_api.get("/showroom-visits").json()["count"] == 1


def test_a_prospects_second_visit_is_a_return(sales_api, walk_in):
    sales_api.post("/showroom-visits", {"lead_id": walk_in["id"]})

    again = sales_api.post("/showroom-visits", {"lead_id": walk_in["id"]})

    assert again.json()["first_visit"] is False


def test_a_test_drive_with_a_signed_agreement(sales_api, walk_in):
    r = sales_api.post("/test-drives", drive_body(walk_in["id"], signature=signature_png()))

    assert r.status_code == 201, r.content
    assert r.json()["signed"] is True and r.json()["state"] == "driving"
    assert TestDrive.objects.get().agreement.read().startswith(b"\x89PNG")


def test_an_expired_licence_is_refused_naming_licence_expires(sales_api, walk_in):
    expired = (timezone.localdate() - timedelta(days=1)).isoformat()

    r = sales_api.post("/test-drives", drive_body(walk_in["id"], licence_expires=expired))

    assert r.status_code == 422
    assert [e["field"] for e in r.json()["errors"]] == ["licence_expires"]
    assert not TestDrive.objects.exists()


def test_a_blank_signature_is_refused(sales_api, walk_in):
    import base64
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (300, 120), (0, 0, 0, 0)).save(out, format="PNG")
    blank = "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()

    r = sales_api.post("/test-drives", drive_body(walk_in["id"], signature=blank))

    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "signature"


def test_finishing_records_the_odometer_and_impressions_and_publishes(sales_api, walk_in):
    drive = sales_api.post("/test-drives", drive_body(walk_in["id"])).json()

    below = sales_api.post(f"/test-drives/{drive['id']}/actions/finish", {"odometer_end": 1100})
    r = sales_api.post(
        f"/test-drives/{drive['id']}/actions/finish", {"odometer_end": 1212, "impressions": "动力好,后排宽敞"}
    )
    twice = sales_api.post(f"/test-drives/{drive['id']}/actions/finish", {"odometer_end": 1213})

    assert below.status_code == 400 and below.json()["errors"][0]["field"] == "odometer_end"
    assert r.status_code == 200 and r.json()["state"] == "finished" and r.json()["odometer_end"] == 1212
    assert twice.status_code == 409
    event = Event.objects.get(type="test_drive.finished")
    assert event.payload["km"] == 12 and event.payload["lead_id"] == walk_in["id"]


def test_another_groups_test_drive_is_not_found(sales_api, outsider_api, walk_in):
    drive = sales_api.post("/test-drives", drive_body(walk_in["id"])).json()

    assert outsider_api.get(f"/test-drives/{drive['id']}").status_code == 404
    assert (
        outsider_api.post(f"/test-drives/{drive['id']}/actions/finish", {"odometer_end": 1300}).status_code
        == 404
    )
    assert outsider_api.post("/test-drives", drive_body(walk_in["id"])).status_code == 404


def test_a_service_customer_due_for_replacement_becomes_one_service_lead(tenant, store, consultant):
    customer = customer_create(tenant=tenant, name="老车主", mobile="13922223333").record

    for _ in range(2):
        with transaction.atomic():
            publish(type="vehicle.replacement_due", store=store, subject=customer,
                    payload={"customer_id": customer.pk, "vehicle_id": None, "reason": "车龄8年,置换意向"})  # fmt: skip

    lead = Lead.objects.get()
    assert (lead.source, lead.customer_id, lead.assigned_to_id) == ("service", customer.pk, consultant.pk)
    assert "置换" in lead.note
