"""China's public holidays and adjusted working days (调休), 2025–2027, as data.

Each row is a `CalendarDay(date, kind, name_zh, name_en, source, confirmed)`:

- kind "holiday": a day off under the State Council General Office's yearly notice
  (放假), weekend days inside a holiday span included, as the notice counts them;
- kind "workday": a Saturday or Sunday that is a working day (调休上班).

Sources:

- 2025: 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号，2024年11月12日）.
- 2026: 国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日, published by Xinhua the same
  day). Its document number (国办发明电〔2025〕…号) has not been checked, so it is not given.
- 2027: no notice was available when this table was written. The rows are the statutory
  holidays of 全国年节及纪念日放假办法 as amended by 国务院令第795号 (in force 2025-01-01:
  New Year 1 day, Spring Festival 4 days — New Year's Eve to the 3rd day —, Qingming 1,
  Labour Day 2, Dragon Boat 1, Mid-Autumn 1, National Day 3) on their 2027 dates. Every
  2027 row is `confirmed=False` ("to be confirmed locally", domain.md §0 [U]); no adjusted
  working days are entered for 2027. Replace them from the notice once it is published.

The 2025 and 2026 rows were checked against the published notices' text and against two
independent open-source calendars (python-holidays 0.108, chinesecalendar 1.11.0), which
agree day for day. The 2027 lunar dates (Spring Festival 6 Feb, Dragon Boat 9 Jun,
Mid-Autumn 15 Sep, Qingming 5 Apr) agree with python-holidays 0.108.

This module is seed data: another part of the system loads it into editable rows.
"""

from datetime import date, timedelta
from typing import NamedTuple

HOLIDAY = "holiday"
WORKDAY = "workday"

SOURCE_2025 = "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）"
SOURCE_2026 = "国务院办公厅关于2026年部分节假日安排的通知（2025年11月4日）"
SOURCE_2027 = (
    "全国年节及纪念日放假办法（国务院令第795号修订）；2027年放假安排通知未发布，待当地确认"
)


class CalendarDay(NamedTuple):
    date: date
    kind: str  # HOLIDAY or WORKDAY
    name_zh: str
    name_en: str
    source: str
    confirmed: bool


FESTIVALS = {
    "元旦": "New Year's Day",
    "春节": "Spring Festival",
    "清明节": "Qingming Festival",
    "劳动节": "Labour Day",
    "端午节": "Dragon Boat Festival",
    "中秋节": "Mid-Autumn Festival",
    "国庆节": "National Day",
    "国庆节、中秋节": "National Day and Mid-Autumn Festival",
}


def _span(first: date, last: date, name_zh: str, source: str, confirmed: bool = True):
    days = (last - first).days + 1
    return [
        CalendarDay(first + timedelta(i), HOLIDAY, name_zh, FESTIVALS[name_zh], source, confirmed)
        for i in range(days)
    ]


def _work(day: date, name_zh: str, source: str):
    return CalendarDay(
        day, WORKDAY, f"{name_zh}调休上班", f"working day ({FESTIVALS[name_zh]})", source, True
    )


D = date

CALENDAR_2025 = [
    # 一、元旦：1月1日（周三）放假1天，不调休。
    *_span(D(2025, 1, 1), D(2025, 1, 1), "元旦", SOURCE_2025),
    # 二、春节：1月28日（除夕、周二）至2月4日（正月初七、周二）放假调休，共8天。
    #     1月26日（周日）、2月8日（周六）上班。
    *_span(D(2025, 1, 28), D(2025, 2, 4), "春节", SOURCE_2025),
    _work(D(2025, 1, 26), "春节", SOURCE_2025),
    _work(D(2025, 2, 8), "春节", SOURCE_2025),
    # 三、清明节：4月4日（周五）至6日（周日）放假，共3天。
    *_span(D(2025, 4, 4), D(2025, 4, 6), "清明节", SOURCE_2025),
    # 四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。
    *_span(D(2025, 5, 1), D(2025, 5, 5), "劳动节", SOURCE_2025),
    _work(D(2025, 4, 27), "劳动节", SOURCE_2025),
    # 五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。
    *_span(D(2025, 5, 31), D(2025, 6, 2), "端午节", SOURCE_2025),
    # 六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。
    #     9月28日（周日）、10月11日（周六）上班。
    *_span(D(2025, 10, 1), D(2025, 10, 8), "国庆节、中秋节", SOURCE_2025),
    _work(D(2025, 9, 28), "国庆节、中秋节", SOURCE_2025),
    _work(D(2025, 10, 11), "国庆节、中秋节", SOURCE_2025),
]

CALENDAR_2026 = [
    # 一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    *_span(D(2026, 1, 1), D(2026, 1, 3), "元旦", SOURCE_2026),
    _work(D(2026, 1, 4), "元旦", SOURCE_2026),
    # 二、春节：2月15日（腊月二十八、周日）至23日（正月初七、周一）放假调休，共9天。
    #     2月14日（周六）、2月28日（周六）上班。
    *_span(D(2026, 2, 15), D(2026, 2, 23), "春节", SOURCE_2026),
    _work(D(2026, 2, 14), "春节", SOURCE_2026),
    _work(D(2026, 2, 28), "春节", SOURCE_2026),
    # 三、清明节：4月4日（周六）至6日（周一）放假，共3天。
    *_span(D(2026, 4, 4), D(2026, 4, 6), "清明节", SOURCE_2026),
    # 四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
    *_span(D(2026, 5, 1), D(2026, 5, 5), "劳动节", SOURCE_2026),
    _work(D(2026, 5, 9), "劳动节", SOURCE_2026),
    # 五、端午节：6月19日（周五）至21日（周日）放假，共3天。
    *_span(D(2026, 6, 19), D(2026, 6, 21), "端午节", SOURCE_2026),
    # 六、中秋节：9月25日（周五）至27日（周日）放假，共3天。
    *_span(D(2026, 9, 25), D(2026, 9, 27), "中秋节", SOURCE_2026),
    # 七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。
    #     9月20日（周日）、10月10日（周六）上班。
    *_span(D(2026, 10, 1), D(2026, 10, 7), "国庆节", SOURCE_2026),
    _work(D(2026, 9, 20), "国庆节", SOURCE_2026),
    _work(D(2026, 10, 10), "国庆节", SOURCE_2026),
]

# Statutory days only (no notice yet): every row unconfirmed, no adjusted working days.
CALENDAR_2027 = [
    *_span(D(2027, 1, 1), D(2027, 1, 1), "元旦", SOURCE_2027, False),
    # 除夕 5 Feb (Fri), 正月初一 6 Feb, 初二 7 Feb, 初三 8 Feb.
    *_span(D(2027, 2, 5), D(2027, 2, 8), "春节", SOURCE_2027, False),
    *_span(D(2027, 4, 5), D(2027, 4, 5), "清明节", SOURCE_2027, False),
    *_span(D(2027, 5, 1), D(2027, 5, 2), "劳动节", SOURCE_2027, False),
    # 五月初五
    *_span(D(2027, 6, 9), D(2027, 6, 9), "端午节", SOURCE_2027, False),
    # 八月十五
    *_span(D(2027, 9, 15), D(2027, 9, 15), "中秋节", SOURCE_2027, False),
    *_span(D(2027, 10, 1), D(2027, 10, 3), "国庆节", SOURCE_2027, False),
]

CALENDAR_DAYS: list[CalendarDay] = sorted(
    CALENDAR_2025 + CALENDAR_2026 + CALENDAR_2027, key=lambda row: row.date
)

YEARS_COVERED = (2025, 2026, 2027)


def holiday_dates(rows=CALENDAR_DAYS) -> frozenset[date]:
    return frozenset(row.date for row in rows if row.kind == HOLIDAY)


def workday_dates(rows=CALENDAR_DAYS) -> frozenset[date]:
    return frozenset(row.date for row in rows if row.kind == WORKDAY)
