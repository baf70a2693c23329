"""The wizard's pages as the advisor uses them: each step posts to itself, errors stay on the
step with what was entered, a draft resumes where it stopped, and the comeback is shown."""

import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from dms.reception.models import CheckIn, CheckInPhoto, Step
from dms.reception.tests.tenancy_world import png_data_url, tiny_png
from dms.workshop import documents
from dms.workshop.models import RepairOrder

pytestmark = pytest.mark.django_db


def begin(client, vehicle, **extra):
    return client.post("/reception/begin/", {"vehicle": vehicle.pk, **extra})


def covered(client, checkin):
    return client.post(
        f"/reception/{checkin.pk}/protect/", {"cover_seat": "on", "cover_wheel": "on", "cover_floor": "on"}
    )


WALK = {"fuel_level": "4", "mileage_km": "15230", "warning_lamps": ["tyre"], "valuables": "墨镜", "exterior_notes": "",
        "damage_marks": json.dumps([{"x": 0.25, "y": 0.3, "kind": "scratch", "note": "左前门"}])}  # fmt: skip
ORDER = {"complaint": "冷车启动异响", "work_class": "minor", "payment_method": "wechat", "old_parts": "leave",
         "preauth_amount": "0", "preauth_minutes": "0"}  # fmt: skip


def test_the_start_page_lists_today_s_appointments_and_finds_a_car_by_plate(appointment, sa_client, vehicle):
    page = sa_client.get("/reception/").content.decode()
    assert "粤B12345" in page and "空调有异味" in page

    found = sa_client.get("/reception/", {"q": "B12345"}, HTTP_HX_REQUEST="true").content.decode()
    assert "粤B12345" in found and "张三" in found
    nothing = sa_client.get("/reception/", {"q": "粤Z99999"}, HTTP_HX_REQUEST="true").content.decode()
    assert "/reception/register/?plate=" in nothing


def test_checking_in_an_appointment_starts_at_the_covers(appointment, sa_client, vehicle):
    r = begin(sa_client, vehicle, appointment=appointment.pk)

    checkin = CheckIn.objects.get()
    assert r.url == f"/reception/{checkin.pk}/protect/"
    assert checkin.appointment == appointment


def test_the_covers_must_all_be_confirmed_before_the_walk_around(sa_client, vehicle):
    begin(sa_client, vehicle)
    checkin = CheckIn.objects.get()

    r = sa_client.post(f"/reception/{checkin.pk}/protect/", {"cover_seat": "on"})
    assert r.status_code == 200
    assert "方向盘套" in r.content.decode() and "脚垫" in r.content.decode()
    assert sa_client.get(f"/reception/{checkin.pk}/walkaround/").url == f"/reception/{checkin.pk}/protect/"

    assert covered(sa_client, checkin).url == f"/reception/{checkin.pk}/walkaround/"


def test_a_wrong_mileage_stays_on_the_walk_around_with_everything_entered(sa_client, vehicle):
    begin(sa_client, vehicle)
    checkin = CheckIn.objects.get()
    covered(sa_client, checkin)
    photo = SimpleUploadedFile("scratch.png", tiny_png(), content_type="image/png")

    r = sa_client.post(
        f"/reception/{checkin.pk}/walkaround/", {**WALK, "mileage_km": "9000", "photos": [photo]}
    )

    page = r.content.decode()
    assert r.status_code == 200
    assert "里程不会倒退" in page
    assert 'value="墨镜"' in page and "左前门" in page  # nothing entered is lost
    assert CheckInPhoto.objects.filter(checkin=checkin).count() == 1  # the photo was kept
    assert CheckIn.objects.get(pk=checkin.pk).step == Step.WALKAROUND


def test_save_draft_keeps_an_unfinished_walk_around_and_resume_returns_to_it(sa_client, vehicle):
    begin(sa_client, vehicle)
    checkin = CheckIn.objects.get()
    covered(sa_client, checkin)

    r = sa_client.post(f"/reception/{checkin.pk}/walkaround/", {**WALK, "fuel_level": "", "save": "1"})

    assert r.url == f"/reception/{checkin.pk}/walkaround/"
    saved = CheckIn.objects.get(pk=checkin.pk)
    assert (saved.mileage_km, saved.valuables, saved.fuel_level, len(saved.damage_marks)) == (
        15230,
        "墨镜",
        None,
        1,
    )
    # later, from the start page's list of drafts
    assert "继续" in sa_client.get("/reception/").content.decode()
    assert sa_client.get(f"/reception/{checkin.pk}/").url == f"/reception/{checkin.pk}/walkaround/"
    # again in the same car: the draft, not a second check-in
    assert begin(sa_client, vehicle).url == f"/reception/{checkin.pk}/"
    assert CheckIn.objects.count() == 1


def test_a_comeback_is_shown_before_the_order_is_opened(sa_client, vehicle, delivered_repair):
    last = delivered_repair(days=3, km=12000)
    begin(sa_client, vehicle)
    checkin = CheckIn.objects.get()
    covered(sa_client, checkin)
    sa_client.post(f"/reception/{checkin.pk}/walkaround/", {**WALK, "mileage_km": "12300"})

    page = sa_client.get(f"/reception/{checkin.pk}/checks/").content.decode()

    assert "返修" in page and last.number in page
    assert "7 天" in page and "1,700 km" in page


def test_the_whole_wizard_opens_the_order_and_the_signature_leads_to_it(sa_client, vehicle):
    begin(sa_client, vehicle)
    checkin = CheckIn.objects.get()
    covered(sa_client, checkin)
    sa_client.post(f"/reception/{checkin.pk}/walkaround/", WALK)
    assert sa_client.post(f"/reception/{checkin.pk}/checks/").url == f"/reception/{checkin.pk}/order/"
    empty = sa_client.post(f"/reception/{checkin.pk}/order/", {**ORDER, "complaint": ""})
    assert empty.status_code == 200 and not RepairOrder.objects.exists()

    r = sa_client.post(f"/reception/{checkin.pk}/order/", {**ORDER, "free_wash": "on"})
    assert r.url == f"/reception/{checkin.pk}/sign/"
    sheet = sa_client.get(r.url).content.decode()
    assert "接车登记表" in sheet and "胎压" in sheet and "左前门" in sheet

    unsigned = sa_client.post(r.url, {"signature": png_data_url(stroke=False)})
    assert "客户尚未签字" in unsigned.content.decode()
    done = sa_client.post(r.url, {"signature": png_data_url()})

    order = RepairOrder.objects.get()
    assert done.url == f"/orders/{order.pk}/"
    assert order.mileage_in == 15230
    signature = sa_client.get(f"/reception/{checkin.pk}/signature.png")
    assert signature.status_code == 200 and signature["Content-Type"] == "image/png"


def test_the_printed_order_draws_the_walk_around_with_the_screens_own_car_outline(sa_client, tenant, vehicle):
    begin(sa_client, vehicle)
    checkin = CheckIn.objects.get()
    covered(sa_client, checkin)
    sa_client.post(f"/reception/{checkin.pk}/walkaround/", WALK)
    sa_client.post(f"/reception/{checkin.pk}/checks/")
    sa_client.post(f"/reception/{checkin.pk}/order/", ORDER)
    sa_client.post(f"/reception/{checkin.pk}/sign/", {"signature": png_data_url()})
    order = RepairOrder.objects.get()
    shared = Path(finders.find("reception/car_outline.css")).read_text(encoding="utf-8")

    with translation.override("zh-hans"):
        context = documents.repair_order_context(tenant, order, status_url="https://dms.example/s/x/")
        html = documents.render_html(documents.REPAIR_ORDER_TEMPLATE, context)

    car = html[
        html.index('<svg class="rc-outline') : html.index("</svg>", html.index('<svg class="rc-outline'))
    ]
    # WeasyPrint paints an inline SVG only from the SVG's own <style>: the screen's rules, inlined.
    assert f"<style>{shared}</style>" in car and ".rc-outline .body" in shared
    assert '<g class="mark scratch"' in car and "1. 划痕（左前门）" in html
    assert not re.search(r"[{;]\s*font\s*:", shared)  # a font shorthand makes WeasyPrint draw it wrongly


def test_photos_are_served_only_to_the_store(sa_client, outsider_client, vehicle):
    begin(sa_client, vehicle)
    checkin = CheckIn.objects.get()
    strip = sa_client.post(
        f"/reception/{checkin.pk}/photos/", {"photos": [SimpleUploadedFile("a.png", tiny_png(), "image/png")]}
    )
    photo = CheckInPhoto.objects.get()
    assert f"/reception/{checkin.pk}/photos/{photo.pk}/" in strip.content.decode()

    assert sa_client.get(f"/reception/{checkin.pk}/photos/{photo.pk}/")["Content-Type"] == "image/jpeg"
    assert outsider_client.get(f"/reception/{checkin.pk}/photos/{photo.pk}/").status_code == 404


def test_a_new_customer_and_car_are_registered_and_checked_in(sa_client, brand):
    from conftest import valid_vin

    bad = sa_client.post("/reception/register/", {"name": "王五", "title": "mr", "mobile": "12345", "vin": valid_vin(777),
                                                  "brand": brand.pk, "model": "雅阁", "mileage_km": "800"})  # fmt: skip
    assert bad.status_code == 200 and "手机" in bad.content.decode()

    r = sa_client.post("/reception/register/", {"name": "王五", "title": "mr", "mobile": "13912345678", "vin": valid_vin(777),
                                                "plate": "粤B7K777", "brand": brand.pk, "model": "雅阁", "mileage_km": "800"})  # fmt: skip

    checkin = CheckIn.objects.get()
    assert r.url == f"/reception/{checkin.pk}/protect/"
    assert (checkin.customer.name, checkin.vehicle.plate) == ("王五", "粤B7K777")


def test_a_draft_is_discarded_with_its_photos(
    sa_client, vehicle, private_media, django_capture_on_commit_callbacks
):
    begin(sa_client, vehicle)
    checkin = CheckIn.objects.get()
    sa_client.post(
        f"/reception/{checkin.pk}/photos/", {"photos": [SimpleUploadedFile("a.png", tiny_png(), "image/png")]}
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert sa_client.post(f"/reception/{checkin.pk}/discard/").url == "/reception/"

    assert not CheckIn.objects.exists()
    assert not list((private_media / "reception" / "photos").rglob("*.jpg"))


def test_the_start_page_reads_a_bounded_number_of_queries(
    appointment, sa_client, vehicle, django_assert_max_num_queries
):
    begin(sa_client, vehicle, appointment=appointment.pk)

    with django_assert_max_num_queries(14):
        sa_client.get("/reception/")
