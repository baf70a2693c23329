"""The rules of the customer file: mobile numbers, name search keys and value tiers."""

from datetime import date
from decimal import Decimal

import pytest
from django.utils import translation

from dms.core.errors import DomainError
from dms.customers.models import SegmentationRules, ValueTier
from dms.customers.rules import mask_mobile, name_keys, validate_mobile
from dms.customers.segmentation import Visit, value_tier

# --- Mobile numbers ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    ["13812345678", "138 1234 5678", "138-1234-5678", "+86 138 1234 5678", "+8613812345678",
     "0086 13812345678", "(138) 1234 5678"],
)  # fmt: skip
def test_a_mainland_mobile_is_kept_as_its_11_digits(raw):
    assert validate_mobile(raw) == "13812345678"


@pytest.mark.parametrize("raw", ["19912345678", "16612345678", "17012345678", "14712345678"])
def test_newer_number_ranges_are_mobiles(raw):
    assert validate_mobile(raw) == raw


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        ("12345", "too short"),
        ("1381234567", "10 digits"),
        ("138123456789", "12 digits"),
        ("12345678901", "no such range"),
        ("+85291234567", "a Hong Kong mobile"),
        ("+1 415 555 2671", "a US number"),
        ("abcdefghijk", "letters"),
    ],
)
def test_numbers_that_are_not_mainland_mobiles_are_refused_on_field_mobile(raw, why):
    with pytest.raises(DomainError) as caught:
        validate_mobile(raw)

    assert caught.value.field == "mobile"


@pytest.mark.parametrize("raw", ["020-12345678", "010 8888 6666", "0755-86001234"])
def test_a_landline_is_refused_saying_it_is_a_landline(raw):
    with translation.override("en"), pytest.raises(DomainError) as caught:
        validate_mobile(raw)

    assert "landline" in str(caught.value.message)


def test_an_empty_mobile_asks_for_one():
    with translation.override("en"), pytest.raises(DomainError) as caught:
        validate_mobile("  ")

    assert caught.value.field == "mobile"
    assert "Enter" in str(caught.value.message)


def test_the_error_names_the_field_it_was_asked_for():
    with pytest.raises(DomainError) as caught:
        validate_mobile("12345", field="phone2")

    assert caught.value.field == "phone2"


def test_a_mobile_is_masked_to_its_first_three_and_last_four_digits():
    assert mask_mobile("13812345678") == "138****5678"


def test_an_odd_number_is_masked_entirely():
    assert mask_mobile("075512345") == "****"
    assert mask_mobile("") == ""


# --- Name search keys ----------------------------------------------------------------------------


def test_a_chinese_name_gives_its_pinyin_initials_and_given_name():
    assert name_keys("张三") == {"name_pinyin": "zhangsan", "name_initials": "zs", "name_tail": "三"}


def test_a_three_character_name():
    assert name_keys("王小明") == {"name_pinyin": "wangxiaoming", "name_initials": "wxm", "name_tail": "小明"}


@pytest.mark.parametrize(
    ("name", "pinyin", "initials", "given"),
    [
        ("欧阳娜娜", "ouyangnana", "oynn", "娜娜"),
        ("司马光", "simaguang", "smg", "光"),
        ("诸葛亮", "zhugeliang", "zgl", "亮"),
        ("尉迟恭", "yuchigong", "ycg", "恭"),
    ],
)
def test_a_compound_surname_is_kept_whole(name, pinyin, initials, given):
    assert name_keys(name) == {"name_pinyin": pinyin, "name_initials": initials, "name_tail": given}


@pytest.mark.parametrize(
    ("name", "pinyin"),
    [("曾小贤", "zengxiaoxian"), ("单田芳", "shantianfang"), ("解晓东", "xiexiaodong"), ("仇勇", "qiuyong")],
)
def test_a_surname_is_read_as_a_surname(name, pinyin):
    assert name_keys(name)["name_pinyin"] == pinyin


def test_spaces_in_a_chinese_name_are_ignored():
    assert name_keys("李 四") == name_keys("李四")


def test_a_name_in_latin_letters_gives_one_initial_per_word():
    keys = name_keys("John Smith")

    assert keys["name_pinyin"] == "johnsmith"
    assert keys["name_initials"] == "js"


def test_the_keys_of_a_long_company_name_fit_their_columns():
    keys = name_keys(
        "深圳市前海深港现代服务业合作区某某汽车租赁服务有限公司第一分公司华南区域运营中心车队管理部门"
    )

    assert len(keys["name_pinyin"]) <= 120
    assert len(keys["name_initials"]) <= 30
    assert keys["name_initials"].startswith("szsqhsg")


# --- Value tiers ---------------------------------------------------------------------------------

TODAY = date(2026, 6, 15)
RULES = SegmentationRules()  # the defaults of seed 001: 3 visits and 2,000 CNY, 12 and 6 months, 3 years


def paid(day: str, amount: str = "800") -> Visit:
    return Visit(date.fromisoformat(day), Decimal(amount))


def free(day: str) -> Visit:
    return Visit(date.fromisoformat(day), Decimal("0"))


def tier(visits, known_since="2020-01-01"):
    with translation.override("en"):
        return value_tier(
            visits=visits, known_since=date.fromisoformat(known_since), rules=RULES, today=TODAY
        )


def test_three_paid_visits_and_2000_in_twelve_months_is_loyal():
    found, reason = tier([paid("2025-08-01", "700"), paid("2026-01-10", "700"), paid("2026-05-20", "600")])

    assert found == ValueTier.LOYAL
    assert "3" in reason and "2,000" in reason


def test_loyal_needs_the_spend_as_well_as_the_visits():
    found, _ = tier([paid("2025-08-01", "700"), paid("2026-01-10", "700"), paid("2026-05-20", "599.99")])

    assert found != ValueTier.LOYAL


def test_loyal_needs_the_visits_as_well_as_the_spend():
    found, _ = tier([paid("2025-08-01", "1500"), paid("2026-05-20", "1500")])

    assert found != ValueTier.LOYAL


def test_a_visit_twelve_months_ago_to_the_day_counts_towards_loyal():
    on_the_day = [paid("2025-06-15", "700"), paid("2026-01-10", "700"), paid("2026-05-20", "600")]
    a_day_earlier = [paid("2025-06-14", "700"), paid("2026-01-10", "700"), paid("2026-05-20", "600")]

    assert tier(on_the_day)[0] == ValueTier.LOYAL
    assert tier(a_day_earlier)[0] != ValueTier.LOYAL


def test_free_visits_do_not_count_towards_loyal():
    visits = [paid("2025-08-01", "1000"), paid("2026-01-10", "1000"), free("2026-05-20"), free("2026-06-01")]

    assert tier(visits)[0] != ValueTier.LOYAL


def test_a_first_visit_within_twelve_months_is_an_opportunity():
    found, reason = tier([free("2025-06-15")])

    assert found == ValueTier.OPPORTUNITY
    assert "2025-06-15" in reason


def test_a_first_free_visit_more_than_twelve_months_ago_is_marginal():
    assert tier([free("2025-06-14")])[0] == ValueTier.MARGINAL


def test_no_paid_visit_for_more_than_six_months_is_marginal():
    found, reason = tier([paid("2024-03-01"), paid("2025-12-14"), free("2026-05-01")])

    assert found == ValueTier.MARGINAL
    assert "6" in reason


def test_a_paid_visit_six_months_ago_to_the_day_is_not_marginal():
    found, _ = tier([paid("2024-03-01"), paid("2025-12-15")])

    assert found == ValueTier.OPPORTUNITY


def test_six_months_before_the_31st_is_the_end_of_the_shorter_month():
    # On 31 August, "the last 6 months" start on 28 February (there is no 31 February)
    def tier_on_31_august(visits):
        return value_tier(visits=visits, known_since=date(2020, 1, 1), rules=RULES, today=date(2026, 8, 31))[
            0
        ]

    assert tier_on_31_august([paid("2024-03-01"), paid("2026-02-28")]) == ValueTier.OPPORTUNITY
    assert tier_on_31_august([paid("2024-03-01"), paid("2026-02-27")]) == ValueTier.MARGINAL


def test_a_regular_payer_below_the_loyal_threshold_is_an_opportunity():
    found, reason = tier([paid("2023-09-01"), paid("2025-11-01"), paid("2026-04-01")])

    assert found == ValueTier.OPPORTUNITY
    assert "loyal" in reason


def test_no_visit_for_more_than_three_years_is_lost():
    found, reason = tier([paid("2021-01-01"), paid("2023-06-14")])

    assert found == ValueTier.LOST
    assert "2023-06-14" in reason


def test_a_last_visit_three_years_ago_to_the_day_is_not_yet_lost():
    assert tier([paid("2021-01-01"), paid("2023-06-15")])[0] == ValueTier.MARGINAL


def test_a_file_without_visits_opened_more_than_three_years_ago_is_lost():
    assert tier([], known_since="2023-06-14")[0] == ValueTier.LOST


def test_a_file_without_visits_opened_recently_is_an_opportunity():
    found, reason = tier([], known_since="2023-06-15")

    assert found == ValueTier.OPPORTUNITY
    assert reason


def test_the_groups_own_rules_are_applied():
    strict = SegmentationRules(loyal_min_visits=4, loyal_min_spend=Decimal("5000"))
    visits = [paid("2025-08-01", "1000"), paid("2026-01-10", "1000"), paid("2026-05-20", "1000")]

    found, _ = value_tier(visits=visits, known_since=date(2020, 1, 1), rules=strict, today=TODAY)

    assert found != ValueTier.LOYAL
