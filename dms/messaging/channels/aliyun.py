"""Alibaba Cloud SMS (dysmsapi, version 2017-05-25): SendSms of a registered template, signed as an
RPC request (signing.aliyun_signature).

Settings (ChannelConfig.settings): access_key_id, access_key_secret, sign_name, endpoint (default
https://dysmsapi.aliyuncs.com/), templates {kind: {"code": "SMS_123456", "params": [names] or
{template variable: parameter name}}}.

Exactly once: SendSms has no idempotency key (OutId is only echoed back), but QuerySendDetails
lists what was sent to a number on a day with each message's OutId. We send our message's
outbox_key as OutId; after a worker died mid-send, `find` asks for it and the message is sent
again only if Alibaba Cloud has no record of it.
"""

import json
import uuid
from datetime import UTC
from zoneinfo import ZoneInfo

import httpx
from django.utils import timezone

from ..signing import aliyun_signature
from .base import Provider, SendFailed, Sent, http_failure

DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
VERSION = "2017-05-25"
# Codes worth another try: throttling, the account's balance or a passing fault at Alibaba.
RETRY_CODES = (
    "isv.BUSINESS_LIMIT_CONTROL", "isv.AMOUNT_NOT_ENOUGH", "Throttling", "ServiceUnavailable", "InternalError",
    "isp.SYSTEM_ERROR",
)  # fmt: skip
CHINA = ZoneInfo("Asia/Shanghai")


def template_param(entry: dict, params: dict) -> dict:
    """The TemplateParam object: the template's variables, named as registered."""
    names = entry.get("params")
    if isinstance(names, dict):
        return {var: str(params.get(name, "")) for var, name in names.items()}
    return {name: str(params.get(name, "")) for name in (names or params.keys())}


class AliyunSms(Provider):
    name = "aliyun"

    def _call(self, action: str, params: dict) -> dict:
        common = {
            "AccessKeyId": self.setting("access_key_id"),
            "Action": action,
            "Format": "JSON",
            "RegionId": self.settings.get("region") or "cn-hangzhou",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": timezone.now().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": VERSION,
        }
        query = {**common, **params}
        query["Signature"] = aliyun_signature(query, self.setting("access_key_secret"), "GET")
        try:
            with self.client() as client:
                response = client.get(self.settings.get("endpoint") or DEFAULT_ENDPOINT, params=query)
            if response.status_code >= 500:
                response.raise_for_status()
            answer = response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise http_failure(exc, self.name) from exc
        code = str(answer.get("Code", ""))
        if code != "OK":
            reason = f"{self.name}: {code} {answer.get('Message', '')}".strip()[:300]
            raise SendFailed(reason, retry=code.startswith(RETRY_CODES))
        return answer

    def send(self, message) -> Sent:
        entry = self.template(message)
        answer = self._call(
            "SendSms",
            {
                "PhoneNumbers": message.address,
                "SignName": self.setting("sign_name"),
                "TemplateCode": str(entry.get("code") or entry.get("id") or ""),
                "TemplateParam": json.dumps(template_param(entry, message.params), ensure_ascii=False),
                "OutId": message.outbox_key,
            },
        )
        return Sent(provider_message_id=str(answer.get("BizId", "")))

    def find(self, message) -> Sent | None:
        """Ask QuerySendDetails whether a message with our OutId went to the number, on the day of
        the last attempt or today (China time)."""
        days = {timezone.now().astimezone(CHINA).date()}
        if message.claimed_until:
            days.add(message.claimed_until.astimezone(CHINA).date())
        for day in sorted(days):
            page = 1
            while True:
                answer = self._call(
                    "QuerySendDetails",
                    {"PhoneNumber": message.address, "SendDate": day.strftime("%Y%m%d"), "PageSize": "50",
                     "CurrentPage": str(page)},
                )  # fmt: skip
                details = (answer.get("SmsSendDetailDTOs") or {}).get("SmsSendDetailDTO") or []
                for d in details:
                    if d.get("OutId") == message.outbox_key:
                        return Sent()  # its details carry no BizId
                if len(details) < 50 or page >= 20:
                    break
                page += 1
        return None
