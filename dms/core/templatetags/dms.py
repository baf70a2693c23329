"""Small template helpers shared by the apps."""

from decimal import Decimal, InvalidOperation
from pathlib import Path

from django import template
from django.contrib.staticfiles import finders
from django.utils.safestring import mark_safe
from django.utils.translation import ngettext, pgettext

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`{{ stock|get_item:line.part_id }}`: a dict lookup by a variable key (None when absent)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def inline_static(path: str) -> str:
    """`{% inline_static "reception/car_outline.css" %}`: a static file's text, for a document that
    is rendered without fetching anything (the printed PDFs get one inline stylesheet)."""
    found = finders.find(path)
    if not found:
        raise template.TemplateSyntaxError(f"inline_static: no static file {path!r}")
    return mark_safe(Path(found).read_text(encoding="utf-8"))  # noqa: S308 - our own static file


@register.simple_tag
def colon() -> str:
    """`{% translate "Consultant" %}{% colon %}{{ name }}`: the colon between a label and its value as
    each language writes it, ": " in English and the full-width "：" (no space after it) in Chinese.
    The label keeps its own msgid, so the same word serves as a column head and before a value. The
    catalogue holds the mark alone (its entries keep their edge whitespace); a half-width colon is
    followed by a space, a full-width one carries its own."""
    mark = pgettext("between a label and its value", ":")
    return mark if mark == "：" else f"{mark} "


@register.filter
def money(value) -> str:
    """`{{ q.total|money }}`: an amount with two decimals and thousands grouped (179,800.00), as
    prices are printed in China; "" for nothing, the value as given when it is not a number."""
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except (InvalidOperation, ValueError):
        return str(value)


@register.filter
def grouped(value) -> str:
    """`{{ order.mileage_in|grouped }} km`: a whole number with its thousands grouped (210,192), as
    mileage is read everywhere; the value as given when it is not a number."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "" if value is None else str(value)


@register.filter
def minutes_span(value) -> str:
    """`{{ o.minutes_late|minutes_span }}`: a number of minutes as a reader takes it in at a glance:
    "45 分钟", "15 小时 17 分钟", "2 天 3 小时" (the minutes left out past a day)."""
    try:
        minutes = abs(int(value))
    except (TypeError, ValueError):
        return ""
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    parts = []
    if days:
        parts.append(ngettext("%(n)s day", "%(n)s days", days) % {"n": days})
    if hours:
        parts.append(ngettext("%(n)s hour", "%(n)s hours", hours) % {"n": hours})
    if (minutes and not days) or not parts:
        parts.append(ngettext("%(n)s minute", "%(n)s minutes", minutes) % {"n": minutes})
    return " ".join(parts)
