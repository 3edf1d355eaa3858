"""Reopen a closed case (issue 5, part 5): a supervisor, a reason, back to review with its
history, the worker told in plain words."""

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from casework import services as s
from casework.choices import CaseState as S
from casework.choices import OutcomeCode, ReopenReason
from casework.errors import Forbidden, GuardFailed
from casework.models import AuditEvent, Note, Notification
from casework.selectors.worker import worker_timeline
from tests.factories import case_snapshot, drive_to


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def fresh(case):
    return type(case).objects.get(pk=case.pk)


@pytest.fixture
def closed(world):
    case = drive_to(world, S.CLOSED)
    assert case.outcome == OutcomeCode.MEDIATION_AGREEMENT
    return case


@pytest.mark.parametrize("who", ["caseworker", "worker", "lawyer", "other_supervisor"])
def test_only_a_supervisor_reopens(world, closed, who):
    before = case_snapshot(closed)
    with pytest.raises((Forbidden, Exception)) as refused:
        s.case_reopen(case=closed, user=getattr(world, who), reason=ReopenReason.RETALIATION)
    assert refused.type.__name__ in {"Forbidden", "NotFound"}
    assert case_snapshot(closed) == before


@pytest.mark.parametrize(
    ("reason", "note", "field"),
    [("", "", "reason"), ("bogus", "", "reason"), (ReopenReason.OTHER, "  ", "note")],
)
def test_a_reason_is_required(world, closed, reason, note, field):
    before = case_snapshot(closed)
    with pytest.raises(GuardFailed) as refused:
        s.case_reopen(case=closed, user=world.district_supervisor, reason=reason, note=note)
    assert field in refused.value.field_errors
    assert case_snapshot(closed) == before


def test_reopen_returns_to_review_with_history_and_tells_the_worker(world, closed):
    history = list(AuditEvent.objects.filter(case=closed).values_list("id", "verb"))
    Notification.objects.all().delete()
    with TestCase.captureOnCommitCallbacks(execute=True):
        s.case_reopen(
            case=closed,
            user=world.district_supervisor,
            reason=ReopenReason.NON_PERFORMANCE,
            note="单位逾期未付。",
        )
    case = fresh(closed)
    assert case.state == S.UNDER_REVIEW and case.closed_at is None and case.outcome == ""
    after = list(AuditEvent.objects.filter(case=case).values_list("id", "verb"))
    assert after[: len(history)] == history  # the whole history is kept
    event = AuditEvent.objects.filter(case=case, verb="reopen").get()
    assert event.worker_visible and event.payload["reason"] == ReopenReason.NON_PERFORMANCE
    assert event.payload["previous_outcome"] == OutcomeCode.MEDIATION_AGREEMENT
    assert Note.objects.get(pk=event.payload["note"]).body == "单位逾期未付。"
    assert "逾期" not in str(event.payload)
    entry = [e for e in worker_timeline(case) if e.verb == "reopen"][0]
    assert entry.text == "The union has reopened your grievance."
    assert entry.detail == "Your employer has not carried out what was agreed or decided."
    assert Notification.objects.filter(case=case, recipient=world.worker, verb="reopen").exists()
    assert case.next_deadline is not None  # the deadline engine ran again for the open case


def test_reopen_form_is_only_on_a_supervisors_page(world, closed, client):
    url = reverse("casework:case_detail", args=[closed.reference])
    client.force_login(world.caseworker)
    assert 'id="action-reopen"' not in client.get(url).content.decode()
    client.force_login(world.district_supervisor)
    page = client.get(url).content.decode()
    assert 'id="action-reopen"' in page
    response = client.post(
        reverse("casework:case_transition", args=[closed.reference, "reopen"]),
        {"expected_state": S.CLOSED, "reason": ReopenReason.OTHER, "note": ""},
    )
    assert response.status_code == 400 and fresh(closed).state == S.CLOSED
    response = client.post(
        reverse("casework:case_transition", args=[closed.reference, "reopen"]),
        {"expected_state": S.CLOSED, "reason": ReopenReason.OTHER, "note": "职工反映新情况。"},
    )
    assert response.status_code == 303 and fresh(closed).state == S.UNDER_REVIEW
