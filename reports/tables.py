"""The shapes the report is made of (tables, rows, columns) and the period's months."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Case as CaseWhen
from django.db.models import IntegerField, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .filters import ReportFilters


@dataclass
class Report:
    """What the sections share while the report is built."""

    cases: QuerySet  # the scope's submitted cases, filtered
    cohort: QuerySet  # those submitted in the period
    months: list[dt.date]
    start: dt.datetime
    end: dt.datetime
    source: object = None  # reports.sources.DirectSource or reports.rollup.RollupSource
    partitions: list = field(default_factory=list)
    tables: list = field(default_factory=list)


def column(key: str, label: str, kind: str = "count") -> dict:
    return {"key": key, "label": str(label), "kind": kind}


def row(key, label, cells: list) -> dict:
    return {"key": str(key), "label": str(label), "cells": cells}


def table(key: str, title: str, columns: list[dict], rows: list[dict], **extra) -> dict:
    return {"key": key, "title": str(title), "columns": columns, "rows": rows, **extra}


def not_recorded() -> str:
    return _("not recorded")


def english() -> bool:
    return (get_language() or "").startswith("en")


def bounds(filters: ReportFilters) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(filters.date_from, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(filters.date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def months_of(filters: ReportFilters) -> list[dt.date]:
    months, day = [], filters.date_from.replace(day=1)
    while day <= filters.date_to:
        months.append(day)
        day = (day + dt.timedelta(days=32)).replace(day=1)
    return months


def month_key(value) -> str:
    if isinstance(value, dt.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{value.year:04d}-{value.month:02d}"


def month_index(field: str, months: list[dt.date]):
    """The index of the month a datetime falls in (0 for the first month of the period), as a
    CASE expression on bounds computed here in the current time zone: no per-row function call,
    and the same on SQLite and PostgreSQL."""
    tz = timezone.get_current_timezone()
    whens = []
    for i, month in enumerate(months):
        following = (month + dt.timedelta(days=32)).replace(day=1)
        bound = dt.datetime.combine(following, dt.time.min, tzinfo=tz)
        whens.append(When(**{f"{field}__lt": bound}, then=Value(i)))
    return CaseWhen(*whens, default=Value(len(months)), output_field=IntegerField())
