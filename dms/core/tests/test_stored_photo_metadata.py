"""Photos kept before they were re-encoded at upload lose their metadata too (the migrations of
workshop and reception run strip_stored_metadata over every finding and check-in photo)."""

import io

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from PIL import Image

from dms.core.images import strip_stored_metadata
from dms.reception.tests.test_photo_hostile import GPS, jpeg_with_gps

pytestmark = pytest.mark.usefixtures("private_media")


def test_a_stored_photo_with_its_gps_position_is_rewritten_without_it():
    name = default_storage.save("findings/old.jpg", ContentFile(jpeg_with_gps()))

    assert strip_stored_metadata(default_storage, name) is True

    with default_storage.open(name, "rb") as f, Image.open(io.BytesIO(f.read())) as image:
        assert not image.getexif().get_ifd(GPS) and dict(image.getexif()) == {}
        assert image.size == (320, 240)


def test_a_clean_photo_and_a_missing_file_are_left_alone():
    out = io.BytesIO()
    Image.new("RGB", (20, 10)).save(out, "JPEG")
    name = default_storage.save("findings/clean.jpg", ContentFile(out.getvalue()))

    assert strip_stored_metadata(default_storage, name) is False
    assert strip_stored_metadata(default_storage, "findings/gone.jpg") is False
    with default_storage.open(name, "rb") as f:
        assert f.read() == out.getvalue()
