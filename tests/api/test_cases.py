"""Cases through the API: the queue's filters and ordering, one case with masked identity,
intake, transitions with 409 on conflicts, problem details in the request's language."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from casework.choices import CaseState
from casework.models import AuditEvent, Case
from tests.factories import case_snapshot, drive_to

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_the_list_is_the_staff_queue_with_its_filters_and_a_stable_order(world):
    a = drive_to(world, CaseState.SUBMITTED)
    b = drive_to(world, CaseState.UNDER_REVIEW)
    c = drive_to(world, CaseState.SUBMITTED, employer_name="常州某纺织有限公司", credit_code="")
    drive_to(world, CaseState.SUBMITTED, district="新北区")  # another union's
    client = client_for(world.caseworker)
    body = client.get("/api/v1/cases/").json()
    assert body["count"] == 3
    assert [r["reference"] for r in body["results"]] == [c.reference, b.reference, a.reference]
    oldest = client.get("/api/v1/cases/?sort=oldest").json()["results"]
    assert [r["reference"] for r in oldest] == [a.reference, b.reference, c.reference]
    assert [
        r["reference"] for r in client.get("/api/v1/cases/?state=under_review").json()["results"]
    ] == [b.reference]
    assert [r["reference"] for r in client.get("/api/v1/cases/?assignee=me").json()["results"]] == [
        b.reference
    ]
    assert client.get("/api/v1/cases/?assignee=unassigned").json()["count"] == 2
    assert [r["reference"] for r in client.get("/api/v1/cases/?q=纺织").json()["results"]] == [
        c.reference
    ]
    assert client.get("/api/v1/cases/?category=WAGE.ARREARS").json()["count"] == 3
    assert client.get("/api/v1/cases/?category=NOPE").json()["count"] == 0
    row = body["results"][1]
    assert row["assignee"]["username"] == "caseworker"
    assert "worker_name" not in row and "phone" not in row


def test_bad_filters_are_refused_with_field_errors(world):
    response = client_for(world.caseworker).get("/api/v1/cases/?state=nope&assignee=x&page=0")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert set(response.json()["errors"]) == {"state", "assignee", "page"}


def test_the_case_list_costs_a_fixed_number_of_queries(world):
    client = client_for(world.caseworker)
    drive_to(world, CaseState.SUBMITTED)
    client.get("/api/v1/rights/categories/")  # the token's first use is written once
    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/cases/").json()["count"] == 1
    for _ in range(4):
        drive_to(world, CaseState.UNDER_REVIEW)
    with CaptureQueriesContext(connection) as many:
        assert client.get("/api/v1/cases/").json()["count"] == 5
    assert len(many) == len(few)
    assert len(many) <= 8, [q["sql"] for q in many.captured_queries]


def test_identity_is_masked_unless_the_role_may_see_it_and_unmasking_is_audited(world):
    case = drive_to(world, CaseState.UNDER_REVIEW)  # assigned to world.caseworker
    url = f"/api/v1/cases/{case.reference}/"
    before = AuditEvent.objects.filter(case=case, verb="identity_viewed").count()
    other = client_for(world.caseworker2).get(url).json()  # same union, not the assignee
    assert other["identity_shown"] is False
    assert other["workers"][0]["phone"] == "138****5678"
    assert AuditEvent.objects.filter(case=case, verb="identity_viewed").count() == before
    mine = client_for(world.caseworker).get(url).json()
    assert mine["identity_shown"] is True
    assert mine["workers"][0]["phone"] == "13812345678"
    assert AuditEvent.objects.filter(case=case, verb="identity_viewed").count() == before + 1
    assert "accept_for_review" not in mine["allowed_transitions"]
    assert "request_info" in mine["allowed_transitions"]


def test_intake_files_and_submits_a_case_for_the_callers_union(world):
    client = client_for(world.caseworker)
    body = {
        "worker_name": "李四",
        "employer_name": "常州某机械有限公司",
        "category_codes": ["WAGE.ARREARS"],
        "facts": "拖欠两个月工资。",
        "consent_union_handling": True,
        "claims": [{"item": "工资", "amount": "8000.00"}],
    }
    response = client.post("/api/v1/cases/", body, format="json")
    assert response.status_code == 201, response.json()
    case = Case.objects.get(reference=response.json()["reference"])
    assert response["Location"] == f"/api/v1/cases/{case.reference}/"
    assert case.state == CaseState.SUBMITTED and case.owning_org == world.wujin
    assert case.channel == "api" and case.claims.get().amount == 8000


def test_intake_refusals_say_what_is_missing_and_write_nothing(world):
    count = Case.objects.count()
    response = client_for(world.caseworker).post(
        "/api/v1/cases/",
        {
            "worker_name": "",
            "employer_name": "",
            "category_codes": [],
            "facts": "",
            "consent_union_handling": False,
        },
        format="json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {
        "worker_name",
        "employer_name",
        "category_codes",
        "facts",
        "consent_union_handling",
    } <= set(errors)
    assert Case.objects.count() == count


def test_intake_into_a_union_the_caller_does_not_work_for_is_refused(world):
    count = Case.objects.count()
    body = {
        "worker_name": "李四",
        "employer_name": "某公司",
        "category_codes": ["WAGE.ARREARS"],
        "facts": "拖欠工资。",
        "consent_union_handling": True,
        "owning_org": world.xinbei.pk,
    }
    response = client_for(world.caseworker).post("/api/v1/cases/", body, format="json")
    assert response.status_code == 400 and "owning_org" in response.json()["errors"]
    assert client_for(world.lawyer).post("/api/v1/cases/", body, format="json").status_code == 403
    assert Case.objects.count() == count


def test_an_illegal_transition_is_a_409_and_changes_nothing(world):
    case = drive_to(world, CaseState.SUBMITTED)
    client = client_for(world.caseworker)  # (making its token is audited)
    before = case_snapshot(case)
    response = client.post(
        f"/api/v1/cases/{case.reference}/transitions/start_mediation/", {}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["type"].endswith("conflict")
    assert case_snapshot(case) == before


def test_a_stale_expected_state_is_a_409(world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    client = client_for(world.caseworker)  # (making its token is audited)
    before = case_snapshot(case)
    response = client.post(
        f"/api/v1/cases/{case.reference}/transitions/request_info/",
        {"expected_state": "submitted", "question": "请提供合同。"},
        format="json",
    )
    assert response.status_code == 409
    assert case_snapshot(case) == before


def test_a_guard_refusal_is_a_400_with_the_field(world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    response = client_for(world.caseworker).post(
        f"/api/v1/cases/{case.reference}/transitions/request_info/", {}, format="json"
    )
    assert response.status_code == 400
    assert "question" in response.json()["errors"]


def test_an_unknown_transition_is_a_404(world):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    response = client_for(world.caseworker).post(
        f"/api/v1/cases/{case.reference}/transitions/teleport/", {}, format="json"
    )
    assert response.status_code == 404


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_problems_are_in_the_requests_language_chinese_by_default(world, language):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    client = client_for(world.caseworker)
    headers = {"HTTP_ACCEPT_LANGUAGE": language} if language == "en" else {}
    response = client.post(
        f"/api/v1/cases/{case.reference}/transitions/request_info/", {}, format="json", **headers
    )
    with translation.override(language):
        expected = translation.gettext("Please write the question to the worker.")
    assert response.json()["errors"]["question"] == [expected]
    missing = client.get("/api/v1/cases/NOPE-1/", **headers)
    with translation.override(language):
        assert missing.json()["detail"] == translation.gettext("Case not found")


def test_the_worker_withdraws_their_own_case_through_the_api_session(world):
    case = drive_to(world, CaseState.SUBMITTED)
    client = client_for(world.worker, session=True)
    client.enforce_csrf_checks = False
    response = client.post(
        f"/api/v1/cases/{case.reference}/transitions/withdraw/", {}, format="json"
    )
    assert response.status_code == 200, response.json()
    assert response.json()["state"] == CaseState.WITHDRAWN
    # ...but the staff file is not theirs to read.
    assert client.get(f"/api/v1/cases/{case.reference}/").status_code == 404


def test_the_session_needs_the_csrf_token_for_posts(world):
    from rest_framework.test import APIClient

    case = drive_to(world, CaseState.UNDER_REVIEW)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.caseworker)
    before = case_snapshot(case)
    response = client.post(
        f"/api/v1/cases/{case.reference}/notes/", {"body": "内部备注"}, format="json"
    )
    assert response.status_code == 403
    assert case_snapshot(case) == before


def test_a_worker_lists_and_reads_their_own_grievances_in_the_workers_words(world):
    from django.utils.translation import override

    from casework.choices import WORKER_STATE_LABELS

    mine = drive_to(world, CaseState.UNDER_REVIEW)
    drive_to(world, CaseState.SUBMITTED, filed_by=world.other_worker)
    client = client_for(world.worker, session=True)
    listed = client.get("/api/v1/my/cases/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [r["reference"] for r in listed["results"]] == [mine.reference]
    with override("en"):
        assert listed["results"][0]["state_label"] == str(
            WORKER_STATE_LABELS[CaseState.UNDER_REVIEW]
        )
    one = client.get(f"/api/v1/my/cases/{mine.reference}/").json()
    assert one["reference"] == mine.reference and "facts" not in one and "assignee" not in one
    # Staff who see the case in full do not get it here: the list equals the object check.
    staff = client_for(world.caseworker)
    assert staff.get("/api/v1/my/cases/").json()["count"] == 0
    assert staff.get(f"/api/v1/my/cases/{mine.reference}/").status_code == 404
