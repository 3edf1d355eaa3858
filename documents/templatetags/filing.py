"""Formatting for filings (glossary §1.3, §1.4): dates and amounts in both languages.

Snapshots carry ISO dates and decimal strings; these filters print them the way a filing does:
2026年11月24日 / 24 November 2026, 人民币12,345.60元 / 12,345.60元 / CNY 12,345.60.
"""

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

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
