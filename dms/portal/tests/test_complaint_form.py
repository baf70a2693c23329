"""The store's public complaint form (/c/complaint/<store code>/): a phone-friendly page in Chinese,
no sign-in; a complaint sent opens a case with source `web` owned by customer care, the customer
found by mobile (or a file opened), their agreement to the privacy notice recorded; bad input is
answered field by field and writes nothing; complaints sent are limited per address and per mobile
(a form sent back with errors counts nothing)."""

import pytest
from django.test import Client

from dms.core.models import Event
from dms.customers.models import ConsentEvent, Customer
from dms.satisfaction.models import Complaint

URL = "/c/complaint/SZ01/"


def form(**changes) -> dict:
    data = {
        "name": "李四", "mobile": "13900001111", "plate": "", "category": "waiting",
        "description": "约好下午三点交车，等到五点还没好，也没人通知我。", "consent": "on",
    }  # fmt: skip
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def browser(store_phone) -> Client:
    return Client(REMOTE_ADDR="203.0.113.7", HTTP_ACCEPT_LANGUAGE="zh-hans")


def test_the_page_is_in_chinese_with_the_privacy_notice_and_is_not_indexed(browser):
    r = browser.get(URL)

    page = r.content.decode()
    assert r.status_code == 200
    assert "深圳一店" in page and "投诉" in page and "个人信息处理告知" in page
    assert 'name="consent"' in page and "tel:0755-88886666" in page
    assert r["X-Robots-Tag"] == "noindex, nofollow" and "no-cache" in r["Cache-Control"]


def test_a_complaint_from_someone_new_opens_a_web_case_for_customer_care(browser, care):
    r = browser.post(URL, form())

    assert r.status_code == 302 and r["Location"] == URL + "?sent=1"
    case = Complaint.objects.get()
    assert (case.source, case.severity, case.category, case.owner) == ("web", "medium", "waiting", care)
    assert case.opened_by is None and "等到五点" in case.description
    customer = case.customer
    assert (customer.name, customer.mobile, customer.source, customer.home_store.code) == (
        "李四",
        "13900001111",
        "web",
        "SZ01",
    )
    consent = ConsentEvent.objects.get(customer=customer)
    assert (consent.purpose, consent.granted, consent.by) == ("service", True, None)
    assert Event.objects.filter(type="complaint.opened", subject_id=case.pk).exists()
    thanks = browser.get(r["Location"]).content.decode()
    assert "8" in thanks and "小时" in thanks  # a medium case is acknowledged within 8 hours


def test_a_known_customer_is_found_by_mobile_and_the_plate_links_their_order(browser, order, care):
    before = Customer.objects.count()

    browser.post(URL, form(name="张三丰", mobile="138 1234 5678", plate="粤b12345", category="price"))

    case = Complaint.objects.get()
    assert Customer.objects.count() == before
    assert case.customer_id == order.customer_id and case.repair_order_id == order.pk
    assert Customer.objects.get(pk=order.customer_id).name == "张三"  # the form changes nobody's file


def test_a_plate_that_is_not_the_customers_is_kept_in_the_words_only(browser, order, care):
    browser.post(URL, form(plate="粤B99999"))

    case = Complaint.objects.get()
    assert case.repair_order_id is None and "粤B99999" in case.description


def test_bad_input_is_answered_field_by_field_and_writes_nothing(browser):
    r = browser.post(URL, form(name="", mobile="12345", category="nonsense", description="  ", consent=None))

    page = r.content.decode()
    assert r.status_code == 400
    for sentence in ("请输入您的姓名", "12345", "请选择投诉内容", "请告诉我们发生了什么", "请勾选"):
        assert sentence in page, sentence
    assert not Complaint.objects.exists() and not Customer.objects.exists()


def test_an_unknown_store_has_no_form(browser):
    assert browser.get("/c/complaint/NOPE/").status_code == 404


def test_too_many_complaints_from_one_address_are_refused_with_the_stores_phone(browser, care):
    for i in range(5):
        browser.post(URL, form(mobile=f"1390000{i:04d}"))

    r = browser.post(URL, form(mobile="13900009999"))

    assert r.status_code == 429 and "0755-88886666" in r.content.decode()
    assert Complaint.objects.count() == 5


def test_a_customer_who_gets_fields_wrong_many_times_can_still_send(browser, care):
    for _ in range(8):
        assert browser.post(URL, form(mobile="12345", consent=None)).status_code == 400

    r = browser.post(URL, form())

    assert r.status_code == 302 and Complaint.objects.count() == 1


def test_a_forwarded_for_header_the_client_wrote_does_not_reset_the_count(store_phone, care):
    for i in range(5):
        Client(REMOTE_ADDR="203.0.113.8", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").post(
            URL, form(mobile=f"1390000{i:04d}")
        )

    r = Client(REMOTE_ADDR="203.0.113.8", HTTP_X_FORWARDED_FOR="198.51.100.99").post(
        URL, form(mobile="13900009999")
    )

    assert r.status_code == 429


def test_too_many_complaints_for_one_mobile_are_refused_from_any_address(store_phone, care):
    for i in range(5):
        Client(REMOTE_ADDR=f"198.51.100.{i}").post(URL, form())

    r = Client(REMOTE_ADDR="198.51.100.200").post(URL, form())

    assert r.status_code == 429 and Complaint.objects.count() == 5


def test_the_page_in_english_on_request(browser):
    page = browser.get(URL + "?lang=en").content.decode()

    assert "Tell us what went wrong" in page and "Send the complaint" in page
