"""Small template helpers shared by the apps."""

from decimal import Decimal, InvalidOperation
from pathlib import Path

from django import template
from django.contrib.staticfiles import finders
from django.utils.safestring import mark_safe

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
