"""Pay for untaken annual leave (domain.md §3.2 (f))."""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal

from .base import (
    ANNUAL_LEAVE_EXTRA_RATE,
    PAID_DAYS_PER_MONTH,
    CalculationResult,
    CalculatorInputError,
    Line,
    _amount,
    _fmt,
    _result,
)

# --- 8. unused annual leave ------------------------------------------------------------------


def annual_leave_entitlement(cumulative_years: int) -> int:
    """Days of paid annual leave a year by cumulative years of service in any employer (Paid
    Annual Leave Reg. Art. 3): under 1 year none; 1 to under 10: 5; 10 to under 20: 10;
    20 or more: 15."""
    if isinstance(cumulative_years, bool) or not isinstance(cumulative_years, int):
        raise CalculatorInputError(
            "cumulative_years_not_int", "cumulative_years must be an integer."
        )
    if cumulative_years < 0:
        raise CalculatorInputError(
            "cumulative_years_negative", "cumulative_years must not be negative."
        )
    if cumulative_years < 1:
        return 0
    if cumulative_years < 10:
        return 5
    if cumulative_years < 20:
        return 10
    return 15


def annual_leave_pay(
    *,
    monthly_wage: Decimal,
    cumulative_years: int,
    days_taken: int = 0,
    days_elapsed_in_year: int | None = None,
    days_in_year: int = 365,
) -> CalculationResult:
    """Pay for untaken annual leave (未休年休假工资报酬), Paid Annual Leave Reg. Art. 3, 5;
    Annual Leave Measures Art. 10–12.

    Entitlement by cumulative service: 5/10/15 days (Reg. Art. 3). Unused days are paid at
    300% of the daily wage including the normal wage already paid, so the claim is the extra
    200% (Reg. Art. 5; Measures Art. 10). Daily wage = average monthly wage of the prior 12
    months *excluding overtime pay* ÷ 21.75 (Measures Art. 11): pass that figure as
    ``monthly_wage``. For a leave year cut short by termination give ``days_elapsed_in_year``:
    owed days = floor(days_elapsed ÷ 365 × entitlement − days_taken), never below 0
    (Measures Art. 12). A first year at a new employer is pro-rated the same way (Art. 5).
    """
    wage = _amount("monthly_wage", monthly_wage, positive=True)
    entitlement = annual_leave_entitlement(cumulative_years)
    if isinstance(days_taken, bool) or not isinstance(days_taken, int) or days_taken < 0:
        raise CalculatorInputError(
            "days_taken_invalid", "days_taken must be a non-negative integer."
        )
    citations = ["Paid Annual Leave Reg. Art. 3", "Paid Annual Leave Reg. Art. 5",
                 "Annual Leave Measures Art. 10", "Annual Leave Measures Art. 11"]  # fmt: skip
    if days_elapsed_in_year is None:
        owed = max(entitlement - days_taken, 0)
        owed_zh = f"应休{entitlement}天 − 已休{days_taken}天"
        owed_en = f"{entitlement} days due − {days_taken} taken"
    else:
        if (isinstance(days_elapsed_in_year, bool) or not isinstance(days_elapsed_in_year, int)
                or not 0 <= days_elapsed_in_year <= days_in_year):  # fmt: skip
            raise CalculatorInputError(
                "days_elapsed_invalid",
                "days_elapsed_in_year must be an integer from 0 to days_in_year.",
            )
        share = Decimal(days_elapsed_in_year) / Decimal(days_in_year) * entitlement
        owed = max(int((share - days_taken).to_integral_value(rounding=ROUND_FLOOR)), 0)
        owed_zh = (
            f"⌊{days_elapsed_in_year}/{days_in_year} × {entitlement} − {days_taken}⌋（不足1天不计）"
        )
        owed_en = f"⌊{days_elapsed_in_year}/{days_in_year} × {entitlement} − {days_taken}⌋ (part days not paid)"
        citations.append("Annual Leave Measures Art. 12")
    daily = wage / PAID_DAYS_PER_MONTH
    extra = daily * owed * ANNUAL_LEAVE_EXTRA_RATE
    lines = [
        Line("entitlement_days", Decimal(entitlement), "days", f"累计工作{cumulative_years}年，年休假{entitlement}天",
             f"{cumulative_years} years of cumulative service: {entitlement} days"),
        Line("unused_days", Decimal(owed), "days", owed_zh, owed_en),
        Line("daily_wage", daily, "yuan_per_day", f"{_fmt(wage)} ÷ 21.75", f"{_fmt(wage)} ÷ 21.75"),
        Line("annual_leave_pay", extra, "yuan", f"日工资 × {owed}天 × 200%（另加，300%含已付正常工资）",
             f"daily wage × {owed} days × 200% (extra; 300% includes the normal wage paid)", is_item=True),
    ]  # fmt: skip
    parameters = {"paid_days_per_month": PAID_DAYS_PER_MONTH, "extra_rate": ANNUAL_LEAVE_EXTRA_RATE,
                  "days_in_year": Decimal(days_in_year)}  # fmt: skip
    return _result("annual_leave_pay", lines, citations, parameters)
