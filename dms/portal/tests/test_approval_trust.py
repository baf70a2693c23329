"""The customer's approval link decides for the customer, so it is for them and for the roles that
may edit the order (issue 12): a technician, QC inspector, parts clerk or cashier sees that
approval is awaited, never the link (order page, API, texts, the progress page); a link is tied
to its approval round (a link of an earlier round opens an "out of date" page and decides
nothing); and nobody signed in as staff decides through it: the decision is the customer's only
because the token proves it."""

import io

import pytest
from django.core import signing
from django.template import Context, Template
from django.test import Client, RequestFactory
from PIL import Image

from conftest import ApiClient
from dms.messaging.models import Message
from dms.portal import links
from dms.workshop import services, services_floor
from dms.workshop.models import LineState, RepairOrderEvent, RepairOrderLine, State

from .conftest import fresh

# The roles that may look at the order but not edit it, as their users' fixtures.
NOT_EDITORS = ["tech_user", "qc", "clerk", "cashier"]


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.DMS_PUBLIC_BASE_URL = "https://dms.example.cn"


@pytest.fixture(params=NOT_EDITORS)
def onlooker(request, people):
    """A user of the store whose role may see the order but not edit it."""
    return request.getfixturevalue(request.param)


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG")
    return out.getvalue()


def signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def panel(order, tenant) -> str:
    request = RequestFactory().get("/")
    request.tenant = tenant
    return Template('{% include "portal/_order_links.html" %}').render(
        Context({"order": order, "request": request})
    )


def choices(order) -> dict:
    return {
        f"decision_{order.pads.pk}": "approve",
        f"decision_{order.filt.pk}": "approve",
        "version": order.version,
    }


def undecided(order) -> bool:
    o = fresh(order)
    return (
        o.state == State.AWAITING_APPROVAL
        and RepairOrderLine.objects.filter(order=order, state=LineState.PROPOSED).count() == 2
        and not RepairOrderEvent.objects.filter(order=order, action="approve").exists()
    )


def next_round(order, people):
    """The advisor records the first decision by phone; the technician finds one more thing and
    the advisor asks the customer again: round 2."""
    services.order_approve(tenant=people["sa"], order_id=order.pk, method="phone", note="张先生电话同意")
    wipers = services.line_add(
        tenant=people["sa"], order_id=order.pk, kind="labor", description="更换雨刮片", quantity="0.2",
        unit_price="300.00",
    )  # fmt: skip
    services.order_request_approval(tenant=people["sa"], order_id=order.pk)
    o = fresh(order)
    o.wipers = wipers
    return o


# --- Who sees the link -------------------------------------------------------------------------------


def test_the_order_page_shows_a_non_editor_that_approval_is_awaited_but_not_the_link(awaiting, onlooker):
    page = signed_in(onlooker).get(f"/orders/{awaiting.pk}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "/c/a/" not in html
    assert "等待客户确认追加项目" in html  # approval is awaited: said, not linked
    assert "/c/s/" in html  # the progress link stays: it decides nothing


def test_the_panel_gives_the_approval_link_to_roles_that_may_edit_the_order_only(awaiting, people):
    for name in ("tech", "qc", "clerk", "cashier", "foreman", "care"):
        html = panel(awaiting, people[name])
        assert "/c/a/" not in html and html.count('class="qr"') == 1, name
        assert "服务顾问会把确认链接发给客户" in html, name

    html = panel(awaiting, people["sa"])
    assert "https://dms.example.cn/c/a/" in html and html.count('class="qr"') == 2


def test_the_links_api_answers_a_non_editor_that_approval_is_awaited_without_the_link(awaiting, onlooker):
    body = ApiClient(onlooker).get(f"/customer-links/{awaiting.pk}").json()

    assert body["awaiting_approval"] is True
    assert body["approval_url"] is None and body["approval_expires_at"] is None
    assert "/c/s/" in body["status_url"]


def test_the_links_api_gives_the_advisor_the_link_of_the_current_round(awaiting, sa):
    body = ApiClient(sa).get(f"/customer-links/{awaiting.pk}").json()

    assert body["awaiting_approval"] is True
    assert body["approval_url"] == links.approval_url(awaiting)
    assert links.read_approval_token(body["approval_url"].split("/c/a/")[1].strip("/")) == (awaiting.pk, 1)


def test_a_non_editors_get_of_the_order_does_not_carry_the_link(awaiting, onlooker):
    api = ApiClient(onlooker)

    for path in (f"/repair-orders/{awaiting.pk}", f"/repair-orders/{awaiting.pk}/events", "/repair-orders"):
        r = api.get(path)
        assert r.status_code == 200, path
        assert "/c/a/" not in r.content.decode(), path


def test_the_approval_text_is_read_without_its_link_by_a_non_editor(awaiting, onlooker, sa):
    """The text that carries the link (queued when the advisor asked) is on the order page and in
    the APIs for every role that may see the order; its link only for the roles that may edit it."""
    text = Message.objects.get(subject_id=awaiting.pk, kind="approval_link")
    assert links.approval_url(awaiting) in text.body

    api = ApiClient(onlooker)
    for path, field in ((f"/outbound-messages?order_id={awaiting.pk}", "text"), ("/messages", "body")):
        r = api.get(path)
        assert r.status_code == 200, path
        shown = [m[field] for m in r.json()["items"] if m.get("kind", m.get("template")) == "approval_link"]
        assert shown and all("/c/a/" not in t and "[链接已隐藏]" in t for t in shown), path
    for page in (f"/orders/{awaiting.pk}/", f"/customers/{awaiting.customer_id}/"):
        html = signed_in(onlooker).get(page).content.decode()
        assert "[链接已隐藏]" in html and "/c/a/" not in html, page

    advisor = ApiClient(sa).get(f"/outbound-messages?order_id={awaiting.pk}").json()["items"]
    assert any(links.approval_url(awaiting) in m["text"] for m in advisor)


def test_only_the_advisor_may_text_the_approval_link(awaiting, onlooker):
    before = Message.objects.filter(kind="approval_link").count()

    assert signed_in(onlooker).post(f"/c/staff/{awaiting.pk}/send/", {"kind": "approval"}).status_code == 403
    assert (
        ApiClient(onlooker).post(f"/customer-links/{awaiting.pk}/send", {"kind": "approval"}).status_code
        == 403
    )
    assert Message.objects.filter(kind="approval_link").count() == before


def test_the_progress_page_does_not_lead_to_the_approval_page(awaiting):
    """Every role sees the progress link (and it is printed on the order): it must not open the
    way to the decision. It says a decision awaits and that the link came by text."""
    page = Client().get(links.status_path(awaiting)).content.decode()

    assert "等待您确认追加项目" in page
    assert "/c/a/" not in page
    assert "我们已通过短信向您发送确认链接" in page


# --- Rounds ------------------------------------------------------------------------------------------


def test_each_request_for_approval_starts_a_round_and_its_link_carries_it(awaiting, people):
    first = links.approval_path(awaiting)
    assert awaiting.approval_round == 1

    again = next_round(awaiting, people)

    assert again.approval_round == 2
    assert links.approval_path(again) != first
    assert links.read_approval_token(links.approval_path(again).split("/")[-2]) == (again.pk, 2)


def test_a_link_of_an_earlier_round_says_it_is_out_of_date_and_decides_nothing(awaiting, people):
    browser = Client()
    old = links.approval_path(awaiting)
    again = next_round(awaiting, people)

    page = browser.get(old)
    assert page.status_code == 410
    html = page.content.decode()
    assert "此链接已失效" in html and "0755-88886666" in html
    assert "更换雨刮片" not in html and 'name="decision_' not in html

    r = browser.post(old, {f"decision_{again.wipers.pk}": "approve", "version": again.version})
    assert r.status_code == 410 and "此链接已失效" in r.content.decode()
    assert fresh(again).state == State.AWAITING_APPROVAL
    assert RepairOrderLine.objects.get(pk=again.wipers.pk).state == LineState.PROPOSED
    assert RepairOrderEvent.objects.filter(order=awaiting, action="approve").count() == 1  # the phone one


def test_the_current_rounds_link_decides_once(awaiting, people):
    browser = Client()
    again = next_round(awaiting, people)
    current = links.approval_path(again)

    r = browser.post(current, {f"decision_{again.wipers.pk}": "decline", "version": again.version})
    assert r.status_code == 302
    assert RepairOrderLine.objects.get(pk=again.wipers.pk).state == LineState.DECLINED
    event = RepairOrderEvent.objects.filter(order=awaiting, action="approve").order_by("-id").first()
    assert event.by is None and event.data["by_customer"] is True and event.data["round"] == 2

    r = browser.post(current, {f"decision_{again.wipers.pk}": "approve", "version": again.version})
    assert r.status_code == 409
    assert RepairOrderLine.objects.get(pk=again.wipers.pk).state == LineState.DECLINED


def test_an_earlier_rounds_link_opens_none_of_the_later_rounds_photos(awaiting, people, private_media):
    old_token = links.approval_path(awaiting).split("/")[-2]
    services.order_approve(tenant=people["sa"], order_id=awaiting.pk, method="phone", note="张先生电话同意")
    wipers = services_floor.finding_report(
        tenant=people["tech"], order_id=awaiting.pk, description="更换雨刮片", note="胶条老化", quantity="1",
        photo=jpeg(),
    )  # fmt: skip
    services.order_request_approval(tenant=people["sa"], order_id=awaiting.pk)
    shot = wipers.photos.get()
    new_token = links.approval_path(fresh(awaiting)).split("/")[-2]

    for suffix in ("", "small/"):
        assert Client().get(f"/c/a/{old_token}/photos/{shot.pk}/{suffix}").status_code == 404
        assert Client().get(f"/c/a/{new_token}/photos/{shot.pk}/{suffix}").status_code == 200


def _signed(value: str) -> str:
    return signing.TimestampSigner(salt="dms.portal.links").sign(value)


def test_a_link_made_before_rounds_existed_is_out_of_date(awaiting):
    """An approval link signed without a round (texted before this change) cannot decide."""
    old = f"/c/a/{_signed(f'{links._base36(awaiting.pk)}a')}/"

    assert Client().get(old).status_code == 410
    assert Client().post(old, choices(awaiting)).status_code == 410
    assert undecided(awaiting)


def test_a_link_of_a_round_not_asked_yet_opens_nothing(awaiting):
    ahead = f"/c/a/{links.make_token(awaiting.pk, links.APPROVAL, 2)}/"

    assert Client().get(ahead).status_code == 404
    assert Client().post(ahead, choices(awaiting)).status_code == 404
    assert undecided(awaiting)


def test_the_round_cannot_be_altered_in_a_link(awaiting, people):
    old = links.make_token(awaiting.pk, links.APPROVAL, 1)
    next_round(awaiting, people)
    # the signed value with round 1 replaced by round 2, signature kept
    value, _sep, rest = old.partition(":")
    forged = f"{value.replace('.1a', '.2a')}:{rest}"

    assert Client().get(f"/c/a/{forged}/").status_code == 404


# --- Staff never decide through the link -------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [
        lambda o: "not-a-token",
        lambda o: links.make_token(o.pk, links.STATUS),  # the progress link every role sees
        lambda o: signing.TimestampSigner(salt="dms.portal.links", key="x" * 50).sign(
            f"{links._base36(o.pk)}.1a"
        ),
    ],
    ids=["garbage", "progress-link", "forged"],
)
def test_a_non_editor_cannot_decide_without_the_current_rounds_token(awaiting, onlooker, token):
    r = signed_in(onlooker).post(f"/c/a/{token(awaiting)}/", choices(awaiting))

    assert r.status_code == 404
    assert undecided(awaiting)


def test_a_non_editor_with_an_earlier_rounds_link_decides_nothing(awaiting, people, onlooker):
    old = links.approval_path(awaiting)
    again = next_round(awaiting, people)

    r = signed_in(onlooker).post(old, {f"decision_{again.wipers.pk}": "approve", "version": again.version})

    assert r.status_code == 410
    assert RepairOrderLine.objects.get(pk=again.wipers.pk).state == LineState.PROPOSED


@pytest.mark.parametrize("who", [*NOT_EDITORS, "sa"])
def test_staff_signed_in_on_the_customers_link_see_the_items_but_cannot_decide(
    awaiting, people, request, who
):
    """Even with the current link in hand (forwarded, or the advisor's own copy), a signed-in member
    of staff is not the customer: the page shows the items without the choice, and a decision is
    refused (403). The advisor records what the customer said on the order page, under their name."""
    staff = signed_in(request.getfixturevalue(who))
    path = links.approval_path(awaiting)

    page = staff.get(path)
    assert page.status_code == 200
    html = page.content.decode()
    assert "更换前刹车片" in html and 'name="decision_' not in html
    assert "您已以员工身份登录" in html

    r = staff.post(path, choices(awaiting))
    assert r.status_code == 403
    assert undecided(awaiting)


def test_the_staff_side_cannot_record_a_decision_as_made_on_the_link(awaiting, people, sa):
    """The order page's and the API's approve step take phone or in person; "link" is the
    customer's own page only."""
    r = ApiClient(sa).post(
        f"/repair-orders/{awaiting.pk}/actions/approve", {"method": "link", "version": awaiting.version}
    )
    # the API documents phone and in person only (its enum): "link" is refused as a wrong choice
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "method"

    r = signed_in(sa).post(f"/orders/{awaiting.pk}/actions/approve/", {**choices(awaiting), "method": "link"})
    assert r.status_code == 302  # back to the order page, with the sentence why
    assert undecided(awaiting)


def test_a_non_editor_cannot_take_the_approve_step(awaiting, onlooker):
    r = ApiClient(onlooker).post(
        f"/repair-orders/{awaiting.pk}/actions/approve",
        {"method": "in_person", "version": awaiting.version, "decisions": {}},
    )

    assert r.status_code == 403
    assert undecided(awaiting)
