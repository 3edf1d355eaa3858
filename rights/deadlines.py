"""Deadline arithmetic as pure functions (no Django imports).

How periods are counted (domain.md §1.9; Civil Code Art. 200–204; Civil Procedure Law 2023
Art. 85):

- the day of the trigger is not counted: a period runs from the next day;
- a period in days ends on the n-th day after the trigger; a period in working days on the
  n-th working day after it;
- a period in months or years ends on the corresponding day of the last month; where that
  month has no such day, on its last day (Civil Code Art. 202: 31 Jan + 1 month = 28/29 Feb,
  29 Feb + 1 year = 28 Feb);
- a last day that is a statutory holiday or a rest day moves to the next working day
  (Civil Code Art. 203; CPL Art. 85), where the rule says so. Rest days follow the State
  Council's yearly notice: a weekend day listed as a working day (调休上班) is a working day;
- suspension (时效中止, LDMAL Art. 27 para 3): the clock stops for the suspension and runs on
  from the day its cause ends; overlapping suspensions are counted once;
- interruption (时效中断, LDMAL Art. 27 para 2): the period runs again in full from the day
  of the interruption.

`add_years` and `arbitration_limitation_date` keep their original behaviour (no roll to a
working day): casework intake stores that date as the case's first deadline.
"""

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from functools import lru_cache

DAYS = "days"
MONTHS = "months"
YEARS = "years"
UNITS = (DAYS, MONTHS, YEARS)

URGENT_DAYS = 7  # Legal Aid Law Art. 44: fewer than seven days to a limitation date

_ONE = timedelta(days=1)


def add_days(start: date, days: int) -> date:
    """The `days`-th calendar day after `start` (start not counted; negative goes back)."""
    return start + timedelta(days=days)


def add_months(start: date, months: int) -> date:
    """The corresponding day `months` later; the month's last day if it has no such day
    (Civil Code Art. 202): 31 Jan + 1 month = 28 Feb, or 29 Feb in a leap year."""
    index = start.year * 12 + (start.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(start.day, _month_length(year, month)))


def add_years(start: date, years: int) -> date:
    """Same month and day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)


def arbitration_limitation_date(knew_date: date) -> date:
    """Last day to apply for labour arbitration: one year from the day the worker knew or
    should have known of the infringement (LDMAL Art. 27)."""
    return add_years(knew_date, 1)


def _month_length(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - date(year, month, 1)).days


class WorkingCalendar:
    """Working days: Monday to Friday, less the listed holidays, plus the listed adjusted
    working days (weekend days that are working days, 调休上班).

    Outside the years its data covers, only weekends are rest days: check `covers(d)` before
    trusting a date far in the future.
    """

    __slots__ = ("holidays", "workdays", "years")

    def __init__(self, holidays: Iterable[date] = (), workdays: Iterable[date] = ()):
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)
        both = self.holidays & self.workdays
        if both:
            raise ValueError(f"dates both holiday and working day: {sorted(both)}")
        self.years = frozenset(d.year for d in self.holidays | self.workdays)

    @classmethod
    def from_rows(cls, rows) -> "WorkingCalendar":
        """From `rights.holidays.CalendarDay`-like rows (attributes `date` and `kind`)."""
        rows = list(rows)
        return cls(
            holidays=(r.date for r in rows if r.kind == "holiday"),
            workdays=(r.date for r in rows if r.kind == "workday"),
        )

    def covers(self, d: date) -> bool:
        return d.year in self.years

    def is_working_day(self, d: date) -> bool:
        if d in self.workdays:
            return True
        if d in self.holidays:
            return False
        return d.weekday() < 5

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        d += _ONE
        while not self.is_working_day(d):
            d += _ONE
        return d

    def previous_working_day(self, d: date) -> date:
        """The last working day strictly before `d`."""
        d -= _ONE
        while not self.is_working_day(d):
            d -= _ONE
        return d

    def roll_forward(self, d: date) -> date:
        """`d` if it is a working day, else the next working day (Civil Code Art. 203)."""
        return d if self.is_working_day(d) else self.next_working_day(d)

    def roll_back(self, d: date) -> date:
        """`d` if it is a working day, else the previous one (for "n days before" rules)."""
        return d if self.is_working_day(d) else self.previous_working_day(d)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start not counted); n < 0 counts back;
        n == 0 returns `start`."""
        d = start
        step = self.next_working_day if n > 0 else self.previous_working_day
        for _ in range(abs(n)):
            d = step(d)
        return d


@lru_cache(maxsize=1)
def china_calendar() -> WorkingCalendar:
    """The calendar of `rights.holidays` (2025–2027; 2027 statutory days unconfirmed)."""
    from rights.holidays import CALENDAR_DAYS

    return WorkingCalendar.from_rows(CALENDAR_DAYS)


def merge_intervals(intervals: Iterable[tuple[date, date]]) -> list[tuple[date, date]]:
    """Sorted, disjoint intervals covering the same days (both ends inclusive); touching or
    overlapping intervals merge, so a day is never counted twice."""
    out: list[tuple[date, date]] = []
    for first, last in sorted(intervals):
        if last < first:
            raise ValueError(f"suspension ends before it starts: {first} – {last}")
        if out and first <= out[-1][1] + _ONE:
            if last > out[-1][1]:
                out[-1] = (out[-1][0], last)
        else:
            out.append((first, last))
    return out


def _clip(intervals: list[tuple[date, date]], first_day: date) -> list[tuple[date, date]]:
    return [(max(a, first_day), b) for a, b in intervals if b >= first_day]


def _unrolled_due(
    anchor: date,
    period: int,
    unit: str,
    working_days: bool,
    calendar: WorkingCalendar,
    suspended: list[tuple[date, date]],
) -> date:
    """Last day of a period running from the day after `anchor`, with the suspended days
    (already merged) not counted."""
    suspended = _clip(suspended, anchor + _ONE)
    if working_days:
        d, left, i = anchor, period, 0
        while left:
            d += _ONE
            while i < len(suspended) and suspended[i][1] < d:
                i += 1
            if i < len(suspended) and suspended[i][0] <= d:
                continue  # paused: a suspended day does not count, working day or not
            if calendar.is_working_day(d):
                left -= 1
        return d
    if unit == DAYS:
        due = add_days(anchor, period)
    elif unit == MONTHS:
        due = add_months(anchor, period)
    else:
        due = add_years(anchor, period)
    for first, last in suspended:
        if first > due:
            break
        due += timedelta(days=(last - first).days + 1)
    return due


def due_date(
    start: date,
    period: int,
    unit: str = DAYS,
    *,
    working_days: bool = False,
    roll_to_working_day: bool = True,
    calendar: WorkingCalendar | None = None,
    suspensions: Sequence[tuple[date, date]] = (),
    interruption: date | None = None,
) -> date:
    """The last day of a period of `period` `unit`s triggered on `start`.

    - Counting starts the day after `start` (Civil Code Art. 201; CPL Art. 85).
    - `working_days=True` (unit must be days) counts working days of `calendar`, as in
      Administrative Reconsideration Law Art. 88 or Inspection Regulation Art. 17.
    - `roll_to_working_day=True` moves a last day that is not a working day to the next
      working day (Civil Code Art. 203; CPL Art. 85). For a negative period ("at least n days
      before"), it moves back to the previous working day instead [U: an inference].
    - `suspensions`: (first, last) day pairs, both included, during which the period stops
      (LDMAL Art. 27 para 3). Days before the period starts or after it has ended do not
      count; overlapping suspensions count once. For a calendar period a suspension of k days
      inside the running period moves the last day by exactly k days; for a working-day period
      the working days inside the suspension are added back.
    - `interruption`: the latest interrupting event (LDMAL Art. 27 para 2). The period runs
      again in full from the day after it; suspensions after it still count. An interruption
      after the period has run out (after the rolled last day) does not revive it. An
      interruption never shortens the time left: the later of the two last days is returned
      (this only matters where month-end clamping meets a suspension).
    - Without a `calendar`, `china_calendar()` is used.
    """
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r}")
    if working_days and unit != DAYS:
        raise ValueError("working days are counted in days")
    cal = calendar if calendar is not None else china_calendar()
    if period < 0:
        if suspensions or interruption is not None:
            raise ValueError("suspension and interruption apply to periods that run forward")
        if working_days:
            return cal.add_working_days(start, period)
        due = _unrolled_due(start, period, unit, False, cal, [])
        return cal.roll_back(due) if roll_to_working_day else due

    suspended = merge_intervals(suspensions)

    def last_day(anchor: date) -> date:
        due = _unrolled_due(anchor, period, unit, working_days, cal, suspended)
        return cal.roll_forward(due) if roll_to_working_day else due

    due = last_day(start)
    if interruption is not None:
        if interruption < start:
            raise ValueError("an interruption cannot come before the trigger")
        expiry = due if roll_to_working_day else cal.roll_forward(due)
        if interruption <= expiry:
            due = max(due, last_day(interruption))
    return due


def days_left(last_day: date, today: date) -> int:
    """Calendar days from `today` to `last_day` (0 on the last day, negative once passed)."""
    return (last_day - today).days


def is_urgent(limitation_date: date, today: date, threshold: int = URGENT_DAYS) -> bool:
    """Fewer than `threshold` days remain before a limitation date that has not passed
    (Legal Aid Law Art. 44: aid may be given before the decision). How "不足七日" is counted
    is not settled [U]: here the days from today to the last day, today not counted."""
    return 0 <= days_left(limitation_date, today) < threshold


def rule_due_date(rule, start: date, **kwargs) -> date:
    """`due_date` with the period, unit and flags of a `rights.deadline_rules` rule
    (duck-typed: `period`, `unit`, `working_days`, `roll_to_working_day`, `direction`).
    Suspensions or an interruption passed for a rule that does not allow them are refused."""
    if kwargs.get("suspensions") and not rule.suspension:
        raise ValueError(f"{rule.code}: suspension does not apply")
    if kwargs.get("interruption") is not None and not rule.interruption:
        raise ValueError(f"{rule.code}: interruption does not apply")
    period = -rule.period if rule.direction == "before" else rule.period
    return due_date(
        start,
        period,
        rule.unit,
        working_days=rule.working_days,
        roll_to_working_day=rule.roll_to_working_day,
        **kwargs,
    )
