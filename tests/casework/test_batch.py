"""casework.services.batch: rows sent together are the rows bulk_create writes, in one round
trip on PostgreSQL (make test-pg) and one statement each on SQLite (make test)."""

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from casework.choices import CaseState, ConsentMethod, ConsentScope
from casework.models import Claim, ConsentRecord
from casework.services.batch import run_together, together
from tests.factories import drive_to

CLAIM_COLUMNS = ("item", "amount", "period_start", "period_end", "calculation")
CONSENT_COLUMNS = ("scope", "method", "granted_by_id", "granted_by_worker", "provider_id")


def _rows(case):
    return (
        list(case.claims.order_by("id").values_list(*CLAIM_COLUMNS)),
        list(case.consents.order_by("id").values_list(*CONSENT_COLUMNS)),
    )


def _new_rows(case, user):
    claims = [
        Claim(case=case, item="拖欠工资", amount=Decimal("18600.00")),
        Claim(case=case, item="经济补偿金", amount=None),
    ]
    consents = [
        ConsentRecord(
            case=case,
            scope=ConsentScope.EMPLOYER_DISCLOSURE,
            method=ConsentMethod.PAPER,
            granted_by=user,
        )
    ]
    return claims, consents


def test_rows_sent_together_are_the_rows_bulk_create_writes(world):
    ours = drive_to(world, CaseState.SUBMITTED)
    theirs = drive_to(world, CaseState.SUBMITTED)
    before = {case.pk: _rows(case) for case in (ours, theirs)}
    assert before[ours.pk] == before[theirs.pk]

    claims, consents = _new_rows(ours, world.caseworker)
    with CaptureQueriesContext(connection) as ctx:
        assert run_together(None, claims, consents) == []
    claims2, consents2 = _new_rows(theirs, world.caseworker)
    Claim.objects.bulk_create(claims2)
    ConsentRecord.objects.bulk_create(consents2)

    assert _rows(ours) == _rows(theirs)
    assert len(_rows(ours)[0]) == len(before[ours.pk][0]) + 2
    assert len(ctx.captured_queries) == (1 if together() else 2)


def test_the_first_statements_rows_come_back_and_nothing_else_is_left_out(world):
    case = drive_to(world, CaseState.SUBMITTED)
    first = ("SELECT %s", [case.pk])
    claims, consents = _new_rows(case, world.caseworker)
    with CaptureQueriesContext(connection) as ctx:
        rows = run_together(first, claims, [], consents)
    assert rows == [(case.pk,)]
    assert len(ctx.captured_queries) == (1 if together() else 3)
    assert case.claims.filter(item="经济补偿金").count() == 1
    assert case.consents.filter(method=ConsentMethod.PAPER).count() == 1
