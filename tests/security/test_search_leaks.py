"""Searching finds nothing of a case the searcher may not see (security.md matrix A4): staff of
another union, other legal-aid providers, an analyst and another worker type a foreign worker's exact ID
number, name, phone, employer and case reference into the API's `q` and the queue's search box,
and no answer names the case."""

import pytest
from django.urls import reverse

from casework.choices import CaseState
from tests.api.conftest import client_for
from tests.api.test_authz_matrix import OUTSIDERS
from tests.factories import drive_to


@pytest.fixture
def foreign_case(world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    worker = case.primary_worker
    terms = [
        case.reference,
        worker.name,
        worker.id_number,
        worker.phone,
        case.primary_employer.name if case.primary_employer_id else "",
    ]
    return case, [t for t in terms if t]


@pytest.mark.django_db
@pytest.mark.parametrize("who", OUTSIDERS)
def test_a_foreign_workers_identity_or_case_is_never_found(world, foreign_case, who):
    case, terms = foreign_case
    assert len(terms) >= 4, terms  # reference, name, ID number, phone (and employer)
    user = getattr(world, who)
    api = client_for(user, session=who == "other_worker")  # workers have no token
    web = client_for(user, session=True)
    queue = reverse("casework:queue")
    for term in terms:
        answer = api.get("/api/v1/cases/", {"q": term})
        if answer.status_code == 200:
            body = answer.json()
            assert body["count"] == 0, (who, term)
            assert case.reference not in answer.content.decode()
        else:
            assert answer.status_code in (403, 404), (who, answer.status_code)
        page = web.get(queue, {"q": term})
        assert page.status_code in (200, 302, 404), (who, page.status_code)
        html = page.content.decode().replace(f"q={term}", "").replace(f'value="{term}"', "")
        assert f"/cases/{case.reference}/" not in html, (who, term)
        if term != case.reference:  # the page echoes the search box's own text
            assert case.reference not in html, (who, term)


@pytest.mark.django_db
def test_the_unions_own_caseworker_finds_the_case_by_the_same_terms(world, foreign_case):
    """The search works (so the refusals above are not an empty search): the union's own
    caseworker finds the case by its reference and by the worker's exact ID number."""
    case, _terms = foreign_case
    api = client_for(world.caseworker)
    for term in (case.reference, case.primary_worker.id_number):
        found = api.get("/api/v1/cases/", {"q": term}).json()
        assert [r["reference"] for r in found["results"]] == [case.reference], term
