"""The technician's own view: my jobs, clocking from the tablet, findings with a photo from the
camera, the photo served only inside the store, asking the customer about extra work."""

import base64
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from dms.workshop.models import FindingPhoto, JobClock, LineState, RepairOrder, State

from .test_floor_setup import *  # noqa: F403

MY_JOBS = reverse("floor:my_jobs")


pytestmark = pytest.mark.usefixtures("private_media")  # uploads go to a folder of the test


def jpeg(color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), color).save(out, "JPEG")
    return out.getvalue()


def test_my_jobs_shows_the_jobs_dispatched_to_me_only(
    client_for, tech_user, job_in_work, make_order, people, other_tech, group
):
    from dms.workshop import services
    from dms.workshop.models import LaborOperation

    dent = LaborOperation.objects.create(
        group=group, code="S1", name="钣金修复", standard_hours=2, skill="body"
    )
    theirs = make_order(complaint="车门凹陷", operation=dent)
    services.order_dispatch(tenant=people["foreman"], order_id=theirs.pk, technician_id=other_tech.pk)

    html = client_for(tech_user).get(MY_JOBS).content.decode()

    assert job_in_work.number in html and "做一次常规保养" in html and "开工" in html
    assert theirs.number not in html


def test_clocking_on_from_the_tablet_answers_the_refreshed_list(client_for, tech_user, job_in_work):
    r = client_for(tech_user).post(
        reverse("floor:clock", args=[job_in_work.pk]), {"action": "on"}, HTTP_HX_REQUEST="true"
    )

    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="my-jobs"' in html and "<html" not in html
    assert "作业中" in html and "暂停" in html and "收工" in html
    assert RepairOrder.objects.get(pk=job_in_work.pk).state == State.IN_PROGRESS


def test_a_pause_without_reason_is_explained_on_the_page(client_for, tech_user, job_in_work):
    c = client_for(tech_user)
    c.post(reverse("floor:clock", args=[job_in_work.pk]), {"action": "on"})

    r = c.post(reverse("floor:clock", args=[job_in_work.pk]), {"action": "pause"}, HTTP_HX_REQUEST="true")

    assert "请选择暂停原因" in r.content.decode()
    assert JobClock.objects.get().ended_at is None


def test_a_technician_cannot_clock_on_another_technicians_job_from_the_page(
    client_for, job_in_work, other_tech
):
    r = client_for(other_tech.user).post(reverse("floor:clock", args=[job_in_work.pk]), {"action": "on"})

    assert r.status_code == 403
    assert not JobClock.objects.exists()


def test_a_finding_with_a_photo_becomes_a_proposal_with_its_photo(
    client_for, tech_user, job_in_work, brake_job, private_media
):
    c = client_for(tech_user)
    c.post(reverse("floor:clock", args=[job_in_work.pk]), {"action": "on"})

    r = c.post(reverse("floor:finding", args=[job_in_work.pk]), {
        "kind": "labor", "labor_operation_id": brake_job.pk, "description": "", "note": "前刹车片剩 2 mm",
        "photo": SimpleUploadedFile("IMG_0001.jpg", jpeg(), content_type="image/jpeg"),
    })  # fmt: skip

    assert r.status_code == 302
    line = RepairOrder.objects.get(pk=job_in_work.pk).lines.get(is_additional=True)
    assert (
        line.state == LineState.PROPOSED
        and line.note == "前刹车片剩 2 mm"
        and line.description == "更换前刹车片"
    )
    photo = FindingPhoto.objects.get(line=line)
    assert photo.by == tech_user and photo.content_type == "image/jpeg"
    assert (private_media / photo.image.name).exists()
    assert not photo.image.name.endswith("IMG_0001.jpg")  # the name on the tablet is not kept
    html = c.get(MY_JOBS).content.decode()
    assert reverse("floor:photo", args=[photo.pk]) in html
    assert "等待客户确认：由服务顾问联系客户" in html
    assert "/media/" not in html


def test_the_photo_is_served_to_the_store_and_not_to_another_group(
    client_for, tech_user, job_in_work, people, outsider_client
):
    from dms.workshop import services_floor

    line = services_floor.finding_report(tenant=people["tech"], order_id=job_in_work.pk, description="清洗节气门",
                                         quantity="0.5", note="节气门积碳", photo=jpeg())  # fmt: skip
    url = reverse("floor:photo", args=[line.photos.get().pk])

    mine = client_for(tech_user).get(url)
    theirs = outsider_client.get(url)

    assert mine.status_code == 200 and mine["Content-Type"] == "image/jpeg"
    assert b"".join(mine.streaming_content)[:2] == b"\xff\xd8"
    assert "private" in mine["Cache-Control"]
    assert theirs.status_code == 404


def test_a_file_that_is_not_a_photo_is_refused_with_the_field_marked(client_for, tech_user, job_in_work):
    r = client_for(tech_user).post(reverse("floor:finding", args=[job_in_work.pk]), {
        "kind": "labor", "description": "更换空滤", "quantity": "0.3", "note": "空滤脏",
        "photo": SimpleUploadedFile("notes.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg"),
    })  # fmt: skip

    assert r.status_code == 400
    html = r.content.decode()
    assert "不是照片" in html and "field-error" in html
    assert 'value="更换空滤"' in html  # what was typed is kept
    assert not RepairOrder.objects.get(pk=job_in_work.pk).lines.filter(is_additional=True).exists()


def test_a_finding_needs_what_was_found(client_for, tech_user, job_in_work):
    r = client_for(tech_user).post(
        reverse("floor:finding", args=[job_in_work.pk]),
        {"kind": "labor", "description": "更换空滤", "quantity": "0.3"},
    )

    assert r.status_code == 400 and "请写明检查发现" in r.content.decode()


def test_findings_over_the_api_with_a_base64_photo(api_for, tech_user, job_in_work):
    photo = "data:image/jpeg;base64," + base64.b64encode(jpeg()).decode()

    r = api_for(tech_user).post(f"/floor/orders/{job_in_work.pk}/findings", {
        "description": "更换雨刮片", "kind": "labor", "quantity": "0.2", "note": "雨刮片老化", "photo": photo,
    })  # fmt: skip

    assert r.status_code == 201, r.content
    assert r.json()["state"] == "proposed" and len(r.json()["photos"]) == 1
    assert r.json()["photos"][0]["url"].startswith("/floor/photos/")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"description": "更换雨刮片", "quantity": "0.2", "note": ""}, "note"),
        ({"description": "", "quantity": "0.2", "note": "老化"}, "description"),
        ({"description": "更换雨刮片", "quantity": "-1", "note": "老化"}, "quantity"),
        ({"description": "更换雨刮片", "quantity": "0.2", "note": "老化", "photo": "不是base64"}, "photo"),
    ],
)
def test_bad_findings_answer_400_with_the_field(api_for, tech_user, job_in_work, body, field):
    r = api_for(tech_user).post(f"/floor/orders/{job_in_work.pk}/findings", body)

    assert r.status_code == 400, r.content
    assert field in [e["field"] for e in r.json()["errors"]]


def test_a_finding_of_an_unknown_kind_answers_422_with_the_kinds(api_for, tech_user, job_in_work):
    body = {"description": "更换雨刮片", "quantity": "0.2", "note": "老化", "kind": "gift"}

    r = api_for(tech_user).post(f"/floor/orders/{job_in_work.pk}/findings", body)

    assert r.status_code == 422, r.content
    assert [e["field"] for e in r.json()["errors"]] == ["kind"]
    assert "'labor'" in r.json()["errors"][0]["message"]


def test_a_finding_on_a_job_not_in_work_answers_409(api_for, tech_user, signed_order):
    r = api_for(tech_user).post(
        f"/floor/orders/{signed_order.pk}/findings",
        {"description": "更换雨刮片", "quantity": "0.2", "note": "老化"},
    )

    assert r.status_code == 409


def test_a_finding_within_the_pre_authorisation_needs_no_call(make_order, people, tech, api_for, tech_user):
    from dms.workshop import services

    o = make_order(preauth="200.00")
    services.order_dispatch(tenant=people["foreman"], order_id=o.pk, technician_id=tech.pk)

    r = api_for(tech_user).post(
        f"/floor/orders/{o.pk}/findings", {"description": "更换雨刮片", "quantity": "0.2", "note": "老化"}
    )

    assert r.json()["state"] == "approved"


def test_the_technician_sees_the_approval_state_and_the_manager_may_ask(
    client_for, tech_user, manager, job_in_work, people, brake_job, tech
):
    from dms.workshop import services_floor

    services_floor.job_clock(tenant=people["tech"], order_id=job_in_work.pk, action="on")
    services_floor.finding_report(tenant=people["tech"], order_id=job_in_work.pk, description="",
                                  labor_operation_id=brake_job.pk, note="刹车片磨损")  # fmt: skip
    tech_html = client_for(tech_user).get(MY_JOBS).content.decode()
    assert "由服务顾问联系客户" in tech_html and "请客户确认</button>" not in tech_html

    mgr = client_for(manager)
    r = mgr.post(reverse("floor:ask", args=[job_in_work.pk]) + "", {"as_technician": tech.pk})

    assert r.status_code == 302
    assert RepairOrder.objects.get(pk=job_in_work.pk).state == State.AWAITING_APPROVAL
    assert "服务顾问正在与客户确认追加项目" in client_for(tech_user).get(MY_JOBS).content.decode()


def test_a_user_who_is_not_a_technician_is_told_so(client_for, foreman, job_in_work, tech):
    html = client_for(foreman).get(MY_JOBS).content.decode()
    assert "未关联本店技师" in html

    acting = client_for(foreman).get(MY_JOBS, {"technician": tech.pk}).content.decode()
    assert job_in_work.number in acting and "你正在代 tech1 操作" in acting


def test_my_jobs_over_the_api(api_for, tech_user, job_in_work, tech):
    api = api_for(tech_user)
    api.post(f"/floor/orders/{job_in_work.pk}/clock", {"action": "on"})

    body = api.get("/floor/my-jobs").json()

    assert body["technician_id"] == tech.pk and body["clocked_on_order_id"] == job_in_work.pk
    job = body["items"][0]
    assert (job["number"], job["work"], job["can_finish"]) == (job_in_work.number, "working", True)


def test_qc_and_cashier_cannot_open_my_jobs(client_for, qc, api_for):
    assert client_for(qc).get(MY_JOBS).status_code == 403
    assert api_for(qc).get("/floor/my-jobs").status_code == 403
