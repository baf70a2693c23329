"""Linking a customer's WeChat to their file, so that the store's Official Account can send them
template messages (channels/wechat.py needs their openid under that account).

The advisor shows the customer a QR code (the customer page's "Link WeChat", /m/wx/qr/<customer>/);
the customer scans it with WeChat, which opens our link page (/m/wx/<token>/, the token signed with
the site's secret, naming the customer and store, valid for LINK_DAYS). That page sends WeChat's
browser to the Official Account's web authorisation (snsapi_base: silent, no consent screen, gives
only the openid), with a one-time `state` kept in the visitor's session; WeChat comes back with a
`code` (/m/wx/<token>/back/), which the server exchanges for the openid
(sns/oauth2/access_token, with the account's app secret). The openid is stored on the customer's
Recipient and a contact entry records the link. Nothing in the link or the pages shows who the
customer is beyond their salutation.

ChannelConfig (channel "wechat", provider "wechat") settings used here: app_id, app_secret,
endpoint (API, default https://api.weixin.qq.com), oauth_endpoint (the authorisation page, default
https://open.weixin.qq.com).
"""

import secrets
from urllib.parse import urlencode

import httpx
from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

from dms.core.errors import DomainError

from .links import public_url
from .models import Channel, ChannelConfig, Provider

_SALT = "dms.messaging.wechat-link"
LINK_DAYS = 7
DEFAULT_OAUTH = "https://open.weixin.qq.com"
DEFAULT_API = "https://api.weixin.qq.com"


def link_token(customer, store) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(f"{customer.pk:x}.{store.pk:x}")


def read_link_token(token: str) -> tuple[int, int] | None:
    """(customer id, store id), or None for a forged, altered or expired token."""
    try:
        value = signing.TimestampSigner(salt=_SALT).unsign(token, max_age=LINK_DAYS * 86400)
        customer, store = value.split(".")
        return int(customer, 16), int(store, 16)
    except (signing.BadSignature, ValueError):
        return None


def link_url(customer, store) -> str:
    return public_url(reverse("messaging:wechat_link", args=[link_token(customer, store)]))


def account_of(store) -> ChannelConfig | None:
    """The store's Official Account, when it has one set up."""
    return ChannelConfig.objects.filter(
        store=store, channel=Channel.WECHAT, provider=Provider.WECHAT, active=True
    ).first()


def authorize_url(config: ChannelConfig, token: str, state: str) -> str:
    """WeChat's web authorisation page, coming back to our callback with a code."""
    back = public_url(reverse("messaging:wechat_link_back", args=[token]))
    query = urlencode({"appid": config.settings.get("app_id", ""), "redirect_uri": back, "response_type": "code",
                       "scope": "snsapi_base", "state": state})  # fmt: skip
    base = (config.settings.get("oauth_endpoint") or DEFAULT_OAUTH).rstrip("/")
    return f"{base}/connect/oauth2/authorize?{query}#wechat_redirect"


def new_state() -> str:
    return secrets.token_urlsafe(16)


def openid_for(config: ChannelConfig, code: str) -> str:
    """Exchange the authorisation code for the visitor's openid; DomainError saying why not."""
    if not code or len(code) > 200:
        raise DomainError(_("WeChat did not authorise the link. Scan the code again."), field="code")
    base = (config.settings.get("endpoint") or DEFAULT_API).rstrip("/")
    try:
        with httpx.Client(timeout=settings.DMS_OUTBOX_HTTP_TIMEOUT) as client:
            answer = client.get(f"{base}/sns/oauth2/access_token", params={
                "appid": config.settings.get("app_id", ""), "secret": config.plain_settings.get("app_secret", ""),
                "code": code, "grant_type": "authorization_code",
            }).json()  # fmt: skip
    except (httpx.HTTPError, ValueError):
        raise DomainError(_("WeChat cannot be reached just now. Scan the code again in a moment.")) from None
    openid = answer.get("openid") if isinstance(answer, dict) else None
    if not openid or answer.get("errcode"):
        raise DomainError(_("WeChat did not authorise the link. Scan the code again."), field="code")
    return str(openid)[:64]
