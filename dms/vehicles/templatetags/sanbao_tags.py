"""{% sanbao_counters vehicle as counters %}: the vehicle's 三包 counters for a page (the vehicle
page, the reception's checks), one query; include "vehicles/_sanbao_counters.html" to show them."""

from django import template

from dms.vehicles import sanbao

register = template.Library()


@register.simple_tag
def sanbao_counters(vehicle):
    return sanbao.counters(vehicle)


@register.filter
def system_label(code: str) -> str:
    """engine -> 发动机或其主要零件 (the reader's language)."""
    return sanbao.MajorSystem(code).label if code in sanbao.MajorSystem.values else code
