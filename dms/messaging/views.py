"""Doors from outside, no login: the unsubscribe link of an e-mail, and the SMS provider's
callbacks with the customers' replies (退订) and the carriers' delivery reports.

The unsubscribe page asks before it changes anything (mail scanners open links): a button stops
marketing, another stops every message. A one-click POST (RFC 8058, from the mail program's
"unsubscribe" button) stops marketing at once. A forged or altered link opens nothing (404).

The replies callback is the URL set in the provider's console: /m/sms/replies/<config id>/<token>/
(the token is the ChannelConfig's inbound_token; neither Alibaba Cloud nor Tencent Cloud signs its
callbacks, so the secret is in the URL). It accepts Alibaba Cloud's batch (a JSON list of
{phone_number, content, ...}) and Tencent Cloud's ({mobile, text, ...}, or a list of them).
The delivery reports' callback, /m/sms/reports/<config id>/<token>/, takes Alibaba Cloud's
SmsReport ([{out_id, biz_id, success, err_code, err_msg}]) and Tencent Cloud's status callback
([{sid, report_status, errmsg, description}]): a sent message becomes delivered, or failed with the
carrier's reason.
"""

import hmac
import json

from django.conf import settings
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from dms.customers.rules import mask_mobile

from . import links, services
from .models import Channel, ChannelConfig, Message, Provider

LANGS = {code for code, _name in settings.LANGUAGES}


def _message(token: str) -> Message:
    pk = links.read_unsubscribe_token(token)
    message = Message.objects.select_related("store", "customer").filter(pk=pk).first() if pk else None
    if message is None:
        raise Http404()
    return message


@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    lang = request.GET.get("lang")
    with translation.override(lang if lang in LANGS else translation.get_language()):
        message = _message(token)
        done = ""
        if request.method == "POST":
            one_click = request.POST.get("List-Unsubscribe") == "One-Click"
            what = "marketing" if one_click else request.POST.get("what", "marketing")
            with translation.override(settings.LANGUAGE_CODE):  # kept as the consent's "how"
                how_all = _("Unsubscribe link in an e-mail: all messages")
                how = _("Unsubscribe link in an e-mail")
            if what == "all":
                services.opt_out_all(customer=message.customer, how=how_all)
                done = "all"
            else:
                services.unsubscribe_marketing(customer=message.customer, how=how)
                done = "marketing"
        address = message.address
        if message.channel == Channel.SMS:
            address = mask_mobile(address)
        elif "@" in address:
            local, domain = address.split("@", 1)
            address = f"{local[:1]}***@{domain}"
        response = render(
            request, "messaging/unsubscribe.html", {"store": message.store, "address": address, "done": done}
        )
    add_never_cache_headers(response)
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


def _replies(body) -> list[tuple[str, str]]:
    items = body if isinstance(body, list) else [body]
    out = []
    for item in items:
        if isinstance(item, dict):
            mobile = item.get("phone_number") or item.get("mobile") or item.get("phone") or ""
            text = item.get("content") or item.get("text") or ""
            out.append((str(mobile), str(text)))
    return out


def _callback(request, config_id: int, token: str):
    """The store's SMS config named by the URL and its secret, and the JSON body (or an answer)."""
    config = ChannelConfig.objects.select_related("store").filter(pk=config_id, channel=Channel.SMS).first()
    if config is None or not config.inbound_token or not hmac.compare_digest(config.inbound_token, token):
        raise Http404()
    try:
        return config, json.loads(request.body or b"null")
    except ValueError:
        return config, JsonResponse({"detail": _("The body is not valid JSON."), "errors": []}, status=400)


def _received(config) -> JsonResponse:
    """What each provider expects back, or it calls again."""
    if config.provider == Provider.TENCENT:
        return JsonResponse({"result": 0, "errmsg": "OK"})
    return JsonResponse({"code": 0, "msg": "成功"}, json_dumps_params={"ensure_ascii": False})


@csrf_exempt
@require_POST
def inbound_sms(request, config_id: int, token: str):
    config, body = _callback(request, config_id, token)
    if isinstance(body, JsonResponse):
        return body
    for mobile, text in _replies(body):
        services.inbound_sms(config=config, mobile=mobile, text=text)
    return _received(config)


@csrf_exempt
@require_POST
def delivery_reports(request, config_id: int, token: str):
    config, body = _callback(request, config_id, token)
    if isinstance(body, JsonResponse):
        return body
    for item in body if isinstance(body, list) else [body]:
        if not isinstance(item, dict):
            continue
        if "report_status" in item:  # Tencent Cloud
            delivered = str(item.get("report_status", "")).upper() == "SUCCESS"
            detail = str(item.get("description") or item.get("errmsg") or "")
            services.delivery_report(config=config, provider_id=str(item.get("sid", "")), delivered=delivered,
                                     detail=detail)  # fmt: skip
        else:  # Alibaba Cloud
            delivered = item.get("success") in (True, "true", "True")
            detail = str(item.get("err_msg") or item.get("err_code") or "")
            services.delivery_report(config=config, key=str(item.get("out_id", "")),
                                     provider_id=str(item.get("biz_id", "")), delivered=delivered, detail=detail)  # fmt: skip
    return _received(config)
