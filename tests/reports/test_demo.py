"""The demo's `analyst1` and `supervisor1` see a dashboard whose figures match the demo data,
counted here case by case in Python (independently of the GROUP BY queries), and export it."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import Counter
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from accounts.models import User
from casework.models import Case
from reports.filters import MAX_DAYS, ReportFilters
from reports.selectors import report_data
from reports.suppression import SUPPRESSED
from tests.casework.test_seed import demo  # noqa: F401 - the demo, built once per module


def _shown(n: int):
    return n if n >= 5 else SUPPRESSED


def _table(data, key) -> dict:
    table = next(t for t in data["tables"] if t["key"] == key)
    return {r["key"]: r["cells"][0] for r in table["rows"]}


def _matches(printed: dict, counted: Counter) -> None:
    """Every printed figure is the count, or "<5"; counts under 5 are never printed; rows with
    no grievance (the fixed lists are printed in full) print "<5"."""
    assert set(printed) >= {k or "-" for k in counted}
    for key in set(printed) - {k or "-" for k in counted}:
        assert printed[key] == SUPPRESSED
    for key, n in counted.items():
        value = printed[key or "-"]
        assert value == _shown(n) or value == SUPPRESSED, (key, n, value)


@pytest.mark.parametrize("username", ["analyst1", "supervisor1"])
def test_the_demo_dashboard_matches_the_demo_data(demo, db, client, username):  # noqa: F811
    user = User.objects.get(username=username)
    today = timezone.localdate()
    filters = ReportFilters(date_from=today - dt.timedelta(days=MAX_DAYS), date_to=today)
    with translation.override("en"):
        data = report_data(user, filters)

    cases = [c for c in Case.objects.select_related("primary_employer") if c.state != "draft"]
    assert len(cases) >= 55  # the whole demo lies below the city federation
    summary = {r["key"]: r["cells"][0] for r in data["summary"]}
    assert summary["opened"] == len(cases)
    _matches(_table(data, "by_state"), Counter(c.state for c in cases))
    _matches(_table(data, "by_channel"), Counter(c.channel for c in cases))
    _matches(_table(data, "by_chain"), Counter(c.primary_employer.industrial_chain for c in cases))
    _matches(_table(data, "by_district"), Counter(c.primary_employer.district for c in cases))
    closed = [c for c in cases if c.state == "closed"]
    _matches(_table(data, "outcomes"), Counter(c.outcome for c in closed))
    recovered = sum((c.amount_recovered or Decimal(0) for c in closed), Decimal(0))
    assert len(closed) >= 5
    assert summary["recovered"] == f"{recovered:.2f}"
    collective = sum(1 for c in cases if c.claimant_count > 1)
    assert summary["collective"] == _shown(collective)
    by_employer = Counter(c.primary_employer.name for c in cases)
    employers = {
        r["label"]: r["cells"][0]
        for r in next(t for t in data["tables"] if t["key"] == "employers")["rows"]
    }
    for name, value in employers.items():
        assert value == _shown(by_employer[name])
    assert max(by_employer.values()) >= 5 and max(by_employer, key=by_employer.get) in employers

    # and the exports carry the same figures
    client.force_login(user)
    params = {"date_from": filters.date_from.isoformat(), "date_to": filters.date_to.isoformat()}
    response = client.get(reverse("reports:export_csv"), params, HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["Grievances opened", str(len(cases))] in rows
    response = client.get(reverse("reports:export_xlsx"), params, HTTP_ACCEPT_LANGUAGE="en")
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    assert ("Grievances opened", len(cases)) in [
        row[:2] for row in sheet.iter_rows(values_only=True)
    ]
