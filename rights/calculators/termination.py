"""Termination claims: economic compensation N, N+1, 2N (domain.md §3.2 (a)–(c))."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from .base import (
    LCL_IN_FORCE,
    WAGE_CAP_MULTIPLE,
    YEARS_CAP,
    CalculationResult,
    CalculatorInputError,
    Line,
    _amount,
    _date,
    _fmt,
    _result,
    compensation_units,
    round_yuan,
    service_period,
)

# --- 4–6. economic compensation N, N+1, 2N ----------------------------------------------------


def _n_lines(*, start_date, end_date, avg_monthly_wage_12m, local_min_wage_monthly,
             local_avg_monthly_wage, count_from):  # fmt: skip
    """Shared N arithmetic: returns (exact N, lines, parameters, capped)."""
    avg = _amount("avg_monthly_wage_12m", avg_monthly_wage_12m)
    minimum = _amount("local_min_wage_monthly", local_min_wage_monthly, positive=True)
    city = _amount("local_avg_monthly_wage", local_avg_monthly_wage, positive=True)
    period = service_period(count_from, end_date)
    units = compensation_units(period)
    base = max(avg, minimum)  # Impl. Reg. Art. 27
    lines = [
        Line("service_period", Decimal(period.months), "months",
             f"{count_from:%Y-%m-%d}至{end_date:%Y-%m-%d}：{period.years}年{period.remainder_months}个月{period.days}天",
             f"{count_from:%Y-%m-%d} to {end_date:%Y-%m-%d}: {period.years} y {period.remainder_months} m {period.days} d"),
        Line("service_units", units, "months",
             "满1年计1个月；不满6个月计半个月，6个月以上计1个月",
             "one month per full year; a remainder of 6 months or more counts as one, less as half"),
        Line("avg_monthly_wage_12m", avg, "yuan_per_month",
             f"前十二个月平均工资{_fmt(avg)}元/月", f"average monthly wage over the last 12 months CNY {_fmt(avg)}"),
        Line("wage_base", base, "yuan_per_month",
             f"max(平均工资{_fmt(avg)}, 当地最低工资标准{_fmt(minimum)})",
             f"max(average wage {_fmt(avg)}, local minimum wage {_fmt(minimum)})"),
    ]  # fmt: skip
    capped = avg > WAGE_CAP_MULTIPLE * city  # strictly above: exactly 3× is not capped
    if capped:
        base = WAGE_CAP_MULTIPLE * city
        units = min(units, YEARS_CAP)
        lines += [
            Line("wage_cap", base, "yuan_per_month",
                 f"高于本地区上年度职工月平均工资{_fmt(city)}的3倍，按3倍计",
                 f"above 3 × local average monthly wage {_fmt(city)}: capped at 3×"),
            Line("years_cap", units, "months", "最高不超过12年", "at most 12 years"),
        ]  # fmt: skip
    parameters = {
        "local_min_wage_monthly": minimum,
        "local_avg_monthly_wage": city,
        "wage_cap_multiple": WAGE_CAP_MULTIPLE,
        "years_cap": YEARS_CAP,
    }
    return base * units, base, units, lines, parameters, capped


def economic_compensation(
    *,
    start_date: date,
    end_date: date,
    avg_monthly_wage_12m: Decimal,
    local_min_wage_monthly: Decimal,
    local_avg_monthly_wage: Decimal,
    pre_2008_amount: Decimal | None = None,
) -> CalculationResult:
    """Economic compensation N (经济补偿), LCL Art. 46–47; Impl. Reg. Art. 27; LCL Art. 97.

    One month's wage per full year of service; a remainder of six months or more counts as a
    year, less as half a month. The wage is the average monthly wage the worker should have
    received over the last 12 months (fewer if fewer were worked), never below the local
    minimum wage (Impl. Reg. Art. 27). If that average is above 3 × the local (Changzhou)
    average monthly wage of the previous year, the wage is capped at 3× that average and the
    years at 12 (LCL Art. 47 para. 2); exactly 3× is not capped. Both wage figures are dated,
    region-scoped parameters passed by the caller.

    Service before 2008-01-01 (LCL Art. 97): only years from 2008-01-01 follow the LCL; earlier
    years follow the old rules, which are not verified [U]. This function counts LCL service
    from 2008-01-01, adds ``pre_2008_amount`` (the old-rules amount, worked out by a person)
    as a separate item if given, and always flags ``pre_2008_service_manual_review``.
    """
    start_date = _date("start_date", start_date)
    end_date = _date("end_date", end_date)
    count_from, flags, citations = (
        start_date,
        [],
        ["LCL Art. 46", "LCL Art. 47", "Impl. Reg. Art. 27"],
    )
    service_period(start_date, end_date)  # validates the order of the dates
    if start_date < LCL_IN_FORCE:
        if end_date < LCL_IN_FORCE:
            raise CalculatorInputError(
                "service_ended_before_2008",
                "Service that ended before 2008 is outside LCL Art. 47.",
            )
        count_from = LCL_IN_FORCE
        flags.append("pre_2008_service_manual_review")
        citations.append("LCL Art. 97")
    elif pre_2008_amount is not None:
        raise CalculatorInputError(
            "pre_2008_amount_without_pre_2008_service",
            "pre_2008_amount is only for service that started before 2008-01-01.",
        )
    n, base, units, lines, parameters, _ = _n_lines(
        start_date=start_date, end_date=end_date, avg_monthly_wage_12m=avg_monthly_wage_12m,
        local_min_wage_monthly=local_min_wage_monthly,
        local_avg_monthly_wage=local_avg_monthly_wage, count_from=count_from,
    )  # fmt: skip
    lines.append(
        Line(
            "economic_compensation",
            n,
            "yuan",
            f"{_fmt(base)} × {_fmt(units)}",
            f"{_fmt(base)} × {_fmt(units)}",
            is_item=True,
        )  # fmt: skip
    )
    if pre_2008_amount is not None:
        old = _amount("pre_2008_amount", pre_2008_amount)
        lines.append(
            Line(
                "pre_2008_compensation",
                old,
                "yuan",
                "2008年1月1日前工作年限，按当时规定（人工核定）",
                "service before 2008-01-01, under the rules then in force (set by a person)",
                is_item=True,
            )  # fmt: skip
        )
    return _result("economic_compensation", lines, citations, parameters, flags)


def compensation_with_notice_pay(
    *,
    start_date: date,
    end_date: date,
    avg_monthly_wage_12m: Decimal,
    local_min_wage_monthly: Decimal,
    local_avg_monthly_wage: Decimal,
    last_month_wage: Decimal,
    pre_2008_amount: Decimal | None = None,
) -> CalculationResult:
    """N+1: economic compensation plus pay in lieu of notice (代通知金), LCL Art. 40; Impl. Reg.
    Art. 20. For an Art. 40 rescission without 30 days' written notice the employer pays one
    extra month's wage, the wage of the previous month. Items: N (and its pre-2008 part, see
    `economic_compensation`) and the notice pay; amount = N + last month's wage."""
    n = economic_compensation(
        start_date=start_date, end_date=end_date, avg_monthly_wage_12m=avg_monthly_wage_12m,
        local_min_wage_monthly=local_min_wage_monthly,
        local_avg_monthly_wage=local_avg_monthly_wage, pre_2008_amount=pre_2008_amount,
    )  # fmt: skip
    last = _amount("last_month_wage", last_month_wage)
    lines = [
        *n.lines,
        Line("notice_pay", last, "yuan", f"代通知金 = 上月工资{_fmt(last)}",
             f"pay in lieu of notice = previous month's wage {_fmt(last)}", is_item=True),
    ]  # fmt: skip
    citations = (*n.citations, "LCL Art. 40", "Impl. Reg. Art. 20")
    return _result("notice_pay", lines, citations, n.parameters, n.flags)


def unlawful_termination_damages(
    *,
    start_date: date,
    end_date: date,
    avg_monthly_wage_12m: Decimal,
    local_min_wage_monthly: Decimal,
    local_avg_monthly_wage: Decimal,
) -> CalculationResult:
    """2N damages for unlawful rescission or termination (赔偿金), LCL Art. 48, 87; Impl. Reg.
    Art. 25. Twice the economic-compensation standard of LCL Art. 47 (same wage floor, 3× wage
    cap and 12-year cap), with years counted from ``start_date`` including service before
    2008 (Impl. Reg. Art. 25). Paid instead of N, never on top. The standard is rounded once
    as a claim amount and then doubled, so 2N is exactly twice N as shown."""
    start_date = _date("start_date", start_date)
    n, base, units, lines, parameters, _ = _n_lines(
        start_date=start_date, end_date=end_date, avg_monthly_wage_12m=avg_monthly_wage_12m,
        local_min_wage_monthly=local_min_wage_monthly,
        local_avg_monthly_wage=local_avg_monthly_wage, count_from=start_date,
    )  # fmt: skip
    standard = round_yuan(n)
    lines += [
        Line("compensation_standard", standard, "yuan", f"{_fmt(base)} × {_fmt(units)}",
             f"{_fmt(base)} × {_fmt(units)}"),
        Line("unlawful_termination_damages", standard * 2, "yuan", f"{_fmt(standard)} × 2",
             f"{_fmt(standard)} × 2", is_item=True),
    ]  # fmt: skip
    citations = (
        "LCL Art. 48",
        "LCL Art. 87",
        "LCL Art. 47",
        "Impl. Reg. Art. 25",
        "Impl. Reg. Art. 27",
    )
    return _result("unlawful_termination_damages", lines, citations, parameters)
