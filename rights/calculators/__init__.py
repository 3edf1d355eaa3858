"""Claim calculators as pure functions (domain.md §3.2; glossary §2.15). No Django imports.

Every calculator takes keyword-only arguments and returns a frozen `CalculationResult`:

- ``calculator``: the term key of glossary §2.15 (``economic_compensation``, ``overtime_pay``, …);
- ``amount``: the claim amount in yuan, a ``Decimal`` quantised to 0.01 (ROUND_HALF_UP);
- ``lines``: the breakdown, a tuple of `Line`. Each line has a ``key`` the UI can translate
  (for instance ``hourly_wage``), a ``value`` at full precision, a ``unit`` (one of `UNITS`), the
  formula with its numbers filled in, in Chinese and in English, and ``is_item``. Lines with
  ``is_item=True`` are the claim items: each is rounded once (0.01 yuan, half up) and ``amount``
  is the sum of the rounded items, so a filing always adds up (glossary §1.3). Other lines
  are inputs and working steps, kept at full precision for display;
- ``citations``: the articles applied, in the short forms of glossary §1.7 ("LCL Art. 47");
- ``parameters``: the values that vary by region or date (minimum wage, local average wage,
  …) and the statutory constants that were used, so a caller can record what was in force;
- ``flags``: codes that ask a person to look again (``pre_2008_service_manual_review``, …).

Values that domain.md marks [U] (not verified) are arguments, never constants here; each
docstring says which. Wrong input raises `CalculatorInputError` (a ``ValueError``) whose
``key`` is a stable English message key and whose ``str()`` is a readable English sentence.

Amounts must be ``Decimal`` or ``int`` (floats are refused: they cannot hold 0.01 exactly).
"""

from .base import (
    CalculationResult,
    CalculatorInputError,
    Line,
    ServicePeriod,
    add_months,
    compensation_units,
    round_yuan,
    service_period,
)
from .contract import double_wage
from .leave import annual_leave_entitlement, annual_leave_pay
from .termination import (
    compensation_with_notice_pay,
    economic_compensation,
    unlawful_termination_damages,
)
from .wages import MonthWage, minimum_wage_shortfall, overtime_pay, wage_arrears

__all__ = [
    "CalculationResult",
    "CalculatorInputError",
    "Line",
    "MonthWage",
    "ServicePeriod",
    "add_months",
    "annual_leave_entitlement",
    "annual_leave_pay",
    "compensation_units",
    "compensation_with_notice_pay",
    "double_wage",
    "economic_compensation",
    "minimum_wage_shortfall",
    "overtime_pay",
    "round_yuan",
    "service_period",
    "unlawful_termination_damages",
    "wage_arrears",
]
