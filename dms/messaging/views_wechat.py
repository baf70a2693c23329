"""The pages of linking a customer's WeChat (dms/messaging/wechat_link.py): the advisor's QR code,
and the customer's side, opened in WeChat by scanning it."""

import segno
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.safestring import mark_safe

from dms.core.errors import DomainError
from dms.core.models import Store
from dms.core.roles import Perm
from dms.core.shell import tenant_required
from dms.core.tenancy import get_scoped
from dms.customers.models import Customer

from . import services, wechat_link
from .models import Recipient

STATE_KEY = "wechat_link_state"


def _private(response):
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"  # the link's token stays ours
    return response


@tenant_required
def qr(request, customer_id: int):
    """The QR code the advisor shows the customer (or prints, or sends)."""
    tenant = request.tenant
    tenant.require(Perm.CONTACT_LOG)
    customer = get_scoped(Customer.objects, tenant, pk=customer_id)
    account = wechat_link.account_of(tenant.store)
    recipient = Recipient.objects.filter(customer=customer).first()
    url = wechat_link.link_url(customer, tenant.store) if account else ""
    context = {
        "customer": customer, "account": account, "linked": bool(recipient and recipient.wechat_openid),
        "url": url, "days": wechat_link.LINK_DAYS,
        # segno's own markup, no user text in it
        "qr": mark_safe(segno.make(url, error="m").svg_inline(scale=5, svgclass="qr", omitsize=True)) if url else "",  # noqa: S308
    }  # fmt: skip
    return _private(render(request, "messaging/wechat_qr.html", context))


def _page(request, store, status: int = 200, **context):
    return _private(render(request, "messaging/wechat_link.html", {"store": store, **context}, status=status))


def _opened(token: str):
    ids = wechat_link.read_link_token(token)
    if ids is None:
        return None, None
    customer = Customer.objects.filter(pk=ids[0]).first()
    store = Store.objects.filter(pk=ids[1]).first()
    if customer is None or store is None or customer.group_id != store.group_id:
        return None, None
    return customer, store


def link(request, token: str):
    """Scanned in WeChat: on to the Official Account's authorisation, which comes back to `back`."""
    customer, store = _opened(token)
    if customer is None:
        return _page(request, None, status=404, problem="expired")
    account = wechat_link.account_of(store)
    if account is None:
        return _page(request, store, status=404, problem="no_account")
    state = wechat_link.new_state()
    request.session[STATE_KEY] = state
    return _private(HttpResponseRedirect(wechat_link.authorize_url(account, token, state)))


def back(request, token: str):
    """WeChat's answer: the code, exchanged for the customer's openid, kept on their file."""
    customer, store = _opened(token)
    if customer is None:
        return _page(request, None, status=404, problem="expired")
    account = wechat_link.account_of(store)
    expected = request.session.pop(STATE_KEY, None)
    if account is None or not expected or request.GET.get("state") != expected:
        return _page(request, store, status=400, problem="again")
    try:
        openid = wechat_link.openid_for(account, request.GET.get("code", ""))
        services.wechat_link(customer=customer, openid=openid)
    except DomainError as exc:
        return _page(request, store, status=400, problem="again", detail=exc.message)
    return _page(request, store, done=True, name=customer.salutation)
