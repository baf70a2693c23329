"""The shared template helpers: a label's colon as each language writes it, amounts grouped."""

from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

LABELLED = Template('{% load i18n dms %}{% translate "Consultant" %}{% colon %}{{ who }}')


@pytest.mark.parametrize(("language", "text"), [("zh-hans", "销售顾问：王明"), ("en", "Consultant: 王明")])
def test_a_label_takes_the_colon_of_the_language(language, text):
    with translation.override(language):
        assert LABELLED.render(Context({"who": "王明"})) == text


@pytest.mark.parametrize(
    ("value", "shown"),
    [(Decimal("179800"), "179,800.00"), ("1200.5", "1,200.50"), (350, "350.00"), (None, ""), ("—", "—")],
)
def test_money_groups_thousands_of_decimals_and_strings(value, shown):
    assert Template("{% load dms %}{{ x|money }}").render(Context({"x": value})) == shown
