"""`{% load parts_units %}{{ part.on_hand|with_unit:part.unit }}`: a quantity with its unit in the
reader's language ("12 pieces", "12 件"), as the printed documents say it (dms.parts.units)."""

from decimal import Decimal, InvalidOperation

from django import template

from dms.parts.units import quantity_text

register = template.Library()


@register.filter
def with_unit(quantity, unit) -> str:
    try:
        return quantity_text(Decimal(str(quantity)), unit)
    except (InvalidOperation, ValueError, TypeError):
        return "" if quantity is None else str(quantity)
