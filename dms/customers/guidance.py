"""How to serve each segment and behaviour type (DOMAIN.md, seeds 000 and 001)."""

from django.utils.translation import gettext_lazy as _

from dms.vehicles.models import Usage
from dms.vehicles.warranty import AgeTier

from .models import BehaviourType, ValueTier

VALUE_TIER_ADVICE = {
    ValueTier.LOYAL: _(
        "Frequent and not price-sensitive: one-to-one service, the first slot, the best technician "
        "and parts ready. Guard against slipping to a lower tier."
    ),
    ValueTier.OPPORTUNITY: _(
        "New, loyalty not yet formed: repair quality, on-time delivery and a strong delivery moment."
    ),
    ValueTier.MARGINAL: _(
        "Rare contact, comes only for warranty or free items: show competence, make offers, "
        "offer special services."
    ),
    ValueTier.LOST: _(
        "Has not returned for years: the customer manager re-develops this customer (call, invite, visit)."
    ),
}

AGE_TIER_ADVICE = {
    AgeTier.IN_WARRANTY: _(
        "In warranty: the customer depends on the store. Build the habit of servicing here."
    ),
    AgeTier.TWO_TO_FIVE: _(
        "2–5 years: maintenance drops, repairs rise; price- and points-sensitive. The marketing focus."
    ),
    AgeTier.OVER_FIVE: _(
        "Over 5 years: low spend but still comes for big faults. Never give up; find new interests."
    ),
    AgeTier.UNKNOWN: _("Enter the purchase or registration date to know the vehicle's age tier."),
}

USAGE_ADVICE = {
    Usage.PRIVATE: _("Private car: sensitive to price and quality; wants clarity and respect."),
    Usage.COMPANY: _("Company car: repair quality and the environment matter most."),
    Usage.COMMERCIAL: _("Commercial vehicle: price, time and speed first."),
}

# Seed 000's table: per step, how to serve each behaviour type.
BEHAVIOUR_STEPS = [
    ("opening", _("Opening")),
    ("needs", _("Needs analysis")),
    ("presentation", _("Presentation")),
    ("objections", _("Objections")),
    ("follow_up", _("Follow-up")),
    ("you", _("You")),
]

BEHAVIOUR_TIPS = {
    BehaviourType.DOMINANT: {
        "opening": _("Show respect, get to the point, talk results."),
        "needs": _("Skip details, move fast."),
        "presentation": _("Unique selling points, the newest."),
        "objections": _("Expect a little contest."),
        "follow_up": _("Occasional."),
        "you": _("Listen."),
    },
    BehaviourType.ANALYTICAL: {
        "opening": _("Short, nothing personal; logic and detail."),
        "needs": _("Facts and details; rational motives."),
        "presentation": _("Practicality, value for money."),
        "objections": _("Give information."),
        "follow_up": _("Planned."),
        "you": _("Talk."),
    },
    BehaviourType.SOCIAL: {
        "opening": _("Friendly; let them talk; show appreciation."),
        "needs": _("Emotional motives; help them find answers."),
        "presentation": _("Features tied to their emotional motives."),
        "objections": _("Support them; address doubts."),
        "follow_up": _("Frequent."),
        "you": _("Talk and listen."),
    },
}


def behaviour_rows(behaviour_type: str) -> list[tuple[str, str]]:
    tips = BEHAVIOUR_TIPS.get(behaviour_type)
    if not tips:
        return []
    return [(label, tips[key]) for key, label in BEHAVIOUR_STEPS]


# Where the work happens, the steps of seed 000's table that matter there: booking on the phone or at
# the counter, greeting and taking the complaint at reception, quoting (the service estimate or the car's
# quotation) and the follow-up call. The customer page and the sales prospect's needs analysis show
# the whole table (behaviour_rows).
PLACE_STEPS = {
    "booking": ("opening", "you"),
    "reception": ("opening", "needs", "you"),
    "quote": ("presentation", "objections"),
    "call": ("opening", "objections", "you"),
}
PLACE_ADVICE = {
    # Seed 000: the quote as a sandwich, for every behaviour type.
    "quote": _(
        "Quote as a sandwich: what will be done, then the price, then what they gain beyond expectation."
    ),
}


def place_tips(behaviour_type: str, place: str) -> list[tuple[str, str]]:
    """The tips for one behaviour type at one place of work, in the table's order; [] when the type is
    not known yet or the place is not one of PLACE_STEPS."""
    tips = BEHAVIOUR_TIPS.get(behaviour_type)
    steps = PLACE_STEPS.get(place)
    if not tips or not steps:
        return []
    return [(label, tips[key]) for key, label in BEHAVIOUR_STEPS if key in steps]
