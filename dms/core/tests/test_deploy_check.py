"""`manage.py check --deploy` with production settings (DJANGO_ENV=production, a long secret key, the
public address, the host name) finds nothing: HSTS, secure cookies, the proxy's scheme header and the
rest are set. The three checks silenced there are the intended choices docs/operations.md explains
(the proxy redirects to HTTPS; HSTS without subdomains and preload unless asked for)."""

import json
import os
import secrets
import string
import subprocess
import sys

import pytest
from django.conf import settings

SCRIPT = """
import io, json, django
django.setup()
from django.conf import settings as s
from django.core.management import call_command
out = io.StringIO()
call_command("check", deploy=True, fail_level="WARNING", stdout=out, stderr=out)
print(json.dumps({
    "check": out.getvalue().strip(),
    "silenced": sorted(s.SILENCED_SYSTEM_CHECKS),
    "hsts": s.SECURE_HSTS_SECONDS, "subdomains": s.SECURE_HSTS_INCLUDE_SUBDOMAINS,
    "proxy": s.SECURE_PROXY_SSL_HEADER, "redirect": s.SECURE_SSL_REDIRECT,
    "cookies": [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE],
    "debug": s.DEBUG, "log_format": s.DMS_LOG_FORMAT,
}))
"""


def run_production(tmp_path, **extra) -> dict:
    key = "".join(secrets.choice(string.ascii_letters + string.digits + "!@#%^&*(-_=+)") for _ in range(50))
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DMS_"))},
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DJANGO_ENV": "production",
        "DJANGO_SECRET_KEY": key,
        "DMS_PUBLIC_BASE_URL": "https://dms.example.cn",
        "DJANGO_ALLOWED_HOSTS": "dms.example.cn",
        "DMS_VAR_DIR": str(tmp_path),
        **extra,
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.real_clock
def test_the_deploy_checks_find_nothing_with_production_settings(tmp_path):
    found = run_production(tmp_path)
    assert found["check"] == "System check identified no issues (3 silenced)."
    assert found["silenced"] == ["security.W005", "security.W008", "security.W021"]
    assert found["hsts"] == 31536000 and found["subdomains"] is False
    assert found["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"] and found["redirect"] is False
    assert found["cookies"] == [True, True] and found["debug"] is False
    assert found["log_format"] == "json"


@pytest.mark.real_clock
def test_each_choice_can_be_changed_from_the_environment(tmp_path):
    found = run_production(
        tmp_path,
        DJANGO_SSL_REDIRECT="1",
        DJANGO_HSTS_INCLUDE_SUBDOMAINS="1",
        DMS_BEHIND_PROXY="0",
        DMS_LOG_FORMAT="text",
    )
    assert found["redirect"] is True and found["subdomains"] is True and found["proxy"] is None
    assert found["silenced"] == ["security.W021"] and found["log_format"] == "text"
    assert found["check"] == "System check identified no issues (1 silenced)."
