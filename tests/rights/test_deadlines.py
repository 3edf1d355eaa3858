"""Due-date arithmetic, the holiday calendar and the seeded deadline rules (pure, no DB)."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rights import holidays
from rights.deadline_rules import RULES, RULES_BY_CODE, TRIGGERS
from rights.deadlines import (
    DAYS,
    MONTHS,
    YEARS,
    WorkingCalendar,
    add_days,
    add_months,
    add_years,
    arbitration_limitation_date,
    china_calendar,
    days_left,
    due_date,
    is_urgent,
    merge_intervals,
    rule_due_date,
)
from tests.profiles import examples

D = date
CAL = china_calendar()


# --- the original two functions keep working -------------------------------------------


def test_arbitration_limitation_date_is_one_year_unrolled():
    """LDMAL Art. 27: one year from the knew date; the intake's stored date does not roll."""
    assert arbitration_limitation_date(D(2025, 3, 10)) == D(2026, 3, 10)
    # 2026-02-17 is in the Spring Festival, still returned as is (callers rely on this).
    assert arbitration_limitation_date(D(2025, 2, 17)) == D(2026, 2, 17)


def test_add_years_29_february():
    """Civil Code Art. 202: no corresponding day, so the month's last day."""
    assert add_years(D(2027, 2, 28), 1) == D(2028, 2, 28)
    assert add_years(D(2028, 2, 29), 1) == D(2029, 2, 28)
    assert add_years(D(2028, 2, 29), 4) == D(2032, 2, 29)


def test_add_months_end_of_month():
    """Civil Code Art. 202: 31 Jan + 1 month is the last day of February."""
    assert add_months(D(2027, 1, 31), 1) == D(2027, 2, 28)
    assert add_months(D(2028, 1, 31), 1) == D(2028, 2, 29)
    assert add_months(D(2026, 8, 31), 6) == D(2027, 2, 28)
    assert add_months(D(2026, 11, 30), 2) == D(2027, 1, 30)
    assert add_months(D(2026, 3, 31), -1) == D(2026, 2, 28)


def test_add_days_does_not_count_the_first_day():
    """Civil Code Art. 201: the day of the trigger is not counted."""
    assert add_days(D(2026, 3, 10), 1) == D(2026, 3, 11)
    assert add_days(D(2026, 3, 10), -5) == D(2026, 3, 5)


# --- the holiday calendar ---------------------------------------------------------------


def test_calendar_rows_have_source_and_flag():
    for row in holidays.CALENDAR_DAYS:
        assert row.kind in (holidays.HOLIDAY, holidays.WORKDAY)
        assert row.source and row.name_zh and row.name_en
        assert row.confirmed is (row.date.year != 2027)


def test_adjusted_working_days_are_weekend_days_and_never_holidays():
    workdays = holidays.workday_dates()
    assert all(d.weekday() >= 5 for d in workdays)
    assert not workdays & holidays.holiday_dates()


def test_2025_notice():
    """国办发明电〔2024〕12号: Spring Festival 28 Jan – 4 Feb, working 26 Jan and 8 Feb."""
    h, w = holidays.holiday_dates(), holidays.workday_dates()
    spring = {D(2025, 1, 28) + timedelta(i) for i in range(8)}
    assert spring <= h
    assert {d for d in w if d.year == 2025} == {
        D(2025, 1, 26),
        D(2025, 2, 8),
        D(2025, 4, 27),
        D(2025, 9, 28),
        D(2025, 10, 11),
    }
    assert len([d for d in h if d.year == 2025]) == 1 + 8 + 3 + 5 + 3 + 8


def test_2026_notice():
    """State Council General Office notice of 4 Nov 2025 on the 2026 holidays."""
    h, w = holidays.holiday_dates(), holidays.workday_dates()
    assert {D(2026, 2, 15) + timedelta(i) for i in range(9)} <= h
    assert {d for d in w if d.year == 2026} == {
        D(2026, 1, 4),
        D(2026, 2, 14),
        D(2026, 2, 28),
        D(2026, 5, 9),
        D(2026, 9, 20),
        D(2026, 10, 10),
    }
    assert len([d for d in h if d.year == 2026]) == 3 + 9 + 3 + 5 + 3 + 3 + 7


def test_2027_statutory_days_only_and_unconfirmed():
    """Holiday Regulations as amended 2024 (State Council Decree 795): 13 statutory days;
    no adjusted working days are invented for 2027."""
    rows = [r for r in holidays.CALENDAR_DAYS if r.date.year == 2027]
    assert len(rows) == 13
    assert all(r.kind == holidays.HOLIDAY and not r.confirmed for r in rows)
    assert D(2027, 2, 6) in holidays.holiday_dates()  # 正月初一


def test_2026_spring_festival_is_not_working_and_its_saturdays_are():
    assert not CAL.is_working_day(D(2026, 2, 16))  # 除夕, a Monday
    assert not CAL.is_working_day(D(2026, 2, 23))  # 正月初七, a Monday
    assert CAL.is_working_day(D(2026, 2, 14))  # Saturday, 调休上班
    assert CAL.is_working_day(D(2026, 2, 28))  # Saturday, 调休上班
    assert CAL.next_working_day(D(2026, 2, 13)) == D(2026, 2, 14)
    assert CAL.next_working_day(D(2026, 2, 14)) == D(2026, 2, 24)


def test_working_days_across_spring_festival_2026():
    """Administrative Reconsideration Law Art. 88: working days skip the holiday span."""
    # Thu 12 Feb: Fri 13 (1), Sat 14 调休 (2), 15–23 off, Tue 24 (3).
    assert CAL.add_working_days(D(2026, 2, 12), 3) == D(2026, 2, 24)
    assert CAL.add_working_days(D(2026, 2, 24), -2) == D(2026, 2, 13)
    assert CAL.add_working_days(D(2026, 2, 24), 0) == D(2026, 2, 24)


def test_a_period_ending_on_a_holiday_rolls_to_the_next_working_day():
    """Civil Code Art. 203 / CPL Art. 85: last day 1 Oct 2026 (National Day) → 8 Oct."""
    assert due_date(D(2026, 9, 16), 15) == D(2026, 10, 8)
    assert due_date(D(2026, 9, 16), 15, roll_to_working_day=False) == D(2026, 10, 1)


def test_a_period_ending_on_an_adjusted_saturday_does_not_roll():
    """调休: Saturday 9 May 2026 is a working day, so it is the last day."""
    assert due_date(D(2026, 4, 24), 15) == D(2026, 5, 9)


def test_a_period_ending_on_an_ordinary_weekend_rolls_to_monday():
    assert due_date(D(2026, 3, 6), 15) == D(2026, 3, 23)  # Sat 21 → Mon 23


def test_one_year_limitation_into_the_spring_festival_rolls():
    """LDMAL Art. 27 with Civil Code Art. 203: knew 17 Feb 2025 → 17 Feb 2026 is 初一 → 24 Feb."""
    rule = RULES_BY_CODE["ARB_LIMIT"]
    assert rule_due_date(rule, D(2025, 2, 17)) == D(2026, 2, 24)


def test_calendar_refuses_a_day_both_holiday_and_working():
    with pytest.raises(ValueError):
        WorkingCalendar(holidays=[D(2026, 1, 4)], workdays=[D(2026, 1, 4)])


def test_outside_covered_years_only_weekends_rest():
    assert not CAL.covers(D(2030, 10, 1))
    assert CAL.is_working_day(D(2030, 10, 1))  # a Tuesday with no data
    assert not CAL.is_working_day(D(2030, 10, 5))  # Saturday


# --- suspension and interruption ---------------------------------------------------------


def test_suspension_pauses_the_limitation():
    """LDMAL Art. 27 para 3: 10 days of suspension add 10 days."""
    base = due_date(D(2025, 6, 2), 1, YEARS, roll_to_working_day=False)
    paused = due_date(
        D(2025, 6, 2),
        1,
        YEARS,
        roll_to_working_day=False,
        suspensions=[(D(2025, 9, 1), D(2025, 9, 10))],
    )
    assert base == D(2026, 6, 2)
    assert paused == D(2026, 6, 12)


def test_overlapping_suspensions_count_once():
    """LDMAL Art. 27 para 3: 1–10 Sep and 5–15 Sep pause 15 days, not 21."""
    spans = [(D(2025, 9, 1), D(2025, 9, 10)), (D(2025, 9, 5), D(2025, 9, 15))]
    assert merge_intervals(spans) == [(D(2025, 9, 1), D(2025, 9, 15))]
    due = due_date(D(2025, 6, 2), 1, YEARS, roll_to_working_day=False, suspensions=spans)
    assert due == D(2026, 6, 17)


def test_suspension_before_the_trigger_or_after_the_end_does_not_count():
    """LDMAL Art. 27 para 3: only a pause while the period runs moves it."""
    spans = [(D(2025, 5, 1), D(2025, 5, 31)), (D(2026, 7, 1), D(2026, 7, 9))]
    due = due_date(D(2025, 6, 2), 1, YEARS, roll_to_working_day=False, suspensions=spans)
    assert due == D(2026, 6, 2)


def test_suspension_of_a_working_day_period_adds_back_its_working_days():
    """Inspection Regulation Art. 17 counts working days; a paused week adds 5 of them."""
    base = due_date(D(2026, 3, 2), 10, working_days=True)  # Mon → Mon 16 Mar
    paused = due_date(
        D(2026, 3, 2), 10, working_days=True, suspensions=[(D(2026, 3, 9), D(2026, 3, 15))]
    )
    assert base == D(2026, 3, 16)
    assert paused == D(2026, 3, 23)


def test_interruption_restarts_the_full_year():
    """LDMAL Art. 27 para 2: a demand on 1 Dec 2025 restarts the year: 1 Dec 2026 (Tue)."""
    due = due_date(D(2025, 6, 2), 1, YEARS, interruption=D(2025, 12, 1))
    assert due == D(2026, 12, 1)


def test_interruption_after_expiry_does_not_revive():
    """LDMAL Art. 27 para 2: only a running period can be interrupted."""
    assert due_date(D(2025, 6, 2), 1, YEARS, interruption=D(2026, 7, 1)) == D(2026, 6, 2)


def test_interruption_before_the_trigger_is_refused():
    with pytest.raises(ValueError):
        due_date(D(2025, 6, 2), 1, YEARS, interruption=D(2025, 6, 1))


def test_rule_refuses_a_suspension_it_does_not_allow():
    """CPL Art. 171: the appeal period has no suspension of its own here."""
    with pytest.raises(ValueError):
        rule_due_date(
            RULES_BY_CODE["APPEAL"], D(2026, 3, 10), suspensions=[(D(2026, 3, 12), D(2026, 3, 13))]
        )


def test_urgent_under_seven_days():
    """Legal Aid Law Art. 44: fewer than 7 days to the limitation date."""
    last = D(2026, 3, 10)
    assert days_left(last, D(2026, 3, 4)) == 6
    assert is_urgent(last, D(2026, 3, 4))
    assert not is_urgent(last, D(2026, 3, 3))
    assert is_urgent(last, last)
    assert not is_urgent(last, D(2026, 3, 11))  # expired, not urgent


# --- every seeded rule: a worked example ------------------------------------------------

# (code, article the citation must name, trigger date, last day). Trigger Tue 10 Mar 2026
# unless stated; the comments give the count.
WORKED = [
    ("CONSULT_RESPONSE", "人社部令第17号", D(2026, 3, 10), D(2026, 3, 16)),  # 15 Sun → Mon
    ("MED_ACCEPT", "人社部令第17号", D(2026, 3, 10), D(2026, 3, 13)),  # 3 working days
    ("MED_15", "第14条", D(2026, 3, 10), D(2026, 3, 25)),
    ("ARB_LIMIT", "第27条", D(2026, 3, 10), D(2027, 3, 10)),
    ("ARB_LIMIT_WAGE", "第27条第4款", D(2025, 12, 31), D(2026, 12, 31)),
    ("ARB_ACCEPT", "第29条", D(2026, 3, 10), D(2026, 3, 16)),  # 15 Sun → Mon
    ("ARB_DEFECT_NOTICE", "第29条", D(2026, 3, 10), D(2026, 3, 16)),
    ("ARB_SERVE", "第30条", D(2026, 3, 10), D(2026, 3, 16)),
    ("ARB_DEFENCE", "第30条", D(2026, 3, 10), D(2026, 3, 20)),
    ("ARB_PANEL_NOTICE", "第32条", D(2026, 3, 10), D(2026, 3, 16)),
    ("ARB_HEARING_NOTICE", "第35条", D(2026, 3, 10), D(2026, 3, 5)),  # 5 days before
    ("ARB_POSTPONE_REQUEST", "第35条", D(2026, 3, 10), D(2026, 3, 7)),  # 3 before, no roll
    ("ARB_AWARD", "第43条", D(2026, 3, 10), D(2026, 4, 24)),  # 21 in March + 24
    ("POST_AWARD_WORKER", "第48条", D(2026, 9, 16), D(2026, 10, 8)),  # 1 Oct → 8 Oct
    ("POST_AWARD_EMPLOYER_FINAL", "第49条", D(2026, 3, 10), D(2026, 4, 9)),
    ("POST_SETASIDE", "第49条", D(2026, 3, 10), D(2026, 3, 25)),
    ("APPEAL", "第171条", D(2026, 2, 1), D(2026, 2, 24)),  # 16 Feb 除夕 → 24 Feb
    ("APPEAL_RULING", "第171条", D(2026, 3, 10), D(2026, 3, 20)),
    ("ENFORCE", "第250条", D(2026, 3, 10), D(2028, 3, 10)),
    ("PAY_ORDER", "第226条", D(2026, 3, 10), D(2026, 3, 25)),
    ("PAY_ORDER_DEBTOR", "第227条", D(2026, 3, 10), D(2026, 3, 25)),
    ("INSPECT_LOOKBACK", "第20条", D(2026, 3, 10), D(2028, 3, 10)),
    ("INSPECT_INVEST", "第17条", D(2026, 3, 10), D(2026, 6, 5)),  # 60 working days
    ("INJ_EMPLOYER", "第17条", D(2026, 3, 10), D(2026, 4, 9)),
    ("INJ_WORKER_UNION", "第17条", D(2026, 3, 10), D(2027, 3, 10)),
    ("INJ_DECISION", "第20条", D(2026, 3, 10), D(2026, 5, 9)),  # Sat 9 May works
    ("INJ_DECISION_SIMPLE", "第20条", D(2026, 3, 10), D(2026, 3, 25)),
    ("INJ_ASSESS", "第25条", D(2026, 3, 10), D(2026, 5, 9)),
    ("INJ_REASSESS", "第26条", D(2026, 3, 10), D(2026, 3, 25)),
    ("ADMIN_RECON", "第20条", D(2026, 3, 10), D(2026, 5, 9)),
    ("ADMIN_RECON_DECISION", "第62条", D(2026, 3, 10), D(2026, 5, 9)),
    ("ADMIN_SUIT", "第46条", D(2026, 3, 10), D(2026, 9, 10)),
    ("ADMIN_SUIT_AFTER_RECON", "第45条", D(2026, 3, 10), D(2026, 3, 25)),
    ("LA_DECIDE", "第43条", D(2026, 3, 10), D(2026, 3, 17)),
    ("LA_ASSIGN", "第43条", D(2026, 3, 10), D(2026, 3, 13)),
    ("LA_OBJECTION", "第49条", D(2026, 3, 10), D(2026, 3, 16)),
    ("LA_URGENT", "第44条", D(2026, 3, 10), D(2026, 3, 3)),  # flag from 7 days before
    ("UNION_LA_DECIDE", "工会法律援助办法", D(2026, 3, 10), D(2026, 3, 17)),
    ("TERM_PAPERS", "第50条", D(2026, 3, 10), D(2026, 3, 25)),
    ("LAYOFF_NOTICE", "第41条", D(2026, 3, 10), D(2026, 2, 8)),  # 30 days before
    ("NOTICE_40", "第40条", D(2026, 3, 10), D(2026, 2, 8)),
    ("FIRST_RESPONSE", "无法定期限", D(2026, 2, 12), D(2026, 2, 24)),  # Fri, Sat 调休, Tue
    ("REFERRAL_RESPONSE", "无法定期限", D(2026, 3, 10), D(2026, 3, 17)),
]


def test_every_seeded_rule_has_a_worked_example():
    assert sorted(code for code, *_ in WORKED) == sorted(RULES_BY_CODE)
    assert len(RULES_BY_CODE) == len(RULES)


@pytest.mark.parametrize(
    ("code", "article", "trigger", "expected"), WORKED, ids=[w[0] for w in WORKED]
)
def test_worked_example(code, article, trigger, expected):
    """Each rule's last day, computed from its trigger, under the article it cites."""
    rule = RULES_BY_CODE[code]
    assert article in rule.citation
    assert rule_due_date(rule, trigger) == expected


def test_rule_table_fields():
    for rule in RULES:
        assert rule.trigger in TRIGGERS
        assert all(t in TRIGGERS for t in rule.alternative_triggers)
        assert rule.unit in (DAYS, MONTHS, YEARS)
        assert rule.direction in ("after", "before")
        assert not rule.working_days or rule.unit == DAYS
        assert rule.name_zh and rule.name_en and rule.citation
    configurable = {r.code for r in RULES if r.organisation_configurable}
    assert {"FIRST_RESPONSE", "UNION_LA_DECIDE"} <= configurable
    assert not RULES_BY_CODE["ARB_LIMIT"].working_days
    assert RULES_BY_CODE["ARB_LIMIT"].suspension and RULES_BY_CODE["ARB_LIMIT"].interruption
    assert not RULES_BY_CODE["LA_DECIDE"].confirmed  # day type [U]


def test_extension_periods():
    """LDMAL Art. 43: 45 days plus up to 15; Inspection Regulation Art. 17: 60 + 30 working days."""
    award = RULES_BY_CODE["ARB_AWARD"]
    assert (award.period, award.extension) == (45, 15)
    extended = due_date(D(2026, 3, 10), award.period + award.extension)
    assert extended == D(2026, 5, 9)  # 60 days: Saturday 9 May is a 调休 working day
    invest = RULES_BY_CODE["INSPECT_INVEST"]
    assert (invest.period, invest.extension, invest.working_days) == (60, 30, True)


# --- properties -----------------------------------------------------------------------

dates = st.dates(min_value=D(2024, 12, 1), max_value=D(2027, 6, 30))
calendar_units = st.sampled_from([(DAYS, 1, 120), (MONTHS, 1, 12), (YEARS, 1, 2)])


@settings(max_examples=examples(1000))  # security.md H4: ≥ 1 000
@given(start=dates, n=st.integers(min_value=0, max_value=90))
def test_adding_working_days_never_lands_on_a_non_working_day(start, n):
    result = CAL.add_working_days(start, n)
    if n:
        assert CAL.is_working_day(result)
        assert result > start
    else:
        assert result == start


@given(start=dates, n=st.integers(min_value=1, max_value=60), rule=st.booleans())
def test_working_day_due_dates_are_working_days(start, n, rule):
    due = due_date(start, n, working_days=True, roll_to_working_day=rule)
    assert CAL.is_working_day(due)


@given(start=dates, spec=calendar_units, data=st.data())
def test_a_suspension_of_k_days_moves_the_due_date_by_k(start, spec, data):
    unit, low, high = spec
    period = data.draw(st.integers(min_value=low, max_value=high))
    base = due_date(start, period, unit, roll_to_working_day=False)
    offset = data.draw(st.integers(min_value=1, max_value=(base - start).days))
    k = data.draw(st.integers(min_value=1, max_value=60))
    first = start + timedelta(days=offset)
    spans = [(first, first + timedelta(days=k - 1))]
    assert due_date(
        start, period, unit, roll_to_working_day=False, suspensions=spans
    ) == base + timedelta(days=k)
    # the same suspension entered twice, overlapping, still counts once
    assert due_date(
        start, period, unit, roll_to_working_day=False, suspensions=spans * 2
    ) == base + timedelta(days=k)


@given(
    start=dates,
    spec=calendar_units,
    data=st.data(),
    roll=st.booleans(),
)
def test_an_interruption_never_makes_the_due_date_earlier(start, spec, data, roll):
    unit, low, high = spec
    period = data.draw(st.integers(min_value=low, max_value=high))
    spans = data.draw(
        st.lists(
            st.tuples(dates, st.integers(min_value=0, max_value=40)).map(
                lambda t: (t[0], t[0] + timedelta(days=t[1]))
            ),
            max_size=3,
        )
    )
    without = due_date(start, period, unit, roll_to_working_day=roll, suspensions=spans)
    interruption = data.draw(st.dates(min_value=start, max_value=without + timedelta(days=30)))
    with_it = due_date(
        start, period, unit, roll_to_working_day=roll, suspensions=spans, interruption=interruption
    )
    assert with_it >= without


@settings(max_examples=200)
@given(
    a=dates,
    b=dates,
    spec=st.sampled_from([(DAYS, False), (DAYS, True), (MONTHS, False), (YEARS, False)]),
    period=st.integers(min_value=1, max_value=30),
    roll=st.booleans(),
)
def test_due_dates_are_monotonic_in_the_trigger(a, b, spec, period, roll):
    unit, working = spec
    first, second = sorted((a, b))
    kwargs = {"working_days": working, "roll_to_working_day": roll}
    assert due_date(first, period, unit, **kwargs) <= due_date(second, period, unit, **kwargs)


@given(
    a=dates,
    b=dates,
    period=st.integers(min_value=1, max_value=120),
    spans=st.lists(st.tuples(dates, st.integers(min_value=0, max_value=40)), max_size=3),
)
def test_day_periods_stay_monotonic_with_suspensions(a, b, period, spans):
    spans = [(d, d + timedelta(days=n)) for d, n in spans]
    first, second = sorted((a, b))
    assert due_date(first, period, suspensions=spans) <= due_date(second, period, suspensions=spans)


@given(d=st.dates(min_value=D(2000, 1, 1), max_value=D(2100, 12, 31)), n=st.integers(-36, 36))
def test_add_months_keeps_the_day_or_clamps_to_month_end(d, n):
    result = add_months(d, n)
    assert (result.year * 12 + result.month) - (d.year * 12 + d.month) == n
    assert result.day == d.day or (result.day < d.day and (result + timedelta(days=1)).day == 1)


def test_interruption_inside_a_suspension_never_shortens_a_month_period():
    """LDMAL Art. 27 para 2–3: the restart is in full, so it never takes time away. Here the
    month-end rule alone would give the restart (28 Feb) less time than the paused period."""
    kwargs = {"roll_to_working_day": False, "suspensions": [(D(2027, 1, 29), D(2027, 1, 31))]}
    without = due_date(D(2027, 1, 28), 1, MONTHS, **kwargs)
    assert without == D(2027, 3, 3)
    assert due_date(D(2027, 1, 28), 1, MONTHS, interruption=D(2027, 1, 31), **kwargs) == without
