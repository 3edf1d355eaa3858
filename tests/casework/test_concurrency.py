"""Two people act on the same case at the same moment (DESIGN §2, security.md B1/B2): exactly one
wins, the other gets Conflict; one audit event, one set of notifications, nothing done twice.

Each side runs in its own thread with its own database connection, released together by a
barrier. The winner is held inside its transaction for a moment (its audit write is slowed), so
the other side really does arrive while the row is locked. Needs PostgreSQL's row locks: marked
`postgres`, and deselected on SQLite (whose in-memory test database refuses concurrent writers
with "database table is locked").
"""

import threading
import time
from unittest import mock

import pytest
from django.db import connections

from casework import services as s
from casework.audit import audit_record, audit_verify
from casework.choices import CaseState, OutcomeCode, RejectReason, Route
from casework.errors import Conflict
from casework.models import AuditEvent, Case, Notification, ReferenceCounter
from tests.factories import IntakeDataFactory, drive_to

pytestmark = [
    pytest.mark.postgres,
    # serialized_rollback: the grievance categories come from a data migration, and the flush
    # after each transactional test empties their table.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

S = CaseState
HOLD_SECONDS = 0.3


def slow_audit_record(**kwargs):
    """The real audit write, after a pause: whoever holds the case's row lock keeps it a while."""
    time.sleep(HOLD_SECONDS)
    return audit_record(**kwargs)


def race(*calls):
    """Run the calls at the same moment, each in its own thread and database connection.
    Returns, per call, ("ok", result, seconds) or ("error", exception, seconds)."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)
    took: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            started = time.monotonic()
            try:
                outcomes[index] = ("ok", call())
            finally:
                took[index] = time.monotonic() - started
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test inspects
            outcomes[index] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    with mock.patch("casework.services.transitions.audit_record", side_effect=slow_audit_record):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a side never finished"
    return [(kind, value, seconds) for (kind, value), seconds in zip(outcomes, took, strict=True)]


def loaded(case):
    """The case as each person's page loaded it, before either acts."""
    return Case.objects.select_related("owning_org").get(pk=case.pk)


def one_winner(outcomes):
    kinds = sorted(kind for kind, _, _ in outcomes)
    assert kinds == ["error", "ok"], outcomes
    winner = next(i for i, (kind, _, _) in enumerate(outcomes) if kind == "ok")
    loser_exc = outcomes[1 - winner][1]
    assert isinstance(loser_exc, Conflict), repr(loser_exc)
    # The loser really arrived while the winner held the row: it waited for the lock.
    assert outcomes[1 - winner][2] >= HOLD_SECONDS / 2, outcomes
    return winner, loser_exc


def test_two_caseworkers_accept_the_same_case_at_once(world):
    # Given a case awaiting acceptance, open on two caseworkers' screens
    case = drive_to(world, S.SUBMITTED)
    version = case.version
    events_before = set(AuditEvent.objects.filter(case=case).values_list("id", flat=True))
    notified_before = Notification.objects.filter(case=case).count()
    people = [world.caseworker, world.caseworker2]

    # When both accept it at the same moment
    outcomes = race(
        *[
            lambda person=person: s.case_accept_for_review(
                case=loaded(case), user=person, expected_state=S.SUBMITTED
            )
            for person in people
        ]
    )

    # Then exactly one wins, and the other is told the case is now under review
    winner, conflict = one_winner(outcomes)
    assert conflict.status == 409 and conflict.case.state == S.UNDER_REVIEW
    case = loaded(case)
    assert case.state == S.UNDER_REVIEW and case.assignee == people[winner]
    assert case.version == version + 1
    # one audit event for the transition, one access grant, the chain intact
    new_events = AuditEvent.objects.filter(case=case).exclude(id__in=events_before)
    assert sorted(new_events.values_list("verb", flat=True)) == [
        "accept_for_review",
        "access_granted",
    ]
    assert audit_verify()[1] is None
    # one set of notifications: the worker, once, for the winner's event
    event = new_events.get(verb="accept_for_review")
    new_notes = Notification.objects.filter(case=case).order_by("id")[notified_before:]
    assert [(n.recipient_id, n.audit_event_id) for n in new_notes] == [(world.worker.pk, event.pk)]


def test_accept_and_reject_at_once_one_wins(world):
    # Given a case awaiting acceptance
    case = drive_to(world, S.SUBMITTED)
    events_before = set(AuditEvent.objects.filter(case=case).values_list("id", flat=True))
    notified_before = Notification.objects.filter(case=case).count()

    # When one caseworker accepts it while another rejects it, each from the page they saw
    # (without expected_state, rejecting after the acceptance would be a legitimate next step)
    outcomes = race(
        lambda: s.case_accept_for_review(
            case=loaded(case), user=world.caseworker, expected_state=S.SUBMITTED
        ),
        lambda: s.case_reject(
            case=loaded(case), user=world.caseworker2, reason=RejectReason.OUT_OF_SCOPE,
            route=Route.INSPECTION, expected_state=S.SUBMITTED,
        ),
    )  # fmt: skip

    # Then one wins; the case is in that side's target state, reachable in the graph
    winner, conflict = one_winner(outcomes)
    case = loaded(case)
    target = [S.UNDER_REVIEW, S.REJECTED][winner]
    assert case.state == target and conflict.case.state == target
    verbs = list(
        AuditEvent.objects.filter(case=case, verb__in=["accept_for_review", "reject"])
        .exclude(id__in=events_before)
        .values_list("verb", flat=True)
    )
    assert verbs == [["accept_for_review", "reject"][winner]]
    assert audit_verify()[1] is None
    if target == S.REJECTED:
        assert case.assignee is None and case.reject_reason == RejectReason.OUT_OF_SCOPE
    else:
        assert case.assignee == world.caseworker and case.reject_reason == ""
    event = AuditEvent.objects.get(case=case, verb=verbs[0])
    new_notes = Notification.objects.filter(case=case).order_by("id")[notified_before:]
    assert {n.audit_event_id for n in new_notes} == {event.pk}
    assert [n.recipient_id for n in new_notes] == [world.worker.pk]


def test_closing_and_withdrawing_at_once_one_wins(world):
    # Given a case under review: the assignee records an outcome as the worker withdraws
    case = drive_to(world, S.UNDER_REVIEW)
    outcomes = race(
        lambda: s.case_record_outcome(
            case=loaded(case), user=world.caseworker, outcome=OutcomeCode.SETTLED
        ),
        lambda: s.case_withdraw(
            case=loaded(case), user=world.worker, expected_state=S.UNDER_REVIEW
        ),
    )
    winner, _ = one_winner(outcomes)
    case = loaded(case)
    assert case.state == [S.CLOSED, S.WITHDRAWN][winner]
    assert (
        AuditEvent.objects.filter(case=case, verb__in=["record_outcome", "withdraw"]).count() == 1
    )
    assert audit_verify()[1] is None


def test_two_caseworkers_claim_the_same_case_at_once(world):
    # Given an unassigned case, shown at one version on two caseworkers' queues
    case = drive_to(world, S.SUBMITTED)
    seen = case.version
    # When both claim it at once (the page sends the version it showed)
    with mock.patch("casework.services.records.audit_record", side_effect=slow_audit_record):
        outcomes = race(
            lambda: s.case_claim(case=loaded(case), user=world.caseworker, expected_version=seen),
            lambda: s.case_claim(case=loaded(case), user=world.caseworker2, expected_version=seen),
        )
    # Then one has it, the other is told someone else acted first
    winner, _ = one_winner(outcomes)
    case = loaded(case)
    assert case.assignee == [world.caseworker, world.caseworker2][winner]
    assert AuditEvent.objects.filter(case=case, verb="claimed").count() == 1


def test_two_filings_at_once_get_different_references(world):
    before = ReferenceCounter.objects.count()
    outcomes = race(
        lambda: s.case_file(data=IntakeDataFactory(), filed_by=world.worker),
        lambda: s.case_file(data=IntakeDataFactory(), anonymous=True),
    )
    assert [kind for kind, _, _ in outcomes] == ["ok", "ok"], outcomes
    references = {result[0].reference for _, result, _ in outcomes}
    assert len(references) == 2
    assert ReferenceCounter.objects.count() == before + 1
    assert ReferenceCounter.objects.get().last == 2
    assert audit_verify()[1] is None
