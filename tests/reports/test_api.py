"""The same aggregates in the API (GET /api/v1/reports/): the dashboard's selector, its scope
and its suppression; nobody else finds it; bad filters are a problem, not a report."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from accounts.models import User
from reports.filters import ReportFilters
from reports.selectors import report_data
from tests.api.conftest import client_for

from .conftest import PERIOD

QUERY = {"date_from": PERIOD[0].isoformat(), "date_to": PERIOD[1].isoformat()}
URL = "/api/v1/reports/"


def _cells(node):
    """Every leaf value of the data, for looking for counts under five."""
    if isinstance(node, dict):
        for value in node.values():
            yield from _cells(value)
    elif isinstance(node, list):
        for value in node:
            yield from _cells(value)
    else:
        yield node


def test_the_route_is_the_api_reports_route():
    assert reverse("api:reports") == URL


@pytest.mark.parametrize("who", ["analyst", "supervisor"])
def test_the_api_gives_the_dashboards_figures(report_world, who):
    user = User.objects.get(pk=getattr(report_world.world, who).pk)
    response = client_for(user).get(URL, QUERY)
    assert response.status_code == 200, response.content
    filters = ReportFilters(date_from=PERIOD[0], date_to=PERIOD[1])
    expected = json.loads(json.dumps(report_data(user, filters), default=str))
    body = response.json()
    body.pop("generated_at"), expected.pop("generated_at")
    assert body == expected
    # Small counts are suppressed here as on the page: no bare count from 1 to 4 anywhere.
    leaves = list(_cells(body["tables"]))
    assert "<5" in leaves
    assert not [v for v in leaves if isinstance(v, int) and 0 < v < 5]


@pytest.mark.parametrize("who", ["caseworker", "coordinator", "lawyer", "worker"])
def test_nobody_else_finds_it(report_world, who):
    user = User.objects.get(pk=getattr(report_world.world, who).pk)
    client = client_for(user, session=True) if who == "worker" else client_for(user)
    response = client.get(URL, QUERY)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/problem+json")


def test_anonymous_callers_must_authenticate(report_world):
    assert client_for().get(URL, QUERY).status_code == 401


def test_bad_filters_are_a_problem_in_the_callers_language(report_world):
    user = User.objects.get(pk=report_world.world.analyst.pk)
    response = client_for(user).get(
        URL, {"date_from": "2026-06-30", "date_to": "2026-01-01"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400 and body["errors"]
    assert "tables" not in body
