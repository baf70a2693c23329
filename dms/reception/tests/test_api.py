"""/api/v1/check-ins: start, walk-around, photos, opening the order, the signature; bad input
answers 4xx naming the field; another group's check-in is 404."""

import base64

import pytest

from dms.reception.models import CheckIn, CheckInPhoto
from dms.reception.tests.tenancy_world import png_data_url, tiny_png

pytestmark = pytest.mark.django_db

WALK = {"cover_seat": True, "cover_wheel": True, "cover_floor": True, "fuel_level": 6, "mileage_km": 15230,
        "warning_lamps": ["engine"], "damage_marks": [{"x": 0.8, "y": 0.9, "kind": "crack", "note": "右后灯"}]}  # fmt: skip


def started(api, vehicle, **body):
    r = api.post("/check-ins", {"vehicle_id": vehicle.pk, **body})
    assert r.status_code == 201, r.content
    return r.json()


def test_a_check_in_is_started_walked_opened_and_signed(api, vehicle):
    c = started(api, vehicle)
    assert (c["state"], c["step"], c["covers_fitted"], c["mileage_km"]) == ("draft", "protect", False, None)

    walked = api.patch(f"/check-ins/{c['id']}", {**WALK, "version": c["version"]}).json()
    assert walked["covers_fitted"] and walked["damage_marks"][0]["kind"] == "crack"
    opened = api.post(f"/check-ins/{c['id']}/open-order", {"complaint": "发动机故障灯亮"})
    assert opened.status_code == 201
    assert opened.json()["repair_order_number"].startswith("RO-")
    signed = api.post(f"/check-ins/{c['id']}/signature", {"data_url": png_data_url()}).json()

    assert (signed["state"], signed["step"], signed["signed"]) == ("signed", "done", True)
    order = api.get(f"/repair-orders/{signed['repair_order_id']}").json()
    assert (order["mileage_in"], order["complaint"]) == (15230, "发动机故障灯亮")


def test_a_second_check_in_of_the_same_car_answers_409_with_the_one_to_resume(api, vehicle):
    first = started(api, vehicle)

    r = api.post("/check-ins", {"vehicle_id": vehicle.pk})

    assert r.status_code == 409 and r.json()["checkin_id"] == first["id"]
    assert [c["id"] for c in api.get("/check-ins", {"state": "draft"}).json()["items"]] == [first["id"]]


@pytest.mark.parametrize(
    "body, field",
    [
        ({"fuel_level": 12}, "fuel_level"),
        ({"mileage_km": 100}, "mileage_km"),
        ({"warning_lamps": ["smoke"]}, "warning_lamps.0"),
        ({"damage_marks": [{"x": 2, "y": 0.5}]}, "damage_marks.0.x"),
        ({"damage_marks": [{"x": 0.2, "y": 0.5, "kind": "hole"}]}, "damage_marks.0.kind"),
        ({"cover_seat": "maybe"}, "cover_seat"),
    ],
)
def test_bad_walk_around_input_answers_4xx_with_the_field(api, vehicle, body, field):
    c = started(api, vehicle)

    r = api.patch(f"/check-ins/{c['id']}", body)

    assert r.status_code in (400, 422), r.content
    assert field in [e["field"] for e in r.json()["errors"]]
    assert CheckIn.objects.get(pk=c["id"]).version == c["version"]


def test_the_mileage_rule_speaks_english_when_asked(api_en, vehicle):
    c = started(api_en, vehicle)

    r = api_en.patch(f"/check-ins/{c['id']}", {"mileage_km": 11000})

    assert r.status_code == 400
    assert "never goes backwards" in r.json()["detail"]


def test_a_stale_version_changes_nothing(api, vehicle):
    c = started(api, vehicle)
    api.patch(f"/check-ins/{c['id']}", {"fuel_level": 2})

    r = api.patch(f"/check-ins/{c['id']}", {"fuel_level": 8, "version": c["version"]})

    assert r.status_code == 409
    assert CheckIn.objects.get(pk=c["id"]).fuel_level == 2


def test_the_order_needs_the_walk_around_first(api, vehicle):
    c = started(api, vehicle)

    r = api.post(f"/check-ins/{c['id']}/open-order", {"complaint": "保养"})

    assert r.status_code == 400
    assert {"cover_seat", "fuel_level", "mileage_km"} <= {e["field"] for e in r.json()["errors"]}


def test_a_comeback_is_reported_on_the_check_in(api, vehicle, delivered_repair):
    last = delivered_repair(days=2, km=12000)
    c = started(api, vehicle, **{**WALK, "mileage_km": 12400})

    assert c["comeback"]["number"] == last.number


def test_photos_come_as_multipart_or_as_data_urls(api, vehicle):
    c = started(api, vehicle)
    multipart = api.client.post(
        f"/api/v1/check-ins/{c['id']}/photos", {"photos": [_upload("a.png"), _upload("b.png")], "caption": "左前"},
        **api.headers,
    )  # fmt: skip
    as_json = api.post(
        f"/check-ins/{c['id']}/photos", {"photos": [{"data_url": png_data_url(), "caption": "右后"}]}
    )

    assert multipart.status_code == 201 and len(multipart.json()) == 2
    assert as_json.status_code == 201 and as_json.json()[0]["caption"] == "右后"
    photos = api.get(f"/check-ins/{c['id']}").json()["photos"]
    assert [p["caption"] for p in photos] == ["左前", "左前", "右后"]
    assert api.client.get(photos[0]["url"], **api.headers)["Content-Type"] == "image/jpeg"


def test_a_file_that_is_not_a_photo_is_refused_and_nothing_is_kept(api, vehicle):
    c = started(api, vehicle)
    bogus = "data:image/png;base64," + base64.b64encode(b"%PDF-1.4 not a photo").decode()

    r = api.post(
        f"/check-ins/{c['id']}/photos", {"photos": [{"data_url": png_data_url()}, {"data_url": bogus}]}
    )

    assert r.status_code == 400 and r.json()["errors"][0]["field"] == "photos.1"
    assert not CheckInPhoto.objects.exists()


@pytest.mark.parametrize("data_url", [42, {"data": "x"}, ["data:image/png;base64,"], True])
def test_a_data_url_that_is_not_text_is_422_naming_it_and_nothing_is_kept(api, vehicle, data_url):
    c = started(api, vehicle)

    r = api.post(
        f"/check-ins/{c['id']}/photos", {"photos": [{"data_url": png_data_url()}, {"data_url": data_url}]}
    )

    assert r.status_code == 422, r.content
    assert r.json()["detail"] and [e["field"] for e in r.json()["errors"]] == ["photos.1.data_url"]
    assert not CheckInPhoto.objects.exists()


def test_another_group_gets_404_and_cannot_see_the_photos(api, outsider_api, vehicle):
    c = started(api, vehicle)
    api.post(f"/check-ins/{c['id']}/photos", {"photos": [{"data_url": png_data_url()}]})
    url = api.get(f"/check-ins/{c['id']}").json()["photos"][0]["url"]

    assert outsider_api.get(f"/check-ins/{c['id']}").status_code == 404
    assert outsider_api.patch(f"/check-ins/{c['id']}", {"fuel_level": 1}).status_code == 404
    assert outsider_api.client.get(url, **outsider_api.headers).status_code == 404
    assert outsider_api.post("/check-ins", {"vehicle_id": vehicle.pk}).status_code == 404


def _upload(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, tiny_png(), content_type="image/png")


def test_the_list_reads_a_bounded_number_of_queries(
    api, tenant, brand, customer, django_assert_max_num_queries
):
    from conftest import valid_vin
    from dms.reception.services import checkin_create, checkin_open_order
    from dms.vehicles.services import vehicle_create

    for i in range(6):  # six cars checked in, their orders open
        v = vehicle_create(tenant=tenant, owner_id=customer.pk, vin=valid_vin(100 + i), brand_id=brand.pk, model="飞度",
                           mileage_km=1000).record  # fmt: skip
        c = checkin_create(tenant=tenant, vehicle_id=v.pk, cover_seat=True, cover_wheel=True, cover_floor=True,
                           fuel_level=4, mileage_km=1200)  # fmt: skip
        checkin_open_order(tenant=tenant, checkin_id=c.pk, complaint="保养")

    with django_assert_max_num_queries(12):
        r = api.get("/check-ins")

    assert r.json()["count"] == 6


def test_the_answers_of_the_busy_writes_are_in_their_documented_shape(api, vehicle, delivered_repair):
    # The three writes of a reception: each answer is exactly what the schema in the OpenAPI
    # document says, field for field.
    import json

    from ninja.responses import NinjaJSONEncoder

    from dms.reception.api import CheckInOut

    def documented(answer: dict) -> dict:
        return json.loads(json.dumps(CheckInOut.model_validate(answer).model_dump(), cls=NinjaJSONEncoder))

    last = delivered_repair(days=5, km=12000)
    c = started(api, vehicle, **{**WALK, "mileage_km": 12800})
    api.post(f"/check-ins/{c['id']}/photos", {"photos": [{"data_url": png_data_url(), "caption": "右后"}]})
    opened = api.post(f"/check-ins/{c['id']}/open-order", {"complaint": "刹车还是响"}).json()
    signed = api.post(f"/check-ins/{c['id']}/signature", {"data_url": png_data_url()}).json()

    for answer in (c, opened, signed):
        assert answer == documented(answer)
    assert (
        c["comeback"]["order_id"]
        == opened["comeback"]["order_id"]
        == signed["comeback"]["order_id"]
        == last.pk
    )
    assert [p["caption"] for p in signed["photos"]] == ["右后"] and c["photos"] == []
    assert api.get(f"/check-ins/{c['id']}").json() == signed
