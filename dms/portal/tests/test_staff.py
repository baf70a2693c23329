"""The SA's side: the customer's links on the order page (copy, QR code, send by SMS), the texts
sent, and announcing a delay. These pages live under /c/staff/, which the page walk skips: they
are walked here as an outsider."""

import pytest
from django.template import Context, Template
from django.test import Client, RequestFactory

from conftest import make_user
from dms.core.roles import Role
from dms.core.tenancy import resolve_tenant
from dms.messaging import outbox
from dms.messaging.models import Message
from dms.portal.models import PromiseChange

from .conftest import fresh


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    """Links start with DMS_PUBLIC_BASE_URL, not the host the SA's page came from."""
    settings.DMS_PUBLIC_BASE_URL = "http://127.0.0.1:8000"


def panel(order, tenant) -> str:
    request = RequestFactory().get("/")
    request.tenant = tenant
    return Template('{% include "portal/_order_links.html" %}').render(
        Context({"order": order, "request": request})
    )


def messages_panel(order, tenant) -> str:
    """The order's texts: the portal's second card on the order page (messaging's timeline)."""
    request = RequestFactory().get("/")
    request.tenant = tenant
    return Template('{% include "portal/_order_messages.html" %}').render(
        Context({"order": order, "request": request})
    )


def test_the_panel_shows_the_status_link_with_copy_and_qr(order, people):
    html = panel(order, people["sa"])

    assert "客户链接" in html and "http://127.0.0.1:8000/c/s/" in html
    assert 'data-copy="http://127.0.0.1:8000/c/s/' in html and "复制链接" in html
    assert "<svg" in html and 'class="qr"' in html
    assert "短信发送" in html and f'action="/c/staff/{order.pk}/send/"' in html
    assert "/c/a/" not in html  # no approval link while nothing awaits


def test_while_extra_work_awaits_the_panel_offers_the_approval_link(awaiting, people):
    html = panel(awaiting, people["sa"])

    assert "http://127.0.0.1:8000/c/a/" in html and "24 小时内有效" in html
    assert html.count('class="qr"') == 2


def test_the_order_page_lists_the_texts_with_their_status_masked_for_roles_without_contact_rights(
    order, people, client, sa
):
    client.force_login(sa)
    client.post(f"/c/staff/{order.pk}/send/", {"kind": "status"})

    queued = messages_panel(order, people["sa"])
    assert queued.count("待发送") == 2 and "已在我店接车" in queued  # opened, and sent again
    outbox.run()
    for_sa, for_tech = messages_panel(order, people["sa"]), messages_panel(order, people["tech"])

    assert "13812345678" in for_sa and "已发送" in for_sa and "仅记录：未实际发送" in for_sa  # no provider
    assert "138****5678" in for_tech and "13812345678" not in for_tech
    links_for_tech = panel(order, people["tech"])
    assert (
        "短信发送" not in links_for_tech and "通知延时交车" not in links_for_tech
    )  # not the technician's to do
    assert client.get(f"/orders/{order.pk}/").content.decode().count("已在我店接车") == 2  # on the order page


def test_a_text_withheld_shows_why_on_the_order_page(order, people):
    from dms.messaging.models import Recipient

    Recipient.objects.create(customer=order.customer, opted_out=True)
    assert "未发送" not in messages_panel(order, people["sa"])
    from dms.portal import notify

    notify.notify_status_link(fresh(order), again=True)

    html = messages_panel(order, people["sa"])
    assert "未发送" in html and "客户已退订全部消息。" in html


def test_send_by_sms_from_the_order_page(order, client, sa):
    client.force_login(sa)

    r = client.post(f"/c/staff/{order.pk}/send/", {"kind": "status"})

    assert r.status_code == 302 and r["Location"] == f"/orders/{order.pk}/"
    m = Message.objects.filter(subject_id=order.pk).first()  # the newest
    assert m.kind == "status_link" and m.by == sa and m.state == "queued"
    assert Message.objects.filter(subject_id=order.pk).count() == 2  # the one when opened, and this


def test_send_by_sms_with_htmx_answers_the_panel_again(order, client, sa):
    client.force_login(sa)

    r = client.post(f"/c/staff/{order.pk}/send/", {"kind": "status"}, HTTP_HX_REQUEST="true")

    assert r.status_code == 200
    html = r.content.decode()
    assert 'id="customer-links"' in html and "发往 13812345678 的短信已加入发送队列" in html
    # the order's texts swapped out of band: the new one is there
    assert 'id="order-messages" hx-swap-oob="true"' in html and html.count("待发送") == 2


def test_the_approval_link_cannot_be_sent_before_approval_is_asked(order, client, sa):
    client.force_login(sa)

    r = client.post(f"/c/staff/{order.pk}/send/", {"kind": "approval"}, HTTP_HX_REQUEST="true")

    assert r.status_code == 400 and "请先发起追加确认" in r.content.decode()
    assert not Message.objects.filter(kind="approval_link").exists()


def test_announce_a_delay_from_the_order_page(order, client, sa, django_capture_on_commit_callbacks):
    client.force_login(sa)

    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(
            f"/c/staff/{order.pk}/delay/", {"new_promised_at": "2026-05-04T17:00", "reason": "等配件"}
        )

    assert r.status_code == 302
    assert PromiseChange.objects.get(order=order).reason == "等配件"
    assert "等配件" in Message.objects.get(subject_id=order.pk, kind="delay").body


def test_a_delay_without_a_reason_is_refused_with_the_reason(order, client, sa):
    client.force_login(sa)

    r = client.post(f"/c/staff/{order.pk}/delay/", {"new_promised_at": "not a time", "reason": ""},
                    HTTP_HX_REQUEST="true")  # fmt: skip

    assert r.status_code == 400
    assert "请输入新的日期和时间" in r.content.decode() and "请用客户听得懂的话说明原因" in r.content.decode()
    assert not PromiseChange.objects.exists()


def test_a_technician_may_not_text_the_customer(order, client, tech_user):
    client.force_login(tech_user)

    assert client.post(f"/c/staff/{order.pk}/send/", {"kind": "status"}).status_code == 403
    assert (
        client.post(
            f"/c/staff/{order.pk}/delay/", {"new_promised_at": "2026-05-04T17:00", "reason": "x"}
        ).status_code
        == 403
    )
    assert Message.objects.count() == 1  # only the one when the order was opened


@pytest.mark.parametrize("action", ["send", "delay"])
def test_an_outsider_gets_404_and_changes_nothing(order, outsider_client, action):
    version = fresh(order).version
    url = f"/c/staff/{order.pk}/{action}/"

    assert (
        outsider_client.post(
            url, {"kind": "status", "new_promised_at": "2026-05-04T17:00", "reason": "x"}
        ).status_code
        == 404
    )
    assert outsider_client.get(url).status_code == 405
    assert outsider_client.post(f"/c/staff/1/{action}/", {"kind": "status"}).status_code == 404
    assert Message.objects.count() == 1 and not PromiseChange.objects.exists()  # the opening's only
    assert fresh(order).version == version


def test_another_store_of_the_group_gets_404_too(order, second_store):
    other = make_user("sa-sz02", second_store, Role.SERVICE_ADVISOR)
    resolve_tenant(other)
    c = Client()
    c.force_login(other)

    assert c.post(f"/c/staff/{order.pk}/send/", {"kind": "status"}).status_code == 404


def test_signed_out_staff_are_sent_to_sign_in(order):
    r = Client().post(f"/c/staff/{order.pk}/send/", {"kind": "status"})

    assert r.status_code == 302 and "/login" in r["Location"]
