"""Names in the order a Chinese reader looks for them: by pinyin (陈 before 王 before 张), not by
Unicode code point (which puts 张 before 陈 and 王 last). Latin text sorts as itself, case aside."""

from functools import lru_cache

from pypinyin import lazy_pinyin


@lru_cache(maxsize=4096)
def pinyin_key(text: str | None) -> tuple[str, str]:
    """Sort key of a name: its pinyin, then the name itself (same pinyin, different characters)."""
    text = text or ""
    return " ".join(lazy_pinyin(text)).lower(), text
