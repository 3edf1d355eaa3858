"""The report's figures equal the ones counted by hand from `report_world` (see its table),
before suppression (`aggregates.build`) and, where they are 5 or more, after it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import translation

from casework.permissions import report_scope
from reports.aggregates import build
from reports.filters import ReportFilters
from reports.suppression import Amount, Count, Median, Rate

from .conftest import PERIOD


def raw(cell):
    if isinstance(cell, Count):
        return cell.n
    if isinstance(cell, Amount):
        return cell.total
    if isinstance(cell, Median):
        return cell.days
    if isinstance(cell, Rate):
        return (cell.part, cell.whole)
    raise AssertionError(cell)


def tables_of(tree) -> dict:
    """Table key -> row key -> figures; rows whose figures are all zero are left out here (the
    fixed lists are printed in full, see test_fixed_lists_are_printed_in_full)."""
    out = {}
    for table in tree["tables"]:
        rows = {
            r["key"]: [raw(c) for c in r["cells"]]
            for r in table["rows"]
            if any(raw(c) for c in r["cells"])
        }
        if table.get("total"):
            rows["total"] = [raw(c) for c in table["total"]["cells"]]
        out[table["key"]] = rows
    out["summary"] = {r["key"]: raw(r["cells"][0]) for r in tree["summary"]}
    return out


def figures(user, **filters) -> dict:
    f = ReportFilters(date_from=PERIOD[0], date_to=PERIOD[1], **filters)
    with translation.override("en"):
        tree, _partitions = build(report_scope(user), f)
    return tables_of(tree)


def test_the_city_analyst_sees_every_figure_as_counted_by_hand(report_world):
    t = figures(report_world.world.analyst)
    assert t["summary"]["opened"] == 11
    assert t["summary"]["ended"] == 7
    assert t["by_month"] == {
        "2026-01": [2, 1],
        "2026-02": [2, 2],
        "2026-03": [2, 2],
        "2026-04": [2, 0],  # kept: one of its figures is not zero
        "2026-05": [2, 1],
        "2026-06": [1, 1],
        "total": [11, 7],
    }
    assert t["by_state"] == {
        "submitted": [1],
        "under_review": [2],
        "referred": [1],
        "legal_aid": [1],
        "closed": [4],
        "rejected": [1],
        "withdrawn": [1],
        "total": [11],
    }
    assert t["by_category"] == {
        "WAGE.ARREARS": [7],
        "WAGE.OVERTIME": [2],
        "TERM.UNLAWFUL": [2],
        "OTHER": [1],
    }
    assert t["by_district"] == {"武进区": [8], "新北区": [3], "total": [11]}
    assert t["by_chain"] == {"carbon_fibre": [8], "textiles": [3], "total": [11]}
    assert t["by_channel"] == {
        "web": [6],
        "walk_in": [3],
        "phone": [1],
        "hotline_12351": [1],
        "total": [11],
    }
    # First responses (hours): 24 ×6, 48 ×2, 72, 96 -> the middle two are 24 h.
    # Resolutions (closed): 31, 40, 30, 30 days -> (30 + 31) / 2.
    assert t["times"] == {
        "first_response": [10, 1.0],
        "resolution": [4, 30.5],
        "referral_accepted": [1, 2.0],
    }
    assert t["referrals"] == {"pending": [1], "accepted": [1], "declined": [1], "total": [3]}
    assert t["summary"]["acceptance"] == (1, 2)
    assert t["outcomes"] == {
        "settled": [1],
        "mediation_agreement": [1],
        "award_won": [1],
        "award_partly_won": [1],
        "total": [4],
    }
    assert t["amounts"] == {
        "carbon_fibre": [3, Decimal("9700"), Decimal("8000"), Decimal("6500")],
        "textiles": [1, Decimal("4000"), Decimal("3000"), Decimal("3000")],
        "total": [4, Decimal("13700"), Decimal("11000"), Decimal("9500")],
    }
    assert t["deadlines"] == {
        "FIRST_RESPONSE": [1, 1],
        "ARB_LIMIT": [0, 1],
        "total": [1, 2],
    }
    a, b = report_world.employer_a.pk, report_world.employer_b.pk
    assert t["employers"] == {str(a): [8], str(b): [3]}
    assert t["collective"] == {"collective": [2], "collective_dispute": [1], "workers": [15]}


def test_a_district_supervisor_sees_their_subtree_only(report_world):
    t = figures(report_world.world.district_supervisor)
    assert t["summary"]["opened"] == 8
    assert t["by_district"] == {"武进区": [8], "total": [8]}
    other = figures(report_world.world.other_supervisor)
    assert other["summary"]["opened"] == 3
    assert set(other["by_chain"]) == {"textiles", "total"}


def test_the_organisation_filter_narrows_to_a_subtree(report_world):
    t = figures(report_world.world.analyst, organisation_id=report_world.world.enterprise.pk)
    assert t["summary"]["opened"] == 2
    assert t["collective"] == {"collective": [2], "collective_dispute": [1], "workers": [15]}


def test_an_organisation_outside_the_scope_gives_nothing(report_world):
    w = report_world.world
    t = figures(w.other_supervisor, organisation_id=w.wujin.pk)
    assert t["summary"]["opened"] == 0


def test_the_category_and_chain_filters(report_world):
    t = figures(report_world.world.analyst, category="WAGE.OVERTIME")
    assert t["summary"]["opened"] == 2
    # the grievances' other categories are still counted
    assert t["by_category"] == {"WAGE.OVERTIME": [2], "WAGE.ARREARS": [1]}
    t = figures(report_world.world.analyst, chain="textiles")
    assert t["summary"]["opened"] == 3
    assert t["by_district"] == {"新北区": [3], "total": [3]}


def test_the_period_filter(report_world):
    f = ReportFilters(date_from=dt.date(2026, 2, 1), date_to=dt.date(2026, 2, 28))
    with translation.override("en"):
        tree, _ = build(report_scope(report_world.world.analyst), f)
    t = tables_of(tree)
    assert t["summary"]["opened"] == 2
    assert t["by_month"] == {"2026-02": [2, 2], "total": [2, 2]}


def test_a_report_counts_no_draft(report_world):
    t = figures(report_world.world.analyst, category="WAGE.ARREARS")
    assert report_world.cases[13].state == "draft"
    assert t["summary"]["opened"] == 7


def test_fixed_lists_are_printed_in_full(report_world):
    """Zeros print as "<5" too, so every state, channel, chain, outcome and category has a row:
    a row's presence says nothing."""
    from casework.choices import CaseState, Channel, IndustrialChain, OutcomeCode, ReferralState
    from rights.models import Category

    f = ReportFilters(date_from=PERIOD[0], date_to=PERIOD[1])
    tree, _ = build(report_scope(report_world.world.analyst), f)
    keys = {t["key"]: {r["key"] for r in t["rows"]} for t in tree["tables"]}
    assert keys["by_state"] == set(CaseState.values) - {"draft"}
    assert keys["by_channel"] == set(Channel.values)
    assert keys["by_chain"] == set(IndustrialChain.values)
    assert keys["outcomes"] == set(OutcomeCode.values)
    assert keys["referrals"] == set(ReferralState.values)
    assert keys["by_category"] == set(
        Category.objects.filter(active=True).values_list("code", flat=True)
    )


def test_an_employers_categories_are_named_from_five_up(report_world):
    f = ReportFilters(date_from=PERIOD[0], date_to=PERIOD[1])
    with translation.override("en"):
        tree, _ = build(report_scope(report_world.world.analyst), f)
    employers = next(t for t in tree["tables"] if t["key"] == "employers")
    assert [(c["label"], c["cells"][0].n) for c in employers["rows"][0]["categories"]] == [
        ("wage arrears or deductions", 5)
    ]
    assert employers["rows"][1]["categories"] == []
