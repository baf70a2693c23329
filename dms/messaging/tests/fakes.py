"""Local fakes of the providers' HTTP APIs, each a small http.server on 127.0.0.1 in a thread.

Each fake VERIFIES what the real provider verifies — the request's signature, computed again with
the secret it was given (Alibaba Cloud RPC HMAC-SHA1, Tencent Cloud TC3-HMAC-SHA256), the
access_token (WeChat) — and checks the template and its parameters against the templates
"registered" with it; it records what it accepted in `sent`. Knobs for the tests:

- `fail_with`: HTTP statuses to answer to the next requests instead (e.g. [500, 500]);
- `delay`: seconds to wait after recording a message before answering (a worker killed meanwhile);
- `dedup`: drop a repeat of a request's idempotency key (the fakes of providers that do).
"""

import abc
import json
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from dms.messaging.signing import aliyun_signature, tc3_signature


class FakeServer(abc.ABC):
    def __init__(self):
        self.sent: list[dict] = []
        self.requests: list[dict] = []
        self.fail_with: list[int] = []
        self.delay = 0.0
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, status: int, body) -> None:
                data = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self):
                url = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = {
                    "method": self.command, "path": url.path, "query": dict(parse_qsl(url.query)),
                    "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body,
                }  # fmt: skip
                with fake.lock:
                    fake.requests.append(request)
                    failing = fake.fail_with.pop(0) if fake.fail_with else None
                if failing:
                    return self._answer(failing, {"error": "fake failure"})
                status, answer, recorded = fake.handle(request)
                if recorded and fake.delay:
                    time.sleep(fake.delay)
                return self._answer(status, answer)

            do_GET = do_POST = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    @abc.abstractmethod
    def handle(self, request) -> tuple[int, object, bool]:
        """Each fake's own answer to a request: (status, body, counts as sent)."""

    def wait_for(self, count: int, timeout: float = 20) -> bool:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if len(self.sent) >= count:
                return True
            time.sleep(0.02)
        return False


class FakeAliyun(FakeServer):
    """dysmsapi: SendSms and QuerySendDetails, GET with the RPC signature."""

    def __init__(self, *, access_key_id: str, secret: str, templates: dict[str, list[str]], sign_name: str):
        super().__init__()
        self.access_key_id, self.secret, self.templates, self.sign_name = (
            access_key_id,
            secret,
            templates,
            sign_name,
        )

    def handle(self, request):
        q = dict(request["query"])
        signature = q.pop("Signature", "")
        if q.get("AccessKeyId") != self.access_key_id:
            return (
                404,
                {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."},
                False,
            )
        if signature != aliyun_signature(q, self.secret, request["method"]):
            return (
                400,
                {"Code": "SignatureDoesNotMatch", "Message": "Specified signature is not matched."},
                False,
            )
        for name in (
            "SignatureMethod",
            "SignatureVersion",
            "SignatureNonce",
            "Timestamp",
            "Version",
            "Format",
        ):
            if not q.get(name):
                return 400, {"Code": "MissingParameter", "Message": name}, False
        if q.get("Action") == "QuerySendDetails":
            day = q.get("SendDate", "")
            found = [
                {"OutId": s["out_id"], "PhoneNum": s["phone"], "SendStatus": 1, "TemplateCode": s["template"],
                 "SendDate": s["at"]}
                for s in self.sent if s["phone"] == q.get("PhoneNumber") and s["day"] == day
            ]  # fmt: skip
            return (
                200,
                {"Code": "OK", "TotalCount": len(found), "SmsSendDetailDTOs": {"SmsSendDetailDTO": found}},
                False,
            )
        if q.get("Action") != "SendSms":
            return 400, {"Code": "InvalidAction", "Message": q.get("Action")}, False
        if q.get("SignName") != self.sign_name:
            return 200, {"Code": "isv.SMS_SIGNATURE_ILLEGAL", "Message": "签名不合法"}, False
        names = self.templates.get(q.get("TemplateCode", ""))
        if names is None:
            return 200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法"}, False
        params = json.loads(q.get("TemplateParam") or "{}")
        if sorted(params) != sorted(names) or not all(params.values()):
            return 200, {"Code": "isv.TEMPLATE_MISSING_PARAMETERS", "Message": "模板缺少变量"}, False
        with self.lock:
            biz_id = f"biz-{len(self.sent) + 1}"
            now = datetime.now(UTC)
            self.sent.append({
                "phone": q["PhoneNumbers"], "sign": q["SignName"], "template": q["TemplateCode"], "params": params,
                "out_id": q.get("OutId", ""), "biz_id": biz_id, "at": now.isoformat(),
                "day": now.astimezone(_china()).strftime("%Y%m%d"),
            })  # fmt: skip
        return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": "fake"}, True


def _china():
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


class FakeTencent(FakeServer):
    """sms 2021-01-11 SendSms, POST JSON with TC3-HMAC-SHA256."""

    def __init__(
        self, *, secret_id: str, secret_key: str, sdk_app_id: str, templates: dict[str, int], sign_name: str
    ):
        super().__init__()
        self.secret_id, self.secret_key, self.sdk_app_id = secret_id, secret_key, sdk_app_id
        self.templates, self.sign_name = templates, sign_name

    def _error(self, code: str, message: str):
        return 200, {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "fake"}}, False

    def handle(self, request):
        h = request["headers"]
        auth = h.get("authorization", "")
        try:
            algorithm, rest = auth.split(" ", 1)
            parts = dict(p.strip().split("=", 1) for p in rest.split(","))
            secret_id, date, service, _term = parts["Credential"].split("/")
        except ValueError:
            return self._error("AuthFailure.InvalidAuthorization", "Authorization is malformed.")
        if algorithm != "TC3-HMAC-SHA256" or secret_id != self.secret_id or service != "sms":
            return self._error("AuthFailure.SecretIdNotFound", "secret id")
        timestamp = int(h.get("x-tc-timestamp", "0"))
        if datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d") != date:
            return self._error("AuthFailure.SignatureFailure", "date")
        names = parts["SignedHeaders"].split(";")
        if "content-type" not in names or "host" not in names:
            return self._error("AuthFailure.SignatureFailure", "signed headers")
        expected, _signed = tc3_signature(
            secret_key=self.secret_key, service="sms", timestamp=timestamp,
            headers={n: h.get(n, "") for n in names}, payload=request["body"], method=request["method"],
        )  # fmt: skip
        if parts["Signature"] != expected:
            return self._error(
                "AuthFailure.SignatureFailure", "The provided credentials could not be validated."
            )
        if h.get("x-tc-action") != "SendSms" or h.get("x-tc-version") != "2021-01-11":
            return self._error("InvalidAction", "action or version")
        body = json.loads(request["body"])
        if body.get("SmsSdkAppId") != self.sdk_app_id:
            return self._error("FailedOperation.SmsSdkAppIdVerifyFail", "SdkAppId")
        if body.get("SignName") != self.sign_name:
            return self._error("FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误")
        count = self.templates.get(body.get("TemplateId"))
        params = body.get("TemplateParamSet") or []
        if count is None:
            return self._error("FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配")
        if len(params) != count or not all(params):
            return self._error("InvalidParameterValue.TemplateParameterFormatError", "模板参数格式错误")
        with self.lock:
            serial = f"serial-{len(self.sent) + 1}"
            self.sent.append({
                "phone": body["PhoneNumberSet"][0], "template": body["TemplateId"], "params": params,
                "session": body.get("SessionContext", ""), "sign": body["SignName"],
            })  # fmt: skip
        status = {"SerialNo": serial, "PhoneNumber": body["PhoneNumberSet"][0], "Fee": 1, "Code": "Ok",
                  "Message": "send success", "SessionContext": body.get("SessionContext", "")}  # fmt: skip
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": "fake"}}, True


class FakeWeChat(FakeServer):
    """cgi-bin/token and cgi-bin/message/template/send of an Official Account."""

    def __init__(self, *, app_id: str, app_secret: str, templates: dict[str, list[str]]):
        super().__init__()
        self.app_id, self.app_secret, self.templates = app_id, app_secret, templates
        self.tokens: set[str] = set()
        self.token_requests = 0
        self.seen: dict[tuple[str, str], int] = {}
        self.codes: dict[str, str] = {}  # authorisation code -> the openid of whoever authorised

    def authorise(self, openid: str) -> str:
        """What WeChat does when the visitor agrees: a one-time code for their openid."""
        code = f"CODE-{len(self.codes) + 1}-{openid[-4:]}"
        with self.lock:
            self.codes[code] = openid
        return code

    def handle(self, request):
        q = request["query"]
        if request["path"] == "/cgi-bin/token":
            if q.get("grant_type") != "client_credential" or (q.get("appid"), q.get("secret")) != (
                self.app_id, self.app_secret,
            ):  # fmt: skip
                return 200, {"errcode": 40013, "errmsg": "invalid appid"}, False
            with self.lock:
                self.token_requests += 1
                token = f"TOKEN-{self.token_requests}"
                self.tokens.add(token)
            return 200, {"access_token": token, "expires_in": 7200}, False
        if (
            request["path"] == "/sns/oauth2/access_token"
        ):  # web authorisation: a code for the visitor's openid
            if (q.get("appid"), q.get("secret"), q.get("grant_type")) != (
                self.app_id, self.app_secret, "authorization_code",
            ):  # fmt: skip
                return 200, {"errcode": 40013, "errmsg": "invalid appid"}, False
            with self.lock:
                openid = self.codes.pop(q.get("code", ""), None)  # a code is good once
            if openid is None:
                return 200, {"errcode": 40029, "errmsg": "invalid code"}, False
            return (
                200,
                {"access_token": "WEB-TOKEN", "expires_in": 7200, "openid": openid, "scope": "snsapi_base"},
                False,
            )
        if request["path"] != "/cgi-bin/message/template/send":
            return 404, {"errcode": 404, "errmsg": "not found"}, False
        if q.get("access_token") not in self.tokens:
            return (
                200,
                {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid or not latest"},
                False,
            )
        body = json.loads(request["body"])
        fields = self.templates.get(body.get("template_id"))
        if fields is None:
            return 200, {"errcode": 40037, "errmsg": "invalid template_id"}, False
        data = body.get("data") or {}
        if sorted(data) != sorted(fields) or not all(v.get("value") for v in data.values()):
            return 200, {"errcode": 47003, "errmsg": "argument invalid! data.xxx.value empty"}, False
        key = (body.get("touser", ""), body.get("client_msg_id", ""))
        with self.lock:
            if key[1] and key in self.seen:  # WeChat: one message per openid and client_msg_id
                return 200, {"errcode": 0, "errmsg": "ok", "msgid": self.seen[key]}, False
            msgid = 1000 + len(self.sent)
            self.seen[key] = msgid
            self.sent.append({"openid": key[0], "template": body["template_id"], "data": data,
                              "url": body.get("url", ""), "client_msg_id": key[1]})  # fmt: skip
        return 200, {"errcode": 0, "errmsg": "ok", "msgid": msgid}, True

    def expire_tokens(self):
        self.tokens.clear()


class Receiver(FakeServer):
    """A webhook receiver: answers the statuses in `answers` in turn (then 200), records every
    delivery it answered 2xx to."""

    def __init__(self, answers: list[int] | None = None):
        super().__init__()
        self.answers = list(answers or [])

    def handle(self, request):
        with self.lock:
            status = self.answers.pop(0) if self.answers else 200
        if status >= 300:
            return status, {"ok": False}, False
        with self.lock:
            self.sent.append({"headers": request["headers"], "body": request["body"]})
        return status, {"ok": True}, True
