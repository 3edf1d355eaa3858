"""Every list endpoint of the API (`GET /api/v1/...`) costs a fixed number of queries whatever
its length. The inventory of every list page and endpoint, and how these tests work, is in the
docstring of test_pages.py. Staff call with a bearer token, as integrations do; workers with
their session (they hold no membership, hence no token)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from casework.choices import CaseState
from tests.factories import drive_to

from .conftest import (
    LARGE,
    SMALL,
    add_documents,
    add_evidence,
    add_thread,
    api_client,
    api_session_client,
    assert_flat,
    category_codes,
    file_case,
    full_case,
    intake_fields,
    measure,
    providers,
    queue_cases,
    report_cases,
    worker_case,
)

# The queries each endpoint costs today: see CEILINGS in test_pages.py.
CEILINGS: dict[str, int | dict[str, int]] = {
    "case-list:all": 4,
    "case-list:state_open": 4,
    "case-list:category": 4,
    "case-list:assignee_me": 4,
    "case-list:assignee_unassigned": 4,
    "case-list:urgent": 4,
    # PostgreSQL: first the search index's count of the matches (selectors.search.few_matches).
    "case-list:q": {"default": 4, "postgresql": 5},
    "case-list:sort_deadline": 4,
    "case-list:district_supervisor": 6,
    "api:case-detail": {"default": 11, "postgresql": 12},
    "api:case-providers": 3,
    "api:case-notes": 4,
    "api:case-messages": 4,
    "api:case-consents": 4,
    "api:case-evidence": 4,
    "api:case-documents": 4,
    "worker:api:case-messages": 8,
    "worker:api:case-consents": 8,
    "worker:api:case-evidence": 8,
    "worker:api:my-case-detail": 8,
    "my-case-list": 8,
    "referral-inbox": 6,
    "referral-detail": 8,
    "reports": 32,  # the rollup refresh (reports/rollup.py)
    "rights-categories": 2,
    "case-providers:more": 3,
    "api:case-evidence:grow": 4,
    "api:case-documents:grow": 4,
    "api:case-notes:grow": 4,
}


def _results(cost) -> list:
    body = cost.response.json()
    return body["results"] if isinstance(body, dict) else body


# --- the queue ----------------------------------------------------------------------------------

CASE_LIST_QUERIES = {
    "all": {},
    "state_open": {"state": "open"},
    "category": {"category": "<category>"},
    "assignee_me": {"assignee": "me"},
    "assignee_unassigned": {"assignee": "unassigned"},
    "urgent": {"urgent": "true"},
    "q": {"q": "恒远"},
    "sort_deadline": {"sort": "deadline"},
}


@pytest.mark.parametrize("name", list(CASE_LIST_QUERIES))
def test_case_list(world, name):
    client = api_client(world.caseworker)
    url = reverse("api:case-list")
    data = {
        k: category_codes(1)[0] if v == "<category>" else v
        for k, v in CASE_LIST_QUERIES[name].items()
    }
    queue_cases(world, 4)
    small = measure(client, url, data=data)
    queue_cases(world, 8)
    large = measure(client, url, data=data)
    rows = [len(_results(c)) for c in (small, large)]
    assert 1 <= rows[0] < rows[1], rows
    assert_flat(f"case-list:{name}", small, large, CEILINGS)


def test_case_list_of_a_supervisor(world):
    client = api_client(world.district_supervisor)
    url = reverse("api:case-list")
    queue_cases(world, 4)
    small = measure(client, url)
    queue_cases(world, 8)
    large = measure(client, url)
    assert_flat("case-list:district_supervisor", small, large, CEILINGS)


# --- one case's lists ------------------------------------------------------------------------

STAFF_CASE_LISTS = [
    "api:case-detail",
    "api:case-providers",
    "api:case-notes",
    "api:case-messages",
    "api:case-consents",
    "api:case-evidence",
    "api:case-documents",
]


@pytest.mark.parametrize("route", STAFF_CASE_LISTS)
def test_case_lists_for_staff(world, route):
    """A case with n of everything (parties, notes, messages, consents, providers, evidence,
    documents), read by its caseworker."""
    client = api_client(world.caseworker)
    costs = [
        measure(client, reverse(route, args=[full_case(world, n).reference]))
        for n in (SMALL, LARGE)
    ]
    if route != "api:case-detail":
        rows = [len(_results(c)) for c in costs]
        assert rows[0] < rows[1], rows
    assert_flat(route, *costs, CEILINGS)


@pytest.mark.parametrize(
    "route", ["api:case-messages", "api:case-consents", "api:case-evidence", "api:my-case-detail"]
)
def test_case_lists_for_the_worker(world, route):
    client = api_session_client(world.worker)
    costs = []
    for n in (SMALL, LARGE):
        case, _ = worker_case(world, n, filed_by=world.worker)
        costs.append(measure(client, reverse(route, args=[case.reference])))
    assert_flat(f"worker:{route}", *costs, CEILINGS)


def test_my_case_list(world):
    client = api_session_client(world.worker)
    url = reverse("api:my-case-list")
    for _ in range(SMALL):
        file_case(world)
    small = measure(client, url)
    for _ in range(LARGE - SMALL):
        file_case(world, n=2)
    large = measure(client, url)
    assert [len(_results(c)) for c in (small, large)] == [SMALL, LARGE]
    assert_flat("my-case-list", small, large, CEILINGS)


# --- referrals -----------------------------------------------------------------------------------


def test_referral_inbox(world):
    client = api_client(world.coordinator)
    url = reverse("api:referral-inbox")
    for _ in range(SMALL):
        drive_to(world, CaseState.REFERRED, **intake_fields(1))
    small = measure(client, url)
    for _ in range(LARGE - SMALL):
        drive_to(world, CaseState.REFERRED, **intake_fields(3))
    large = measure(client, url)
    assert [len(_results(c)) for c in (small, large)] == [SMALL, LARGE]
    assert_flat("referral-inbox", small, large, CEILINGS)


def test_referral_detail(world):
    """The limited summary: categories, claims and the provider's lawyers."""
    client = api_client(world.coordinator)
    costs = []
    for n in (SMALL, LARGE):
        case = drive_to(world, CaseState.REFERRED, **intake_fields(n))
        costs.append(measure(client, reverse("api:referral-detail", args=[case.reference])))
    assert_flat("referral-detail", *costs, CEILINGS)


# --- reports and the rights catalogue ------------------------------------------------------------


def test_reports(world):
    from django.core.cache import cache

    client = api_client(world.analyst)
    url = reverse("api:reports")
    report_cases(world, SMALL, 1)
    small = measure(client, url, before=cache.clear)
    report_cases(world, LARGE - SMALL, 3)
    large = measure(client, url, before=cache.clear)
    assert_flat("reports", small, large, CEILINGS)


def test_rights_categories(world):
    from rights.models import Category

    client = api_client(world.caseworker)
    url = reverse("api:rights-categories")

    def categories(k, start):
        for i in range(start, start + k):
            Category.objects.create(
                code=f"PERF.C{i}",
                name_zh=f"类别{i}",
                name_en=f"Category {i}",
                worker_label_zh=f"类别{i}",
                worker_label_en=f"Category {i}",
                sort_order=900 + i,
            )

    categories(SMALL, 0)
    small = measure(client, url)
    categories(LARGE - SMALL, SMALL)
    large = measure(client, url)
    assert len(_results(large)) - len(_results(small)) == LARGE - SMALL
    assert_flat("rights-categories", small, large, CEILINGS)


def test_providers_of_a_case_grow_with_the_providers(world):
    """api:case-providers with more providers in the database (not only consented ones)."""
    client = api_client(world.caseworker)
    case = full_case(world, 1)
    url = reverse("api:case-providers", args=[case.reference])
    providers(SMALL)
    small = measure(client, url)
    providers(LARGE - SMALL)
    large = measure(client, url)
    assert len(_results(large)) > len(_results(small))
    assert_flat("case-providers:more", small, large, CEILINGS)


def test_evidence_and_documents_grow_on_one_case(world):
    """The same case with more files: evidence and documents lists stay flat."""
    client = api_client(world.caseworker)
    case = full_case(world, 1)
    costs = {"api:case-evidence": [], "api:case-documents": [], "api:case-notes": []}
    for k in (SMALL, LARGE - SMALL):
        add_evidence(case, world.caseworker, k)
        add_documents(case, k)
        add_thread(case, world.caseworker, world.worker, k)
        for route, out in costs.items():
            out.append(measure(client, reverse(route, args=[case.reference])))
    for route, (small, large) in costs.items():
        assert_flat(f"{route}:grow", small, large, CEILINGS)
