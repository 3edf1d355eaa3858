"""Dated, region-scoped parameters (domain.md §6.5): the lookup by date and region, the fallback
from district to city, and the refusal of overlapping rows."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from rights.models import Parameter
from rights.parameter_models import region_chain
from rights.parameter_seed import SEED, ensure_parameters
from rights.parameters import (
    ParameterNotFound,
    parameter_in_force,
    parameter_save,
    region_for_district,
)

KEY = "minimum_wage_monthly"


@pytest.fixture
def rows(db):
    """Only the rows of this test: Changzhou 2021 and 2025, Wujin from 2025, Jiangsu open."""
    Parameter.objects.all().delete()

    def make(region, value, start, end=None, **kw):
        return parameter_save(
            Parameter(key=KEY, region_code=region, value=Decimal(value), unit="yuan_per_month",
                      valid_from=start, valid_to=end, **kw)
        )  # fmt: skip

    return {
        "city_2021": make("3204", "2280", date(2021, 8, 1), date(2024, 12, 31)),
        "city_2025": make("3204", "2490", date(2025, 1, 1)),
        "wujin_2025": make("320412", "2500", date(2025, 1, 1), confirmed=True),
        "province": make("32", "2010", date(2021, 8, 1)),
    }


def test_the_row_valid_on_the_date_is_chosen(rows):
    # given Changzhou rows ending 2024-12-31 and starting 2025-01-01
    # then each date gets its own row, both ends of a period included
    assert parameter_in_force(KEY, region="3204", on=date(2024, 12, 31)) == rows["city_2021"]
    assert parameter_in_force(KEY, region="3204", on=date(2025, 1, 1)) == rows["city_2025"]
    assert parameter_in_force(KEY, region="3204", on=date(2021, 8, 1)) == rows["city_2021"]


def test_the_most_specific_region_wins(rows):
    # Wujin has its own row from 2025: it beats the city's
    assert parameter_in_force(KEY, region="320412", on=date(2026, 3, 1)) == rows["wujin_2025"]


def test_a_district_without_a_row_falls_back_to_the_city(rows):
    # Tianning has no row; nor has Wujin before 2025: both use Changzhou's
    assert parameter_in_force(KEY, region="320402", on=date(2026, 3, 1)) == rows["city_2025"]
    assert parameter_in_force(KEY, region="320412", on=date(2023, 5, 1)) == rows["city_2021"]


def test_a_city_without_a_row_falls_back_to_the_province(rows):
    # Suzhou (3205) has no row at all: the Jiangsu row applies
    assert parameter_in_force(KEY, region="320505", on=date(2026, 3, 1)) == rows["province"]


def test_nothing_in_force_is_a_clear_error(rows):
    with pytest.raises(ParameterNotFound) as missing:
        parameter_in_force(KEY, region="3204", on=date(2020, 1, 1))
    assert missing.value.key == KEY and missing.value.on == date(2020, 1, 1)
    assert "2020-01-01" in str(missing.value)
    with pytest.raises(ParameterNotFound):
        parameter_in_force("legal_aid_income_standard", region="3204", on=date(2026, 1, 1))


def test_an_overlapping_row_is_refused_and_nothing_is_written(rows):
    # given Changzhou's open-ended 2025 row
    before = list(Parameter.objects.order_by("pk").values())
    # when someone adds a row for the same key and region starting inside it
    overlap = Parameter(key=KEY, region_code="3204", value=Decimal("2600"),
                        unit="yuan_per_month", valid_from=date(2026, 1, 1))  # fmt: skip
    with pytest.raises(ValidationError):
        parameter_save(overlap)
    # or one that ends inside the 2021 row
    with pytest.raises(ValidationError):
        Parameter(key=KEY, region_code="3204", value=Decimal(1), unit="yuan_per_month",
                  valid_from=date(2020, 1, 1), valid_to=date(2021, 8, 1)).full_clean()  # fmt: skip
    # then nothing changed
    assert list(Parameter.objects.order_by("pk").values()) == before


def test_adjacent_rows_and_other_regions_do_not_overlap(rows):
    # ending the 2025 row and starting a 2026 row the next day is allowed
    city = rows["city_2025"]
    city.valid_to = date(2025, 12, 31)
    parameter_save(city)
    new = parameter_save(
        Parameter(key=KEY, region_code="3204", value=Decimal("2600"), unit="yuan_per_month",
                  valid_from=date(2026, 1, 1))
    )  # fmt: skip
    assert parameter_in_force(KEY, region="3204", on=date(2026, 1, 1)) == new
    # and the same period for another region or another key is not an overlap
    Parameter(key="minimum_wage_hourly", region_code="3204", value=Decimal(24),
              unit="yuan_per_hour", valid_from=date(2025, 1, 1)).full_clean()  # fmt: skip


def test_a_row_ending_before_it_starts_is_refused(db):
    row = Parameter(key=KEY, region_code="3204", value=Decimal(1), unit="yuan_per_month",
                    valid_from=date(2025, 1, 1), valid_to=date(2024, 1, 1))  # fmt: skip
    with pytest.raises(ValidationError):
        row.full_clean()


def test_region_codes_and_district_names():
    assert region_chain("320412") == ["320412", "3204", "32", ""]
    assert region_chain("3204") == ["3204", "32", ""]
    assert region_for_district("武进区") == "320412"
    assert region_for_district("常州市溧阳市") == "320481"
    assert region_for_district("天宁") == "320402"
    assert region_for_district("") == "3204"
    assert region_for_district("苏州工业园区") == "3204"


def test_the_seed_is_unconfirmed_and_loaded_once(db):
    # the migration loaded the seed; loading it again adds nothing
    assert ensure_parameters(Parameter) == 0
    seeded = Parameter.objects.filter(source__in=[row["source"] for row in SEED])
    assert seeded.count() == len(SEED)
    assert not seeded.filter(confirmed=True).exists()
    # the seed's rows do not overlap each other
    for row in seeded:
        row.full_clean()
