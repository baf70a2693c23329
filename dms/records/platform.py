"""The province's platform of the electronic repair record, as the national interface
(全国汽车维修电子健康档案系统, 数据对接) has it: two JSON calls over HTTPS.

1. The access token: POST <base><token_path> `{"companycode", "companypassword"}` →
   `{"code": "1", "status": "success", "access_token", "expires_in"?}`; wrong credentials answer
   another code with a `message`. The token is kept on the store's PlatformSettings (sealed) and
   shared by every worker until it expires (`expires_in` seconds, or 2 hours when the platform
   does not say), less a minute.
2. The record: POST <base><upload_path> `{"access_token", "companycode", <the record>}` (the record's
   fields: build.py) → `{"code": "1", "status": "success", "message"?, "recordid"?}`.

How an answer is read (`Outcome`):

- code "1" (or status "success"): uploaded;
- the token refused (HTTP 401, or code "2"): a new token is asked for and the record sent once
  more in the same attempt;
- the record already there (code "3": a settlement list number the platform has for this
  company): uploaded — the platform's own key makes a repeat harmless, which is how an upload whose
  answer was lost (a worker killed after the platform took it) happens exactly once;
- HTTP 5xx, 429, a timeout, a connection refused or reset: worth retrying (with the outbox's
  backoff);
- anything else (a refused field, wrong credentials, HTTP 4xx): failed with the platform's
  message, not retried: it needs a person (the settings, the order's data).

The platform's address is the store administrator's setting and the worker calls it from inside the
data centre, so, as for webhooks, only public addresses are called (checked when it is set and
before every call) unless DMS_RECORDS_ALLOW_PRIVATE is set (a province platform reached over a
private line).
"""

import ipaddress
import socket
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import PlatformSettings

OK, TOKEN_REFUSED, DUPLICATE = "1", "2", "3"
DEFAULT_TOKEN_SECONDS = 7200


class UploadFailed(Exception):
    def __init__(self, reason: str, *, retry: bool, http_status: int | None = None):
        super().__init__(reason)
        self.reason, self.retry, self.http_status = reason, retry, http_status


@dataclass(frozen=True)
class Uploaded:
    platform_record_id: str
    duplicate: bool
    http_status: int
    message: str = ""


# --- Where the platform may be -------------------------------------------------------------------


def _private(address: str) -> bool:
    try:
        return not ipaddress.ip_address(address.split("%", 1)[0]).is_global
    except ValueError:
        return False


def _local_name(host: str) -> bool:
    host = host.rstrip(".").lower()
    return host == "localhost" or host.endswith((".localhost", ".local", ".internal"))


def literal_unsafe(url: str) -> str:
    """Why `url` may not be set as a platform address, from the URL alone ("" when it may)."""
    if settings.DMS_RECORDS_ALLOW_PRIVATE:
        return ""
    host = urlsplit(url).hostname or ""
    if _local_name(host) or _private(host):
        return _("%(host)s is not a public address: the platform is called on the internet only.") % {
            "host": host
        }
    return ""


def unsafe_target(url: str) -> str:
    """Why `url` may not be called now ("" when it may): a non-public address, or none at all."""
    if settings.DMS_RECORDS_ALLOW_PRIVATE:
        return ""
    literal = literal_unsafe(url)
    if literal:
        return literal
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        infos = socket.getaddrinfo(
            host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except (socket.gaierror, UnicodeError):
        return _("%(host)s cannot be resolved.") % {"host": host}
    private = sorted({info[4][0] for info in infos if _private(info[4][0])})
    if private:
        return _("%(host)s resolves to a non-public address (%(ip)s): not called.") % {
            "host": host, "ip": ", ".join(private),
        }  # fmt: skip
    return ""


# --- The calls ------------------------------------------------------------------------------------


def _url(config: PlatformSettings, path: str) -> str:
    return config.base_url.rstrip("/") + "/" + path.lstrip("/")


def _code(answer: dict) -> str:
    code = answer.get("code")
    if code is None and str(answer.get("status", "")).lower() == "success":
        return OK
    return str(code) if code is not None else ""


def _message(answer: dict) -> str:
    return str(answer.get("message") or answer.get("msg") or "")[:250]


def _post(client: httpx.Client, url: str, body: dict) -> tuple[int, dict]:
    """POST JSON; (HTTP status, the answer as a dict). Raises UploadFailed for what is retried."""
    unsafe = unsafe_target(url)
    if unsafe:
        raise UploadFailed(unsafe, retry=False)
    try:
        response = client.post(url, json=body, headers={"User-Agent": "OpenDMS-Records/1"})
    except httpx.TimeoutException as exc:
        raise UploadFailed(
            _("The platform did not answer in time (%(e)s).") % {"e": type(exc).__name__}, retry=True
        ) from None
    except httpx.HTTPError as exc:
        raise UploadFailed(
            _("The platform cannot be reached: %(e)s") % {"e": f"{type(exc).__name__}: {exc}"[:200]},
            retry=True,
        ) from None
    status = response.status_code
    if status >= 500 or status == 429:
        raise UploadFailed(
            _("The platform answered HTTP %(s)s.") % {"s": status}, retry=True, http_status=status
        )
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        if status == 401:
            return status, {"code": TOKEN_REFUSED}
        raise UploadFailed(
            _("The platform answered HTTP %(s)s without a JSON object.") % {"s": status},
            retry=False, http_status=status,
        )  # fmt: skip
    if status == 401:
        answer = {**answer, "code": TOKEN_REFUSED}
    elif status >= 400:
        raise UploadFailed(
            _("The platform refused the request (HTTP %(s)s): %(m)s") % {"s": status, "m": _message(answer) or "—"},
            retry=False, http_status=status,
        )  # fmt: skip
    return status, answer


def _token(client: httpx.Client, config: PlatformSettings, *, renew: bool) -> str:
    from dms.messaging.vault import unseal

    now = timezone.now()
    if (
        not renew
        and config.access_token
        and config.access_token_expires_at
        and config.access_token_expires_at > now
    ):
        return unseal(config.access_token)
    status, answer = _post(
        client, _url(config, config.token_path),
        {"companycode": config.company_code, "companypassword": config.plain_password},
    )  # fmt: skip
    inner = answer.get("data")
    token = answer.get("access_token") or (inner.get("access_token") if isinstance(inner, dict) else None)
    if _code(answer) != OK or not token:
        raise UploadFailed(
            _("The platform did not give an access token: %(m)s") % {"m": _message(answer) or _("no reason given")},
            retry=False, http_status=status,
        )  # fmt: skip
    try:
        seconds = int(answer.get("expires_in") or DEFAULT_TOKEN_SECONDS)
    except (TypeError, ValueError):
        seconds = DEFAULT_TOKEN_SECONDS
    config.access_token = str(token)
    config.access_token_expires_at = now + timedelta(seconds=max(60, seconds) - 60)
    config.save(update_fields=["access_token", "access_token_expires_at"])
    return str(token)


def upload(config: PlatformSettings, data: dict) -> Uploaded:
    """Upload one record (its `data`, build.py) with the store's platform settings."""
    with httpx.Client(timeout=settings.DMS_OUTBOX_HTTP_TIMEOUT, follow_redirects=False) as client:
        renewed = False
        token = _token(client, config, renew=False)
        while True:
            body = {"access_token": token, "companycode": config.company_code, **data}
            status, answer = _post(client, _url(config, config.upload_path), body)
            code = _code(answer)
            if code == TOKEN_REFUSED and not renewed:
                renewed = True
                token = _token(client, config, renew=True)
                continue
            if code in (OK, DUPLICATE):
                return Uploaded(
                    platform_record_id=str(answer.get("recordid") or answer.get("id") or "")[:100],
                    duplicate=code == DUPLICATE, http_status=status, message=_message(answer),
                )  # fmt: skip
            if code == TOKEN_REFUSED:
                raise UploadFailed(
                    _("The platform refused a new access token too."), retry=True, http_status=status
                )
            raise UploadFailed(
                _("The platform refused the record: %(m)s") % {"m": _message(answer) or _("no reason given")},
                retry=False, http_status=status,
            )  # fmt: skip
