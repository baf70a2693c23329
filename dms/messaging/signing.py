"""Request signatures of the providers, written from their documentation with hmac and hashlib
(the official SDKs pull in far more than two functions' worth). Each is checked in
tests/test_signing.py against the example the provider's documentation works through.

- Alibaba Cloud RPC APIs (dysmsapi SendSms, QuerySendDetails): signature version 1.0, HMAC-SHA1
  over "METHOD&%2F&" + the percent-encoded canonical query (parameters sorted by name, names and
  values percent-encoded by RFC 3986: A-Z a-z 0-9 - _ . ~ kept, a space is %20), with the
  AccessKey secret + "&" as the key, Base64.
- Tencent Cloud API 3.0 (sms SendSms 2021-01-11): TC3-HMAC-SHA256. A canonical request (method,
  "/", query, the signed headers content-type and host, the payload's SHA-256), a string to sign
  (algorithm, timestamp, date/service/tc3_request, the canonical request's SHA-256), signed with
  a key derived from "TC3" + secret through the UTC date, the service and "tc3_request".
- Webhooks (ours): X-OpenDMS-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>.
"""

import base64
import hashlib
import hmac
from datetime import UTC, datetime
from urllib.parse import quote


def percent_encode(value) -> str:
    """RFC 3986, as Alibaba Cloud's signature requires (a space is %20, * is %2A, ~ stays)."""
    return quote(str(value), safe="-_.~")


def aliyun_canonical_query(params: dict) -> str:
    return "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))


def aliyun_signature(params: dict, secret: str, method: str = "GET") -> str:
    """The `Signature` parameter (Base64, before URL encoding) of an RPC request with `params`
    (every parameter but Signature itself)."""
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(aliyun_canonical_query(params))}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def _sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _hmac256(key: bytes, msg: str) -> bytes:
    return hmac.new(key, msg.encode(), hashlib.sha256).digest()


def tc3_signature(
    *,
    secret_key: str,
    service: str,
    timestamp: int,
    headers: dict[str, str],
    payload: bytes,
    method: str = "POST",
    query: str = "",
) -> tuple[str, str]:
    """(signature hex, signed headers) of a Tencent Cloud API 3.0 request. `headers` are the
    headers to sign (at least content-type and host), as sent."""
    canonical = {k.strip().lower(): v.strip().lower() for k, v in headers.items()}
    names = sorted(canonical)
    signed_headers = ";".join(names)
    canonical_headers = "".join(f"{n}:{canonical[n]}\n" for n in names)
    canonical_request = "\n".join(
        [method, "/", query, canonical_headers, signed_headers, _sha256_hex(payload)]
    )
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    scope = f"{date}/{service}/tc3_request"
    string_to_sign = "\n".join(
        ["TC3-HMAC-SHA256", str(timestamp), scope, _sha256_hex(canonical_request.encode())]
    )
    key = _hmac256(_hmac256(_hmac256(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest(), signed_headers


def tc3_authorization(
    *, secret_id: str, secret_key: str, service: str, timestamp: int, headers: dict[str, str], payload: bytes
) -> str:
    """The Authorization header of a Tencent Cloud API 3.0 POST."""
    signature, signed_headers = tc3_signature(
        secret_key=secret_key, service=service, timestamp=timestamp, headers=headers, payload=payload
    )
    date = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{date}/{service}/tc3_request, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )


def webhook_signature(body: bytes, secret: str) -> str:
    """The X-OpenDMS-Signature header of a webhook delivery."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
