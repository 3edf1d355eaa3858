"""Bar charts for the dashboard, drawn by the server as SVG (no script, no style attribute:
bar lengths are SVG geometry). Each chart is paired with its table on the page, which is what
screen readers read; the chart itself is hidden from them."""

from __future__ import annotations

from .suppression import SUPPRESSED


def _number(value) -> float | None:
    if value is None or value == SUPPRESSED:
        return None
    return float(value)


def chart_for(table: dict) -> dict | None:
    """The bars of one report table: for each row, one bar per charted column, as a percentage
    of the largest value shown. None for tables that are not charted."""
    if table.get("chart") is False or not table["rows"]:
        return None
    keys = [c["key"] for c in table["columns"]]
    columns = [keys.index(k) for k in table.get("chart_columns") or keys]
    values = [_number(row["cells"][i]) for row in table["rows"] for i in columns]
    largest = max([v for v in values if v is not None] or [0])
    rows, omitted = [], 0
    for row in table["rows"]:
        if all(_number(row["cells"][i]) is None for i in columns):
            # Rows of "<5" only make a long chart of nothing on a phone: they stay in the table.
            omitted += 1
            continue
        bars = []
        for series, i in enumerate(columns):
            number = _number(row["cells"][i])
            bars.append(
                {
                    "series": series,
                    "value": row["cells"][i],
                    "kind": table["columns"][i]["kind"],
                    "width": round(100 * number / largest, 2) if number and largest else 0,
                }
            )
        rows.append({"label": row["label"], "bars": bars})
    legend = [
        {"series": series, "label": table["columns"][i]["label"]}
        for series, i in enumerate(columns)
    ]
    if not rows:
        return None
    return {"rows": rows, "legend": legend if len(columns) > 1 else [], "omitted": omitted}
