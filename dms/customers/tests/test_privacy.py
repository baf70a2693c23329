"""Personal data on request (PIPL, issue 12): consent to a versioned notice, the export of
everything held about a customer, and erasure."""

import io
import json
import zipfile
from datetime import date

import pytest
from auditlog.models import LogEntry
from django.core.files.base import ContentFile

from conftest import ApiClient, make_user, valid_vin
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant
from dms.customers import privacy
from dms.customers.models import ConsentEvent, Customer, ErasureRecord, ExportRecord, NoticeText
from dms.customers.services import contact_log, customer_create, customer_update
from dms.messaging.models import Message
from dms.reception.models import CheckIn
from dms.vehicles.services import vehicle_create
from dms.workshop.models import RepairOrder
from dms.workshop.services import order_cancel, repair_order_create

MOBILE = "13912345678"


@pytest.fixture
def gm(store):
    """The general manager: may export, import, and erase (Perm.CUSTOMER_ERASE)."""
    return make_user("gm1", store, Role.GENERAL_MANAGER)


@pytest.fixture
def boss_api(gm):
    return ApiClient(gm)


def _msg(customer, store, body, key, state="sent"):
    return Message.objects.create(
        group=store.group, store=store, customer=customer, channel="sms", purpose="service", kind="test",
        body=body, address=customer.mobile, idempotency_key=key, state=state,
    )  # fmt: skip


@pytest.fixture
def li(tenant, brand, store, private_media):
    """李四, with everything a customer accumulates: contact data, consent, a contact, a vehicle,
    a (cancelled) repair order, a signed check-in, messages."""
    c = customer_create(
        tenant=tenant, name="李四", mobile=MOBILE, title="mr", wechat="wx_lisi", email="lisi@example.cn",
        address="福田区深南大道1号", birthday=date(1980, 5, 6), notes="只在下午联系", marketing_consent=True,
    ).record  # fmt: skip
    customer_update(tenant=tenant, customer_id=c.pk, version=c.version, wechat="wx_lisi_2")
    contact_log(tenant=tenant, customer_id=c.pk, kind="phone", summary="李四说下周来保养")
    v = vehicle_create(
        tenant=tenant, owner_id=c.pk, vin=valid_vin(77), plate="粤B77777", brand_id=brand.pk, model="雅阁",
        mileage_km=30000,
    ).record  # fmt: skip
    order = repair_order_create(tenant=tenant, vehicle_id=v.pk, mileage_km=30100, complaint="刹车异响")
    order_cancel(tenant=tenant, order_id=order.pk, reason="客户改期")
    ci = CheckIn.objects.create(
        store=store, vehicle=v, customer=c, created_by=tenant.user, repair_order=order
    )
    ci.signature.save("sig.png", ContentFile(b"\x89PNG li's hand"), save=True)
    _msg(c, store, "李四您好，您的车已修好", "m-li-1")
    _msg(c, store, "李四您好，明天保养提醒", "m-li-2", state="queued")
    c.refresh_from_db()
    return c


@pytest.fixture
def wang(tenant, brand, store):
    """Another customer of the same group: none of their records belongs in 李四's export."""
    c = customer_create(tenant=tenant, name="王五", mobile="13700000000", wechat="wx_wangwu").record
    contact_log(tenant=tenant, customer_id=c.pk, kind="phone", summary="王五投诉噪音")
    v = vehicle_create(
        tenant=tenant, owner_id=c.pk, vin=valid_vin(88), plate="粤B88888", brand_id=brand.pk, model="思域",
        mileage_km=5000,
    ).record  # fmt: skip
    repair_order_create(tenant=tenant, vehicle_id=v.pk, mileage_km=5100, complaint="王五的车异响")
    _msg(c, store, "王五您好", "m-wang-1")
    return c


# --- Notices and consent -----------------------------------------------------------------------


def test_a_consent_records_the_notice_in_force_with_its_text_hash(api, customer, sa):
    notices = api.get("/privacy-notices").json()
    assert {n["purpose"] for n in notices["items"]} == {"service", "marketing"}
    marketing = next(n for n in notices["items"] if n["purpose"] == "marketing")
    assert "撤回" in marketing["text"] and marketing["version"] == 1

    r = api.post(f"/customers/{customer.pk}/consent", {"granted": True, "how": "到店当面同意"})
    assert r.status_code == 200 and r.json()["marketing_consent"] is True
    event = ConsentEvent.objects.get(customer=customer)
    assert (event.purpose, event.notice_version, event.by) == ("marketing", 1, sa)
    assert event.notice_hash == privacy.text_hash(marketing["text"]) == marketing["text_hash"]
    assert api.get(f"/customers/{customer.pk}/consents").json()[0]["notice_version"] == 1


def test_a_new_notice_version_is_agreed_to_again_and_an_unknown_version_is_refused(
    api, customer, manager_tenant
):
    api.post(f"/customers/{customer.pk}/consent", {"granted": True})
    v2 = privacy.notice_add(tenant=manager_tenant, purpose="marketing", text="新版营销告知：……可随时撤回。")
    assert v2.version == 2
    assert api.get("/privacy-notices").json()["items"][1]["version"] == 2  # in force now

    r = api.post(f"/customers/{customer.pk}/consent", {"granted": True, "notice_version": 2})
    assert r.status_code == 200
    assert list(customer.consent_events.values_list("notice_version", flat=True)) == [2, 1]
    # the same answer to the same version again records nothing new
    api.post(f"/customers/{customer.pk}/consent", {"granted": True})
    assert customer.consent_events.count() == 2

    bad = api.post(f"/customers/{customer.pk}/consent", {"granted": True, "notice_version": 9})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "notice_version"


def test_a_manager_adds_a_notice_version_an_advisor_may_not(boss_api, api, outsider_api, customer):
    text = "个人信息处理告知（营销信息，2027版）……您可以随时撤回同意。"
    assert api.post("/privacy-notices", {"purpose": "marketing", "text": text}).status_code == 403
    r = boss_api.post("/privacy-notices", {"purpose": "marketing", "text": text})
    assert r.status_code == 201 and r.json()["version"] == 2
    assert r.json()["text_hash"] == privacy.text_hash(text)
    # the other group still has its own default, version 1
    theirs = outsider_api.get("/privacy-notices").json()["items"]
    assert {n["version"] for n in theirs} == {1} and text not in str(theirs)
    assert boss_api.post("/privacy-notices", {"purpose": "marketing", "text": ""}).status_code == 422


def test_the_service_notice_is_acknowledged_without_touching_marketing_consent(api, customer):
    r = api.post(
        f"/customers/{customer.pk}/consent", {"granted": True, "purpose": "service", "how": "签字确认"}
    )
    assert r.status_code == 200 and r.json()["marketing_consent"] is False
    event = customer.consent_events.get()
    assert (event.purpose, event.notice_version) == ("service", 1)
    assert NoticeText.objects.filter(group=customer.group, purpose="service").count() == 1


def test_consent_answers_422_for_a_purpose_it_does_not_know(api, customer):
    r = api.post(f"/customers/{customer.pk}/consent", {"granted": True, "purpose": "resale"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "purpose"


# --- Export --------------------------------------------------------------------------------------


def _export(client, customer):
    r = client.post(f"/customers/{customer.pk}/data-export")
    assert r.status_code == 200, r.content[:300]
    assert r["Content-Type"] == "application/zip"
    z = zipfile.ZipFile(io.BytesIO(b"".join(r.streaming_content)))
    return z, json.loads(z.read("data.json"))


def test_the_export_holds_everything_of_the_customer_and_nothing_of_another(boss_api, li, wang, gm):
    z, data = _export(boss_api, li)
    records = data["records"]
    text = json.dumps(data, ensure_ascii=False)
    # the customer record, consents, contacts, vehicle, repair order, check-in, messages, history
    assert records["customers.Customer"]["rows"][0]["wechat"] == "wx_lisi_2"
    assert records["customers.ConsentEvent"]["rows"][0]["notice_version"] == 1
    agreed = records["customers.NoticeText"]["rows"]  # the words agreed to
    assert [n["purpose"] for n in agreed] == ["marketing"] and "撤回" in agreed[0]["text"]
    assert records["customers.CustomerContact"]["rows"][0]["summary"] == "李四说下周来保养"
    assert records["vehicles.Vehicle"]["rows"][0]["plate"] == "粤B77777"
    assert records["workshop.RepairOrder"]["rows"][0]["complaint"] == "刹车异响"
    assert "workshop.RepairOrderEvent" in records  # the order's own children come along
    bodies = {m["body"] for m in records["messaging.Message"]["rows"]}
    assert {"李四您好，您的车已修好", "李四您好，明天保养提醒"} <= bodies
    assert "wx_lisi" in str(data["history"])  # the change of WeChat id
    assert records["customers.Customer"]["fields"]["mobile"] == "手机"  # labelled in Chinese
    # the signature is attached
    signature = records["reception.CheckIn"]["rows"][0]["signature"]
    assert z.read(signature) == b"\x89PNG li's hand"
    assert "说明.txt" in z.namelist()
    for other in ("王五", "13700000000", "wx_wangwu", "粤B88888", "王五的车异响"):
        assert other not in text, other
    record = ExportRecord.objects.get(what="subject_access")
    assert (record.user, record.customer_count, record.query) == (gm, 1, f"customer {li.pk}")
    assert record.row_count >= 8


def test_an_advisor_may_not_export_and_another_group_gets_404(api, outsider_api, li):
    assert api.post(f"/customers/{li.pk}/data-export").status_code == 403
    assert outsider_api.post(f"/customers/{li.pk}/data-export").status_code == 404
    assert not ExportRecord.objects.exists()


def test_a_customer_manager_may_export(store, li):
    cm = make_user("cm1", store, Role.CUSTOMER_MANAGER)
    _z, data = _export(ApiClient(cm), li)
    assert data["customer_id"] == li.pk


# --- Erasure -------------------------------------------------------------------------------------


def test_erasure_anonymises_the_person_and_keeps_the_orders(
    boss_api, li, wang, gm, private_media, django_capture_on_commit_callbacks
):
    order = RepairOrder.objects.get(customer=li)
    signature = CheckIn.objects.get(customer=li).signature.name
    assert (private_media / signature).exists()

    with django_capture_on_commit_callbacks(execute=True):  # the files go once the erasure commits
        r = boss_api.post(f"/customers/{li.pk}/erase", {"reason": "客户2026-12-01书面申请删除"})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["name"].startswith("已删除客户 ") and body["by"] == "gm1"

    li.refresh_from_db()
    assert li.name == body["name"]
    for f in ("mobile", "phone2", "wechat", "email", "address", "notes", "name_pinyin", "name_initials",
              "mobile_tail"):  # fmt: skip
        assert getattr(li, f) == "", f
    assert li.birthday is None and li.marketing_consent is False
    assert li.contacts.get().summary == ""
    # the order stays, pointing at the anonymised customer; its record is untouched
    order.refresh_from_db()
    assert order.customer_id == li.pk and order.complaint == "刹车异响" and order.state == "cancelled"
    # messages: no address, no words; the queued one is withheld
    msgs = Message.objects.filter(customer=li)
    assert set(msgs.values_list("address", flat=True)) == {""}
    assert set(msgs.values_list("body", flat=True)) == {"[已删除]"}
    assert msgs.get(idempotency_key="m-li-2").state == "suppressed"
    # the signature is gone from storage and from the check-in
    assert CheckIn.objects.get(customer=li).signature.name == ""
    assert not (private_media / signature).exists()
    # the audit diffs of the customer no longer hold the data
    entries = str(list(LogEntry.objects.values_list("changes", "object_repr", "serialized_data")))
    for secret in ("李四", MOBILE, "wx_lisi", "lisi@example.cn", "福田区", "只在下午"):
        assert secret not in entries, secret
    # the other customer is untouched
    wang.refresh_from_db()
    assert (wang.name, wang.wechat) == ("王五", "wx_wangwu")
    assert Message.objects.get(customer=wang, idempotency_key="m-wang-1").body == "王五您好"
    # recorded: who, when, why; without the erased data
    record = ErasureRecord.objects.get(customer=li)
    assert (record.user, record.reason) == (gm, "客户2026-12-01书面申请删除")
    listed = boss_api.get("/erasures").json()
    assert listed["count"] == 1 and listed["items"][0]["customer_id"] == li.pk
    assert listed["items"][0]["store"] == "SZ01" and "李四" not in str(listed)
    assert "李四" not in str(record.counts) and record.counts["messaging.Message"] >= 2


def test_after_erasure_the_old_name_and_mobile_find_nothing(boss_api, api, li):
    assert api.get("/customers", {"q": "李四"}).json()["count"] == 1
    assert boss_api.post(f"/customers/{li.pk}/erase", {"reason": "客户申请"}).status_code == 200
    for q in ("李四", "lisi", "ls", MOBILE, "5678", "四"):
        assert api.get("/customers", {"q": q}).json()["count"] == 0, q


def test_erasing_a_customer_with_an_open_repair_order_is_409(boss_api, li, tenant):
    v = li.vehicles.get()
    open_order = repair_order_create(tenant=tenant, vehicle_id=v.pk, mileage_km=30200, complaint="漏油")
    r = boss_api.post(f"/customers/{li.pk}/erase", {"reason": "客户申请"})
    assert r.status_code == 409 and open_order.number in r.json()["detail"]
    li.refresh_from_db()
    assert li.name == "李四" and not ErasureRecord.objects.exists()


def test_erasure_is_once_and_needs_a_reason(boss_api, li):
    assert boss_api.post(f"/customers/{li.pk}/erase", {"reason": ""}).status_code == 422
    assert boss_api.post(f"/customers/{li.pk}/erase", {"reason": "  "}).status_code == 400
    assert boss_api.post(f"/customers/{li.pk}/erase", {"reason": "客户申请"}).status_code == 200
    again = boss_api.post(f"/customers/{li.pk}/erase", {"reason": "客户申请"})
    assert again.status_code == 409
    # the erased file takes no new personal data: a returning customer gets a new file
    li.refresh_from_db()
    patch = boss_api.patch(f"/customers/{li.pk}", {"version": li.version, "name": "李四"})
    assert patch.status_code == 409 and "新" in patch.json()["detail"]
    assert boss_api.post(f"/customers/{li.pk}/consent", {"granted": True}).status_code == 409


@pytest.mark.parametrize(
    "role",
    [
        Role.SERVICE_ADVISOR,
        Role.CUSTOMER_MANAGER,
        Role.CUSTOMER_CARE,
        Role.SERVICE_MANAGER,
        Role.SHOWROOM_MANAGER,
    ],
)
def test_only_the_general_manager_and_administrators_may_erase(store, li, role):
    # Managers export and import; erasing a person is the store's own decision, its head's.
    user = make_user(f"u_{role}", store, role)
    assert ApiClient(user).post(f"/customers/{li.pk}/erase", {"reason": "客户申请"}).status_code == 403
    if role == Role.SERVICE_ADVISOR:
        assert ApiClient(user).get("/erasures").status_code == 403
    assert Customer.objects.get(pk=li.pk).name == "李四"


def test_another_group_cannot_erase_404(outsider_store_manager_api, li):
    r = outsider_store_manager_api.post(f"/customers/{li.pk}/erase", {"reason": "客户申请"})
    assert r.status_code == 404
    assert Customer.objects.get(pk=li.pk).name == "李四"


@pytest.fixture
def outsider_store_manager_api(other_group_store):
    return ApiClient(make_user("gm9", other_group_store, Role.GENERAL_MANAGER))


def test_the_erasure_service_checks_the_permission_whatever_calls_it(store, li):
    tenant = resolve_tenant(make_user("sa2", store, Role.SERVICE_ADVISOR))
    from dms.core.errors import Forbidden

    with pytest.raises(Forbidden):
        privacy.erase(tenant=tenant, customer_id=li.pk, reason="x")


def test_an_open_lead_blocks_erasure_and_a_closed_ones_name_and_mobile_go(boss_api, li, store):
    from dms.sales.models import Lead
    from dms.sales.services import lead_create

    lead, _created = lead_create(
        tenant=resolve_tenant(make_user("sales1", store, Role.SALES_CONSULTANT)),
        name="李四",
        mobile=MOBILE,
        source="walk_in",
        note="想换SUV",
    )
    assert lead.customer_id == li.pk
    r = boss_api.post(f"/customers/{li.pk}/erase", {"reason": "客户申请"})
    assert r.status_code == 409

    Lead.objects.filter(pk=lead.pk).update(state="lost")
    assert boss_api.post(f"/customers/{li.pk}/erase", {"reason": "客户申请"}).status_code == 200
    lead.refresh_from_db()
    assert (lead.mobile, lead.note) == ("", "") and lead.name.startswith("已删除客户")


def test_the_walk_finds_every_app_s_records_of_a_customer():
    # Found from the models, not listed: a new app's model with a key to Customer comes along.
    direct = {m._meta.label for m, _fks in privacy.direct_models()}
    assert {
        "customers.ConsentEvent", "customers.CustomerContact", "vehicles.Vehicle", "scheduling.Appointment",
        "workshop.RepairOrder", "reception.CheckIn", "messaging.Message", "followups.FollowUp",
        "satisfaction.Complaint", "satisfaction.SurveyResponse", "sales.Lead", "sales.SalesOrder",
    } <= direct  # fmt: skip
    children = {
        m._meta.label for m, _fk, _parent in privacy.child_models([m for m, _ in privacy.direct_models()])
    }
    assert {"workshop.RepairOrderLine", "workshop.Payment", "vehicles.MileageReading", "satisfaction.Answer",
            "reception.CheckInPhoto", "sales.TestDrive"} <= children  # fmt: skip
    # a lead this customer referred is someone else's: found by its `customer` only
    from dms.sales.models import Lead

    lead_keys = dict(privacy.direct_models())[Lead]
    assert [f.name for f in lead_keys] == ["customer"]


# --- Where the customer is named without a key to them ---------------------------------------------


@pytest.fixture
def hook(store):
    """A webhook subscription of the group, there before 李四's records: each of their events has a
    delivery."""
    from dms.messaging.models import WebhookSubscription

    return WebhookSubscription.objects.create(
        group=store.group, url="https://erp.example.cn/hook", events=["*"], secret="s" * 32
    )


@pytest.fixture
def quoted(li, wang, store, tenant):
    """Where 李四 is quoted outside their records: two rows of an import's error list (beside one of
    王五's), and a text to 王五's file carrying their mobile."""
    from dms.customers.models import ImportJob

    job = ImportJob.objects.create(
        group=store.group, store=store, user=tenant.user, filename="客户导入.xlsx", status="done", error_rows=3,
        errors=[
            {"row": 2, "column": "手机", "field": "mobile", "message": f"{MOBILE}1 不是有效的手机号码"},
            {"row": 3, "column": "车架号", "field": "vin", "message": "该车架号已在档案中（粤B77777，车主 李四）"},
            {"row": 4, "column": "手机", "field": "mobile", "message": "王五 的手机号 1370000000 位数不对"},
        ],
    )  # fmt: skip
    text = _msg(wang, store, f"王五您好，李四（{MOBILE}）已委托您取车", "m-wang-2")
    return job, text


def test_the_export_lists_the_event_log_the_deliveries_and_the_rows_quoting_them(
    hook, li, wang, quoted, boss_api
):
    _z, data = _export(boss_api, li)
    records = data["records"]

    events = records["core.Event"]["rows"]
    cancelled = next(e for e in events if e["type"] == "repair_order.cancelled")
    assert cancelled["payload"]["reason"] == "客户改期"
    assert {e["id"] for e in events} == {d["event"] for d in records["messaging.WebhookDelivery"]["rows"]}
    assert all(e["payload"].get("customer_id") != wang.pk for e in events)  # none of 王五's

    errors = records["customers.ImportJob#quoting"]["rows"][0]["errors"]
    assert [e["row"] for e in errors] == [2, 3]  # not row 4, 王五's
    texts = records["messaging.Message#quoting"]["rows"]
    assert [t["body"] for t in texts] == [f"王五您好，李四（{MOBILE}）已委托您取车"]
    assert "提及您的其他记录" in records["messaging.Message#quoting"]["label"]


def test_erasure_scrubs_the_event_log_the_import_errors_and_texts_to_others_and_keeps_the_rows(
    hook, li, wang, quoted, boss_api
):
    from dms.core.models import Event
    from dms.messaging.models import WebhookDelivery
    from dms.messaging.webhooks import body_of

    job, text = quoted
    cancelled = Event.objects.get(
        type="repair_order.cancelled", subject_id=RepairOrder.objects.get(customer=li).pk
    )
    deliveries = WebhookDelivery.objects.count()
    wang_events = list(
        Event.objects.exclude(pk=cancelled.pk).filter(payload__customer_id=wang.pk).values("payload")
    )
    assert deliveries and wang_events

    r = boss_api.post(f"/customers/{li.pk}/erase", {"reason": "客户申请"})
    assert r.status_code == 200, r.json()

    # the event stays, with its facts; the free text about the person goes: so does it from the body
    # every delivery of it sends (the delivery rows stay)
    cancelled.refresh_from_db()
    assert cancelled.payload["reason"] == "[已删除]" and cancelled.payload["to_state"] == "cancelled"
    assert WebhookDelivery.objects.count() == deliveries + 1  # and customer.erased's own
    for delivery in WebhookDelivery.objects.select_related("event", "event__store"):
        body = body_of(delivery).decode()
        assert "李四" not in body and MOBILE not in body and "客户改期" not in body
    assert list(Event.objects.filter(payload__customer_id=wang.pk).values("payload")) == wang_events

    # the import keeps its counts and 王五's error; 李四's are scrubbed
    job.refresh_from_db()
    assert job.error_rows == 3 and [e["row"] for e in job.errors] == [2, 3, 4]
    assert "李四" not in str(job.errors) and MOBILE not in str(job.errors)
    assert job.errors[1]["message"] == "该车架号已在档案中（粤B77777，车主 [已删除]）"
    assert job.errors[2]["message"] == "王五 的手机号 1370000000 位数不对"

    # the text to 王五 stays 王五's, without 李四
    text.refresh_from_db()
    assert text.body == "王五您好，[已删除]（[已删除]）已委托您取车" and text.customer_id == wang.pk
    assert Message.objects.get(idempotency_key="m-wang-1").body == "王五您好"

    counts = ErasureRecord.objects.get(customer=li).counts
    assert counts["core.Event"] >= 1 and counts["customers.ImportJob#quoting"] == 1
    assert counts["messaging.Message#quoting"] == 1
