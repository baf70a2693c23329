"""Rules of the customer file: mainland mobile numbers and the search keys of a Chinese name."""

import re

import phonenumbers
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

from dms.core.errors import DomainError


def validate_mobile(raw: str, *, field: str = "mobile") -> str:
    """A mainland mobile number as its 11 national digits, or DomainError."""
    digits = re.sub(r"[\s\-()]", "", raw or "")
    if not digits:
        raise DomainError(_("Enter a mobile number."), field=field)
    try:
        number = phonenumbers.parse(digits, "CN")
    except phonenumbers.NumberParseException:
        raise DomainError(_("%(value)s is not a phone number.") % {"value": raw}, field=field) from None
    national = str(number.national_number)
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise DomainError(
            _("%(value)s is not a valid mainland mobile number (11 digits starting with 1).")
            % {"value": raw},
            field=field,
        )
    if phonenumbers.number_type(number) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise DomainError(_("%(value)s is a landline, not a mobile number.") % {"value": raw}, field=field)
    return national


def mask_mobile(mobile: str) -> str:
    if len(mobile) == 11:
        return f"{mobile[:3]}****{mobile[7:]}"
    return "****" if mobile else ""


# Two-character surnames (复姓): the given name starts after them.
COMPOUND_SURNAMES = frozenset((
    "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙", "宇文", "司徒", "夏侯",
    "令狐", "端木", "南宫", "万俟", "独孤", "轩辕", "西门", "呼延", "单于", "澹台", "钟离", "赫连", "申屠",
    "闻人", "百里", "东郭", "太史", "公冶", "濮阳", "淳于", "仲孙", "太叔", "宗政", "公良", "拓跋", "第五",
))  # fmt: skip
# Surnames read differently from the same character elsewhere (曾 zēng, not céng): pypinyin reads
# the character as a word, so a customer called 曾小贤 would not be found by "zengxiaoxian".
SURNAME_READINGS = {
    "曾": "zeng", "单": "shan", "解": "xie", "仇": "qiu", "区": "ou", "朴": "piao", "查": "zha",
    "盖": "ge", "覃": "qin", "缪": "miao", "翟": "zhai", "种": "chong", "重": "chong", "秘": "bi",
    "折": "she", "乐": "yue", "召": "shao", "隗": "wei", "繁": "po", "员": "yun", "能": "nai",
    "黑": "he", "卜": "bu", "阚": "kan", "句": "gou", "藏": "zang",
}  # fmt: skip
_CJK = re.compile(r"[\u3400-\u9fff]")


def _letters(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def surname_of(name: str) -> str:
    """The surname of a Chinese name, compound surnames kept whole (欧阳晓明: 欧阳)."""
    cleaned = re.sub(r"\s+", "", name or "")
    return cleaned[:2] if cleaned[:2] in COMPOUND_SURNAMES else cleaned[:1]


def name_keys(name: str) -> dict[str, str]:
    """Search keys for a name: full pinyin and initials (zhangsan, zs) and the given name (三).

    A compound surname is kept whole (欧阳娜娜: given name 娜娜), a surname is read as a surname
    (曾 zeng), and a name in Latin letters gives one initial per word (John Smith: js) and its
    last word as the tail (smith), so that the family name finds it whichever way round it is
    written (Smith John: its pinyin starts with smith)."""
    cleaned = re.sub(r"\s+", "", name or "")
    if not _CJK.match(cleaned[:1]):
        words = [w for w in (_letters(w) for w in (name or "").split()) if w]
        return _fit(
            {
                "name_pinyin": "".join(words),
                "name_initials": "".join(w[0] for w in words),
                "name_tail": words[-1] if len(words) > 1 else "",
            }
        )
    surname = surname_of(cleaned)
    given = cleaned[len(surname) :]
    if surname in SURNAME_READINGS:
        syllables = [SURNAME_READINGS[surname]]
    else:
        syllables = lazy_pinyin(surname, errors="default")
    syllables += lazy_pinyin(given, errors="default") if given else []
    syllables = [_letters(s) for s in syllables]
    return _fit(
        {
            "name_pinyin": "".join(syllables),
            "name_initials": "".join(s[:1] for s in syllables),
            "name_tail": given,
        }
    )


def _fit(keys: dict[str, str]) -> dict[str, str]:
    """Cut the keys to their columns' lengths: a long company name must not fail to save."""
    limits = {"name_pinyin": 120, "name_initials": 30, "name_tail": 50}
    return {k: v[: limits[k]] for k, v in keys.items()}
