"""Every list page costs a fixed number of queries whatever its length (STYLE rule 5, issue 8).

Each test makes the page's rows through the real services at a small number (3, or one cycle of
four queue kinds) and again at a larger one (12), requests the real URL as a user of the role
that uses it, and asserts that (a) the query count is the same for both (no N+1) and (b) it is
at most the page's ceiling in CEILINGS (the count measured when the test was written, so that
any added query fails here and shows its SQL). The API's lists are in test_api.py.

INVENTORY — every route of config/routes.toml that shows a variable number of rows:

pages (this module)                       rows grown                           as
  casework:queue /cases/                  cases (categories, claims,          caseworker, each
    ?state= (a state, open) ?category=    co-claimants, assignees, urgent);    filter and sort
    ?assignee=me|unassigned|<id>          page 2 with a page size of 2;        and page 2;
    ?urgent=1 ?q= ?sort=oldest|deadline   the supervisor's assign lists        supervisors
  casework:queue, coordinator's inbox     pending referrals (categories,       coordinator
    (on /cases/)                          claims)
  casework:referral_inbox /referrals/     the same                             coordinator
  casework:lawyer_cases /legal-aid/       accepted referrals                   lawyer
  casework:queue as a lawyer              cases granted through referrals      lawyer
  casework:case_detail /cases/<ref>/      timeline events, notes, messages,    caseworker,
                                          evidence, documents, categories,     district supervisor
                                          claims, co-claimants, consents,
                                          providers to refer to
  casework:case_detail (limited summary)  categories, claims of a pending      coordinator
                                          referral
  casework:case_deadlines                 categories (deadline rules)          caseworker
  casework:case_calculators               categories                           caseworker
  casework:case_eligibility               categories, claims                   caseworker
  casework:my_cases /my/                  the worker's grievances              worker
  casework:my_case /my/<ref>/             timeline, messages, evidence,        worker
                                          consents, claims, notices
  casework:track_case /track/case/        the same, by receipt code            anonymous
  notifications:list                      notifications (messages; the         caseworker,
                                          steps of a worker's grievances)      worker
  privacy:my_data /privacy/               grievances, erasure requests         worker
  privacy:my_data_export (POST, a zip)    grievances with their claims,        worker
                                          messages, consents, evidence
  privacy:erasure_queue                   pending erasure requests             supervisor
  api-tokens /api/tokens/                 tokens, memberships                  caseworker
  reports:dashboard, export_csv,          cases over categories, districts     analyst
    export_xlsx                           (cold report cache)

API (test_api.py)
  api:case-list (filters as the queue), api:case-detail (parties, referrals), api:case-providers,
  api:case-notes, api:case-messages (staff and worker), api:case-consents (staff and worker),
  api:case-evidence (staff and worker), api:case-documents, api:my-case-list,
  api:my-case-detail, api:referral-inbox, api:referral-detail, api:reports,
  api:rights-categories.

Not lists (a fixed set, a single object or a form): the filing steps, /track/, the sign-in and
second-factor pages, notifications:preferences, api-docs and api-schema, downloads, and every
POST endpoint. The Django admin's change lists are Django's own (superusers only).

N+1 found while writing these tests: the worker's data export ran eight queries per grievance
(privacy/selectors.py, now prefetched: 19 queries whatever the number). Every ceiling is the
count measured on each database after the queue and case-page rewrite (issue 8).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from casework.choices import CaseState
from tests.factories import UserFactory, drive_to, run_on_commit

from .conftest import (
    LARGE,
    SMALL,
    api_client,
    assert_flat,
    category_codes,
    file_case,
    full_case,
    intake_fields,
    measure,
    queue_cases,
    report_cases,
    signed_in,
    worker_case,
)

# The queries each page costs today (measured on SQLite and PostgreSQL when these tests were
# written); a value per vendor only where they differ: a page that writes an audit event (the
# identity view of the case page, the data export) takes the audit chain's advisory lock on
# PostgreSQL, one more query.
CEILINGS: dict[str, int | dict[str, int]] = {
    "queue:all": 8,
    "queue:state": 8,
    "queue:state_open": 8,
    "queue:state_submitted": 8,
    "queue:category": 8,
    "queue:assignee_me": 8,
    "queue:assignee_unassigned": 8,
    "queue:assignee_id": 8,
    "queue:urgent": 8,
    "queue:q": 8,
    "queue:sort_oldest": 8,
    "queue:sort_deadline": 8,
    "queue:page_2": 8,
    "queue:everything": 8,
    "queue:district_supervisor:all": 10,
    "queue:district_supervisor:assignee_unassigned": 10,
    "queue:district_supervisor:state_open": 10,
    "queue:supervisor:all": 10,
    "queue:supervisor:q": 10,
    "inbox:casework:queue": 9,
    "inbox:casework:referral_inbox": 9,
    "case_summary": {"default": 15, "postgresql": 16},  # with its read-access audit event
    "lawyer:casework:lawyer_cases": 6,
    "lawyer:casework:queue": 7,
    "case_detail:caseworker": {"default": 14, "postgresql": 15},
    "case_detail:district_supervisor": {"default": 15, "postgresql": 16},
    "tool:casework:case_deadlines": 8,
    "tool:casework:case_calculators": 5,
    "tool:casework:case_eligibility": 8,
    "my_cases": 6,
    "my_case": 15,
    "track_case": 12,
    "notifications": 6,
    "my_data": 7,
    "erasure_queue": 5,
    "api_tokens": 6,
    "reports:reports:dashboard": 36,  # the rollup refresh (reports/rollup.py)
    "reports:reports:export_csv": 35,
    "reports:reports:export_xlsx": 35,
    "notifications:worker": 7,
    "my_data_export": {"default": 19, "postgresql": 20},
    # The final POST of an anonymous filing with co-workers (issue 8's load target): the
    # session, the filing's rows in one transaction, the session again; in a test the
    # transaction and the session's update are savepoints, and the notification task is not
    # enqueued (no commit). Outside a test, without co-workers: 18 on PostgreSQL (41 before).
    "file_submit": 20,
}


# --- the staff queue ------------------------------------------------------------------------

QUEUE_QUERIES = {
    "all": {},
    "state": {"state": CaseState.UNDER_REVIEW},
    "state_open": {"state": "open"},
    "state_submitted": {"state": CaseState.SUBMITTED},
    "category": {"category": "<category>"},
    "assignee_me": {"assignee": "me"},
    "assignee_unassigned": {"assignee": "unassigned"},
    "assignee_id": {"assignee": "<caseworker2>"},
    "urgent": {"urgent": "on"},
    "q": {"q": "恒远"},
    "sort_oldest": {"sort": "oldest"},
    "sort_deadline": {"sort": "deadline"},
    "page_2": {"page": "2"},
    "everything": {"state": "open", "assignee": "unassigned", "sort": "deadline", "q": "恒远"},
}


def _query(world, name: str) -> dict:
    values = {"<category>": category_codes(1)[0], "<caseworker2>": str(world.caseworker2.pk)}
    return {k: values.get(v, v) for k, v in QUEUE_QUERIES[name].items()}


@pytest.mark.parametrize("name", list(QUEUE_QUERIES))
def test_queue_of_a_caseworker(client, world, settings, name):
    if name == "page_2":
        settings.RIGHTSDESK = {**settings.RIGHTSDESK, "QUEUE_PAGE_SIZE": 2}
    signed_in(client, world.caseworker)
    url, data = reverse("casework:queue"), _query(world, name)

    queue_cases(world, 4)
    small = measure(client, url, data=data)
    queue_cases(world, 8)
    large = measure(client, url, data=data)

    rows = [len(c.response.context["page"].object_list) for c in (small, large)]
    assert rows[0] >= 1 and (rows[1] > rows[0] or name == "page_2"), rows
    assert_flat(f"queue:{name}", small, large, CEILINGS)


@pytest.mark.parametrize(
    ("who", "name"),
    [
        ("district_supervisor", "all"),
        ("district_supervisor", "assignee_unassigned"),
        ("district_supervisor", "state_open"),
        ("supervisor", "all"),
        ("supervisor", "q"),
    ],
)
def test_queue_of_a_supervisor(client, world, who, name):
    """A supervisor's rows carry the people each case can be assigned to."""
    from accounts.choices import Role
    from accounts.services import membership_grant

    signed_in(client, getattr(world, who))
    url, data = reverse("casework:queue"), _query(world, name)
    membership_grant(
        user=UserFactory(username="enterprise_cw"),
        organisation=world.enterprise,
        role=Role.CASEWORKER,
    )

    def grow(k):
        queue_cases(world, k)
        for _ in range(k // 4):  # rows of a second union, with people of its own to assign
            file_case(world, owning_org=world.enterprise)

    grow(4)
    small = measure(client, url, data=data)
    grow(8)
    large = measure(client, url, data=data)

    rows = [len(c.response.context["page"].object_list) for c in (small, large)]
    assert 1 <= rows[0] < rows[1], rows
    assert_flat(f"queue:{who}:{name}", small, large, CEILINGS)


# --- the provider's side: the coordinator's inbox, the lawyer's cases -----------------------


def _referred(world, k: int, n: int) -> list:
    return [drive_to(world, CaseState.REFERRED, **intake_fields(n)) for _ in range(k)]


@pytest.mark.parametrize("route", ["casework:queue", "casework:referral_inbox"])
def test_coordinator_inbox(client, world, route):
    signed_in(client, world.coordinator)
    url = reverse(route)
    _referred(world, SMALL, 1)
    small = measure(client, url)
    _referred(world, LARGE - SMALL, 3)
    large = measure(client, url)

    rows = [len(c.response.context["inbox"].object_list) for c in (small, large)]
    assert rows == [SMALL, LARGE]
    assert_flat(f"inbox:{route}", small, large, CEILINGS)


def test_coordinator_summary_of_a_pending_referral(client, world):
    """The limited summary: the categories and claims of the case, the lawyers to choose."""
    signed_in(client, world.coordinator)
    few, many = drive_to(world, CaseState.REFERRED, **intake_fields(SMALL)), None
    small = measure(client, reverse("casework:case_detail", args=[few.reference]))
    many = drive_to(world, CaseState.REFERRED, **intake_fields(LARGE))
    large = measure(client, reverse("casework:case_detail", args=[many.reference]))
    assert "staff/case_summary.html" in [t.name for t in large.response.templates]
    assert_flat("case_summary", small, large, CEILINGS)


@pytest.mark.parametrize("route", ["casework:lawyer_cases", "casework:queue"])
def test_lawyer_cases(client, world, route):
    signed_in(client, world.lawyer)
    url = reverse(route)
    for _ in range(SMALL):
        drive_to(world, CaseState.LEGAL_AID, **intake_fields(1))
    small = measure(client, url)
    for _ in range(LARGE - SMALL):
        drive_to(world, CaseState.LEGAL_AID, **intake_fields(2))
    large = measure(client, url)

    if route == "casework:lawyer_cases":
        rows = [len(c.response.context["rows"]) for c in (small, large)]
    else:
        rows = [len(c.response.context["page"].object_list) for c in (small, large)]
    assert rows == [SMALL, LARGE]
    assert_flat(f"lawyer:{route}", small, large, CEILINGS)


# --- the case page and its tools ------------------------------------------------------------


@pytest.mark.parametrize("who", ["caseworker", "district_supervisor"])
def test_case_page(client, world, who):
    signed_in(client, getattr(world, who))
    few = full_case(world, SMALL)
    small = measure(client, reverse("casework:case_detail", args=[few.reference]))
    many = full_case(world, LARGE)
    large = measure(client, reverse("casework:case_detail", args=[many.reference]))

    timeline = [len(c.response.context["detail"].timeline) for c in (small, large)]
    assert timeline[0] < timeline[1], timeline
    assert_flat(f"case_detail:{who}", small, large, CEILINGS)


@pytest.mark.parametrize(
    "route", ["casework:case_deadlines", "casework:case_calculators", "casework:case_eligibility"]
)
def test_case_tools(client, world, route):
    from casework.services import case_accept_for_review

    signed_in(client, world.caseworker)
    costs = []
    for n in (SMALL, LARGE):
        case = case_accept_for_review(case=file_case(world, n=n), user=world.caseworker)
        costs.append(measure(client, reverse(route, args=[case.reference])))
    assert_flat(f"tool:{route}", *costs, CEILINGS)


# --- the worker's pages -----------------------------------------------------------------------


def test_my_cases(client, world):
    signed_in(client, world.worker)
    url = reverse("casework:my_cases")
    for _ in range(SMALL):
        file_case(world)
    small = measure(client, url)
    for _ in range(LARGE - SMALL):
        file_case(world, n=2)
    large = measure(client, url)
    assert large.response.content.decode().count("/my/") > small.response.content.decode().count(
        "/my/"
    )
    assert_flat("my_cases", small, large, CEILINGS)


def test_my_case(client, world):
    signed_in(client, world.worker)
    costs = []
    for n in (SMALL, LARGE):
        case, _ = worker_case(world, n, filed_by=world.worker)
        costs.append(measure(client, reverse("casework:my_case", args=[case.reference])))
    assert_flat("my_case", *costs, CEILINGS)


def test_track_case_by_receipt_code(client, world):
    costs = []
    for n in (SMALL, LARGE):
        _case, code = worker_case(world, n, anonymous=True)
        assert client.post(reverse("casework:track"), {"code": code}).status_code == 302
        costs.append(measure(client, reverse("casework:track_case")))
    assert_flat("track_case", *costs, CEILINGS)


# --- notifications and privacy ------------------------------------------------------------------


def test_notifications(client, world):
    from casework.services import message_post

    signed_in(client, world.caseworker)
    url = reverse("notifications:list")
    cases = [c for c in queue_cases(world, 4) if c.assignee_id == world.caseworker.pk]

    def notify(k):
        for i in range(k):
            with run_on_commit():
                message_post(case=cases[0], user=world.worker, body=f"还有一个问题{i}")

    notify(SMALL)
    small = measure(client, url)
    notify(LARGE - SMALL)
    large = measure(client, url)
    assert [len(c.response.context["rows"]) for c in (small, large)] == [SMALL, LARGE]
    assert_flat("notifications", small, large, CEILINGS)


def _erasure_requests(world, k: int, n: int = 1) -> None:
    from casework.services import case_withdraw
    from privacy.services import erasure_request_create

    for _ in range(k):
        case = file_case(world, n=n)
        with run_on_commit():
            case = case_withdraw(case=case, user=world.worker)
            erasure_request_create(user=world.worker, case=case)


def test_my_data(client, world):
    signed_in(client, world.worker)
    url = reverse("privacy:my_data")
    _erasure_requests(world, SMALL)
    file_case(world)
    small = measure(client, url)
    _erasure_requests(world, LARGE - SMALL, n=2)
    file_case(world)
    large = measure(client, url)
    assert [len(c.response.context["requests"]) for c in (small, large)] == [SMALL, LARGE]
    assert_flat("my_data", small, large, CEILINGS)


def test_erasure_queue(client, world):
    signed_in(client, world.district_supervisor)
    url = reverse("privacy:erasure_queue")
    _erasure_requests(world, SMALL)
    small = measure(client, url)
    _erasure_requests(world, LARGE - SMALL, n=2)
    large = measure(client, url)
    assert [len(c.response.context["requests"]) for c in (small, large)] == [SMALL, LARGE]
    assert_flat("erasure_queue", small, large, CEILINGS)


# --- API tokens -------------------------------------------------------------------------------


def test_api_token_page(client, world):
    """The caseworker's tokens, each acting as one of their memberships (one per union)."""
    from accounts.choices import OrganisationKind, Role
    from accounts.services import membership_grant, organisation_create

    signed_in(client, world.caseworker)
    url = reverse("api-tokens")

    def tokens(k):
        for i in range(k):
            org = organisation_create(
                kind=OrganisationKind.ENTERPRISE_UNION,
                name_zh=f"企业工会{i}",
                name_en=f"Enterprise union {i}",
                region="常州市武进区",
                parent=world.wujin,
            )
            membership_grant(user=world.caseworker, organisation=org, role=Role.CASEWORKER)
            api_client(world.caseworker, org=org)

    tokens(SMALL)
    small = measure(client, url)
    tokens(LARGE - SMALL)
    large = measure(client, url)
    assert [len(c.response.context["tokens"]) for c in (small, large)] == [SMALL, LARGE]
    assert_flat("api_tokens", small, large, CEILINGS)


# --- reports ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "route", ["reports:dashboard", "reports:export_csv", "reports:export_xlsx"]
)
def test_reports(client, world, route):
    """Cold: the report cache is cleared before the measured request."""
    from django.core.cache import cache

    signed_in(client, world.analyst)
    url = reverse(route)
    report_cases(world, SMALL, 1)
    small = measure(client, url, before=cache.clear)
    report_cases(world, LARGE - SMALL, 3)
    large = measure(client, url, before=cache.clear)
    assert_flat(f"reports:{route}", small, large, CEILINGS)


def test_notifications_of_a_worker(client, world):
    """The worker is told of every step of their grievances: notices of many kinds."""
    signed_in(client, world.worker)
    url = reverse("notifications:list")
    states = [CaseState.AWAITING_WORKER, CaseState.MEDIATION, CaseState.REJECTED]
    for state in states:
        drive_to(world, state)
    small = measure(client, url)
    for state in states * 3:
        drive_to(world, state)
    large = measure(client, url)
    rows = [len(c.response.context["rows"]) for c in (small, large)]
    assert rows[0] < rows[1], rows
    assert_flat("notifications:worker", small, large, CEILINGS)


def test_my_data_export(client, world):
    """The worker's copy of their data lists every grievance with its claims, messages,
    consents, progress and evidence (a POST that answers with a zip)."""
    signed_in(client, world.worker)
    url = reverse("privacy:my_data_export")
    costs = []
    for k in (SMALL, LARGE - SMALL):
        for _ in range(k):
            worker_case(world, 2, filed_by=world.worker)
        costs.append(measure(client, url, method="post", warm=False))
    assert_flat("my_data_export", *costs, CEILINGS)


# --- filing a grievance -------------------------------------------------------------------------


def _walk_filing(client, n: int) -> str:
    """A new visitor's four input steps, with n categories, n claims (at most the form's ten
    rows) and n - 1 co-workers; returns the review page's nonce."""
    from casework.forms.worker import MAX_CLAIM_ROWS

    rows = min(n, MAX_CLAIM_ROWS)
    claims = {
        "claims-TOTAL_FORMS": str(rows),
        "claims-INITIAL_FORMS": "0",
        "claims-MIN_NUM_FORMS": "0",
        "claims-MAX_NUM_FORMS": str(MAX_CLAIM_ROWS),
    }
    for i in range(rows):
        claims[f"claims-{i}-item"] = f"拖欠工资{i}"
        claims[f"claims-{i}-amount"] = f"{1000 + i}.00"
    steps = [
        (
            [],
            {
                "worker_name": "王小明",
                "sex": "male",
                "phone": "13812345678",
                "co_workers": "\n".join(f"工友{i}" for i in range(n - 1)),
            },
        ),
        (
            ["employer"],
            {
                "employer_name": "常州恒远碳纤维材料有限公司",
                "credit_code": "91320412MA1WY8K5BP",
                "district": "武进区",
            },
        ),
        (["events"], {"category_codes": category_codes(n), "facts": "公司拖欠工资三个月。"}),
        (["claims"], claims),
    ]
    client.get(reverse("casework:file"))
    for args, data in steps:
        url = reverse("casework:file_step", args=args) if args else reverse("casework:file")
        response = client.post(url, {**data, "action": "next"})
        assert response.status_code == 302, (args, response.content.decode()[:2000])
    review = client.get(reverse("casework:file_step", args=["review"])).content.decode()
    return re.search(r'name="nonce" value="([^"]+)"', review).group(1)


def test_filing_final_post(world):
    """The final POST costs the same queries whatever the number of categories, claims and
    co-workers, and no more than its ceiling."""

    def final_post(n: int):
        client = Client()
        nonce = _walk_filing(client, n)
        return measure(
            client,
            reverse("casework:file_step", args=["review"]),
            data={"consent_union_handling": "on", "nonce": nonce, "action": "submit"},
            method="post",
            warm=False,
        )

    first = final_post(1)  # the employer's first filing creates it; the process-local copies
    assert b"receipt-code" in first.response.content
    small, large = final_post(SMALL), final_post(LARGE)
    assert b"receipt-code" in large.response.content
    assert_flat("file_submit", small, large, CEILINGS)
