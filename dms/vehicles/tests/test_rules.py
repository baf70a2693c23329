"""The rules of the vehicle file: VIN check digit, number plates, warranty, 三包 and age tiers."""

from datetime import date

import pytest
from django.utils import translation

from dms.core.errors import DomainError
from dms.core.models import Brand
from dms.vehicles.models import Usage, Vehicle
from dms.vehicles.rules import (
    is_new_energy_plate,
    normalize_plate,
    normalize_vin,
    validate_plate,
    validate_vin,
    vin_check_digit,
)
from dms.vehicles.warranty import AgeTier, age_tier, manufacturer_warranty, sanbao_periods

# --- VIN -----------------------------------------------------------------------------------------

# ISO 3779's worked example (check digit X), two mainland-made shapes and the all-ones test VIN.
VALID_VINS = ["1M8GDM9AXKP042788", "LSVAU218XN2183294", "LFV2A21K7G3000001", "11111111111111111"]


@pytest.mark.parametrize("vin", VALID_VINS)
def test_a_valid_vin_passes_unchanged(vin):
    assert validate_vin(vin) == vin


def test_the_check_digit_is_computed_from_the_other_sixteen_characters():
    assert vin_check_digit("1M8GDM9A0KP042788") == "X"  # the 9th character does not count
    assert vin_check_digit("11111111111111111") == "1"
    assert vin_check_digit("LFV2A21K0G3000001") == "7"


def test_a_check_digit_of_ten_is_written_x():
    vin = "1M8GDM9AXKP042788"

    assert vin_check_digit(vin) == "X"
    with pytest.raises(DomainError):
        validate_vin(vin[:8] + "0" + vin[9:])


def test_a_vin_is_normalised_from_lowercase_spaces_and_dashes():
    assert normalize_vin(" 1m8gdm9a xkp-042788 ") == "1M8GDM9AXKP042788"
    assert validate_vin("1m8g dm9a xkp0 4278 8") == "1M8GDM9AXKP042788"


def test_a_mistyped_character_is_caught_by_the_check_digit():
    with translation.override("en"), pytest.raises(DomainError) as caught:
        validate_vin("1M8GDM9AXKP042789")

    assert caught.value.field == "vin"
    assert "check digit" in str(caught.value.message)
    assert "should be" in str(caught.value.message)


@pytest.mark.parametrize("letter", ["I", "O", "Q"])
def test_i_o_and_q_are_not_vin_letters(letter):
    with translation.override("en"), pytest.raises(DomainError) as caught:
        validate_vin("1M8GDM9AXKP04278" + letter)

    assert caught.value.field == "vin"
    assert letter in str(caught.value.message)


@pytest.mark.parametrize("raw", ["", "1M8GDM9AXKP04278", "1M8GDM9AXKP0427888"])
def test_a_vin_must_have_17_characters(raw):
    with translation.override("en"), pytest.raises(DomainError) as caught:
        validate_vin(raw)

    assert caught.value.field == "vin"
    assert "17" in str(caught.value.message)


def test_a_vin_with_punctuation_is_refused_not_crashed():
    with pytest.raises(DomainError) as caught:
        validate_vin("1M8GDM9AXKP04278*")

    assert caught.value.field == "vin"


# --- Plates --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "plate",
    ["粤B12345", "京A8K2M5", "沪AZZ999", "新A12345", "粤BD12345", "粤BFA1234", "粤B12345D", "粤B1234挂",
     "粤B1234学", "藏A12345"],
)  # fmt: skip
def test_mainland_plates_are_valid(plate):
    assert validate_plate(plate) == plate


def test_a_plate_is_normalised_from_lowercase_spaces_and_dots():
    assert normalize_plate(" 粤b·12 345 ") == "粤B12345"
    assert validate_plate("粤bd 12345") == "粤BD12345"


@pytest.mark.parametrize(
    ("plate", "why"),
    [
        ("粤BI2345", "letter I"),
        ("粤B12O45", "letter O"),
        ("粤I12345", "letter I as the city letter"),
        ("台B12345", "not a mainland province"),
        ("AB12345", "no province"),
        ("粤112345", "digit as the city letter"),
        ("粤B1234", "6 characters"),
        ("粤B1234567", "9 characters"),
        ("粤B123456", "8 characters, not a new-energy pattern"),
        ("粤BD1234X", "new-energy plate ending in a letter after digits"),
        ("粤B1D2345", "new-energy letter in the wrong place"),
        ("粤B123挂4", "挂 not at the end"),
        ("", "empty"),
    ],
)
def test_bad_plates_are_refused_on_field_plate(plate, why):
    with pytest.raises(DomainError) as caught:
        validate_plate(plate)

    assert caught.value.field == "plate"


def test_a_wrong_length_is_explained_with_the_length():
    with translation.override("en"), pytest.raises(DomainError) as caught:
        validate_plate("粤B1234")

    assert "6" in str(caught.value.message) and "8" in str(caught.value.message)


def test_a_foreign_province_character_is_explained():
    with translation.override("en"), pytest.raises(DomainError) as caught:
        validate_plate("台B12345")

    assert "province" in str(caught.value.message)


def test_new_energy_plates_have_eight_characters():
    assert is_new_energy_plate("粤BD12345")
    assert is_new_energy_plate("粤B12345D")
    assert not is_new_energy_plate("粤B12345")


# --- Manufacturer warranty -----------------------------------------------------------------------


def car(*, bought=None, registered=None, km=0, usage=Usage.PRIVATE, years=3, warranty_km=100_000) -> Vehicle:
    brand = Brand(name="东风本田", warranty_years=years, warranty_km=warranty_km)
    return Vehicle(
        brand=brand, purchase_date=bought, registration_date=registered, mileage_km=km, usage=usage
    )


def test_the_warranty_runs_for_the_brands_years_from_the_purchase():
    warranty = manufacturer_warranty(car(bought=date(2024, 6, 15), km=30_000), date(2026, 6, 15))

    assert warranty.active
    assert warranty.ends_on == date(2027, 6, 15)
    assert warranty.ends_km == 100_000


def test_the_warranty_covers_its_last_day_and_ends_after_it():
    vehicle = car(bought=date(2023, 6, 15), km=30_000)

    assert manufacturer_warranty(vehicle, date(2026, 6, 15)).active
    assert not manufacturer_warranty(vehicle, date(2026, 6, 16)).active


def test_the_warranty_ends_at_its_mileage_even_when_years_remain():
    at_limit = manufacturer_warranty(car(bought=date(2025, 6, 15), km=100_000), date(2026, 6, 15))
    below = manufacturer_warranty(car(bought=date(2025, 6, 15), km=99_999), date(2026, 6, 15))

    assert below.active
    assert not at_limit.active


def test_the_warranty_ends_at_its_years_even_with_few_km():
    warranty = manufacturer_warranty(car(bought=date(2022, 6, 15), km=20_000), date(2026, 6, 15))

    assert not warranty.active


def test_the_warranty_follows_the_brand_policy():
    five_years = car(bought=date(2022, 6, 15), km=20_000, years=5, warranty_km=150_000)

    assert manufacturer_warranty(five_years, date(2026, 6, 15)).active


def test_without_a_purchase_date_the_warranty_counts_from_the_registration():
    warranty = manufacturer_warranty(car(registered=date(2024, 3, 1)), date(2026, 6, 15))

    assert warranty.ends_on == date(2027, 3, 1)


def test_without_any_date_there_is_no_warranty_to_show():
    assert manufacturer_warranty(car(), date(2026, 6, 15)) is None


def test_a_warranty_from_29_february_ends_on_28_february():
    warranty = manufacturer_warranty(car(bought=date(2024, 2, 29)), date(2026, 6, 15))

    assert warranty.ends_on == date(2027, 2, 28)


# --- Age tier ------------------------------------------------------------------------------------


def test_a_car_in_warranty_is_in_the_warranty_tier():
    assert age_tier(car(bought=date(2024, 6, 15), km=30_000), date(2026, 6, 15)) == AgeTier.IN_WARRANTY


def test_a_car_out_of_warranty_by_years_is_two_to_five():
    assert age_tier(car(bought=date(2022, 6, 15), km=30_000), date(2026, 6, 15)) == AgeTier.TWO_TO_FIVE


def test_a_young_car_out_of_warranty_by_km_is_two_to_five():
    assert age_tier(car(bought=date(2025, 6, 15), km=120_000), date(2026, 6, 15)) == AgeTier.TWO_TO_FIVE


def test_a_car_is_over_five_from_its_fifth_anniversary():
    vehicle = car(bought=date(2021, 6, 15), km=80_000)

    assert age_tier(vehicle, date(2026, 6, 14)) == AgeTier.TWO_TO_FIVE
    assert age_tier(vehicle, date(2026, 6, 15)) == AgeTier.OVER_FIVE


def test_a_car_still_under_a_long_warranty_after_five_years_is_in_warranty():
    vehicle = car(bought=date(2020, 6, 15), km=80_000, years=8, warranty_km=200_000)

    assert age_tier(vehicle, date(2026, 6, 15)) == AgeTier.IN_WARRANTY


def test_a_car_without_dates_has_an_unknown_age():
    assert age_tier(car(km=80_000), date(2026, 6, 15)) == AgeTier.UNKNOWN


# --- 三包 ------------------------------------------------------------------------------------------


def periods(vehicle, today) -> dict:
    return {p.code: p for p in sanbao_periods(vehicle, today)}


def test_a_private_car_has_the_four_sanbao_periods_from_the_invoice_date():
    found = periods(car(bought=date(2026, 5, 1), km=100), date(2026, 5, 2))

    assert {code: p.ends_on for code, p in found.items()} == {
        "sanbao_refund": date(2026, 5, 8),
        "sanbao_early": date(2026, 6, 30),
        "sanbao": date(2028, 5, 1),
        "sanbao_repair": date(2029, 5, 1),
    }
    assert {code: p.ends_km for code, p in found.items()} == {
        "sanbao_refund": None,
        "sanbao_early": 3_000,
        "sanbao": 50_000,
        "sanbao_repair": 60_000,
    }
    assert all(p.active for p in found.values())


def test_the_seven_day_refund_covers_the_seventh_day_after_the_invoice():
    vehicle = car(bought=date(2026, 5, 1), km=100)

    assert periods(vehicle, date(2026, 5, 8))["sanbao_refund"].active
    assert not periods(vehicle, date(2026, 5, 9))["sanbao_refund"].active


def test_the_sixty_day_period_covers_the_sixtieth_day_after_the_invoice():
    vehicle = car(bought=date(2026, 5, 1), km=2_000)

    assert periods(vehicle, date(2026, 6, 30))["sanbao_early"].active
    assert not periods(vehicle, date(2026, 7, 1))["sanbao_early"].active


def test_the_sixty_day_period_ends_at_3000_km():
    today = date(2026, 5, 20)

    assert periods(car(bought=date(2026, 5, 1), km=2_999), today)["sanbao_early"].active
    assert not periods(car(bought=date(2026, 5, 1), km=3_000), today)["sanbao_early"].active


def test_the_sanbao_period_ends_after_two_years_or_50000_km():
    bought = date(2024, 5, 1)

    assert periods(car(bought=bought, km=49_999), date(2026, 5, 1))["sanbao"].active
    assert not periods(car(bought=bought, km=49_999), date(2026, 5, 2))["sanbao"].active
    assert not periods(car(bought=bought, km=50_000), date(2026, 4, 1))["sanbao"].active


def test_the_repair_period_runs_three_years_or_60000_km():
    bought = date(2024, 5, 1)

    found = periods(car(bought=bought, km=55_000), date(2026, 6, 1))
    assert not found["sanbao"].active
    assert found["sanbao_repair"].active
    assert not periods(car(bought=bought, km=60_000), date(2026, 6, 1))["sanbao_repair"].active
    assert not periods(car(bought=bought, km=10_000), date(2027, 5, 2))["sanbao_repair"].active


@pytest.mark.parametrize("usage", [Usage.COMPANY, Usage.COMMERCIAL])
def test_sanbao_does_not_apply_to_company_or_commercial_cars(usage):
    assert sanbao_periods(car(bought=date(2026, 5, 1), usage=usage), date(2026, 5, 2)) == []


def test_sanbao_needs_the_invoice_date_not_the_registration_date():
    assert sanbao_periods(car(registered=date(2026, 5, 1)), date(2026, 5, 2)) == []
