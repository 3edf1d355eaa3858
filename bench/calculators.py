"""One call of each claim calculator (issue 3: at most 1 ms, median).

    .venv/bin/python bench/calculators.py [--runs 2000]

Pure functions, no database: each calculator is called with a realistic Changzhou case, warmed
up, then timed call by call; one `BENCH calculator_<name> …` line each (queries are always 0).
"""

import argparse
import statistics
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rights import calculators as calc  # noqa: E402

WAGE = Decimal("7200")
TERMINATION = {
    "start_date": date(2016, 3, 1),
    "end_date": date(2026, 9, 30),
    "avg_monthly_wage_12m": WAGE,
    "local_min_wage_monthly": Decimal("2490"),
    "local_avg_monthly_wage": Decimal("9000"),
}
CASES = {
    "wage_arrears": lambda: calc.wage_arrears(monthly_wage=WAGE, months_owed=3),
    "minimum_wage_shortfall": lambda: calc.minimum_wage_shortfall(
        months=[
            calc.MonthWage(
                month=date(2026, m, 1), wage_paid=Decimal("2100"), minimum_wage=Decimal("2490")
            )
            for m in range(1, 13)
        ]
    ),
    "overtime_pay": lambda: calc.overtime_pay(
        monthly_wage=WAGE, weekday_hours=36, rest_day_hours=16, holiday_hours=8
    ),
    "economic_compensation": lambda: calc.economic_compensation(**TERMINATION),
    "compensation_with_notice_pay": lambda: calc.compensation_with_notice_pay(
        **TERMINATION, last_month_wage=WAGE
    ),
    "unlawful_termination_damages": lambda: calc.unlawful_termination_damages(**TERMINATION),
    "double_wage": lambda: calc.double_wage(
        start_date=date(2025, 9, 1), monthly_wage=WAGE, end_date=date(2026, 8, 31)
    ),
    "annual_leave_pay": lambda: calc.annual_leave_pay(
        monthly_wage=WAGE, cumulative_years=12, days_taken=3
    ),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=2000, help="measured calls per calculator")
    parser.add_argument("--name", help="only calculators whose name contains this")
    args = parser.parse_args()
    for name, call in CASES.items():
        if args.name and args.name not in f"calculator_{name}":
            continue
        for _ in range(50):
            call()
        times = []
        for _ in range(max(args.runs, 20)):
            started = time.perf_counter()
            call()
            times.append((time.perf_counter() - started) * 1000)
        times.sort()
        p95 = times[round(0.95 * (len(times) - 1))]
        print(
            f"BENCH calculator_{name} median_ms={statistics.median(times):.3f} "
            f"p95_ms={p95:.3f} queries=0 runs={len(times)}"
        )


if __name__ == "__main__":
    main()
