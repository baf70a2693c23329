"""A request body is refused from its Content-Length before anything reads it: 413 with a sentence
(the check-in photos, the spreadsheet import, every other route at DMS_MAX_REQUEST_BYTES)."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http.multipartparser import MultiPartParser
from django.test import Client
from django.urls import reverse

from dms.reception import services
from dms.reception.models import CheckInPhoto
from dms.reception.tests.tenancy_world import tiny_png

pytestmark = pytest.mark.django_db

HUGE = str(500 * 1024 * 1024)  # what the client declares; only a few bytes are sent


@pytest.fixture
def unread(monkeypatch):
    """Fails the test if a multipart body is parsed."""

    def parse(self):
        raise AssertionError("the body was read")

    monkeypatch.setattr(MultiPartParser, "parse", parse)


@pytest.fixture
def checkin_id(api, vehicle):
    return api.post("/check-ins", {"vehicle_id": vehicle.pk}).json()["id"]


def photos(*names):
    return {"photos": [SimpleUploadedFile(n, tiny_png(), content_type="image/png") for n in names]}


def test_check_in_photos_declared_too_large_are_refused_unread(api, checkin_id, unread):
    from dms.reception.models import CheckIn

    answer = api.client.post(f"/api/v1/check-ins/{checkin_id}/photos", photos("a.png"), CONTENT_LENGTH=HUGE, **api.headers)  # fmt: skip
    client = Client()
    client.force_login(CheckIn.objects.get().store.memberships.first().user)
    page = client.post(
        reverse("reception:photo_add", args=[checkin_id]), photos("a.png"), CONTENT_LENGTH=HUGE
    )

    assert answer.status_code == 413 and "MB" in answer.json()["detail"]
    assert page.status_code == 413 and "MB" in page.content.decode()
    assert not CheckInPhoto.objects.exists()


def test_an_import_declared_too_large_is_refused_unread(unread, store):
    from conftest import make_user
    from dms.core.roles import Role

    client = Client()
    client.force_login(make_user("manager9", store, Role.SERVICE_MANAGER))
    upload = SimpleUploadedFile("customers.xlsx", b"PK\x03\x04", content_type="application/octet-stream")

    r = client.post(reverse("customers:import"), {"file": upload}, CONTENT_LENGTH=HUGE)

    assert r.status_code == 413 and "11 MB" in r.content.decode()


def test_any_other_route_has_a_limit_too(api, checkin_id):
    r = api.client.patch(
        f"/api/v1/check-ins/{checkin_id}",
        b"{}",
        content_type="application/json",
        CONTENT_LENGTH=HUGE,
        **api.headers,
    )

    assert r.status_code == 413 and r.json()["detail"]


def test_a_real_oversized_upload_is_a_413_and_the_limit_lets_photos_through(api, checkin_id, settings):
    big = SimpleUploadedFile(
        "big.jpg", b"\xff" * (services.PHOTOS_REQUEST_BYTES + 1), content_type="image/jpeg"
    )

    refused = api.client.post(f"/api/v1/check-ins/{checkin_id}/photos", {"photos": [big]}, **api.headers)
    accepted = api.client.post(
        f"/api/v1/check-ins/{checkin_id}/photos", photos("a.png", "b.png"), **api.headers
    )

    assert refused.status_code == 413
    assert accepted.status_code == 201 and CheckInPhoto.objects.count() == 2
    assert settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 2_621_440  # larger files go to a temporary file
