"""WeChat Official Account template messages (cgi-bin/message/template/send) to customers who
linked their WeChat (Recipient.wechat_openid, the openid under this Official Account).

Settings (ChannelConfig.settings): app_id, app_secret, endpoint (default https://api.weixin.qq.com),
templates {kind: {"id": "template id", "fields": {template field: parameter name}, "url":
parameter name of the link (default: the kind's link)}}.

The access_token (cgi-bin/token, valid about two hours) is kept on the ChannelConfig and shared by
every worker until five minutes before it expires; an answer saying it is invalid or expired
fetches a new one and sends once more.

Exactly once: the request carries client_msg_id = the message's outbox_key, and WeChat sends one
message per openid and client_msg_id within 10 minutes, so a message sent again after a lost
answer (outbox.py) is dropped by WeChat (`dedups`).
"""

from datetime import timedelta

import httpx
from django.utils import timezone

from ..kinds import KINDS
from ..models import ChannelConfig
from .base import Provider, SendFailed, Sent, http_failure

DEFAULT_ENDPOINT = "https://api.weixin.qq.com"
TOKEN_INVALID = {40001, 40014, 42001}
RETRY_CODES = {-1, 45009, 45011}  # system busy, API quota, too frequent


class WeChatTemplate(Provider):
    name = "wechat"
    dedups = True

    def _endpoint(self) -> str:
        return (self.settings.get("endpoint") or DEFAULT_ENDPOINT).rstrip("/")

    def _get(self, client: httpx.Client, method: str, url: str, **kw) -> dict:
        try:
            response = client.request(method, url, **kw)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise http_failure(exc, self.name) from exc

    def access_token(self, client: httpx.Client, *, fresh: bool = False) -> str:
        config = self.config
        now = timezone.now()
        if (
            not fresh
            and config.access_token
            and config.access_token_expires_at
            and config.access_token_expires_at > now
        ):
            return config.access_token
        answer = self._get(
            client, "GET", f"{self._endpoint()}/cgi-bin/token",
            params={"grant_type": "client_credential", "appid": self.setting("app_id"),
                    "secret": self.setting("app_secret")},
        )  # fmt: skip
        token = answer.get("access_token")
        if not token:
            code = answer.get("errcode")
            raise SendFailed(
                f"{self.name}: token {code} {answer.get('errmsg', '')}"[:300], retry=code in RETRY_CODES
            )
        expires = now + timedelta(seconds=max(60, int(answer.get("expires_in", 7200)) - 300))
        ChannelConfig.objects.filter(pk=config.pk).update(access_token=token, access_token_expires_at=expires)
        config.access_token, config.access_token_expires_at = token, expires
        return token

    def send(self, message) -> Sent:
        entry = self.template(message)
        fields = entry.get("fields") or {}
        link = entry.get("url") or (KINDS[message.kind].link if message.kind in KINDS else "")
        body = {
            "touser": message.address,
            "template_id": str(entry.get("id") or ""),
            "data": {field: {"value": str(message.params.get(name, ""))} for field, name in fields.items()},
            "client_msg_id": message.outbox_key,
        }
        if link and message.params.get(link):
            body["url"] = str(message.params[link])
        with self.client() as client:
            answer = {}
            for fresh in (False, True):
                token = self.access_token(client, fresh=fresh)
                answer = self._get(
                    client, "POST", f"{self._endpoint()}/cgi-bin/message/template/send",
                    params={"access_token": token}, json=body,
                )  # fmt: skip
                if answer.get("errcode") not in TOKEN_INVALID:
                    break
        code = answer.get("errcode", 0)
        if code != 0:
            raise SendFailed(
                f"{self.name}: {code} {answer.get('errmsg', '')}"[:300], retry=code in RETRY_CODES
            )
        return Sent(provider_message_id=str(answer.get("msgid", "")))
