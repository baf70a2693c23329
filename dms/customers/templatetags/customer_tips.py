"""`{% behaviour_tips customer "quote" %}`: the customer's behaviour-type tips for the step at hand
(seed 000), short, where the work happens: the booking screen, the reception wizard, the quote and the
follow-up call. One include for every page, so that the tips read the same everywhere."""

from django import template

from ..guidance import PLACE_ADVICE, PLACE_STEPS, place_tips

register = template.Library()

# Where an unknown type is worth a word: reception is where the advisor learns it (seed 000: 接待的目的
# 就是了解顾客的行为类型).
ASK_FOR_TYPE = {"reception"}


@register.inclusion_tag("customers/_behaviour_tips.html")
def behaviour_tips(customer, place: str) -> dict:
    if place not in PLACE_STEPS:
        raise template.TemplateSyntaxError(f"behaviour_tips: unknown place {place!r}")
    behaviour_type = getattr(customer, "behaviour_type", "") or ""
    tips = place_tips(behaviour_type, place)
    return {
        "customer": customer,
        "place": place,
        "tips": tips,
        "type_label": customer.get_behaviour_type_display() if tips else "",
        "advice": PLACE_ADVICE.get(place, "") if tips else "",
        "ask_for_type": customer is not None and not behaviour_type and place in ASK_FOR_TYPE,
    }
