"""The customer's progress page (进度查询): on a phone, no login, in Chinese; where the car is, when
it will be ready, who looks after it, and what was agreed — nothing internal, nothing of others."""

from datetime import timedelta

import pytest
from django.test import Client

from dms.portal import links
from dms.workshop import services

from .conftest import fresh


@pytest.fixture
def browser():
    return Client()


def page_of(browser, order, lang=""):
    r = browser.get(links.status_path(order) + (f"?lang={lang}" if lang else ""))
    assert r.status_code == 200
    return r.content.decode()


def test_the_page_names_the_store_the_car_the_order_and_the_advisor(order, browser):
    page = page_of(browser, order)

    assert "深圳一店" in page and 'href="tel:0755-88886666"' in page
    assert order.number in page and "粤B12345" in page and "东风本田 思域" in page
    assert "您的服务顾问" in page and "sa1" in page
    assert 'class="topbar"' not in page  # no staff menu, no login


def test_the_progress_line_shows_where_the_car_is(working, browser):
    page = page_of(browser, working)

    for label in ("接车", "派工", "维修", "质检", "待交车", "已交车"):
        assert label in page
    assert 'class="current" aria-current="step">维修' in page
    assert "您的爱车正在维修中" in page
    assert page.count('class="done"') == 2  # received and assigned


def test_awaiting_approval_is_shown_and_the_customer_is_sent_to_their_text(awaiting, browser):
    page = page_of(browser, awaiting)

    assert "等待您确认追加项目" in page
    assert "我们已通过短信向您发送确认链接" in page and "0755-88886666" in page
    # the progress link is printed on the order and shown to every role: it does not lead to the
    # decision (the approval link is the customer's, by text)
    assert "/c/a/" not in page
    # the proposals are not among the agreed items until the customer agrees
    agreed = page.split("您已同意的项目")[1]
    assert "更换前刹车片" not in agreed.split("建议日后处理")[0]


def test_without_extra_work_there_is_no_approval_button(working, browser):
    assert 'href="/c/a/' not in page_of(browser, working)


def test_the_promise_is_on_time_until_it_passes(order, browser, clock):
    page = page_of(browser, order)
    assert "5月4日 12:00" in page and "按时" in page

    clock.shift(timedelta(hours=3, minutes=1))  # 12:01, not ready
    assert "晚于承诺时间" in page_of(browser, order)


def test_the_agreed_items_show_without_internal_notes_or_other_orders(awaiting, browser, people):
    services.order_approve(
        tenant=people["sa"], order_id=awaiting.pk, method="phone", note="张先生电话同意刹车片，不换滤芯",
        decisions={awaiting.pads.pk: "approve", awaiting.filt.pk: "decline"},
    )  # fmt: skip

    page = page_of(browser, awaiting)

    assert "更换机油机滤" in page and "更换前刹车片" in page and "¥380.00" in page
    assert "¥620.00" in page  # what the customer pays so far: 240 + 380
    assert "建议日后处理" in page and "更换机油滤清器" in page  # declined: a recommendation
    # internal notes stay inside: the technician's and the advisor's
    assert "前刹车片剩余" not in page and "张先生电话同意" not in page and "做一次常规保养" not in page


def test_the_page_refreshes_itself_every_minute(order, browser):
    page = page_of(browser, order)

    assert 'hx-trigger="every 60s"' in page and 'hx-select="#status"' in page
    assert '<meta http-equiv="refresh" content="60">' in page  # without JavaScript


def test_a_cancelled_order_says_so(order, browser, people):
    services.order_cancel(tenant=people["sa"], order_id=order.pk, reason="客户改天再来")

    page = page_of(browser, order)

    assert "此委托书已取消" in page and "客户改天再来" not in page


def test_a_delivered_car_shows_every_step_done(order, people, tech, browser):
    sa, foreman, t, qc, cashier = (people[k] for k in ("sa", "foreman", "tech", "qc", "cashier"))
    services.order_dispatch(tenant=foreman, order_id=order.pk, technician_id=tech.pk)
    services.order_start(tenant=t, order_id=order.pk)
    services.order_finish(tenant=t, order_id=order.pk)
    services.order_qc_pass(tenant=qc, order_id=order.pk, checklist={"油位": True})
    services.order_settle(tenant=cashier, order_id=order.pk,
                          payments=[{"method": "wechat", "amount": f"{fresh(order).customer_total:.2f}"}])  # fmt: skip
    services.order_deliver(tenant=sa, order_id=order.pk, mileage_out=15001)

    page = page_of(browser, order)

    assert page.count('class="done"') == 6 and 'aria-current="step"' not in page
    assert "按时" in page  # ready before 12:00
    # What was paid at the cashier, no longer "so far".
    assert f'您已支付</span><span class="amount">¥{fresh(order).customer_total:,.2f}' in page
    assert "您需支付" not in page


def test_english_when_asked(order, browser):
    page = page_of(browser, order, lang="en")

    assert "Repair progress" in page and "Car received" in page and 'href="?lang=zh-hans"' in page


def test_the_page_reads_the_order_in_a_few_queries(awaiting, browser, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        page_of(browser, awaiting)
