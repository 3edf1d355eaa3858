"""CSV and XLSX of what the dashboard shows: the same suppressed data, table by table."""

from __future__ import annotations

import csv
import io
import re

from django.utils.translation import gettext as _

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
AMOUNT = re.compile(r"\d+\.\d\d")


def _text(value) -> str:
    """Text a spreadsheet will not run as a formula (an employer's name is user input)."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _cell(value):
    """The data's own values: whole numbers, amounts as exact decimal text ("12345.60"), medians
    and rates as decimals, and "<5"."""
    if isinstance(value, int | float):
        return value
    return "" if value is None else _text(value)


def _xlsx_cell(sheet, value):
    """Amounts become numbers with two decimals in the spreadsheet."""
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str) and AMOUNT.fullmatch(value):
        cell = WriteOnlyCell(sheet, value=float(value))
        cell.number_format = "#,##0.00"
        return cell
    return value


def _tables(data: dict) -> list[dict]:
    summary = {
        "key": "summary",
        "title": _("Key figures"),
        "columns": [{"key": "value", "label": _("value"), "kind": "mixed"}],
        "rows": data["summary"],
    }
    return [summary, *data["tables"]]


def rows_of(table: dict) -> list[list]:
    """Header and rows of one table as spreadsheet cells."""
    with_categories = any("categories" in row for row in table["rows"])
    header = ["", *(c["label"] for c in table["columns"])]
    if with_categories:
        header.append(_("categories"))
    out = [header]
    for row in [*table["rows"], *([table["total"]] if table.get("total") else [])]:
        line = [_text(row["label"]), *(_cell(v) for v in row["cells"])]
        if with_categories:
            line.append(
                "; ".join(f"{c['label']} ({c['cells'][0]})" for c in row.get("categories", []))
            )
        out.append(line)
    return out


def _preamble(data: dict) -> list[list]:
    f = data["filters"]
    return [
        [_("Rightsdesk report")],
        [_("Submitted between"), f["date_from"], f["date_to"]],
        [_("Generated"), data["generated_at"]],
        [_("%(mark)s: too few to show") % {"mark": data["suppressed"]}],
    ]


def report_csv(data: dict) -> str:
    buffer = io.StringIO()
    buffer.write("\ufeff")  # so that spreadsheet programs read the Chinese as UTF-8
    writer = csv.writer(buffer)
    writer.writerows(_preamble(data))
    for table in _tables(data):
        writer.writerow([])
        writer.writerow([_text(table["title"])])
        writer.writerows(rows_of(table))
    return buffer.getvalue()


def _sheet_title(title: str, used: set[str]) -> str:
    cleaned = "".join(ch for ch in title if ch not in "[]:*?/\\")[:28] or "sheet"
    name, i = cleaned, 2
    while name in used:
        name, i = f"{cleaned[:26]}{i}", i + 1
    used.add(name)
    return name


def report_xlsx(data: dict) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for index, table in enumerate(_tables(data)):
        sheet = workbook.create_sheet(_sheet_title(table["title"], used))
        if index == 0:
            for line in _preamble(data):
                sheet.append(line)
            sheet.append([])
        sheet.append([table["title"]])
        for line in rows_of(table):
            sheet.append([_xlsx_cell(sheet, v) for v in line])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
