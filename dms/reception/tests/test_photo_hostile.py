"""Check-in photos: decoded before the write transaction, kept without EXIF, a decompression bomb
refused with a sentence."""

import base64
import contextlib
import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image

from dms.reception.models import CheckIn, CheckInPhoto
from dms.reception.tests.tenancy_world import tiny_png

pytestmark = pytest.mark.django_db

GPS = 0x8825


def jpeg_with_gps() -> bytes:
    """A phone's photo: a JPEG whose EXIF holds the GPS position (Shenzhen) and the camera."""
    image = Image.new("RGB", (320, 240), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "Huawei"  # Make
    exif[0x0110] = "P60"  # Model
    exif.get_ifd(GPS).update({1: "N", 2: (22.0, 32.0, 0.0), 3: "E", 4: (113.0, 56.0, 0.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    content = out.getvalue()
    with Image.open(io.BytesIO(content)) as check:  # the fixture is what it says
        assert check.getexif().get_ifd(GPS)
    return content


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares width × height pixels in a few bytes (its data would decode to gigabytes)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def started(api, vehicle) -> int:
    r = api.post("/check-ins", {"vehicle_id": vehicle.pk})
    assert r.status_code == 201, r.content
    return r.json()["id"]


def post_photos(api, checkin_id, *contents, name="p.jpg"):
    files = [SimpleUploadedFile(name, c, content_type="image/jpeg") for c in contents]
    return api.client.post(f"/api/v1/check-ins/{checkin_id}/photos", {"photos": files}, **api.headers)


def test_a_phone_photo_is_kept_without_its_gps_position(api, vehicle):
    checkin_id = started(api, vehicle)

    r = post_photos(api, checkin_id, jpeg_with_gps())

    assert r.status_code == 201, r.content
    photo = CheckInPhoto.objects.get()
    with photo.image.open("rb") as handle, Image.open(handle) as kept:
        assert kept.format == "JPEG" and kept.size == (320, 240)
        assert dict(kept.getexif()) == {} and not kept.getexif().get_ifd(GPS)
        assert "exif" not in kept.info


@pytest.mark.parametrize(
    ("width", "height"), [(9000, 9000), (40000, 40000)], ids=["over-the-limit", "decompression-bomb"]
)
def test_an_image_of_too_many_pixels_is_refused_with_a_sentence(api, vehicle, width, height, private_media):
    checkin_id = started(api, vehicle)
    bomb = png_header_only(width, height)
    as_json = {"photos": [{"data_url": "data:image/png;base64," + base64.b64encode(bomb).decode()}]}

    multipart = post_photos(api, checkin_id, bomb, name="bomb.png")
    data_url = api.post(f"/check-ins/{checkin_id}/photos", as_json)

    for r in (multipart, data_url):
        assert r.status_code == 400, r.content
        assert "60" in r.json()["detail"] and r.json()["errors"][0]["field"].startswith("photos")
    assert not CheckInPhoto.objects.exists() and CheckIn.objects.get().photo_count == 0
    assert not any(p.is_file() for p in private_media.rglob("*"))  # no file left behind


def test_photos_are_decoded_before_the_write_transaction(api, vehicle, monkeypatch):
    checkin_id = started(api, vehicle)
    photos = (jpeg_with_gps(), tiny_png())
    depth, decoded_at = [0], []
    atomic, open_image = transaction.atomic, Image.open

    @contextlib.contextmanager
    def counting_atomic(*args, **kwargs):
        depth[0] += 1
        try:
            with atomic(*args, **kwargs):
                yield
        finally:
            depth[0] -= 1

    def watching_open(*args, **kwargs):
        decoded_at.append(depth[0])
        return open_image(*args, **kwargs)

    monkeypatch.setattr(transaction, "atomic", counting_atomic)
    monkeypatch.setattr(Image, "open", watching_open)

    r = post_photos(api, checkin_id, *photos)

    assert r.status_code == 201, r.content
    assert decoded_at == [0, 0]  # no transaction open while decoding
    assert CheckIn.objects.get().photo_count == 2


def test_photos_sent_together_are_kept_all_or_none(api, vehicle, private_media):
    checkin_id = started(api, vehicle)

    r = post_photos(api, checkin_id, tiny_png(), b"%PDF-1.4 not a photo")

    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "photos"
    assert not CheckInPhoto.objects.exists()
    assert not any(p.is_file() for p in private_media.rglob("*"))
