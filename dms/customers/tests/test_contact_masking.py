"""Contact data for roles that may not see it (issue 12): every contact field masked, in the API
answers, the list, the customer page and the history; a full mobile finds nothing for them."""

from datetime import date

import pytest
from django.test import Client

from conftest import ApiClient, make_user
from dms.core.roles import Role
from dms.customers.services import customer_create, customer_update

MOBILE = "13812345678"
SECRETS = ("wx_zhang_san", "zhang@example.cn", "南山区科技园1号", "怕吵，别打电话", MOBILE, "0755-8888")


@pytest.fixture
def rich_customer(tenant):
    c = customer_create(
        tenant=tenant, name="张三", mobile=MOBILE, title="mr", phone2="0755-8888", wechat="wx_zhang_san",
        email="zhang@example.cn", address="南山区科技园1号", birthday=date(1985, 3, 4), notes="怕吵，别打电话",
    ).record  # fmt: skip
    # a change of contact data lands in the audit history
    customer_update(tenant=tenant, customer_id=c.pk, version=c.version, wechat="wx_zhang_san2")
    c.refresh_from_db()
    return c


@pytest.fixture
def tech_api(technician):
    return ApiClient(technician)


def test_a_technician_sees_every_contact_field_masked_in_the_api(tech_api, rich_customer):
    for body in (
        tech_api.get(f"/customers/{rich_customer.pk}").json(),
        tech_api.get("/customers").json()["items"][0],
        tech_api.get("/customers", {"q": "张三"}).json()["items"][0],
    ):
        assert body["mobile"] == "138****5678"
        assert body["phone2"] == body["wechat"] == body["email"] == body["address"] == body["notes"] == "****"
        assert body["birthday"] is None
        assert body["name"] == "张三"  # the rest of the card stays


def test_the_advisor_still_sees_contact_data(api, rich_customer):
    body = api.get(f"/customers/{rich_customer.pk}").json()
    assert (body["mobile"], body["wechat"], body["email"]) == (MOBILE, "wx_zhang_san2", "zhang@example.cn")
    assert body["birthday"] == "1985-03-04"


def test_a_technician_reads_no_contact_data_in_the_history(tech_api, rich_customer):
    text = str(tech_api.get(f"/customers/{rich_customer.pk}/history").json())
    assert "wx_zhang_san" not in text


def test_a_technician_sees_no_contact_data_on_the_customer_page(technician, rich_customer):
    c = Client()
    c.force_login(technician)
    page = c.get(f"/customers/{rich_customer.pk}/").content.decode()
    assert "张三" in page
    for secret in (*SECRETS, "wx_zhang_san2", "1985-03-04"):
        assert secret not in page, secret
    listing = c.get("/customers/").content.decode()
    assert "138****5678" in listing and MOBILE not in listing


@pytest.mark.parametrize("q", [MOBILE, "+86 138 1234 5678", "1381234", "345678"])
def test_a_full_mobile_finds_nothing_for_a_technician_as_a_random_number_would(tech_api, rich_customer, q):
    on_file = tech_api.get("/customers", {"q": q}).json()
    random_number = tech_api.get("/customers", {"q": q.replace("5678", "0000")}).json()
    assert on_file == random_number == {"count": 0, "count_exact": True, "items": []}


def test_the_last_4_digits_still_find_the_customer_for_a_technician(tech_api, rich_customer):
    assert tech_api.get("/customers", {"q": "5678"}).json()["count"] == 1


def test_the_front_desk_still_finds_a_customer_by_full_mobile(api, store, rich_customer):
    assert api.get("/customers", {"q": MOBILE}).json()["items"][0]["mobile"] == MOBILE
    parts = ApiClient(make_user("parts1", store, Role.PARTS_CLERK))
    assert parts.get("/customers", {"q": MOBILE}).json()["count"] == 0


def test_a_mobile_or_e_mail_typed_into_a_contact_s_summary_is_masked_for_a_technician(
    tenant, tech_api, api, rich_customer, technician
):
    from dms.customers.services import contact_log

    contact_log(tenant=tenant, customer_id=rich_customer.pk, kind="phone",
                summary="客户换了新号 +86 139 1234 5678，邮箱 new.zhang@example.cn，下周回电")  # fmt: skip

    shown = tech_api.get(f"/customers/{rich_customer.pk}/contacts").json()[0]["summary"]
    page = Client()
    page.force_login(technician)
    html = page.get(f"/customers/{rich_customer.pk}/").content.decode()

    assert shown == "客户换了新号 139****5678，邮箱 ****，下周回电"
    for text in (shown, html):
        assert "1234 5678" not in text and "13912345678" not in text and "new.zhang@example.cn" not in text
    assert "下周回电" in html
    # the front desk reads what was typed
    assert "+86 139 1234 5678" in api.get(f"/customers/{rich_customer.pk}/contacts").json()[0]["summary"]
