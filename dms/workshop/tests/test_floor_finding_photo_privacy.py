"""A finding's photo is what the customer sees on the approval page: kept without the phone's
EXIF (GPS position, camera), and an image of too many pixels is refused with a sentence."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from dms.reception.tests.test_photo_hostile import GPS, jpeg_with_gps, png_header_only
from dms.workshop.models import FindingPhoto

from .test_floor_setup import *  # noqa: F403

pytestmark = pytest.mark.usefixtures("private_media")  # uploads go to a folder of the test


def test_a_finding_photo_is_kept_without_its_gps_position(people, job_in_work):
    from dms.workshop import services_floor

    line = services_floor.finding_report(tenant=people["tech"], order_id=job_in_work.pk, description="清洗节气门",
                                         quantity="0.5", note="节气门积碳", photo=jpeg_with_gps())  # fmt: skip

    shot = line.photos.get()
    assert shot.content_type == "image/jpeg"
    with shot.image.open("rb") as handle, Image.open(handle) as kept:
        assert kept.format == "JPEG" and kept.size == (320, 240)
        assert dict(kept.getexif()) == {} and not kept.getexif().get_ifd(GPS)


def test_a_decompression_bomb_is_refused_with_the_field_marked(client_for, tech_user, job_in_work):
    r = client_for(tech_user).post(reverse("floor:finding", args=[job_in_work.pk]), {
        "kind": "labor", "description": "更换空滤", "quantity": "0.3", "note": "空滤脏",
        "photo": SimpleUploadedFile("bomb.png", png_header_only(40000, 40000), content_type="image/png"),
    })  # fmt: skip

    assert r.status_code == 400
    assert "60" in r.content.decode()
    assert not FindingPhoto.objects.exists()


def test_a_finding_photo_is_removed_once_its_retention_period_after_the_order_has_passed(
    people, job_in_work, settings, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    from dms.core import retention
    from dms.workshop import services_floor
    from dms.workshop.models import RepairOrder

    settings.DMS_RETENTION_PHOTOS_DAYS = 1095
    line = services_floor.finding_report(tenant=people["tech"], order_id=job_in_work.pk, description="清洗节气门",
                                         quantity="0.5", note="节气门积碳", photo=jpeg_with_gps())  # fmt: skip
    shot = line.photos.get()
    assert retention.run(only=("finding_photos",)) == {"finding_photos": 0}  # the order is still open

    RepairOrder.objects.filter(pk=job_in_work.pk).update(delivered_at=timezone.now() - timedelta(days=1096))
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the rows are gone
        assert retention.run(only=("finding_photos",)) == {"finding_photos": 1}

    assert not FindingPhoto.objects.filter(pk=shot.pk).exists() and not shot.image.storage.exists(
        shot.image.name
    )
    assert line.__class__.objects.filter(pk=line.pk).exists()  # the line it illustrated stays
