"""A quantity with its unit, in words of the reader's language: "1 piece", "2 pieces", "4.50 litres"
("4.50 升": Chinese has one form). The Unit choices' labels name a unit alone (a form's select, a
"Unit" column); a quantity takes the plural where the language has one, through ngettext."""

from decimal import Decimal

from django.template.defaultfilters import floatformat
from django.utils.functional import Promise
from django.utils.translation import ngettext_lazy

from .models import Unit

# Each form reads "q" (the quantity as printed) and chooses singular or plural by "n" (count_of).
QUANTITIES: dict[str, Promise] = {
    Unit.PIECE: ngettext_lazy("%(q)s piece", "%(q)s pieces", "n"),
    Unit.EACH: ngettext_lazy("%(q)s each", "%(q)s each", "n"),
    Unit.SET: ngettext_lazy("%(q)s set", "%(q)s sets", "n"),
    Unit.PAIR: ngettext_lazy("%(q)s pair", "%(q)s pairs", "n"),
    Unit.BOTTLE: ngettext_lazy("%(q)s bottle", "%(q)s bottles", "n"),
    Unit.BOX: ngettext_lazy("%(q)s box", "%(q)s boxes", "n"),
    Unit.LITRE: ngettext_lazy("%(q)s litre", "%(q)s litres", "n"),
    Unit.METRE: ngettext_lazy("%(q)s metre", "%(q)s metres", "n"),
    Unit.KILOGRAM: ngettext_lazy("%(q)s kilogram", "%(q)s kilograms", "n"),
}

# Labor's quantity: hours (the repair order's and the packages' labor lines).
HOURS: Promise = ngettext_lazy("%(q)s hour", "%(q)s hours", "n")


def count_of(quantity: Decimal) -> int:
    """The number the plural form is chosen by (gettext's rules take whole numbers): a whole
    quantity itself; a fraction (0.8 hours, 4.5 litres) counts as many, as English says it."""
    return int(quantity) if quantity == quantity.to_integral_value() else 2


def number(quantity: Decimal) -> str:
    """The quantity as the documents print it: whole, else with two decimals ("1", "4.50")."""
    return str(floatformat(quantity, "-2"))


def spell(quantity: Decimal, form: Promise) -> str:
    """`quantity` in `form`, an ngettext_lazy of "%(q)s …" chosen by "n"."""
    return str(form % {"q": number(quantity), "n": count_of(quantity)})


def quantity_text(quantity: Decimal, unit: str) -> str:
    """e.g. "1 piece", "2 pieces", "4.50 litres"; the bare number for an unknown or no unit."""
    form = QUANTITIES.get(unit)
    return spell(quantity, form) if form is not None else number(quantity)
