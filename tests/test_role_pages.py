"""Every page, opened as every role of the store and as a user of another group.

The pages are read from the URL configuration (a new page is walked without anyone adding it here),
their records filled in as the tenancy walk of pages fills them (tests/test_tenancy_pages.py). Each
role of our store opens each page: the answer is never a server error (a page, a refusal, a redirect,
or a 404 for a record the walk has not made, such as a photo); a page shown to a role that may not see contact data shows none of the customer's (mobile,
e-mail, WeChat id), and a technician, QC inspector, parts clerk or foreman sees none whatever the
page. A user of another dealer group opens every page, with or without a record in its URL, and
finds none of our customer's data on it.
"""

import re

import pytest
from django.test import Client
from django.urls import get_resolver

from conftest import make_user
from dms.core.roles import Perm, Role, permissions_for
from dms.customers.models import Customer
from tests import test_tenancy_pages as tenancy_pages
from tests.test_role_matrix import NEVER_CONTACT

_record_ids, _walk = tenancy_pages._record_ids, tenancy_pages._walk
make_import_job = tenancy_pages.make_import_job  # the fixture

CONTACT = ["13812345678", "zhangsan@example.cn", "zs_wx_2026"]
# Public pages (no sign-in) and the admin (tests of its own) are not the staff's pages.
SKIP = ("admin/", "api/", "appointments/book/", "c/", "m/", "login/", "logout/", "settings/", "healthz")


def _pages(ids: dict) -> tuple[list[str], list[str]]:
    """The pages' URLs with our records filled in, and the routes this walk cannot fill."""
    urls, unfilled = [], []
    for namespace, route, pattern in _walk(get_resolver()):
        if (
            route.startswith(SKIP) or "<path:" in route or "token>" in route
        ):  # token: a customer's signed link
            continue
        url = "/" + route
        for name in pattern.pattern.converters:
            key = name if name in ids else namespace
            if key not in ids:
                unfilled.append(f"<{name}> of /{route}")
                break
            url = re.sub(rf"<(\w+:)?{name}>", str(ids[key]), url)
        else:
            urls.append(url)
    return urls, unfilled


@pytest.fixture
def pages(customer, vehicle, make_import_job):
    Customer.objects.filter(pk=customer.pk).update(email="zhangsan@example.cn", wechat="zs_wx_2026")
    make_import_job()
    return _pages(_record_ids(customer, vehicle))[0]


def _text(response) -> str:
    """The page's text; files (photos, PDFs) are not searched."""
    return "" if response.streaming else response.content.decode(errors="replace")


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_every_page_is_walked(customer, vehicle, make_import_job):
    make_import_job()
    _urls, unfilled = _pages(_record_ids(customer, vehicle))
    assert not unfilled, f"no record to fill {unfilled}: add it in the app's tests/tenancy_world.py page_ids"


@pytest.mark.django_db
def test_every_role_opens_every_page_without_an_error_or_contact_data_it_may_not_see(pages, store):
    problems = []
    for role in Role:
        client = _client(make_user(f"pages-{role}", store, role))
        hidden = (
            CONTACT if role in NEVER_CONTACT or Perm.CUSTOMER_SEE_CONTACT not in permissions_for(role) else []
        )
        for url in pages:
            r = client.get(url)
            if r.status_code >= 500:
                problems.append(f"{role} GET {url}: {r.status_code}")
                continue
            text = _text(r) if r.status_code == 200 else ""
            shown = [value for value in hidden if value in text]
            if shown:
                problems.append(f"{role} GET {url}: shows {shown}")
    assert len(pages) >= 30
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_an_outsider_finds_none_of_our_customers_on_any_page(pages, outsider_client, vehicle):
    markers = [*CONTACT, "张三", vehicle.vin]
    problems = []
    for url in pages:
        r = outsider_client.get(url)
        text = _text(r)
        if r.status_code >= 500:
            problems.append(f"GET {url}: {r.status_code}")
        leaked = [m for m in markers if m in text]
        if leaked:
            problems.append(f"GET {url}: shows {leaked}")
    assert not problems, "\n".join(problems)


@pytest.mark.django_db
def test_the_walk_sees_our_customer_where_our_advisor_looks(pages, sa):
    # The control: the markers are on our own pages for our own advisor (a walk that found nothing
    # anywhere would prove nothing).
    client = _client(sa)
    assert "张三" in client.get(f"/customers/{Customer.objects.get(name='张三').pk}/").content.decode()
    assert "13812345678" in client.get(f"/customers/{Customer.objects.get(name='张三').pk}/").content.decode()
