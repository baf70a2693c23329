"""Tencent Cloud SMS (API 3.0, sms 2021-01-11): SendSms of a registered template, signed with
TC3-HMAC-SHA256 (signing.tc3_authorization).

Settings (ChannelConfig.settings): secret_id, secret_key, sdk_app_id, sign_name, endpoint (default
https://sms.tencentcloudapi.com/), region (default ap-guangzhou), templates {kind: {"id":
"1234567", "params": [parameter names in the template's order {1}, {2}, ...]}}.

Exactly once: SendSms has no idempotency key (SessionContext is only echoed back) and its status
reports arrive only once the carrier answers, so a lost answer cannot be looked up: after a
worker died mid-send, the message is sent again (at least once; see outbox.py).
"""

import json
import time

import httpx

from ..signing import tc3_authorization
from .base import Provider, SendFailed, Sent, http_failure

DEFAULT_ENDPOINT = "https://sms.tencentcloudapi.com/"
VERSION = "2021-01-11"
CONTENT_TYPE = "application/json; charset=utf-8"
RETRY_CODES = (
    "InternalError",
    "RequestLimitExceeded",
    "LimitExceeded.DeliveryFrequencyLimit",
    "ResourceUnavailable",
)


def e164(mobile: str) -> str:
    return mobile if mobile.startswith("+") else f"+86{mobile}"


class TencentSms(Provider):
    name = "tencent"

    def send(self, message) -> Sent:
        entry = self.template(message)
        payload = json.dumps(
            {
                "PhoneNumberSet": [e164(message.address)],
                "SmsSdkAppId": self.setting("sdk_app_id"),
                "SignName": self.setting("sign_name"),
                "TemplateId": str(entry.get("id") or entry.get("code") or ""),
                "TemplateParamSet": [str(message.params.get(n, "")) for n in entry.get("params") or []],
                "SessionContext": message.outbox_key,
            },
            ensure_ascii=False,
        ).encode()
        endpoint = self.settings.get("endpoint") or DEFAULT_ENDPOINT
        host = httpx.URL(endpoint).netloc.decode()
        timestamp = int(time.time())
        signed = {"Content-Type": CONTENT_TYPE, "Host": host}
        headers = {
            **signed,
            "Authorization": tc3_authorization(
                secret_id=self.setting("secret_id"), secret_key=self.setting("secret_key"), service="sms",
                timestamp=timestamp, headers=signed, payload=payload,
            ),
            "X-TC-Action": "SendSms",
            "X-TC-Version": VERSION,
            "X-TC-Timestamp": str(timestamp),
            "X-TC-Region": self.settings.get("region") or "ap-guangzhou",
        }  # fmt: skip
        try:
            with self.client() as client:
                response = client.post(endpoint, content=payload, headers=headers)
            if response.status_code >= 500:
                response.raise_for_status()
            answer = response.json().get("Response") or {}
        except (httpx.HTTPError, ValueError, AttributeError) as exc:
            raise http_failure(exc, self.name) from exc
        error = answer.get("Error")
        if error:
            code = str(error.get("Code", ""))
            reason = f"{self.name}: {code} {error.get('Message', '')}".strip()[:300]
            raise SendFailed(reason, retry=code.startswith(RETRY_CODES))
        statuses = answer.get("SendStatusSet") or [{}]
        status = statuses[0]
        if str(status.get("Code", "")).lower() != "ok":
            code = str(status.get("Code", ""))
            reason = f"{self.name}: {code} {status.get('Message', '')}".strip()[:300]
            raise SendFailed(reason, retry=code.startswith(RETRY_CODES))
        return Sent(provider_message_id=str(status.get("SerialNo", "")))
