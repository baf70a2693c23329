"""The customer decides on the extra work on their link: each item agreed or declined, recorded
on the order as the customer's own decision; a stale page or a second submit loses nothing."""

from decimal import Decimal

import pytest
from django.test import Client

from dms.core.errors import Forbidden
from dms.portal import links
from dms.workshop import services
from dms.workshop.models import LineState, RepairOrderEvent, RepairOrderLine, State

from .conftest import fresh


@pytest.fixture
def browser():
    return Client(REMOTE_ADDR="203.0.113.7")


def decide(browser, order, version=None, **choices):
    data = {f"decision_{line.pk}": verdict for line, verdict in choices.values()}
    data["version"] = str(version if version is not None else order.version)
    return browser.post(links.approval_path(order), data)


def test_the_page_lists_the_proposed_items_with_amounts_notes_and_a_total(awaiting, browser):
    page = browser.get(links.approval_path(awaiting)).content.decode()

    assert "追加项目" in page or "Extra work" in page
    assert "更换前刹车片" in page and "¥380.00" in page
    assert "前刹车片剩余 2 mm，低于安全标准" in page  # the technician's note explains the item
    assert "¥448.00" in page  # 380.00 + 68.00: all extra items
    assert "¥240.00" in page  # agreed before: the oil change
    assert page.count('value="approve"') == 2 and page.count('value="decline"') == 2
    assert f'name="version" value="{awaiting.version}"' in page


def test_agreeing_to_one_and_declining_the_other_reaches_the_order(awaiting, browser):

    r = decide(browser, awaiting, a=(awaiting.pads, "approve"), b=(awaiting.filt, "decline"))

    # then the customer sees thanks (after a redirect, so a reload does not post again)
    assert r.status_code == 302 and r["Location"].endswith("?done=1")
    thanks = browser.get(r["Location"]).content.decode()
    assert "您的决定已记录" in thanks and "更换前刹车片" in thanks
    # and the order goes on with the agreed item counted, the declined one kept as a recommendation
    o = fresh(awaiting)
    assert o.state == State.IN_PROGRESS
    assert RepairOrderLine.objects.get(pk=awaiting.pads.pk).state == LineState.APPROVED
    declined = RepairOrderLine.objects.get(pk=awaiting.filt.pk)
    assert declined.state == LineState.DECLINED and declined.approved_by_method == "link"
    assert o.customer_total == Decimal("240.00") + Decimal("380.00")  # the oil change and the pads


def test_the_decision_is_recorded_as_the_customers_own_with_their_ip(awaiting, browser):
    decide(browser, awaiting, a=(awaiting.pads, "approve"), b=(awaiting.filt, "approve"))

    event = RepairOrderEvent.objects.filter(order=awaiting, action="approve").get()
    assert event.by is None
    assert event.data["method"] == "link" and event.data["by_customer"] is True
    assert event.data["via"] == "customer via link" and event.data["ip"] == "203.0.113.7"
    assert event.from_state == State.AWAITING_APPROVAL and event.to_state == State.IN_PROGRESS


def test_an_item_left_undecided_is_refused_and_nothing_changes(awaiting, browser):
    r = decide(browser, awaiting, a=(awaiting.pads, "approve"))

    assert r.status_code == 400
    assert "请对每个项目选择同意或暂不" in r.content.decode()
    assert fresh(awaiting).state == State.AWAITING_APPROVAL
    # the choice made is kept on the page
    assert (
        f'id="yes-{awaiting.pads.pk}" name="decision_{awaiting.pads.pk}" value="approve" required checked'
        in r.content.decode()
    )


def test_a_made_up_verdict_is_refused(awaiting, browser):
    r = decide(browser, awaiting, a=(awaiting.pads, "approve"), b=(awaiting.filt, "maybe"))

    assert r.status_code == 400
    assert fresh(awaiting).state == State.AWAITING_APPROVAL


def test_a_second_submit_changes_nothing_and_says_the_decision_is_recorded(awaiting, browser):
    decide(browser, awaiting, a=(awaiting.pads, "approve"), b=(awaiting.filt, "decline"))
    after_first = fresh(awaiting)

    # when the same form is sent again (double tap, or the back button)
    r = decide(browser, awaiting, a=(awaiting.pads, "decline"), b=(awaiting.filt, "approve"))

    assert r.status_code == 409
    assert "您的决定此前已记录，未做任何更改" in r.content.decode()
    o = fresh(awaiting)
    assert o.version == after_first.version and o.customer_total == after_first.customer_total
    assert RepairOrderLine.objects.get(pk=awaiting.pads.pk).state == LineState.APPROVED
    assert RepairOrderEvent.objects.filter(order=awaiting, action="approve").count() == 1


def test_a_stale_page_shows_the_new_item_and_keeps_the_choices_made(awaiting, browser, people):
    # given the customer has the page open, and meanwhile the technician proposes one more item
    seen = awaiting.version
    wipers = _propose_while_awaiting(awaiting, people)

    # when the customer sends the page they had
    r = decide(browser, awaiting, version=seen, a=(awaiting.pads, "approve"), b=(awaiting.filt, "decline"))

    # then nothing is decided; the page shows all three items, with the two choices kept
    assert r.status_code == 409
    page = r.content.decode()
    assert "您查看期间项目有变化，请重新确认" in page
    assert "更换雨刮片" in page
    assert f'id="no-{awaiting.filt.pk}" name="decision_{awaiting.filt.pk}" value="decline" checked' in page
    assert fresh(awaiting).state == State.AWAITING_APPROVAL
    assert RepairOrderLine.objects.get(pk=wipers.pk).state == LineState.PROPOSED


def _propose_while_awaiting(order, people):
    """Lines can be added while the order awaits approval (the workshop allows it)."""
    return services.line_add(
        tenant=people["sa"], order_id=order.pk, kind="labor", description="更换雨刮片", quantity="0.2",
        unit_price="300.00",
    )  # fmt: skip


def test_when_the_advisor_already_recorded_it_by_phone_the_page_says_so(awaiting, browser, people):
    services.order_approve(tenant=people["sa"], order_id=awaiting.pk, method="phone", note="张先生电话同意")

    page = browser.get(links.approval_path(awaiting)).content.decode()

    assert "暂无需要您确认的项目" in page
    assert "由服务顾问记录" in page
    assert 'name="decision_' not in page


def test_the_staff_path_is_unchanged_and_names_the_advisor(awaiting, people, sa):
    services.order_approve(tenant=people["sa"], order_id=awaiting.pk, method="in_person", approver="张三本人")

    event = RepairOrderEvent.objects.filter(order=awaiting, action="approve").get()
    assert event.by == sa and event.data["approver"] == "张三本人" and "by_customer" not in event.data


def test_staff_still_need_their_own_permission(awaiting, people):
    with pytest.raises(Forbidden):
        services.order_approve(tenant=people["tech"], order_id=awaiting.pk, method="in_person")
    with pytest.raises(Forbidden):
        services.order_approve(order_id=awaiting.pk, method="link")  # no tenant and not the customer


def test_before_any_extra_work_the_page_says_nothing_awaits(working, browser):
    r = browser.get(links.approval_path(working))

    assert r.status_code == 200
    assert "暂无需要您确认的项目" in r.content.decode()


def test_the_page_speaks_english_when_asked(awaiting, browser):
    page = browser.get(links.approval_path(awaiting) + "?lang=en").content.decode()

    assert "Extra work for your decision" in page and "Agree" in page
