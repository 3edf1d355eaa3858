"""Small counts are suppressed everywhere they appear: in the selector's data (which the API will
print), on the page, in the CSV and in the XLSX."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from accounts.models import User
from reports.filters import ReportFilters
from reports.selectors import report_data
from reports.suppression import (
    SUPPRESSED,
    Amount,
    Count,
    Median,
    Partition,
    Rate,
    suppress,
)

from .conftest import PERIOD

QUERY = {"date_from": PERIOD[0].isoformat(), "date_to": PERIOD[1].isoformat()}


# --- the rules -------------------------------------------------------------------------------


def test_counts_under_five_zero_included_print_as_less_than_five():
    out = suppress({"cells": [Count(0), Count(1), Count(4), Count(5), Count(120)]})
    assert out == {"cells": [SUPPRESSED, SUPPRESSED, SUPPRESSED, 5, 120]}


def test_figures_over_fewer_than_five_grievances_are_suppressed():
    out = suppress(
        [
            Amount(Decimal("88000"), 4),
            Amount(Decimal("88000.5"), 5),
            Median(12.5, 4),
            Median(12.5, 9),
        ]
    )
    assert out == [SUPPRESSED, "88000.50", SUPPRESSED, 12.5]


def test_a_rate_that_would_reveal_a_small_count_is_suppressed():
    # 2 of 20 accepted; 20 of 20 (none declined); 6 of 12
    out = suppress([Rate(2, 20), Rate(20, 20), Rate(6, 12)])
    assert out == [SUPPRESSED, SUPPRESSED, 50.0]


def test_a_lone_suppressed_cell_takes_the_next_smallest_with_it():
    total = Count(30)
    cells = [Count(3), Count(7), Count(20)]
    out = suppress({"total": total, "cells": cells}, [Partition(total, cells)])
    # 30 - 20 would otherwise give the hidden 3 away
    assert out == {"total": 30, "cells": [SUPPRESSED, SUPPRESSED, 20]}


def test_two_suppressed_cells_need_no_more():
    total = Count(30)
    cells = [Count(3), Count(2), Count(25)]
    out = suppress({"total": total, "cells": cells}, [Partition(total, cells)])
    assert out == {"total": 30, "cells": [SUPPRESSED, SUPPRESSED, 25]}


def test_each_column_is_completed_on_its_own():
    # Two counts are hidden (no more needed there); the amounts column has one amount over
    # fewer than five grievances: the next smallest amount goes too, or 900 - 600 would tell.
    total_n, total_amount = Count(12), Amount(Decimal(900), 12)
    a_n, b_n, c_n = Count(3), Count(4), Count(5)
    a_amount, b_amount, c_amount = (
        Amount(Decimal(100), 3),
        Amount(Decimal(200), 5),
        Amount(Decimal(600), 7),
    )
    out = suppress(
        [total_n, total_amount, a_n, b_n, c_n, a_amount, b_amount, c_amount],
        [
            Partition(total_n, [a_n, b_n, c_n]),
            Partition(total_amount, [a_amount, b_amount, c_amount]),
        ],
    )
    assert out[5:] == [SUPPRESSED, SUPPRESSED, "600.00"]


def test_a_bare_number_cannot_leave_the_data_layer():
    with pytest.raises(TypeError):
        suppress({"rows": [{"cells": [3]}]})


# --- everywhere ---------------------------------------------------------------------------------


def _count_values(data: dict):
    """Every printed count of the report data (not amounts, medians or rates)."""
    for row in data["summary"]:
        if row["kind"] == "count":
            yield row["cells"][0]
    for table in data["tables"]:
        kinds = [c["kind"] for c in table["columns"]]
        rows = [*table["rows"], *([table["total"]] if table.get("total") else [])]
        for row in rows:
            for kind, value in zip(kinds, row["cells"], strict=True):
                if kind == "count":
                    yield value
            for category in row.get("categories", []):
                yield category["cells"][0]


def _analyst_data(report_world):
    with translation.override("en"):
        return report_data(
            report_world.world.analyst, ReportFilters(date_from=PERIOD[0], date_to=PERIOD[1])
        )


def test_the_selector_prints_no_count_under_five(report_world):
    data = _analyst_data(report_world)
    values = list(_count_values(data))
    assert SUPPRESSED in values
    assert all(v == SUPPRESSED or (isinstance(v, int) and v >= 5) for v in values), values
    by_key = {t["key"]: t for t in data["tables"]}
    rejected = next(r for r in by_key["by_state"]["rows"] if r["key"] == "rejected")
    assert rejected["cells"] == [SUPPRESSED]
    # the amounts of the one textiles case, and the median over 4 resolutions
    assert [r["cells"] for r in by_key["amounts"]["rows"]] == [[SUPPRESSED] * 4] * 2
    assert next(r for r in data["summary"] if r["key"] == "resolution")["cells"] == [SUPPRESSED]
    # a total over enough grievances is shown
    assert by_key["by_state"]["total"]["cells"] == [11]


def test_the_page_prints_no_count_under_five(client, report_world):
    client.force_login(User.objects.get(pk=report_world.world.analyst.pk))
    response = client.get(reverse("reports:dashboard"), QUERY, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.content.decode()
    numbers = [
        int(n.replace(",", ""))
        for n in re.findall(r'<td class="num">([\d,]+)</td>', body)
        + re.findall(r"<dd>([\d,]+)</dd>", body)
        + re.findall(r'<span class="chart-value">([\d,]+)</span>', body)
        + re.findall(r"\((\d+)\)", body)
    ]
    assert 11 in numbers
    assert [n for n in numbers if n < 5] == []
    assert body.count("&lt;5") >= 10
    assert "¥1,000.00" not in body  # the amounts of a chain with 1 or 3 closed cases


def test_the_csv_prints_no_count_under_five(client, report_world):
    client.force_login(User.objects.get(pk=report_world.world.analyst.pk))
    response = client.get(reverse("reports:export_csv"), QUERY, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["Rejected", SUPPRESSED] in rows
    assert ["Total", "11"] in rows
    integers = [int(v) for row in rows for v in row[1:] if re.fullmatch(r"\d+", v)]
    assert integers and min(integers) >= 5
    assert not any(re.search(r"\([0-4]\)", v) for row in rows for v in row)
    assert any("(5)" in v for row in rows for v in row)  # an employer's category


def test_the_xlsx_prints_no_count_under_five(client, report_world):
    client.force_login(User.objects.get(pk=report_world.world.analyst.pk))
    response = client.get(reverse("reports:export_xlsx"), QUERY, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.content), read_only=True)
    values = [
        (sheet.title, row)
        for sheet in workbook.worksheets
        for row in sheet.iter_rows(values_only=True)
    ]
    assert any(row[:2] == ("Rejected", SUPPRESSED) for _t, row in values)
    assert any(row[:2] == ("Total", 11) for _t, row in values)
    # Sheet by sheet, the counts are those of the selector's data: "<5" or 5 and more.
    data = _analyst_data(report_world)
    tables = [{"rows": data["summary"], "columns": [{"kind": "mixed"}]}, *data["tables"]]
    checked = 0
    for sheet, table in zip(workbook.worksheets, tables, strict=True):
        sheet_rows = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row}
        kinds = [c["kind"] for c in table["columns"]]
        for row in table["rows"]:
            printed = sheet_rows[row["label"]]
            for i, kind in enumerate(kinds):
                if kind == "count" or row.get("kind") == "count":
                    assert printed[i] == row["cells"][i], (row["label"], printed)
                    assert printed[i] == SUPPRESSED or printed[i] >= 5
                    checked += 1
    assert checked > 40
