"""What a browser is told about every page: a content security policy that allows scripts from the
app's files only (so no template may carry an inline script or event handler), no framing, no
sniffing, no referrer to other sites; HSTS over HTTPS behind the proxy in production; static files by
hashed names."""

import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.templatetags.static import static
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db
ROOT = Path(settings.BASE_DIR)


def test_a_page_and_an_api_answer_carry_the_policy_and_the_headers():
    for path in ("/login/", "/api/v1/no-such-thing", "/c/no-such-link/"):
        r = Client().get(path)
        policy = r["Content-Security-Policy"]
        assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy, path
        assert "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
        assert r["X-Frame-Options"] == "DENY"
        assert r["X-Content-Type-Options"] == "nosniff"
        assert r["Referrer-Policy"] == "same-origin"


def test_no_template_has_an_inline_script_or_event_handler():
    """The policy would block them: behaviour goes in a static .js file (core/app.js wires
    data-autosubmit and data-confirm). A <script type="application/json"> holds data, not code."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=\s*[\"']", re.I)
    javascript_url = re.compile(r"(href|action|src)\s*=\s*[\"']\s*javascript:", re.I)
    found = []
    for template in sorted((ROOT / "dms").glob("*/templates/**/*.html")):
        text = template.read_text(encoding="utf-8")
        for pattern in (inline_script, handler, javascript_url):
            found += [f"{template.relative_to(ROOT)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert found == []


def test_hsts_over_https_behind_the_proxy():
    with override_settings(
        SECURE_HSTS_SECONDS=31536000, SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https")
    ):
        client = Client()
        secure = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
        plain = client.get("/login/")
    assert secure["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in plain  # never over plain HTTP (browsers ignore it there)


def test_static_files_are_named_by_their_hash_when_collected(tmp_path):
    (tmp_path / "core").mkdir()
    (tmp_path / "core" / "app.css").write_text("body{}")
    manifest = {"version": "1.1", "paths": {"core/app.css": "core/app.0123456789ab.css"}, "hash": "x"}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    with override_settings(STATIC_ROOT=tmp_path, DEBUG=False, DMS_STATIC_HASHED_NAMES=True):
        assert static("core/app.css") == "/static/core/app.0123456789ab.css"
        # A file collectstatic has not seen yet keeps its plain name instead of failing the page.
        assert static("core/not-collected.js") == "/static/core/not-collected.js"
        assert Client().get("/login/").status_code == 200
    with override_settings(STATIC_ROOT=tmp_path, DEBUG=False, DMS_STATIC_HASHED_NAMES=False):
        assert static("core/app.css") == "/static/core/app.css"  # the test suite's live server


def test_production_links_hashed_names_that_whitenoise_serves(tmp_path):
    """collectstatic as `make build` runs it, then a page and its stylesheet as production serves them."""
    from django.core.management import call_command

    with override_settings(
        STATIC_ROOT=tmp_path, DEBUG=False, DMS_STATIC_HASHED_NAMES=True, WHITENOISE_AUTOREFRESH=False
    ):
        call_command("collectstatic", interactive=False, verbosity=0, ignore_patterns=["ninja"])
        css = static("core/app.css")
        assert re.fullmatch(r"/static/core/app\.[0-9a-f]{12}\.css", css)
        client = Client()  # WhiteNoise reads STATIC_ROOT when the client's handler is made
        assert css in client.get("/login/").content.decode()
        r = client.get(css, HTTP_ACCEPT_ENCODING="gzip")
        assert r.status_code == 200 and r["Content-Encoding"] == "gzip"
        assert "immutable" in r["Cache-Control"]
