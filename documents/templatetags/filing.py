"""Formatting for filings (glossary §1.3, §1.4): dates and amounts in both languages.

Snapshots carry ISO dates and decimal strings; these filters print them the way a filing does:
2026年11月24日 / 24 November 2026, 人民币12,345.60元 / 12,345.60元 / CNY 12,345.60, and the
capital numerals of a written promise to pay (壹万贰仟叁佰肆拾伍元陆角整).
"""

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template

register = template.Library()

MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _parse(value) -> datetime | date | None:
    if isinstance(value, datetime | date):
        return value
    if not value:
        return None
    text = str(value)
    try:
        return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    except ValueError:
        return None


def _money(value) -> str | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return None
    return f"{amount:,.2f}"


@register.filter
def zh_date(value) -> str:
    d = _parse(value)
    return f"{d.year}年{d.month}月{d.day}日" if d else ""


@register.filter
def en_date(value) -> str:
    d = _parse(value)
    return f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}" if d else ""


@register.filter
def zh_datetime(value) -> str:
    d = _parse(value)
    if isinstance(d, datetime):
        return f"{zh_date(d)} {d:%H:%M}"
    return zh_date(d)


@register.filter
def en_datetime(value) -> str:
    d = _parse(value)
    if isinstance(d, datetime):
        return f"{en_date(d)}, {d:%H:%M}"
    return en_date(d)


@register.filter
def zh_amount(value) -> str:
    """12,345.60元 (the amounts after the first in a filing)."""
    money = _money(value)
    return f"{money}元" if money is not None else ""


@register.filter
def zh_rmb(value) -> str:
    """人民币12,345.60元 (the first amount of a filing, and totals)."""
    money = _money(value)
    return f"人民币{money}元" if money is not None else ""


@register.filter
def en_amount(value) -> str:
    money = _money(value)
    return f"CNY {money}" if money is not None else ""


CAPITAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
CAPITAL_UNITS = ("", "拾", "佰", "仟")
CAPITAL_GROUPS = ("", "万", "亿", "万亿")


def _capital_group(group: int) -> str:
    """One group of up to four digits: 8600 → 捌仟陆佰, 1005 → 壹仟零伍."""
    out, zero = "", False
    for pos in (3, 2, 1, 0):
        digit = group // 10**pos % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += CAPITAL_DIGITS[digit] + CAPITAL_UNITS[pos]
    return out


def capital_yuan(amount: Decimal) -> str:
    """An amount in capital numerals (大写), as mediation agreements and written promises to pay
    carry it beside the figures (glossary §1.3): 12345.60 → 壹万贰仟叁佰肆拾伍元陆角整."""
    cents = int((amount * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))
    if cents < 0:
        raise ValueError("a capital amount is never negative")
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    groups = []
    rest = yuan
    while rest:
        groups.append(rest % 10000)
        rest //= 10000
    if len(groups) > len(CAPITAL_GROUPS):
        raise ValueError("amount too large")
    text, gap = "", False
    for index in reversed(range(len(groups))):
        group = groups[index]
        if group == 0:
            gap = bool(text)
            continue
        if text and (gap or group < 1000):
            text += "零"
        text += _capital_group(group) + CAPITAL_GROUPS[index]
        gap = False
    if text:
        text += "元"
    if jiao == 0 and fen == 0:
        return (text or "零元") + "整"
    if fen == 0:
        return f"{text}{CAPITAL_DIGITS[jiao]}角整"
    if jiao == 0:
        return f"{text}{'零' if text else ''}{CAPITAL_DIGITS[fen]}分"
    return f"{text}{CAPITAL_DIGITS[jiao]}角{CAPITAL_DIGITS[fen]}分"


@register.filter
def zh_capital(value) -> str:
    """人民币12,345.60元 → 壹万贰仟叁佰肆拾伍元陆角整 (empty for a missing amount)."""
    if value in (None, ""):
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return ""
    if not amount.is_finite() or amount < 0:
        return ""
    try:
        return capital_yuan(amount)
    except ValueError:
        return ""


ZH_DIGITS = "零一二三四五六七八九"
ARTICLE = re.compile(r"第(\d{1,4})(?:[–—-](\d{1,4}))?(条|款|项)")


def zh_number(n: int) -> str:
    """A whole number below 10,000 in Chinese numerals: 27 → 二十七, 201 → 二百零一."""
    if n < 10:
        return ZH_DIGITS[n]
    if n < 20:
        return "十" + (ZH_DIGITS[n % 10] if n % 10 else "")
    out, gap = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十")):
        digit = n // value % 10
        if digit:
            out += ("零" if gap else "") + ZH_DIGITS[digit] + unit
            gap = False
        elif out:
            gap = True
    if n % 10:
        out += ("零" if gap else "") + ZH_DIGITS[n % 10]
    return out


def _article(match: re.Match) -> str:
    first, last, unit = match.group(1), match.group(2), match.group(3)
    text = f"第{zh_number(int(first))}{unit}"
    if last:
        text += f"至第{zh_number(int(last))}{unit}"
    return text


@register.filter
def zh_articles(value) -> str:
    """Article, paragraph and item numbers of a Chinese citation in Chinese numerals, as filings
    write them (glossary §1.2 rule 11): 第27条第1–3款 → 第二十七条第一款至第三款. The text is
    otherwise unchanged (and still autoescaped by the template)."""
    return ARTICLE.sub(_article, str(value or ""))


@register.filter
def num_datetime(value) -> str:
    """2026-11-24 14:05: one form both languages read, for the timeline."""
    d = _parse(value)
    if isinstance(d, datetime):
        return f"{d:%Y-%m-%d %H:%M}"
    return d.isoformat() if d else ""
