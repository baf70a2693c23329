"""Small template helpers shared by the apps."""

from django import template

register = template.Library()


@register.filter
def get_item(mapping, key):
    """`{{ stock|get_item:line.part_id }}`: a dict lookup by a variable key (None when absent)."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None
