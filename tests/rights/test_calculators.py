"""Claim calculators (domain.md §3.2): worked examples, edge cases, input errors, properties.

Pure functions: no database. Expected amounts are worked out by hand in the comments.
"""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rights.calculators import (
    CalculatorInputError,
    MonthWage,
    annual_leave_entitlement,
    annual_leave_pay,
    compensation_with_notice_pay,
    double_wage,
    economic_compensation,
    minimum_wage_shortfall,
    overtime_pay,
    round_yuan,
    service_period,
    unlawful_termination_damages,
    wage_arrears,
)
from tests.profiles import examples

MIN_WAGE = D("2490")  # sample parameters only; real ones are dated, region-scoped data
CITY_AVG = D("8000")


def n(start, end, wage, *, minimum=MIN_WAGE, city=CITY_AVG, **extra):
    return economic_compensation(
        start_date=start,
        end_date=end,
        avg_monthly_wage_12m=D(wage),
        local_min_wage_monthly=minimum,
        local_avg_monthly_wage=city,
        **extra,
    )


# --- result shape ----------------------------------------------------------------------------


def test_result_is_frozen_and_json_ready():
    """LCL Art. 47: the result carries amount, lines, citations and parameters, and cannot change."""
    # given a calculation
    result = n(date(2015, 3, 1), date(2020, 8, 31), "6000")
    # then it is immutable
    with pytest.raises(AttributeError):
        result.amount = D("1")  # type: ignore[misc]
    with pytest.raises(TypeError):
        result.parameters["local_avg_monthly_wage"] = D("1")  # type: ignore[index]
    # and its JSON form keeps every figure as a string
    data = result.as_dict()
    assert data["amount"] == "36000.00"
    assert data["parameters"]["local_avg_monthly_wage"] == "8000"
    assert data["citations"] == ["LCL Art. 46", "LCL Art. 47", "Impl. Reg. Art. 27"]
    assert all(line["formula_zh"] and line["formula_en"] for line in data["lines"])
    assert [line["key"] for line in data["lines"] if line["is_item"]] == ["economic_compensation"]


# --- 1. wage arrears -------------------------------------------------------------------------


def test_wage_arrears_monthly_wage_times_months():
    """Labour Law Art. 50; LCL Art. 30: three months unpaid at 5,500 a month."""
    result = wage_arrears(monthly_wage=D("5500"), months_owed=3)
    # 5,500 × 3 = 16,500.00
    assert result.amount == D("16500.00")
    assert "LCL Art. 30" in result.citations
    assert "Labour Law Art. 50" in result.citations


def test_wage_arrears_itemised_each_item_rounded_then_summed():
    """Labour Law Art. 50: itemised unpaid amounts; the total is the sum of rounded items."""
    result = wage_arrears(
        unpaid_items=[("2024-05 wage", D("5500")), ("2024-06 deduction", D("1234.565"))]
    )
    # 5,500.00 + round(1,234.565) = 5,500.00 + 1,234.57 = 6,734.57
    assert result.amount == D("6734.57")
    assert [line.rounded for line in result.lines] == [D("5500.00"), D("1234.57")]


def test_wage_arrears_rounds_half_up_at_half_a_cent():
    """Labour Law Art. 50; glossary §1.3: 0.005 rounds up."""
    # 1,000.01 × 0.5 = 500.005 → 500.01 (banker's rounding would give 500.00)
    result = wage_arrears(monthly_wage=D("1000.01"), months_owed=D("0.5"))
    assert result.amount == D("500.01")
    assert round_yuan(D("2.675")) == D("2.68")
    assert round_yuan(D("2.665")) == D("2.67")


def test_wage_arrears_refuses_both_forms_and_neither():
    """Labour Law Art. 50: one form of claim at a time."""
    with pytest.raises(CalculatorInputError) as both:
        wage_arrears(monthly_wage=D("1"), months_owed=1, unpaid_items=[("x", D("1"))])
    assert both.value.key == "arrears_two_forms"
    with pytest.raises(CalculatorInputError) as neither:
        wage_arrears(monthly_wage=D("1"))
    assert neither.value.key == "arrears_incomplete"
    with pytest.raises(CalculatorInputError) as empty:
        wage_arrears(unpaid_items=[])
    assert empty.value.key == "unpaid_items_empty"


# --- 2. minimum-wage shortfall -----------------------------------------------------------------


def test_minimum_wage_shortfall_per_month_never_negative():
    """Labour Law Art. 48: each month's minimum wage in force minus the wage paid, floor 0."""
    result = minimum_wage_shortfall(
        months=[
            MonthWage(date(2024, 5, 1), D("2490"), D("2000")),  # 2,490 − 2,000 = 490
            MonthWage(date(2024, 6, 1), D("2490"), D("2600")),  # paid above minimum: 0
            MonthWage(date(2024, 7, 1), D("2690"), D("2490")),  # new tier: 2,690 − 2,490 = 200
        ]
    )
    # 490 + 0 + 200 = 690.00
    assert result.amount == D("690.00")
    assert [line.value for line in result.lines] == [D("490"), D("0"), D("200")]
    assert result.parameters["minimum_wage_2024-07"] == D("2690")
    assert result.citations == ("Labour Law Art. 48",)


def test_minimum_wage_shortfall_refuses_repeated_and_empty_months():
    """Labour Law Art. 48: a month is claimed once."""
    month = MonthWage(date(2024, 5, 1), D("2490"), D("2000"))
    with pytest.raises(CalculatorInputError) as repeated:
        minimum_wage_shortfall(months=[month, MonthWage(date(2024, 5, 20), D("2490"), D("0"))])
    assert repeated.value.key == "month_repeated"
    with pytest.raises(CalculatorInputError) as empty:
        minimum_wage_shortfall(months=[])
    assert empty.value.key == "months_empty"


# --- 3. overtime -------------------------------------------------------------------------------


def test_overtime_three_rates():
    """Labour Law Art. 44; 劳社部发〔2008〕3号: 150% / 200% / 300% of monthly ÷ 21.75 ÷ 8."""
    result = overtime_pay(
        monthly_wage=D("6960"), weekday_hours=10, rest_day_hours=8, holiday_hours=8
    )
    # hourly = 6,960 ÷ 21.75 ÷ 8 = 320 ÷ 8 = 40
    # weekday 10 × 40 × 1.5 = 600; rest day 8 × 40 × 2 = 640; holiday 8 × 40 × 3 = 960
    # total 600 + 640 + 960 = 2,200.00
    assert result.line("hourly_wage").value == D("40")
    assert result.line("overtime_weekday").rounded == D("600.00")
    assert result.line("overtime_rest_day").rounded == D("640.00")
    assert result.line("overtime_holiday").rounded == D("960.00")
    assert result.amount == D("2200.00")
    assert result.citations == ("Labour Law Art. 44", "劳社部发〔2008〕3号")
    assert result.parameters["paid_days_per_month"] == D("21.75")


def test_overtime_items_rounded_separately_then_summed():
    """Labour Law Art. 44: each rate is a claim item; the total is the sum of the rounded items."""
    result = overtime_pay(monthly_wage=D("5000"), weekday_hours=1, holiday_hours=1)
    # hourly = 5,000 ÷ 174 = 28.7356321839…
    # weekday 28.7356… × 1.5 = 43.1034482758… → 43.10
    # holiday 28.7356… × 3 = 86.2068965517… → 86.21
    # total 43.10 + 0 + 86.21 = 129.31
    assert result.line("overtime_weekday").rounded == D("43.10")
    assert result.line("overtime_holiday").rounded == D("86.21")
    assert result.amount == D("129.31")


def test_overtime_refuses_negative_hours_and_zero_wage():
    """Labour Law Art. 44: hours cannot be negative; a wage base must exist."""
    with pytest.raises(CalculatorInputError) as hours:
        overtime_pay(monthly_wage=D("5000"), weekday_hours=-1)
    assert hours.value.key == "weekday_hours_negative"
    with pytest.raises(CalculatorInputError) as wage:
        overtime_pay(monthly_wage=D("0"), weekday_hours=1)
    assert wage.value.key == "monthly_wage_not_positive"


def test_float_amounts_are_refused():
    """Glossary §1.3: amounts are exact decimals; a float cannot hold 0.01 exactly."""
    with pytest.raises(CalculatorInputError) as error:
        overtime_pay(monthly_wage=6000.0, weekday_hours=1)  # type: ignore[arg-type]
    assert error.value.key == "monthly_wage_not_decimal"
    assert isinstance(error.value, ValueError)


# --- 4. economic compensation N ----------------------------------------------------------------


def test_economic_compensation_full_years_and_remainder_of_six_months():
    """LCL Art. 47: 5 years 6 months counts as 6 months' wage."""
    result = n(date(2015, 3, 1), date(2020, 8, 31), "6000")
    # 2015-03-01 … 2020-08-31 = 5 y 6 m → 5 + 1 = 6; 6,000 × 6 = 36,000.00
    assert result.line("service_units").value == D("6")
    assert result.amount == D("36000.00")
    assert result.flags == ()


def test_economic_compensation_short_remainder_is_half_a_month():
    """LCL Art. 47: 2 years 3 months counts as 2.5 months' wage."""
    result = n(date(2022, 1, 1), date(2024, 3, 31), "6000")
    # 2 y 3 m → 2 + 0.5 = 2.5; 6,000 × 2.5 = 15,000.00
    assert result.amount == D("15000.00")


def test_economic_compensation_exactly_six_months_is_one_month():
    """LCL Art. 47: six months or more counts as a year."""
    result = n(date(2024, 1, 1), date(2024, 6, 30), "6000")
    # 2024-01-01 … 2024-06-30 = 6 m 0 d → 1; 6,000 × 1 = 6,000.00
    assert service_period(date(2024, 1, 1), date(2024, 6, 30)).months == 6
    assert result.amount == D("6000.00")


def test_economic_compensation_five_months_thirty_days_is_half_a_month():
    """LCL Art. 47: under six months, even by one day, counts as half a month."""
    period = service_period(date(2024, 2, 1), date(2024, 7, 30))
    # 2024-02-01 + 5 m = 2024-07-01; 07-01 … 07-30 = 30 days → 5 m 30 d
    assert (period.months, period.days) == (5, 30)
    result = n(date(2024, 2, 1), date(2024, 7, 30), "6000")
    # 0.5 × 6,000 = 3,000.00
    assert result.amount == D("3000.00")
    # one day more is six months
    assert n(date(2024, 2, 1), date(2024, 7, 31), "6000").amount == D("6000.00")


def test_economic_compensation_wage_never_below_minimum_wage():
    """Impl. Reg. Art. 27: the monthly wage used is at least the local minimum wage."""
    result = n(date(2022, 1, 1), date(2023, 12, 31), "2000")
    # base = max(2,000, 2,490) = 2,490; 2 years → 2,490 × 2 = 4,980.00
    assert result.line("wage_base").value == D("2490")
    assert result.amount == D("4980.00")


def test_economic_compensation_above_three_times_average_caps_wage_and_years():
    """LCL Art. 47 para. 2: wage capped at 3 × local average and at most 12 years."""
    result = n(date(2009, 1, 1), date(2023, 12, 31), "30000")
    # 15 years; 30,000 > 3 × 8,000 = 24,000 → base 24,000, units min(15, 12) = 12
    # 24,000 × 12 = 288,000.00
    assert result.line("wage_cap").value == D("24000")
    assert result.line("years_cap").value == D("12")
    assert result.amount == D("288000.00")


def test_economic_compensation_exactly_three_times_average_is_not_capped():
    """LCL Art. 47 para. 2: the caps apply only above (高于) three times the average."""
    result = n(date(2009, 1, 1), date(2023, 12, 31), "24000")
    # 24,000 = 3 × 8,000, not above: 15 years × 24,000 = 360,000.00
    assert result.amount == D("360000.00")
    with pytest.raises(KeyError):
        result.line("years_cap")
    # one cent above: capped, 12 × 24,000 = 288,000.00
    assert n(date(2009, 1, 1), date(2023, 12, 31), "24000.01").amount == D("288000.00")


def test_economic_compensation_below_cap_has_no_twelve_year_limit():
    """LCL Art. 47: the 12-year cap applies only to the high earner."""
    result = n(date(2004, 1, 1), date(2023, 12, 31), "6000", pre_2008_amount=D("0"))
    # LCL service counted from 2008-01-01 (Art. 97): 16 years × 6,000 = 96,000.00
    assert result.line("service_units").value == D("16")
    assert result.amount == D("96000.00")


def test_economic_compensation_service_before_2008_is_split_and_flagged():
    """LCL Art. 97: LCL years from 2008-01-01; earlier years by old rules [U], set by a person."""
    without = n(date(2005, 6, 1), date(2010, 12, 31), "6000")
    # 2008-01-01 … 2010-12-31 = 3 years → 6,000 × 3 = 18,000.00
    assert without.amount == D("18000.00")
    assert "pre_2008_service_manual_review" in without.flags
    assert "LCL Art. 97" in without.citations
    with_old = n(date(2005, 6, 1), date(2010, 12, 31), "6000", pre_2008_amount=D("10000"))
    # 18,000.00 + 10,000.00 = 28,000.00
    assert with_old.amount == D("28000.00")
    assert with_old.line("pre_2008_compensation").is_item


def test_economic_compensation_rounds_half_up_once():
    """LCL Art. 47; glossary §1.3: 1,000.01 × 0.5 = 500.005 → 500.01."""
    result = n(date(2024, 1, 1), date(2024, 1, 31), "1000.01", minimum=D("900"))
    assert result.line("economic_compensation").value == D("500.005")
    assert result.amount == D("500.01")


def test_economic_compensation_input_errors():
    """LCL Art. 47: dates in order, no negative wages, pre-2008 amount only with pre-2008 service."""
    with pytest.raises(CalculatorInputError) as order:
        n(date(2024, 1, 2), date(2024, 1, 1), "6000")
    assert order.value.key == "end_before_start"
    with pytest.raises(CalculatorInputError) as negative:
        n(date(2024, 1, 1), date(2024, 12, 31), "-1")
    assert negative.value.key == "avg_monthly_wage_12m_negative"
    with pytest.raises(CalculatorInputError) as old:
        n(date(2020, 1, 1), date(2024, 12, 31), "6000", pre_2008_amount=D("1"))
    assert old.value.key == "pre_2008_amount_without_pre_2008_service"
    with pytest.raises(CalculatorInputError) as ended:
        n(date(2001, 1, 1), date(2007, 12, 31), "6000")
    assert ended.value.key == "service_ended_before_2008"
    with pytest.raises(CalculatorInputError) as not_a_date:
        n("2024-01-01", date(2024, 12, 31), "6000")
    assert not_a_date.value.key == "start_date_not_date"


# --- 5. N+1 --------------------------------------------------------------------------------------


def test_notice_pay_adds_previous_month_wage():
    """LCL Art. 40; Impl. Reg. Art. 20: N plus the previous month's wage."""
    result = compensation_with_notice_pay(
        start_date=date(2015, 3, 1),
        end_date=date(2020, 8, 31),
        avg_monthly_wage_12m=D("6000"),
        local_min_wage_monthly=MIN_WAGE,
        local_avg_monthly_wage=CITY_AVG,
        last_month_wage=D("6200"),
    )
    # N = 6,000 × 6 = 36,000; + 6,200 = 42,200.00
    assert result.amount == D("42200.00")
    assert result.line("notice_pay").rounded == D("6200.00")
    assert "LCL Art. 40" in result.citations
    assert "Impl. Reg. Art. 20" in result.citations


# --- 6. 2N ---------------------------------------------------------------------------------------


def test_unlawful_termination_is_twice_n():
    """LCL Art. 87: damages at twice the Art. 47 standard."""
    result = unlawful_termination_damages(
        start_date=date(2015, 3, 1),
        end_date=date(2020, 8, 31),
        avg_monthly_wage_12m=D("6000"),
        local_min_wage_monthly=MIN_WAGE,
        local_avg_monthly_wage=CITY_AVG,
    )
    # N = 36,000; 2N = 72,000.00
    assert result.amount == D("72000.00")
    assert "LCL Art. 87" in result.citations


def test_unlawful_termination_counts_service_before_2008():
    """Impl. Reg. Art. 25: years for 2N are counted from the start of employment."""
    result = unlawful_termination_damages(
        start_date=date(2005, 6, 1),
        end_date=date(2010, 12, 31),
        avg_monthly_wage_12m=D("6000"),
        local_min_wage_monthly=MIN_WAGE,
        local_avg_monthly_wage=CITY_AVG,
    )
    # 2005-06-01 … 2010-12-31 = 5 y 7 m → 6; 6,000 × 6 × 2 = 72,000.00
    assert result.amount == D("72000.00")
    assert result.flags == ()
    assert "Impl. Reg. Art. 25" in result.citations


def test_unlawful_termination_applies_both_caps():
    """LCL Art. 87 with Art. 47 para. 2: 2 × 12 × 3 × average."""
    result = unlawful_termination_damages(
        start_date=date(2000, 1, 1),
        end_date=date(2023, 12, 31),
        avg_monthly_wage_12m=D("50000"),
        local_min_wage_monthly=MIN_WAGE,
        local_avg_monthly_wage=CITY_AVG,
    )
    # 24 years, capped to 12; base 24,000; 2 × 24,000 × 12 = 576,000.00
    assert result.amount == D("576000.00")


# --- 7. double wage ----------------------------------------------------------------------------


def test_double_wage_at_most_eleven_months():
    """LCL Art. 82; Impl. Reg. Art. 7: from the day after the first month to before one year."""
    result = double_wage(start_date=date(2024, 3, 1), monthly_wage=D("5000"))
    # window 2024-04-01 … 2025-02-28 = 11 months; 5,000 × 11 = 55,000.00
    assert result.line("window_start").value == date(2024, 4, 1)
    assert result.line("window_end").value == date(2025, 2, 28)
    assert result.amount == D("55000.00")
    assert "limitation_contested" in result.flags
    assert "open_ended_check" in result.flags


def test_double_wage_stops_the_day_before_signing():
    """Impl. Reg. Art. 6: until the day before the written contract is signed."""
    result = double_wage(
        start_date=date(2024, 3, 1), monthly_wage=D("5000"), contract_signed_date=date(2024, 6, 1)
    )
    # window 2024-04-01 … 2024-05-31 = 2 months; 5,000 × 2 = 10,000.00
    assert result.amount == D("10000.00")
    assert "deemed_open_ended" not in result.flags


def test_double_wage_partial_month_pro_rated_by_calendar_days():
    """Impl. Reg. Art. 6: a part month is pro-rated [U: practice, configurable]."""
    kwargs = {"start_date": date(2024, 3, 1), "monthly_wage": D("5000"),
              "contract_signed_date": date(2024, 6, 16)}  # fmt: skip
    # window 2024-04-01 … 2024-06-15 = 2 months + 15/30 days of June = 2.5
    # 5,000 × 2.5 = 12,500.00
    assert double_wage(**kwargs).amount == D("12500.00")
    # whole months only: 5,000 × 2 = 10,000.00
    assert double_wage(**kwargs, prorate_partial_month=False).amount == D("10000.00")


def test_double_wage_nothing_when_signed_within_the_first_month():
    """LCL Art. 10: a contract signed within one month of starting is on time."""
    result = double_wage(
        start_date=date(2024, 3, 1), monthly_wage=D("5000"), contract_signed_date=date(2024, 3, 25)
    )
    assert result.amount == D("0.00")


def test_double_wage_until_employment_ended_and_deemed_open_ended():
    """Impl. Reg. Art. 6–7; LCL Art. 14: ended without a contract; a full year deems open-ended."""
    ended = double_wage(
        start_date=date(2024, 3, 1), monthly_wage=D("5000"), end_date=date(2024, 7, 31)
    )
    # window 2024-04-01 … 2024-07-31 = 4 months; 5,000 × 4 = 20,000.00
    assert ended.amount == D("20000.00")
    assert "deemed_open_ended" not in ended.flags
    late = double_wage(
        start_date=date(2024, 3, 1), monthly_wage=D("5000"), contract_signed_date=date(2025, 9, 1)
    )
    # still at most 11 months: 55,000.00
    assert late.amount == D("55000.00")
    assert "deemed_open_ended" in late.flags


def test_double_wage_refuses_signing_before_start():
    """Impl. Reg. Art. 6: the signing date cannot precede employment."""
    with pytest.raises(CalculatorInputError) as error:
        double_wage(
            start_date=date(2024, 3, 1),
            monthly_wage=D("5000"),
            contract_signed_date=date(2024, 2, 1),
        )
    assert error.value.key == "signed_before_start"


# --- 8. unused annual leave --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("years", "days"), [(0, 0), (1, 5), (9, 5), (10, 10), (19, 10), (20, 15), (35, 15)]
)
def test_annual_leave_entitlement_by_cumulative_service(years, days):
    """Paid Annual Leave Reg. Art. 3: 5 / 10 / 15 days at 1 / 10 / 20 years."""
    assert annual_leave_entitlement(years) == days


def test_annual_leave_pay_is_the_extra_two_hundred_percent():
    """Paid Annual Leave Reg. Art. 5; Measures Art. 10–11: 300% including the normal wage."""
    result = annual_leave_pay(monthly_wage=D("8700"), cumulative_years=12, days_taken=4)
    # 12 years → 10 days; unused 10 − 4 = 6; daily 8,700 ÷ 21.75 = 400
    # 400 × 6 × 200% = 4,800.00
    assert result.line("daily_wage").value == D("400")
    assert result.line("unused_days").value == D("6")
    assert result.amount == D("4800.00")
    assert "Paid Annual Leave Reg. Art. 5" in result.citations


def test_annual_leave_pay_on_termination_pro_rated_and_floored():
    """Measures Art. 12: floor(days elapsed ÷ 365 × entitlement − days taken)."""
    result = annual_leave_pay(
        monthly_wage=D("8700"), cumulative_years=12, days_taken=1, days_elapsed_in_year=150
    )
    # 150 ÷ 365 × 10 = 4.109… − 1 = 3.109… → 3 days; 400 × 3 × 2 = 2,400.00
    assert result.line("unused_days").value == D("3")
    assert result.amount == D("2400.00")
    assert "Annual Leave Measures Art. 12" in result.citations


def test_annual_leave_taken_above_share_is_not_clawed_back():
    """Measures Art. 12: days already taken above the pro-rata share are not deducted."""
    result = annual_leave_pay(
        monthly_wage=D("8700"), cumulative_years=12, days_taken=5, days_elapsed_in_year=30
    )
    assert result.amount == D("0.00")


def test_annual_leave_input_errors():
    """Paid Annual Leave Reg. Art. 3: counts of years and days are whole and not negative."""
    with pytest.raises(CalculatorInputError) as years:
        annual_leave_pay(monthly_wage=D("8700"), cumulative_years=-1)
    assert years.value.key == "cumulative_years_negative"
    with pytest.raises(CalculatorInputError) as taken:
        annual_leave_pay(monthly_wage=D("8700"), cumulative_years=3, days_taken=-2)
    assert taken.value.key == "days_taken_invalid"
    with pytest.raises(CalculatorInputError) as elapsed:
        annual_leave_pay(monthly_wage=D("8700"), cumulative_years=3, days_elapsed_in_year=400)
    assert elapsed.value.key == "days_elapsed_invalid"


# --- properties --------------------------------------------------------------------------------

starts = st.dates(min_value=date(2008, 1, 1), max_value=date(2030, 12, 31))
wages = st.decimals(min_value=D("0"), max_value=D("200000"), places=2)
city_avgs = st.decimals(min_value=D("1000"), max_value=D("20000"), places=2)
spans = st.integers(min_value=0, max_value=40 * 366)


@settings(max_examples=200, deadline=None)
@given(start=starts, days=spans, extra=st.integers(min_value=1, max_value=800), wage=wages,
       city=city_avgs)  # fmt: skip
def test_property_compensation_never_decreases_with_more_service(start, days, extra, wage, city):
    """LCL Art. 47: more service never lowers N."""
    end = start + timedelta(days=days)
    shorter = n(start, end, wage, city=city)
    longer = n(start, end + timedelta(days=extra), wage, city=city)
    assert longer.amount >= shorter.amount


@settings(max_examples=examples(1000), deadline=None)  # security.md H4: ≥ 1 000
@given(start=starts, days=spans, wage=wages, city=city_avgs)
def test_property_caps_never_exceeded(start, days, wage, city):
    """LCL Art. 47 para. 2: above 3× the average, N ≤ 12 × 3 × average."""
    result = n(start, start + timedelta(days=days), wage, city=city)
    if wage > 3 * city:
        assert result.amount <= round_yuan(12 * 3 * city)
        assert result.line("years_cap").value <= 12
    else:
        assert result.line("wage_base").value == max(wage, MIN_WAGE)


@settings(max_examples=200, deadline=None)
@given(start=starts, days=spans, wage=wages, last=wages)
def test_property_n_plus_one_is_n_plus_one_month(start, days, wage, last):
    """LCL Art. 40; Impl. Reg. Art. 20: N+1 = N + the previous month's wage."""
    end = start + timedelta(days=days)
    plain = n(start, end, wage)
    plus = compensation_with_notice_pay(
        start_date=start, end_date=end, avg_monthly_wage_12m=wage, local_min_wage_monthly=MIN_WAGE,
        local_avg_monthly_wage=CITY_AVG, last_month_wage=last,
    )  # fmt: skip
    assert plus.amount == plain.amount + round_yuan(last)


@settings(max_examples=200, deadline=None)
@given(
    start=starts, days=spans, wage=st.decimals(min_value=D("0"), max_value=D("200000"), places=3)
)
def test_property_two_n_is_twice_n(start, days, wage):
    """LCL Art. 87: 2N = 2 × N (service from 2008, where both count the same years)."""
    end = start + timedelta(days=days)
    damages = unlawful_termination_damages(
        start_date=start, end_date=end, avg_monthly_wage_12m=wage, local_min_wage_monthly=MIN_WAGE,
        local_avg_monthly_wage=CITY_AVG,
    )  # fmt: skip
    assert damages.amount == 2 * n(start, end, wage).amount


hours = st.decimals(min_value=D("0"), max_value=D("500"), places=1)


@settings(max_examples=200, deadline=None)
@given(wage=st.decimals(min_value=D("1"), max_value=D("100000"), places=2), h1=hours, h2=hours,
       kind=st.sampled_from(["weekday", "rest_day", "holiday"]))  # fmt: skip
def test_property_overtime_linear_in_hours(wage, h1, h2, kind):
    """Labour Law Art. 44: pay for h1 + h2 hours equals pay for h1 plus pay for h2."""

    def item(h):
        return overtime_pay(monthly_wage=wage, **{f"{kind}_hours": h}).line(f"overtime_{kind}")

    exact = item(h1 + h2).value - item(h1).value - item(h2).value
    assert abs(exact) < D("1e-18")  # exact arithmetic up to Decimal's 28 digits
    # the rounded claim differs by at most the two roundings
    assert abs(item(h1 + h2).rounded - item(h1).rounded - item(h2).rounded) <= D("0.01")
