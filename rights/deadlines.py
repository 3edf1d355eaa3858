"""Deadline arithmetic as pure functions (no Django imports).

The full engine (rule table, holiday calendar, working days, suspension and interruption)
comes with the rights-knowledge issue; this is the one limit every case has from intake.
"""

from datetime import date


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
