"""A local fake of the province's repair record platform (the national interface: platform.py), a
small http.server on 127.0.0.1 in a thread, built on messaging's fakes (FakeServer: `fail_with`,
`delay`, `requests`, `sent`, `wait_for`).

It VERIFIES what the platform verifies: the company code and password for a token; the token on
every upload (a token revoked or expired is refused with code 2); the record's required fields
and formats (code 0 with the platform's message); a settlement list number it has already for the
company (code 3: the record is there). It records the records it accepted in `sent`.
"""

import itertools
import json
import re

from dms.messaging.tests.fakes import FakeServer
from dms.records.models import TOKEN_PATH, UPLOAD_PATH

DATE = re.compile(r"^\d{8}$")


class FakePlatform(FakeServer):
    def __init__(self, *, company_code: str, password: str):
        super().__init__()
        self.company_code, self.password = company_code, password
        self.tokens: set[str] = set()
        self.token_requests = 0
        self._serial = itertools.count(1)

    def revoke_tokens(self) -> None:
        """The platform forgets every token it gave (they expired on its side)."""
        with self.lock:
            self.tokens.clear()

    def handle(self, request):
        try:
            body = json.loads(request["body"] or b"{}")
        except ValueError:
            return 400, {"code": "0", "status": "fail", "message": "请求不是JSON"}, False
        if request["method"] != "POST" or not isinstance(body, dict):
            return 405, {"code": "0", "status": "fail", "message": "仅支持POST"}, False
        if request["path"] == TOKEN_PATH:
            return self._token(body)
        if request["path"] == UPLOAD_PATH:
            return self._upload(body)
        return 404, {"code": "0", "status": "fail", "message": "接口不存在"}, False

    def _token(self, body):
        with self.lock:
            self.token_requests += 1
        if body.get("companycode") != self.company_code or body.get("companypassword") != self.password:
            return 200, {"code": "0", "status": "fail", "message": "企业编码或密码错误"}, False
        token = f"tok-{next(self._serial)}"
        with self.lock:
            self.tokens.add(token)
        return 200, {"code": "1", "status": "success", "access_token": token, "expires_in": 7200}, False

    def _upload(self, body):
        if body.get("access_token") not in self.tokens:
            return 200, {"code": "2", "status": "fail", "message": "access_token无效或已过期"}, False
        if body.get("companycode") != self.company_code:
            return 200, {"code": "0", "status": "fail", "message": "企业编码与令牌不符"}, False
        problems = []
        if len(str(body.get("vin", ""))) != 17:
            problems.append("vin应为17位")
        for name in ("repairdate", "settledate"):
            if not DATE.match(str(body.get(name, ""))):
                problems.append(f"{name}格式应为yyyyMMdd")
        for name in ("costlistcode", "faultdescription", "repairmileage"):
            if not str(body.get(name, "")).strip():
                problems.append(f"{name}不能为空")
        if not isinstance(body.get("repairprojectlist"), list) or not isinstance(
            body.get("vehiclepartslist"), list
        ):
            problems.append("repairprojectlist、vehiclepartslist应为数组")
        if problems:
            return 200, {"code": "0", "status": "fail", "message": "；".join(problems)}, False
        with self.lock:
            if any(s["costlistcode"] == body["costlistcode"] for s in self.sent):
                return 200, {"code": "3", "status": "fail", "message": "结算清单编号已存在"}, False
            record_id = f"R{next(self._serial):06d}"
            self.sent.append({**body, "recordid": record_id})
        return 200, {"code": "1", "status": "success", "message": "上传成功", "recordid": record_id}, True
