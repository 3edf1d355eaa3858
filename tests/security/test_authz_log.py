"""Refused writes on someone else's objects (security.md §7 A3): a POST, a transition or an API
write on a case the person may not see, by URL or by an id smuggled in the body, answers 404,
leaves the case and everything around it as it was, writes no audit row (so no "success"), and
leaves exactly one "authz failure" record in the security log (security.authz_log) naming the
route, the object, the account and the status — and no address or browser string."""

import logging

import pytest
from django.test import Client
from django.urls import reverse

from casework.choices import CaseState, ConsentScope
from casework.models import AuditEvent
from tests.api.conftest import client_for
from tests.factories import case_snapshot, drive_to

CANARY_IP, CANARY_UA = "203.0.113.77", "CANARY-UA-authz"


def _rows(case) -> dict:
    """The case row and the rows a refused note or consent withdrawal would have touched."""
    from casework.models import Case, ConsentRecord, Note

    return {
        "case": Case.objects.filter(pk=case.pk).values().get(),
        "notes": list(Note.objects.filter(case=case).values()),
        "consents": list(ConsentRecord.objects.filter(case=case).order_by("pk").values()),
        "audit": AuditEvent.objects.filter(case_id=case.pk).count(),
    }


def _refusals(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "security.authz"]


def _browser(user) -> Client:
    client = Client(REMOTE_ADDR=CANARY_IP, HTTP_USER_AGENT=CANARY_UA)
    client.force_login(type(user).objects.get(pk=user.pk))
    return client


@pytest.mark.parametrize("name", ["accept_for_review", "reject", "withdraw"])
def test_a_transition_on_another_unions_case_is_refused_once_and_logged_once(world, caplog, name):
    case = drive_to(world, CaseState.SUBMITTED)
    before, audit = case_snapshot(case), AuditEvent.objects.count()
    caplog.set_level(logging.INFO)
    response = _browser(world.other_caseworker).post(
        reverse("casework:case_transition", args=[case.reference, name]),
        {"expected_state": CaseState.SUBMITTED, "worker_request_note": "x", "reason": "other"},
    )
    assert response.status_code == 404
    assert case_snapshot(case) == before and AuditEvent.objects.count() == audit
    (record,) = _refusals(caplog)
    message = record.getMessage()
    assert message == (
        f"authz_refused status=404 method=POST route=casework:case_transition "
        f"object={case.reference} actor={world.other_caseworker.pk}"
    )
    assert CANARY_IP not in caplog.text and CANARY_UA not in caplog.text


def test_an_api_write_and_a_smuggled_id_are_refused_and_logged_once_each(world, caplog):
    case = drive_to(world, CaseState.UNDER_REVIEW)
    theirs = drive_to(world, CaseState.UNDER_REVIEW, filed_by=world.other_worker)
    mine = drive_to(world, CaseState.UNDER_REVIEW)
    consent = theirs.consents.get(scope=ConsentScope.UNION_HANDLING)
    api = client_for(world.other_caseworker)  # (making its token is audited)
    before = [_rows(case), _rows(theirs), _rows(mine)]
    audit = AuditEvent.objects.count()
    caplog.set_level(logging.INFO)
    # An API note on a case of another union.
    noted = api.post(f"/api/v1/cases/{case.reference}/notes/", {"body": "x"}, format="json")
    assert noted.status_code == 404
    # The worker's own page, with the id of another worker's consent in the body.
    withdrawn = _browser(world.worker).post(
        reverse("casework:my_case_action", args=[mine.reference, "consent-withdraw"]),
        {"consent_id": consent.pk},
    )
    assert withdrawn.status_code == 404
    assert [_rows(case), _rows(theirs), _rows(mine)] == before
    assert AuditEvent.objects.count() == audit
    records = [r.getMessage() for r in _refusals(caplog)]
    assert records == [
        f"authz_refused status=404 method=POST route=api:case-notes object={case.reference} "
        f"actor={world.other_caseworker.pk}",
        f"authz_refused status=404 method=POST route=casework:my_case_action "
        f"object={mine.reference} actor={world.worker.pk}",
    ]


def test_a_missing_case_is_logged_the_same_way(world, caplog):
    caplog.set_level(logging.INFO)
    response = _browser(world.caseworker).post(
        reverse("casework:case_transition", args=["CZ-2026-999999", "reject"]), {}
    )
    assert response.status_code == 404
    (record,) = _refusals(caplog)
    assert record.getMessage() == (
        "authz_refused status=404 method=POST route=casework:case_transition "
        f"object=CZ-2026-999999 actor={world.caseworker.pk}"
    )
