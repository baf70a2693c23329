"""A quantity with its unit in words: English counts one in the singular and anything else (none,
many, a fraction) in the plural; Chinese has one form."""

from decimal import Decimal

import pytest
from django.utils import translation

from dms.parts.models import Unit
from dms.parts.units import count_of, quantity_text


@pytest.mark.parametrize(
    ("quantity", "unit", "english", "chinese"),
    [
        ("1", Unit.PIECE, "1 piece", "1 个"), ("1.00", Unit.PIECE, "1 piece", "1 个"),
        ("2", Unit.PIECE, "2 pieces", "2 个"), ("0", Unit.SET, "0 sets", "0 套"),
        ("4.5", Unit.LITRE, "4.50 litres", "4.50 升"), ("1", Unit.LITRE, "1 litre", "1 升"),
        ("0.5", Unit.KILOGRAM, "0.50 kilograms", "0.50 千克"), ("2", Unit.BOX, "2 boxes", "2 盒"),
        ("3", Unit.EACH, "3 each", "3 件"), ("1", Unit.PAIR, "1 pair", "1 对"),
        ("1.5", Unit.METRE, "1.50 metres", "1.50 米"), ("6", Unit.BOTTLE, "6 bottles", "6 瓶"),
        ("2", "", "2", "2"),  # no unit: the number alone
    ],
)  # fmt: skip
def test_a_quantity_reads_with_its_unit(quantity, unit, english, chinese):
    with translation.override("en"):
        assert quantity_text(Decimal(quantity), unit) == english
    with translation.override("zh-hans"):
        assert quantity_text(Decimal(quantity), unit) == chinese


def test_every_unit_has_its_words():
    with translation.override("en"):
        for unit in Unit.values:
            assert quantity_text(Decimal("2"), unit) != "2"


def test_a_fraction_counts_as_many():
    assert (count_of(Decimal("1")), count_of(Decimal("1.00")), count_of(Decimal("0.8"))) == (1, 1, 2)
