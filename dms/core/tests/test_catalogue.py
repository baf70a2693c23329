"""The Simplified Chinese catalogue is complete, keeps every placeholder and compiles.

Strings added to the code after the last `make messages` are not caught here (that needs GNU
gettext and is slow): run `make messages` and `tools/translate_zh.py` when adding strings.
"""

import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.test import override_settings
from django.utils import translation

ROOT = Path(__file__).resolve().parents[3]
ZH_PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"

# %(name)s, %(n)d, %s, %.2f ...; "%%" is a literal percent sign, counted as well.
PYTHON_FORMAT = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]")
BRACE_FORMAT = re.compile(r"\{[^{}]*\}")
HTML_TAG = re.compile(r"</?[a-zA-Z][^>]*>")

# Browser tests and users rely on these exact words.
REQUIRED = {
    "Username": "用户名",
    "Password": "密码",
    "Sign in": "登录",
    "Sign out": "退出",
    "Customers": "客户",
    "Vehicles": "车辆",
    "Today": "今日",
    "name": "姓名",
    "title": "称呼",
    "mobile": "手机",
    "Consents to marketing messages (SMS, WeChat, calls)": "同意接收营销信息（短信、微信、电话）",
    "Open the customer file": "建立客户档案",
    "New customer": "新建客户",
    "Add vehicle": "添加车辆",
    "VIN": "VIN",
    "plate": "车牌",
    "brand": "品牌",
    "model": "车型",
    "mileage (km)": "里程（km）",
    "Register vehicle": "登记车辆",
    "Search": "搜索",
    "How to serve this customer": "如何服务这位客户",
    "Value tier": "价值分级",
    "Loyal": "忠诚客户",
    "Opportunity": "机会客户",
    "Marginal": "边缘客户",
    "Lost": "流失客户",
    "Dominant": "主导型",
    "Analytical": "分析型",
    "Social": "社交型",
    "Service advisor": "服务顾问",
    "Mr": "先生",
    "Ms": "女士",
}


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(ZH_PO))


def _live(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete]


def _msgstrs(entry: polib.POEntry) -> list[str]:
    if entry.msgid_plural:
        return [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
    return [entry.msgstr]


def test_every_entry_is_translated(catalogue):
    untranslated = [e.msgid for e in _live(catalogue) if not all(_msgstrs(e))]
    assert not untranslated, f"{len(untranslated)} untranslated msgid(s): {untranslated}"


def test_no_entry_is_fuzzy(catalogue):
    fuzzy = [e.msgid for e in _live(catalogue) if "fuzzy" in e.flags]
    assert not fuzzy, f"fuzzy entries are ignored at run time; check and unflag: {fuzzy}"
    assert not catalogue.metadata_is_fuzzy, "the header is marked fuzzy"


def test_plural_forms_is_one_form(catalogue):
    assert catalogue.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    wrong = [e.msgid for e in _live(catalogue) if e.msgid_plural and sorted(e.msgstr_plural) != [0]]
    assert not wrong, f"zh_Hans plural entries have exactly msgstr[0]: {wrong}"


def _placeholders(entry: polib.POEntry, text: str) -> Counter:
    found: Counter = Counter()
    if "python-format" in entry.flags:
        found.update(PYTHON_FORMAT.findall(text))
    if "python-brace-format" in entry.flags:
        found.update(BRACE_FORMAT.findall(text))
    return found


def test_placeholders_are_kept(catalogue):
    offenders = []
    for entry in _live(catalogue):
        wanted = set(_placeholders(entry, entry.msgid)) | set(_placeholders(entry, entry.msgid_plural or ""))
        for msgstr in _msgstrs(entry):
            if not msgstr:
                continue
            got = set(_placeholders(entry, msgstr))
            if got != wanted:
                offenders.append(f"{entry.msgid!r}: want {sorted(wanted)}, got {sorted(got)} in {msgstr!r}")
    assert not offenders, "placeholders differ:\n" + "\n".join(offenders)


def test_html_and_edge_whitespace_are_kept(catalogue):
    offenders = []
    for entry in _live(catalogue):
        for msgstr in _msgstrs(entry):
            if not msgstr:
                continue
            if sorted(HTML_TAG.findall(entry.msgid)) != sorted(HTML_TAG.findall(msgstr)):
                offenders.append(f"{entry.msgid!r}: HTML tags differ in {msgstr!r}")
            for edge in (str.startswith, str.endswith):
                for ws in ("\n", " "):
                    if edge(entry.msgid, ws) != edge(msgstr, ws):
                        offenders.append(f"{entry.msgid!r}: leading/trailing {ws!r} differs in {msgstr!r}")
    assert not offenders, "\n".join(offenders)


def test_required_translations(catalogue):
    by_msgid = {e.msgid: e.msgstr for e in _live(catalogue) if not e.msgctxt and not e.msgid_plural}
    wrong = {k: by_msgid.get(k) for k, v in REQUIRED.items() if by_msgid.get(k) != v}
    assert not wrong, f"required translations differ (msgid: current msgstr): {wrong}"
    check_digit = by_msgid[
        "The VIN's check digit (9th character) is %(got)s but should be %(want)s: a character is mistyped."
    ]
    assert "校验位" in check_digit
    mobile = by_msgid["%(value)s is not a valid mainland mobile number (11 digits starting with 1)."]
    assert "不是有效的大陆手机号" in mobile


def test_compiled_catalogue_is_used(catalogue, tmp_path):
    mo_dir = tmp_path / "zh_Hans" / "LC_MESSAGES"
    mo_dir.mkdir(parents=True)
    catalogue.save_as_mofile(str(mo_dir / "django.mo"))
    # Changing LOCALE_PATHS resets Django's cached catalogues (django.test.signals).
    with override_settings(LOCALE_PATHS=[tmp_path]), translation.override("zh-hans"):
        assert translation.gettext("Sign in") == "登录"
        vehicles = translation.ngettext("%(n)s vehicle", "%(n)s vehicles", 3) % {"n": 3}
        assert "3" in vehicles and "辆" in vehicles
    with override_settings(LOCALE_PATHS=[tmp_path]), translation.override("en"):
        assert translation.gettext("Sign in") == "Sign in"


def test_a_word_with_a_context_has_its_own_chinese():
    """tools/translate_zh.py fills "context\\x04msgid" entries apart from the same msgid elsewhere."""
    with translation.override("zh-hans"):
        assert translation.gettext("Open") == "已开单"  # an order
        assert translation.pgettext("complaint case", "Open") == "待受理"
        assert translation.pgettext("complaint cases", "Open") == "未结"
        assert translation.pgettext("message state", "Delivered") == "已送达"
        assert translation.pgettext("prospect", "Lost") == "已战败"
        assert translation.gettext("Lost") == "流失客户"  # a value tier
