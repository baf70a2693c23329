"""This app's part of the cross-group walks (tests/test_tenancy_api.py, tests/test_tenancy_pages.py).

RECORDS: path parameter name -> function(world) returning the id of a record of that world
(world: tests.test_tenancy_api.World; its helpers appointment(), part(), repair_order(),
order_line() build the usual records). BODIES: (method, path) -> function(world) returning a body.
PATH_VALUES: parameter name -> function(path) returning a fixed value.
page_ids(vehicle, manager_tenant) -> {namespace or parameter name: value} for the page walk.
"""

import base64
import io


def tiny_png(width: int = 120, height: int = 60, *, stroke: bool = True) -> bytes:
    """A PNG with one diagonal stroke (a signature), or a blank one."""
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    if stroke:
        ImageDraw.Draw(image).line([(5, height - 5), (width - 5, 5)], fill=(16, 36, 62, 255), width=3)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def png_data_url(**kw) -> str:
    return "data:image/png;base64," + base64.b64encode(tiny_png(**kw)).decode()


def walked_checkin(tenant, vehicle) -> int:
    """A check-in with the covers, fuel and mileage recorded: ready to open its order."""
    from dms.reception.services import checkin_create

    km = max(vehicle.mileage_km, 12500)
    return checkin_create(
        tenant=tenant, vehicle_id=vehicle.pk, cover_seat=True, cover_wheel=True, cover_floor=True, fuel_level=4,
        mileage_km=km, damage_marks=[{"x": 0.3, "y": 0.2, "kind": "scratch", "note": "左前门"}],
    ).pk  # fmt: skip


def checkin(world) -> int:
    if "checkin" not in world.built:
        world.built["checkin"] = walked_checkin(world.tenant, world.vehicle)
    return world.built["checkin"]


def signature_body(world) -> dict:
    """The signature comes after the order is opened: open it for the caller's own check-in."""
    from dms.reception.models import CheckIn
    from dms.reception.services import checkin_open_order

    pk = checkin(world)
    if CheckIn.objects.get(pk=pk).repair_order_id is None:
        checkin_open_order(tenant=world.tenant, checkin_id=pk, complaint="异响")
    return {"data_url": png_data_url()}


def photo(world) -> int:
    """A walk-around photo of the world's check-in (a real file: our own advisor gets the JPEG)."""
    from dms.reception.services import photo_add_data_url

    if "photo" not in world.built:
        added = photo_add_data_url(tenant=world.tenant, checkin_id=checkin(world), data_url=png_data_url())
        world.built["photo"] = added.pk
    return world.built["photo"]


RECORDS: dict = {"checkin_id": checkin, "photo_id": photo}
BODIES: dict = {
    ("POST", "/check-ins"): lambda w: {"vehicle_id": w.vehicle.pk},
    ("POST", "/check-ins/{checkin_id}/open-order"): lambda w: {"complaint": "发动机异响"},
    ("POST", "/check-ins/{checkin_id}/signature"): signature_body,
    ("POST", "/check-ins/{checkin_id}/photos"): lambda w: {
        "photos": [{"data_url": png_data_url(), "caption": "左前门划痕"}]
    },
}
PATH_VALUES: dict = {}


def page_ids(vehicle, manager) -> dict:
    """A check-in of our store (with a photo row: the outsider is refused before any file is read)."""
    from django.db.models import F
    from django.utils import timezone

    from dms.reception.models import CheckIn, CheckInPhoto

    existing = CheckIn.objects.filter(vehicle=vehicle, store=manager.store, signed_at__isnull=True).first()
    pk = existing.pk if existing else walked_checkin(manager, vehicle)
    photo = CheckInPhoto.objects.create(
        checkin_id=pk, image="reception/photos/walk/absent.jpg", caption="左前门", at=timezone.now()
    )
    CheckIn.objects.filter(pk=pk).update(photo_count=F("photo_count") + 1)  # as photo_add keeps it
    return {"reception": pk, "checkin_id": pk, "photo_id": photo.pk}
