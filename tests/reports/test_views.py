"""Who sees the dashboard, what the filters do on the page, and what the page costs."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from accounts.models import User
from casework.choices import CaseState
from documents.models import GeneratedDocument
from tests.factories import drive_to, referral_packet_make
from tests.security.test_case_urls import _assert_hidden, _evidence, evidence_storage  # noqa: F401

from .conftest import PERIOD, at, make_case

QUERY = {"date_from": PERIOD[0].isoformat(), "date_to": PERIOD[1].isoformat()}
URLS = ["reports:dashboard", "reports:export_csv", "reports:export_xlsx"]


def _login(client, user):
    client.force_login(User.objects.get(pk=user.pk))


@pytest.mark.parametrize("who", ["analyst", "supervisor", "district_supervisor"])
def test_supervisors_and_analysts_see_the_dashboard(client, report_world, who):
    _login(client, getattr(report_world.world, who))
    for name in URLS:
        assert client.get(reverse(name), QUERY).status_code == 200, name
    page = client.get(reverse("reports:dashboard"), HTTP_ACCEPT_LANGUAGE="en")
    assert f'href="{reverse("reports:dashboard")}"' in page.content.decode()  # the nav link


@pytest.mark.parametrize(
    "who", ["caseworker", "coordinator", "lawyer", "worker", "other_caseworker"]
)
def test_nobody_else_finds_it(client, report_world, who):
    user = getattr(report_world.world, who)
    _login(client, user)
    for name in URLS:
        assert client.get(reverse(name), QUERY).status_code == 404, name
    # and the navigation does not offer it
    page = client.get(reverse("casework:home"))
    assert reverse("reports:dashboard") not in page.content.decode()


def test_anonymous_users_are_sent_to_sign_in(client, report_world):
    for name in URLS:
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_only_get_is_answered(client, report_world):
    _login(client, report_world.world.analyst)
    assert client.post(reverse("reports:dashboard")).status_code == 405


def test_an_analyst_reaches_no_case_note_message_or_document(client, world, evidence_storage):  # noqa: F811
    """Walk every case URL (the page, notes, messages, evidence, documents, transitions) of a
    case with a note, a message and a referral packet as the analyst: 404 everywhere."""
    from casework.services import message_post, note_add

    case = drive_to(world, CaseState.UNDER_REVIEW, filed_by=world.worker)
    note_add(case=case, user=world.caseworker, body="内部备注：职工王小明的电话已核实。")
    message_post(case=case, user=world.caseworker, body="请补充工资条照片。")
    referral_packet_make(case)
    document = GeneratedDocument.objects.get(case=case)
    checked = _assert_hidden(client, world.analyst, case, document, _evidence(case))
    assert checked > 50
    # and the dashboard names no worker, no fact, no note, no message
    _login(client, world.analyst)
    body = client.get(reverse("reports:dashboard")).content.decode()
    for secret in (
        case.primary_worker.name,
        case.facts[:12],
        "内部备注",
        "工资条照片",
        case.reference,
    ):
        assert secret not in body


def test_the_filters_narrow_the_page(client, report_world):
    w = report_world.world
    _login(client, w.analyst)
    with translation.override("en"):
        page = client.get(
            reverse("reports:dashboard"),
            {**QUERY, "organisation": w.xinbei.pk, "chain": "textiles"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    body = page.content.decode()
    assert page.status_code == 200
    assert "新北区" in body and "武进区" not in body
    assert "常州锦华纺织有限公司" in body and "常州恒远碳纤维材料有限公司" not in body


def test_bad_filters_say_so_and_export_nothing(client, report_world):
    w = report_world.world
    _login(client, w.other_supervisor)  # Xinbei: Wujin is outside their scope
    for params in (
        {"organisation": w.wujin.pk},
        {"date_from": "2026-06-01", "date_to": "2026-01-01"},
        {"date_from": "not a date"},
        {"category": "NO.SUCH"},
    ):
        page = client.get(reverse("reports:dashboard"), params, HTTP_ACCEPT_LANGUAGE="en")
        assert page.status_code == 400, params
        assert 'class="error-message"' in page.content.decode()
        export = client.get(reverse("reports:export_csv"), params)
        assert export.status_code == 400
        assert "Content-Disposition" not in export


def test_the_period_error_is_in_the_users_language(client, report_world):
    _login(client, report_world.world.analyst)
    params = {"date_from": "2026-06-01", "date_to": "2026-01-01"}
    body = client.get(reverse("reports:dashboard"), params, HTTP_ACCEPT_LANGUAGE="en").content
    assert "The start of the period is after its end." in body.decode()
    with translation.override("zh-hans"):
        from django.utils.translation import gettext

        expected = gettext("The start of the period is after its end.")
    body = client.get(reverse("reports:dashboard"), params, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert expected in body.content.decode()


def test_the_dashboard_costs_a_fixed_number_of_queries(client, report_world):
    w = report_world.world
    _login(client, w.analyst)
    url = reverse("reports:dashboard")

    def cold():
        from django.core.cache import cache

        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, QUERY).status_code == 200
        return len(queries)

    # The rollup is built once (reports.rollup); a cold read then recounts the cells of the
    # changed grievances, and the number of queries depends on neither how many nor which.
    from reports.rollup import reports_rollup_rebuild

    reports_rollup_rebuild()
    cold()
    with CaptureQueriesContext(connection) as warm:
        client.get(url, QUERY)

    def more(month):
        # More grievances, employers, months and categories: the same number of queries.
        for day in range(1, 20):
            make_case(
                w.xinbei,
                report_world.employer_b,
                "closed",
                at(month, day),
                closed=at(month + 1, day),
                categories=("WAGE.ARREARS", "LEAVE.ANNUAL"),
                outcome="settled",
                awarded="10",
                recovered="10",
                claims=["20"],
                first_response_hours=5,
            )

    more(2)
    first = cold()
    more(3)
    more(4)
    assert cold() == first
    assert first <= 60, first
    # Warm: the session, the user, the second-factor device, the change marker, the form's
    # choices, the navigation's unread-notification count; no aggregate.
    assert len(warm) <= 10, [q["sql"] for q in warm.captured_queries]


def test_the_page_needs_no_inline_script_or_style(client, report_world):
    """A strict Content-Security-Policy: charts are SVG geometry, no style attribute, no
    inline script or handler."""
    _login(client, report_world.world.analyst)
    body = client.get(reverse("reports:dashboard"), QUERY).content.decode()
    assert "<svg" in body and "<rect" in body
    assert not re.search(r"\sstyle=", body)
    assert not re.search(r"<script(?![^>]*\ssrc=)", body)
    assert not re.search(r"\son[a-z]+=", body)
    assert "<style" not in body


def test_figures_are_printed_as_staff_read_them():
    from reports.templatetags.reports import report_value

    with translation.override("en"):
        assert report_value("1234567.5", "amount") == "¥1,234,567.50"
        assert report_value(12345, "count") == "12,345"
        assert report_value(30.5, "days") == "30.5 days"
        assert report_value(50.0, "rate") == "50.0%"
        assert report_value("<5", "amount") == "<5"
        assert report_value(None, "days") == "—"


def test_exports_do_not_let_a_spreadsheet_run_an_employers_name(client, report_world):
    """An employer's name is typed in by a worker: in a spreadsheet it stays text."""
    from casework.models import Employer

    Employer.objects.filter(pk=report_world.employer_a.pk).update(
        name='=HYPERLINK("http://example.invalid","x")'
    )
    _login(client, report_world.world.analyst)
    body = client.get(reverse("reports:export_csv"), QUERY).content.decode("utf-8-sig")
    assert "'=HYPERLINK(" in body
    assert "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body
    import io

    from openpyxl import load_workbook

    content = client.get(reverse("reports:export_xlsx"), QUERY).content
    cells = [
        v
        for sheet in load_workbook(io.BytesIO(content)).worksheets
        for row in sheet.iter_rows(values_only=True)
        for v in row
        if isinstance(v, str) and "HYPERLINK" in v
    ]
    assert cells and all(v.startswith("'=") for v in cells)


def test_the_xlsx_amounts_are_numbers(client, report_world):
    import io

    from openpyxl import load_workbook

    from .conftest import make_case

    w = report_world.world
    for day in range(1, 6):  # five more closed textiles cases: the amounts can be shown
        make_case(
            w.xinbei,
            report_world.employer_b,
            "closed",
            at(3, day),
            closed=at(4, day),
            outcome="settled",
            awarded="1000.50",
            recovered="1000.50",
            claims=["2000"],
        )
    for day in range(1, 3):  # and carbon fibre up to five, or it would hide textiles with it
        make_case(
            w.wujin,
            report_world.employer_a,
            "closed",
            at(3, day),
            closed=at(4, day),
            outcome="settled",
            awarded="0",
            recovered="0",
            claims=["100"],
        )
    _login(client, w.analyst)
    content = client.get(reverse("reports:export_xlsx"), QUERY, HTTP_ACCEPT_LANGUAGE="en").content
    sheet = next(s for s in load_workbook(io.BytesIO(content)).worksheets if "Amounts" in s.title)
    rows = {row[0]: row[1:] for row in sheet.iter_rows(values_only=True) if row}
    assert rows["textiles"] == (6, 14000, 8002.5, 8002.5)
    assert rows["carbon fibre"] == (5, 9900, 8000, 6500)
    csv_body = client.get(reverse("reports:export_csv"), QUERY, HTTP_ACCEPT_LANGUAGE="en")
    assert "textiles,6,14000.00,8002.50,8002.50" in csv_body.content.decode("utf-8-sig")


def test_the_charts_leave_rows_of_small_counts_to_the_tables():
    from reports.charts import chart_for

    table = {
        "columns": [{"key": "cases", "label": "grievances", "kind": "count"}],
        "rows": [
            {"key": "a", "label": "A", "cells": [20]},
            {"key": "b", "label": "B", "cells": [5]},
            {"key": "c", "label": "C", "cells": ["<5"]},
        ],
    }
    chart = chart_for(table)
    assert [(r["label"], r["bars"][0]["width"]) for r in chart["rows"]] == [("A", 100), ("B", 25)]
    assert chart["omitted"] == 1
    assert chart_for({**table, "rows": table["rows"][2:]}) is None
