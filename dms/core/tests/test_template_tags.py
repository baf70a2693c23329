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


@pytest.mark.parametrize(
    ("minutes", "zh", "en"),
    [
        (45, "45 分钟", "45 minutes"),
        (1, "1 分钟", "1 minute"),
        (0, "0 分钟", "0 minutes"),
        (60, "1 小时", "1 hour"),
        (917, "15 小时 17 分钟", "15 hours 17 minutes"),
        (-917, "15 小时 17 分钟", "15 hours 17 minutes"),
        (1500, "1 天 1 小时", "1 day 1 hour"),
        (2 * 1440 + 5, "2 天", "2 days"),
    ],
)
def test_a_span_of_minutes_reads_in_days_hours_and_minutes(minutes, zh, en):
    span = Template("{% load dms %}{{ m|minutes_span }}")
    for language, text in (("zh-hans", zh), ("en", en)):
        with translation.override(language):
            assert span.render(Context({"m": minutes})) == text


@pytest.mark.parametrize(
    ("value", "shown"), [(210192, "210,192"), ("15000", "15,000"), (950, "950"), (None, ""), ("—", "—")]
)
def test_mileage_is_grouped_by_thousands(value, shown):
    assert Template("{% load dms %}{{ x|grouped }}").render(Context({"x": value})) == shown
