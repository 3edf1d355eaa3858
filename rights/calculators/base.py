"""Shared shapes and arithmetic of the claim calculators: results, lines, errors, rounding,
service periods and the statutory constants."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from types import MappingProxyType

CENT = Decimal("0.01")
PAID_DAYS_PER_MONTH = Decimal("21.75")  # 月计薪天数 = (365 - 104) / 12, 劳社部发〔2008〕3号
HOURS_PER_DAY = Decimal(8)
WEEKDAY_OVERTIME_RATE = Decimal("1.5")  # Labour Law Art. 44 (1)
REST_DAY_OVERTIME_RATE = Decimal(2)  # Labour Law Art. 44 (2)
HOLIDAY_OVERTIME_RATE = Decimal(3)  # Labour Law Art. 44 (3)
ANNUAL_LEAVE_EXTRA_RATE = Decimal(2)  # 300% including the normal wage already paid
WAGE_CAP_MULTIPLE = Decimal(3)  # LCL Art. 47 para. 2
YEARS_CAP = Decimal(12)  # LCL Art. 47 para. 2
LCL_IN_FORCE = date(2008, 1, 1)  # LCL Art. 97
DOUBLE_WAGE_MAX_MONTHS = 11  # Impl. Reg. Art. 7

UNITS = ("yuan", "yuan_per_month", "yuan_per_day", "yuan_per_hour", "months", "years", "days",
         "hours", "percent", "date")  # fmt: skip


class CalculatorInputError(ValueError):
    """Input a calculator cannot work with. ``key`` is a stable English message key."""

    def __init__(self, key: str, message: str):
        super().__init__(message)
        self.key = key


@dataclass(frozen=True)
class Line:
    """One line of a breakdown (see the module docstring)."""

    key: str
    value: Decimal | date
    unit: str
    formula_zh: str
    formula_en: str
    is_item: bool = False

    @property
    def rounded(self) -> Decimal | date:
        return round_yuan(self.value) if self.unit == "yuan" else self.value


@dataclass(frozen=True)
class CalculationResult:
    calculator: str
    amount: Decimal
    lines: tuple[Line, ...]
    citations: tuple[str, ...]
    parameters: Mapping[str, Decimal | date | str] = field(
        default_factory=lambda: MappingProxyType({})
    )
    flags: tuple[str, ...] = ()

    def line(self, key: str) -> Line:
        """The first line with this key (KeyError if there is none)."""
        for candidate in self.lines:
            if candidate.key == key:
                return candidate
        raise KeyError(key)

    def as_dict(self) -> dict:
        """JSON-ready form (Decimals and dates as strings), e.g. for ``Claim.calculation``."""

        def plain(value):
            return str(value) if isinstance(value, Decimal) else value.isoformat()

        return {
            "calculator": self.calculator,
            "amount": str(self.amount),
            "lines": [
                {
                    "key": ln.key,
                    "value": plain(ln.value),
                    "unit": ln.unit,
                    "formula_zh": ln.formula_zh,
                    "formula_en": ln.formula_en,
                    "is_item": ln.is_item,
                }
                for ln in self.lines
            ],
            "citations": list(self.citations),
            "parameters": {
                k: plain(v) if not isinstance(v, str) else v for k, v in self.parameters.items()
            },  # fmt: skip
            "flags": list(self.flags),
        }


# --- helpers -------------------------------------------------------------------------------


def round_yuan(value: Decimal) -> Decimal:
    """0.01 yuan, round half up (glossary §1.3)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def _fmt(value: Decimal) -> str:
    """A number for a formula: thousands separators, no trailing zeros beyond two decimals."""
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    if value == round_yuan(value):
        return f"{value:,.2f}"
    return f"{value:,.4f}"


def _amount(name: str, value, *, positive: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise CalculatorInputError(
            f"{name}_not_decimal", f"{name} must be a Decimal or an integer, not {value!r}."
        )
    value = Decimal(value)
    if not value.is_finite():
        raise CalculatorInputError(f"{name}_not_finite", f"{name} must be a finite number.")
    if value < 0:
        raise CalculatorInputError(f"{name}_negative", f"{name} must not be negative.")
    if positive and value == 0:
        raise CalculatorInputError(f"{name}_not_positive", f"{name} must be greater than zero.")
    return value


def _date(name: str, value) -> date:
    if not isinstance(value, date):
        raise CalculatorInputError(f"{name}_not_date", f"{name} must be a date, not {value!r}.")
    return value


def add_months(start: date, months: int) -> date:
    """Same day `months` later; a day that month lacks becomes its last day (31 Jan → 28/29 Feb)."""
    index = start.year * 12 + start.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    for day in (start.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


@dataclass(frozen=True)
class ServicePeriod:
    """A period of service counted in whole calendar months plus remaining days."""

    months: int
    days: int

    @property
    def years(self) -> int:
        return self.months // 12

    @property
    def remainder_months(self) -> int:
        return self.months % 12


def service_period(start_date: date, end_date: date) -> ServicePeriod:
    """Service from `start_date` (first day worked, 用工之日) to `end_date` (last day, inclusive).

    Whole months are counted by monthly anniversaries of the start date: 2020-01-01 to
    2020-06-30 is exactly 6 months; 2020-01-01 to 2020-06-29 is 5 months 29 days.
    """
    start_date = _date("start_date", start_date)
    end_date = _date("end_date", end_date)
    if end_date < start_date:
        raise CalculatorInputError("end_before_start", "end_date must not be before start_date.")
    stop = end_date + timedelta(days=1)  # exclusive
    months = (stop.year - start_date.year) * 12 + stop.month - start_date.month
    while months > 0 and add_months(start_date, months) > stop:
        months -= 1
    days = (stop - add_months(start_date, months)).days
    return ServicePeriod(months=months, days=days)


def compensation_units(period: ServicePeriod) -> Decimal:
    """Months of wage for a service period (LCL Art. 47 para. 1): one per full year; a remainder
    of six months or more counts as a year; a shorter remainder (even one day) as half a month."""
    units = Decimal(period.years)
    if period.remainder_months >= 6:
        units += 1
    elif period.remainder_months or period.days:
        units += Decimal("0.5")
    return units


def _result(calculator, lines, citations, parameters, flags=()) -> CalculationResult:
    amount = sum((round_yuan(ln.value) for ln in lines if ln.is_item), Decimal("0.00"))
    return CalculationResult(
        calculator=calculator,
        amount=round_yuan(amount),
        lines=tuple(lines),
        citations=tuple(citations),
        parameters=MappingProxyType(dict(parameters)),
        flags=tuple(flags),
    )
