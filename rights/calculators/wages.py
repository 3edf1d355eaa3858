"""Wage claims: arrears, minimum-wage shortfall, overtime (domain.md §3.2 (e))."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .base import (
    HOLIDAY_OVERTIME_RATE,
    HOURS_PER_DAY,
    PAID_DAYS_PER_MONTH,
    REST_DAY_OVERTIME_RATE,
    WEEKDAY_OVERTIME_RATE,
    CalculationResult,
    CalculatorInputError,
    Line,
    _amount,
    _date,
    _fmt,
    _result,
)

# --- 1. wage arrears -----------------------------------------------------------------------


def wage_arrears(
    *,
    monthly_wage: Decimal | None = None,
    months_owed: Decimal | int | None = None,
    unpaid_items: Sequence[tuple[str, Decimal]] | None = None,
) -> CalculationResult:
    """Unpaid wages (拖欠劳动报酬), Labour Law Art. 50; LCL Art. 30.

    Either ``monthly_wage × months_owed`` (months may be fractional, e.g. 2.5), or
    ``unpaid_items``: a list of ``(label, amount)`` pairs, each its own claim item. Exactly one
    of the two forms. domain.md gives no late-payment compensation a worker can claim in
    arbitration: the 50–100% extra of LCL Art. 85 is ordered by the labour administration
    (an inspection outcome), so it is not computed here.
    """
    citations = ("Labour Law Art. 50", "LCL Art. 30")
    if unpaid_items is not None:
        if monthly_wage is not None or months_owed is not None:
            raise CalculatorInputError(
                "arrears_two_forms", "Give either monthly_wage and months_owed, or unpaid_items."
            )
        if not unpaid_items:
            raise CalculatorInputError("unpaid_items_empty", "unpaid_items must not be empty.")
        lines = []
        for label, value in unpaid_items:
            value = _amount("unpaid_item", value)
            lines.append(
                Line(
                    "unpaid_item",
                    value,
                    "yuan",
                    f"{label}：{_fmt(value)}元",
                    f"{label}: CNY {_fmt(value)}",
                    is_item=True,
                )  # fmt: skip
            )
        return _result("wage_arrears", lines, citations, {})
    if monthly_wage is None or months_owed is None:
        raise CalculatorInputError(
            "arrears_incomplete", "Give monthly_wage and months_owed, or unpaid_items."
        )
    wage = _amount("monthly_wage", monthly_wage)
    months = _amount("months_owed", months_owed)
    owed = wage * months
    lines = [
        Line("monthly_wage", wage, "yuan_per_month", f"月工资{_fmt(wage)}元/月",
             f"monthly wage CNY {_fmt(wage)}/month"),
        Line("months_owed", months, "months", f"拖欠{_fmt(months)}个月",
             f"{_fmt(months)} months owed"),
        Line("wage_arrears", owed, "yuan", f"{_fmt(wage)} × {_fmt(months)}",
             f"{_fmt(wage)} × {_fmt(months)}", is_item=True),
    ]  # fmt: skip
    return _result("wage_arrears", lines, citations, {})


# --- 2. minimum-wage shortfall ---------------------------------------------------------------


@dataclass(frozen=True)
class MonthWage:
    """One month of a minimum-wage claim: the minimum wage in force that month (a dated,
    region-scoped parameter) and the wage actually paid for normal hours."""

    month: date  # any day of the month; shown as YYYY-MM
    minimum_wage: Decimal
    wage_paid: Decimal


def minimum_wage_shortfall(*, months: Sequence[MonthWage]) -> CalculationResult:
    """Difference up to the minimum wage (低于最低工资), Labour Law Art. 48.

    Per month: minimum wage in force minus wage paid, never negative; the claim is the sum.
    Each month's minimum wage is an argument (Jiangsu tier of the district, dated; domain.md
    §6.5, figures [U]).
    """
    if not months:
        raise CalculatorInputError("months_empty", "months must list at least one month.")
    lines, seen, parameters = [], set(), {}
    for entry in months:
        month = _date("month", entry.month)
        label = f"{month:%Y-%m}"
        if label in seen:
            raise CalculatorInputError("month_repeated", f"Month {label} is listed twice.")
        seen.add(label)
        minimum = _amount("minimum_wage", entry.minimum_wage, positive=True)
        paid = _amount("wage_paid", entry.wage_paid)
        gap = max(minimum - paid, Decimal(0))
        parameters[f"minimum_wage_{label}"] = minimum
        lines.append(
            Line(
                "minimum_wage_shortfall_month",
                gap,
                "yuan",
                f"{label}：最低工资{_fmt(minimum)} − 实发{_fmt(paid)}（不低于0）",
                f"{label}: minimum wage {_fmt(minimum)} − paid {_fmt(paid)} (not below 0)",
                is_item=True,
            )  # fmt: skip
        )
    return _result("minimum_wage_shortfall", lines, ("Labour Law Art. 48",), parameters)


# --- 3. overtime -----------------------------------------------------------------------------


def overtime_pay(
    *,
    monthly_wage: Decimal,
    weekday_hours: Decimal | int = 0,
    rest_day_hours: Decimal | int = 0,
    holiday_hours: Decimal | int = 0,
) -> CalculationResult:
    """Overtime pay (加班费), Labour Law Art. 44; 劳社部发〔2008〕3号.

    hourly wage = monthly wage ÷ 21.75 ÷ 8; weekday overtime at 150%, rest-day work without
    time off in lieu at 200% (give only the hours not compensated by time off), statutory-
    holiday work at 300%. Each rate is its own claim item. The wage base (contract wage or
    actual wage) is set by Jiangsu rules not available to us [U]: the caller chooses it and
    passes it as ``monthly_wage``.
    """
    wage = _amount("monthly_wage", monthly_wage, positive=True)
    hours = {
        "weekday": _amount("weekday_hours", weekday_hours),
        "rest_day": _amount("rest_day_hours", rest_day_hours),
        "holiday": _amount("holiday_hours", holiday_hours),
    }
    hourly = wage / PAID_DAYS_PER_MONTH / HOURS_PER_DAY
    lines = [
        Line("monthly_wage", wage, "yuan_per_month", f"月工资{_fmt(wage)}元/月",
             f"monthly wage CNY {_fmt(wage)}/month"),
        Line("hourly_wage", hourly, "yuan_per_hour", f"{_fmt(wage)} ÷ 21.75 ÷ 8",
             f"{_fmt(wage)} ÷ 21.75 ÷ 8"),
    ]  # fmt: skip
    labels = {
        "weekday": (WEEKDAY_OVERTIME_RATE, "工作日延长工作时间", "weekday overtime"),
        "rest_day": (REST_DAY_OVERTIME_RATE, "休息日工作且未安排补休", "rest-day work without time off in lieu"),
        "holiday": (HOLIDAY_OVERTIME_RATE, "法定休假日工作", "statutory-holiday work"),
    }  # fmt: skip
    for kind, (rate, zh, en) in labels.items():
        pct = f"{rate * 100:.0f}%"
        lines.append(
            Line(
                f"overtime_{kind}",
                hourly * hours[kind] * rate,
                "yuan",
                f"{zh}：小时工资 × {_fmt(hours[kind])}小时 × {pct}",
                f"{en}: hourly wage × {_fmt(hours[kind])} h × {pct}",
                is_item=True,
            )  # fmt: skip
        )
    parameters = {
        "paid_days_per_month": PAID_DAYS_PER_MONTH,
        "hours_per_day": HOURS_PER_DAY,
        "weekday_rate": WEEKDAY_OVERTIME_RATE,
        "rest_day_rate": REST_DAY_OVERTIME_RATE,
        "holiday_rate": HOLIDAY_OVERTIME_RATE,
    }
    return _result("overtime_pay", lines, ("Labour Law Art. 44", "劳社部发〔2008〕3号"), parameters)
