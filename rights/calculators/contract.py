"""Double wage for no written contract (domain.md §3.2 (d))."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from .base import (
    DOUBLE_WAGE_MAX_MONTHS,
    CalculationResult,
    CalculatorInputError,
    Line,
    _amount,
    _date,
    _fmt,
    _result,
    add_months,
    service_period,
)

# --- 7. double wage --------------------------------------------------------------------------


def double_wage(
    *,
    start_date: date,
    monthly_wage: Decimal,
    contract_signed_date: date | None = None,
    end_date: date | None = None,
    prorate_partial_month: bool = True,
) -> CalculationResult:
    """Double wage for no written contract (未订立书面劳动合同二倍工资), LCL Art. 10, 82; Impl.
    Reg. Art. 6–7.

    Window: from the one-month anniversary of ``start_date`` (the day after the first month)
    to the day before ``contract_signed_date`` or, if employment ended without a contract, to
    ``end_date`` (last day worked), and at most to the day before the one-year anniversary:
    at most 11 months. The claim is the extra one month's wage for each month in the window
    (practice, [U]); a partial month is pro-rated by calendar days of that month of the
    window ([U]; ``prorate_partial_month=False`` counts whole months only). The limitation
    period for this claim is contested ([U]), so the result is always flagged
    ``limitation_contested``. At one year without a contract the contract is deemed
    open-ended (LCL Art. 14; flag ``deemed_open_ended``); with neither a signing date nor an
    end date the function cannot tell, and flags ``open_ended_check``.
    """
    start_date = _date("start_date", start_date)
    wage = _amount("monthly_wage", monthly_wage, positive=True)
    window_start = add_months(start_date, 1)
    # exclusive bound: the last day of the window is the day before the 1-year anniversary
    stop = add_months(start_date, 12)
    if contract_signed_date is not None:
        signed = _date("contract_signed_date", contract_signed_date)
        if signed < start_date:
            raise CalculatorInputError(
                "signed_before_start", "contract_signed_date must not be before start_date."
            )
        stop = min(stop, signed)
    if end_date is not None:
        end = _date("end_date", end_date)
        if end < start_date:
            raise CalculatorInputError(
                "end_before_start", "end_date must not be before start_date."
            )
        stop = min(stop, end + timedelta(days=1))
    flags = ["limitation_contested"]
    one_year = add_months(start_date, 12)
    if contract_signed_date is None and end_date is None:
        flags.append("open_ended_check")  # no date bounds the window: check the one-year mark
    elif stop >= one_year:  # a full year passed without a written contract
        flags.append("deemed_open_ended")
    if stop <= window_start:
        months, days, fraction = 0, 0, Decimal(0)
    else:
        period = service_period(window_start, stop - timedelta(days=1))
        months, days = period.months, period.days
        month_start = add_months(window_start, months)
        month_length = (add_months(window_start, months + 1) - month_start).days
        fraction = Decimal(days) / Decimal(month_length) if prorate_partial_month else Decimal(0)
    months_in_window = Decimal(months) + fraction
    last_day = stop - timedelta(days=1)
    lines = [
        Line("window_start", window_start, "date", "用工满一个月的次日", "the day after the first month"),
        Line("window_end", max(last_day, window_start - timedelta(days=1)), "date",
             "订立书面合同前一日，最长至满一年的前一日",
             "the day before the contract was signed, at most the day before the first anniversary"),
        Line("months_in_window", months_in_window, "months",
             f"{months}个月{days}天" + ("（不足一月按日历天数折算）" if days and prorate_partial_month else ""),
             f"{months} months {days} days" + (" (part month pro-rated by calendar days)" if days and prorate_partial_month else "")),
        Line("double_wage", wage * months_in_window, "yuan", f"{_fmt(wage)} × {_fmt(months_in_window)}",
             f"{_fmt(wage)} × {_fmt(months_in_window)}", is_item=True),
    ]  # fmt: skip
    citations = ("LCL Art. 10", "LCL Art. 82", "Impl. Reg. Art. 6", "Impl. Reg. Art. 7")
    parameters = {"max_months": Decimal(DOUBLE_WAGE_MAX_MONTHS),
                  "prorate_partial_month": str(prorate_partial_month).lower()}  # fmt: skip
    return _result("double_wage", lines, citations, parameters, flags)
