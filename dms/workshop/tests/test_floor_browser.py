"""The shop floor in a real browser, in Chinese: the foreman dispatches from the tablet (a skill
mismatch first) and records the 10:00 review; the technician clocks on, pauses for parts and
reports a finding with a photo; the QC inspector sees the checklist; the wall screen shows it all.
Screenshots: var/screenshots/floor-*.png."""

# ruff: noqa: F811
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from conftest import PASSWORD, make_user, valid_vin
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant
from dms.scheduling.models import Technician
from dms.workshop import services, services_floor
from dms.workshop.models import JobClock, LaborOperation, RepairOrder, State

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

PLATES = ["粤B12345", "粤B6K8M2", "粤BD23456", "粤B7Q9E1", "粤B3M5N8", "粤B88L66", "粤BF12890", "粤B0P2R4"]


@pytest.fixture
def floor(store, group, brand, sa, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path},
        },
    }
    from dms.customers.services import customer_create
    from dms.vehicles.services import vehicle_create

    people = {
        "sa": resolve_tenant(sa),
        "foreman": resolve_tenant(make_user("foreman1", store, Role.FOREMAN)),
        "qc": resolve_tenant(make_user("qc1", store, Role.QC_INSPECTOR)),
    }
    techs = {}
    for username, name, skills, level in [
        ("tech1", "李师傅", ["maintenance", "engine", "diagnosis"], Technician.Level.SENIOR),
        ("tech2", "王师傅", ["body", "paint"], Technician.Level.INTERMEDIATE),
        ("tech3", "陈师傅", ["maintenance", "electrical", "ev"], Technician.Level.JUNIOR),
    ]:
        user = make_user(username, store, Role.TECHNICIAN)
        user.display_name = name
        user.save()
        techs[username] = Technician.objects.create(store=store, user=user, skills=skills, level=level)
    people["tech"] = resolve_tenant(techs["tech1"].user)
    ops = {
        code: LaborOperation.objects.create(group=group, code=code, name=name, standard_hours=Decimal(h), skill=skill)
        for code, name, h, skill in [
            ("M10", "更换机油机滤", "0.8", "maintenance"), ("E20", "发动机故障诊断", "1.5", "diagnosis"),
            ("S30", "左前门钣金修复", "3.0", "body"), ("B20", "更换前刹车片", "1.2", "maintenance"),
        ]
    }  # fmt: skip
    orders = []
    sa_t = people["sa"]
    for i, plate in enumerate(PLATES):
        c = customer_create(tenant=sa_t, name=f"客户{i}", mobile=f"1381234{i:04d}").record
        v = vehicle_create(tenant=sa_t, owner_id=c.pk, vin=valid_vin(500 + i), plate=plate, brand_id=brand.pk,
                           model=["思域", "雅阁", "CR-V", "缤智"][i % 4], mileage_km=20000 + i * 1000).record  # fmt: skip
        op = [ops["M10"], ops["E20"], ops["S30"], ops["M10"], ops["B20"], ops["M10"], ops["E20"], ops["M10"]][
            i
        ]
        o = services.repair_order_create(
            tenant=sa_t, vehicle_id=v.pk, mileage_km=v.mileage_km, complaint=["常规保养", "发动机故障灯亮", "左前门凹陷",
            "保养，刹车有异响", "刹车异响", "保养", "怠速抖动", "保养"][i],
            promised_at=timezone.now() + timedelta(hours=[3, 4, 8, 0.5, 2, 5, 1, 6][i]),
        )  # fmt: skip
        services.line_add(tenant=sa_t, order_id=o.pk, kind="labor", labor_operation_id=op.pk)
        services.order_sign(tenant=sa_t, order_id=o.pk)
        orders.append(o)
    f = people["foreman"]
    # 0, 1, 2 wait for dispatch; 3 in work (tech1, clocked); 4 dispatched to tech3; 5 paused for parts (tech3);
    # 6 finished, waiting for QC; 7 dispatched to tech1
    services.order_dispatch(tenant=f, order_id=orders[3].pk, technician_id=techs["tech1"].pk)
    services.order_dispatch(tenant=f, order_id=orders[7].pk, technician_id=techs["tech1"].pk)
    services.order_dispatch(tenant=f, order_id=orders[4].pk, technician_id=techs["tech3"].pk)
    services.order_dispatch(tenant=f, order_id=orders[5].pk, technician_id=techs["tech3"].pk)
    services_floor.job_clock(tenant=f, order_id=orders[5].pk, action="on")
    services_floor.job_clock(
        tenant=f, order_id=orders[5].pk, action="pause", reason="parts", note="等机滤到货"
    )
    services.order_dispatch(tenant=f, order_id=orders[6].pk, technician_id=techs["tech1"].pk)
    services_floor.job_clock(tenant=f, order_id=orders[6].pk, action="on")
    services_floor.job_finish(tenant=f, order_id=orders[6].pk)
    # Late: the quick job promised half an hour from now, seen an hour later, is simulated by moving its promise.
    RepairOrder.objects.filter(pk=orders[3].pk).update(promised_at=timezone.now() - timedelta(minutes=20))
    return {"people": people, "techs": techs, "orders": orders, "ops": ops}


def login(page, username):
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("header.topbar")).to_be_visible()


def photo_file(tmp_path):
    path = tmp_path / "brake.jpg"
    img = Image.new("RGB", (640, 480), (120, 120, 120))
    img.paste((60, 60, 60), (200, 150, 440, 330))
    img.save(path, "JPEG")
    return path


def test_foreman_dispatches_and_reviews_on_the_tablet(tablet, shot, floor):
    page, orders, techs = tablet, floor["orders"], floor["techs"]
    login(page, "foreman1")
    page.goto("/floor/dispatch/")
    expect(page.locator("h1")).to_contain_text("派工看板")
    shot(page, "floor-01-dispatch-board")

    # The body-and-paint technician cannot take the engine diagnosis.
    card = page.locator("article.job", has_text=orders[1].number)
    card.get_by_label("技师").select_option(str(techs["tech2"].pk))
    card.get_by_role("button", name="派工").click()
    expect(page.locator("#dispatch-board .msg.error")).to_contain_text("不具备")
    shot(page, "floor-02-skill-mismatch", full_page=False)

    card = page.locator("article.job", has_text=orders[1].number)
    card.get_by_label("技师").select_option(str(techs["tech1"].pk))
    card.get_by_role("button", name="派工").click()
    expect(page.locator("#dispatch-board .msg.success")).to_contain_text("已派工给 李师傅")
    page.get_by_placeholder("发现的问题、作出的决定").fill("一台车等机滤到货，已通知配件")
    page.get_by_role("button", name="记录进度检查").click()
    expect(page.locator("#dispatch-board .msg.success")).to_contain_text("已记录")
    shot(page, "floor-03-dispatched-and-reviewed")
    assert RepairOrder.objects.get(pk=orders[1].pk).state == State.DISPATCHED


def test_technician_clocks_on_pauses_and_reports_a_finding_with_a_photo(tablet, shot, floor, tmp_path):
    page, orders = tablet, floor["orders"]
    login(page, "tech1")
    page.goto("/floor/my-jobs/")
    expect(page.locator("h1")).to_contain_text("我的作业")
    shot(page, "floor-04-my-jobs")

    job = page.locator(f"#job-{orders[7].pk}")
    job.get_by_role("button", name="开工").click()
    expect(page.locator(f"#job-{orders[7].pk} .chip.working")).to_be_visible()
    job = page.locator(f"#job-{orders[7].pk}")
    job.get_by_text("报告检查发现").click()
    job.locator("select[name=labor_operation_id]").select_option(str(floor["ops"]["B20"].pk))
    job.locator("textarea[name=note]").fill("前刹车片剩 2 mm，刹车盘有轻微划痕")
    job.locator("input[name=photo]").set_input_files(str(photo_file(tmp_path)))
    shot(page, "floor-05-finding-form")
    job.get_by_role("button", name="提交检查发现").click()
    expect(page.locator(".msg.success")).to_contain_text("报告检查发现")
    expect(page.locator(f"#job-{orders[7].pk} .thumbs img")).to_be_visible()
    expect(page.locator(f"#job-{orders[7].pk}")).to_contain_text("由服务顾问联系客户")
    shot(page, "floor-06-finding-reported")

    job = page.locator(f"#job-{orders[7].pk}")
    job.get_by_label("暂停原因").select_option("parts")
    job.get_by_role("button", name="暂停").click()
    expect(page.locator(f"#job-{orders[7].pk} .chip.paused")).to_contain_text("等待配件")
    shot(page, "floor-07-paused")
    assert JobClock.objects.filter(order_id=orders[7].pk, pause_reason="parts").exists()


def test_qc_inspector_sees_the_checklist(tablet, shot, floor):
    page = tablet
    login(page, "qc1")
    page.goto("/floor/qc/")
    expect(page.locator("h1")).to_contain_text("质检")
    expect(page.get_by_text("作业项目全部完成")).to_be_visible()
    shot(page, "floor-08-qc")


def test_the_wall_board_on_a_1920_screen(chromium, live_server, shot, floor):  # noqa: F811
    context = chromium.new_context(
        viewport={"width": 1920, "height": 1080}, locale="zh-CN", base_url=live_server.url
    )
    page = context.new_page()
    try:
        login(page, "foreman1")
        page.goto("/floor/board/")
        expect(page.locator(".wb-head h1")).to_contain_text("车间看板")
        expect(page.locator(".wb-card.late")).to_have_count(1)
        shot(page, "floor-09-wall-board", full_page=False)
    finally:
        context.close()
