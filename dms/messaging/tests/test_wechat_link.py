"""Linking a customer's WeChat (dms/messaging/wechat_link.py): the advisor's QR code, the customer's
scan, WeChat's web authorisation (a local fake of its interface) and the openid on the file; after
which the customer's WeChat messages go to that openid."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from dms.messaging import wechat_link
from dms.messaging.models import Message, Recipient, State
from dms.messaging.services import message_queue

from .conftest import STATUS, wechat_config


@pytest.fixture
def account(store, wechat):
    return wechat_config(store, wechat)


def _scan(customer, store) -> tuple[Client, str, dict]:
    """The customer's WeChat opens the code's link: where it is sent, and the query it carries."""
    phone = Client()
    token = wechat_link.link_token(customer, store)
    r = phone.get(f"/m/wx/{token}/")
    assert r.status_code == 302, r.content[:300]
    where = urlsplit(r["Location"])
    return phone, token, {k: v[0] for k, v in parse_qs(where.query).items()} | {"_path": where.path}


def test_the_customer_scans_authorises_and_their_wechat_is_linked(account, wechat, store, customer, settings):
    settings.DMS_PUBLIC_BASE_URL = "https://dms.example.cn"
    phone, token, query = _scan(customer, store)

    # sent to the Official Account's authorisation, silent (snsapi_base), coming back to us
    assert query["_path"] == "/connect/oauth2/authorize"
    assert query["appid"] == "wx-test" and query["scope"] == "snsapi_base"
    assert query["redirect_uri"] == f"https://dms.example.cn/m/wx/{token}/back/"
    # WeChat comes back with a code for the customer's openid
    code = wechat.authorise("oOPENID-zhangsan")
    r = phone.get(f"/m/wx/{token}/back/", {"code": code, "state": query["state"]})

    assert r.status_code == 200 and "绑定成功" in r.content.decode()
    assert Recipient.objects.get(customer=customer).wechat_openid == "oOPENID-zhangsan"
    # and the store's WeChat messages now go to that openid
    m = message_queue(store=store, customer=customer, channel="wechat", purpose="service", kind="status_link",
                      params=STATUS)  # fmt: skip
    assert m.state != State.SUPPRESSED and Message.objects.get(pk=m.pk).address == "oOPENID-zhangsan"


def test_a_state_that_is_not_ours_links_nothing(account, wechat, store, customer):
    phone, token, query = _scan(customer, store)
    code = wechat.authorise("oOPENID-attacker")

    r = phone.get(f"/m/wx/{token}/back/", {"code": code, "state": "forged"})

    assert r.status_code == 400
    assert not Recipient.objects.filter(customer=customer, wechat_openid="oOPENID-attacker").exists()


def test_a_code_wechat_did_not_give_links_nothing_and_says_scan_again(account, store, customer):
    phone, token, query = _scan(customer, store)

    r = phone.get(f"/m/wx/{token}/back/", {"code": "made-up", "state": query["state"]})

    assert r.status_code == 400 and "重新扫码" in r.content.decode()
    assert not Recipient.objects.filter(customer=customer).exclude(wechat_openid="").exists()


def test_a_forged_or_expired_link_opens_nothing(account, store, customer):
    assert Client().get("/m/wx/not-a-token/").status_code == 404
    token = wechat_link.link_token(customer, store)
    assert Client().get(f"/m/wx/{token}/").status_code == 302  # the control: today it opens
    with time_machine.travel(timezone.now() + timedelta(days=wechat_link.LINK_DAYS, minutes=1)):
        assert Client().get(f"/m/wx/{token}/").status_code == 404


def test_a_store_without_an_official_account_says_so(store, customer):
    r = Client().get(f"/m/wx/{wechat_link.link_token(customer, store)}/")

    assert r.status_code == 404 and "微信" in r.content.decode()


def test_the_advisor_shows_the_code_and_a_technician_may_not(sa_client, technician, account, customer):
    r = sa_client.get(f"/m/wx/qr/{customer.pk}/")
    assert r.status_code == 200 and "<svg" in r.content.decode()

    tech = Client()
    tech.force_login(technician)
    assert tech.get(f"/m/wx/qr/{customer.pk}/").status_code == 403


def test_another_group_s_customer_has_no_code(outsider_client, account, customer):
    assert outsider_client.get(f"/m/wx/qr/{customer.pk}/").status_code == 404


def test_the_customer_page_offers_the_code_to_the_front_desk(sa_client, customer):
    page = sa_client.get(f"/customers/{customer.pk}/").content.decode()

    assert f"/m/wx/qr/{customer.pk}/" in page and "绑定微信" in page
