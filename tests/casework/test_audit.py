"""The audit chain (DESIGN §3, security.md G3): the database refuses UPDATE and DELETE of audit
rows whoever asks, and `manage.py verify_audit` finds a forged, altered or missing row and names
the first broken link. Runs on SQLite and on PostgreSQL.

Expected database errors are caught inside `transaction.atomic()` (a savepoint), so the test's
transaction stays usable on PostgreSQL, where a failed statement aborts the transaction.
"""

import hashlib
import hmac
import importlib
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from casework.audit import audit_record
from casework.choices import CaseState
from casework.models import AuditEvent
from casework.models.audit import GENESIS
from tests.factories import drive_to


@pytest.fixture
def chains(world):
    """Three chains: a case driven to proceedings, another case, and an event with no case."""
    first = drive_to(world, CaseState.PROCEEDINGS)
    second = drive_to(
        world, CaseState.MEDIATION, district="新北区", caseworker=world.other_caseworker
    )
    with transaction.atomic():
        audit_record(verb="probe", actor=world.supervisor)
    return first, second


def verify() -> str:
    out = StringIO()
    call_command("verify_audit", stdout=out)
    return out.getvalue()


def broken_at() -> str:
    with pytest.raises(CommandError) as broken:
        verify()
    return str(broken.value)


def row(event_id: int) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT chain_key, occurred_at, actor_id, actor_kind, case_id, verb, payload, worker_visible, prev_hash, hash FROM casework_auditevent WHERE id = %s",
            [event_id],
        )
        return cursor.fetchone()


def refused_by_database(sql: str, params=()) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def last_id() -> int:
    return AuditEvent.objects.order_by("-id").values_list("id", flat=True).first()


# --- append-only --------------------------------------------------------------------------------


def test_an_intact_chain_passes_with_its_count(chains):
    out = verify()
    assert f"audit chain intact: {AuditEvent.objects.count()} events verified" in out
    assert AuditEvent.objects.values("chain_key").distinct().count() == 3


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE casework_auditevent SET verb = 'reject' WHERE id = %s",
        "UPDATE casework_auditevent SET payload = '{}', hash = hash WHERE id = %s",
        "UPDATE casework_auditevent SET actor_id = NULL WHERE id = %s",
    ],
    ids=["verb", "payload", "actor"],
)
def test_updating_an_audit_row_with_sql_fails(chains, sql):
    target = AuditEvent.objects.filter(case=chains[0]).order_by("id")[3]
    before = row(target.id)

    refused_by_database(sql, [target.id])

    assert row(target.id) == before
    assert "intact" in verify()


def test_deleting_an_audit_row_with_sql_fails(chains):
    target = AuditEvent.objects.filter(case=chains[0]).order_by("id")[3]
    count = AuditEvent.objects.count()

    refused_by_database("DELETE FROM casework_auditevent WHERE id = %s", [target.id])
    refused_by_database("DELETE FROM casework_auditevent")

    assert AuditEvent.objects.count() == count
    assert row(target.id) is not None


def test_emptying_the_audit_table_fails(chains):
    # TRUNCATE skips row triggers on PostgreSQL, so it has a trigger of its own; SQLite has no
    # TRUNCATE and turns an unqualified DELETE into one unless a delete trigger exists.
    count = AuditEvent.objects.count()
    if connection.vendor == "postgresql":
        refused_by_database("TRUNCATE casework_auditevent")
    refused_by_database("DELETE FROM casework_auditevent WHERE 1 = 1")
    assert AuditEvent.objects.count() == count


def test_the_orm_cannot_change_or_delete_audit_rows_either(chains):
    event = AuditEvent.objects.filter(case=chains[0]).order_by("id").first()
    before = row(event.id)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(verb="reject")
    with pytest.raises(DatabaseError), transaction.atomic():
        event.verb = "reject"
        event.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert row(event.id) == before
    assert "intact" in verify()


# --- forgery is found ---------------------------------------------------------------------------


def forge_copy(of_id: int, *, verb: str, prev_hash: str, hash_: str) -> int:
    """Insert, by raw SQL, a copy of an event with another verb and the given links."""
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO casework_auditevent (chain_key, occurred_at, actor_id, actor_kind, case_id, verb, payload, worker_visible, prev_hash, hash) "
            "SELECT chain_key, occurred_at, actor_id, actor_kind, case_id, %s, payload, "
            "worker_visible, %s, %s FROM casework_auditevent WHERE id = %s",
            [verb, prev_hash, hash_, of_id],
        )
    return last_id()


def test_a_forged_row_with_a_plausible_but_wrong_hash_is_found(chains):
    # Given the head of a case's chain, and a forged event after it that links to it properly
    head = AuditEvent.objects.filter(case=chains[1]).order_by("-id").first()
    plausible = hashlib.sha256(b"looks like a hash").hexdigest()
    forged = forge_copy(head.id, verb="record_agreement", prev_hash=head.hash, hash_=plausible)

    message = broken_at()

    assert f"event {forged} " in message
    assert "hash does not match" in message


def test_a_forged_row_hashed_without_the_key_is_found(chains):
    # Given a forger who knows the hashing scheme but not the installation's key
    head = AuditEvent.objects.filter(case=chains[0]).order_by("-id").first()
    body = {
        "chain": head.chain_key, "at": head.occurred_at.isoformat(), "actor": head.actor_id,
        "actor_kind": head.actor_kind, "case": head.case_id, "verb": "record_outcome",
        "payload": head.payload, "worker_visible": head.worker_visible, "prev": head.hash,
    }  # fmt: skip
    canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    guessed = hmac.new(b"not-the-key", canonical.encode(), hashlib.sha256).hexdigest()
    forged = forge_copy(head.id, verb="record_outcome", prev_hash=head.hash, hash_=guessed)

    message = broken_at()

    assert f"event {forged} " in message and "hash does not match" in message


def test_a_row_with_a_valid_hash_but_a_broken_link_is_found(chains):
    # Given someone holding the key, who adds an event that starts the case's chain again
    case = chains[0]
    forged = AuditEvent(
        chain_key=case.pk, occurred_at=AuditEvent.objects.filter(case=case).last().occurred_at,
        actor=None, actor_kind="system", case=case, verb="withdraw", payload={}, prev_hash=GENESIS,
    )  # fmt: skip
    forged.hash = forged.compute_hash()
    forged.save(force_insert=True)

    message = broken_at()

    assert f"event {forged.id} " in message and "prev_hash does not match" in message


def test_the_first_broken_link_is_named(chains):
    first_head = AuditEvent.objects.filter(case=chains[0]).order_by("-id").first()
    second_head = AuditEvent.objects.filter(case=chains[1]).order_by("-id").first()
    one = forge_copy(first_head.id, verb="reopen", prev_hash=first_head.hash, hash_="a" * 64)
    forge_copy(second_head.id, verb="reopen", prev_hash=second_head.hash, hash_="b" * 64)

    message = broken_at()

    checked_before = AuditEvent.objects.filter(id__lt=one).count()
    assert f"event {one} " in message
    assert f"{checked_before} events before it are intact" in message


# --- someone who can lift the triggers (a database superuser) is still found out ----------------


def lift_append_only_triggers() -> None:
    """What a database superuser could do. Transactional: the test's rollback restores them."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            migration = importlib.import_module("casework.migrations.0002_audit_append_only")
            for sql in migration.SQLITE_DOWN:
                cursor.execute(sql)
        else:
            cursor.execute("ALTER TABLE casework_auditevent DISABLE TRIGGER USER")


def test_content_changed_behind_the_triggers_back_is_found(chains):
    target = AuditEvent.objects.filter(case=chains[0]).order_by("id")[2]
    lift_append_only_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE casework_auditevent SET payload = %s WHERE id = %s",
            ['{"to": "closed"}', target.id],
        )

    message = broken_at()

    assert f"event {target.id} " in message and "hash does not match" in message


def test_a_row_deleted_behind_the_triggers_back_is_found(chains):
    events = list(AuditEvent.objects.filter(case=chains[0]).order_by("id"))
    lift_append_only_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM casework_auditevent WHERE id = %s", [events[4].id])

    message = broken_at()

    # The event after the missing one no longer links to its predecessor.
    assert f"event {events[5].id} " in message and "prev_hash does not match" in message


# --- what the chain holds ------------------------------------------------------------------------


def test_each_transition_writes_one_linked_event_without_personal_data(world):
    case = drive_to(world, CaseState.PROCEEDINGS, id_number="11010519491231002X")
    events = list(AuditEvent.objects.filter(case=case).order_by("id"))
    prev = GENESIS
    for event in events:
        assert event.chain_key == case.pk and event.prev_hash == prev
        assert event.hash == event.compute_hash()
        prev = event.hash
    verbs = [e.verb for e in events]
    for transition in (
        "submit",
        "accept_for_review",
        "refer_to_legal_aid",
        "accept_referral",
        "start_proceedings",
    ):
        assert verbs.count(transition) == 1, transition
    worker = case.primary_worker
    text = json.dumps([e.payload for e in events], ensure_ascii=False)
    for secret in (
        worker.name,
        worker.phone,
        worker.id_number,
        case.facts,
        case.primary_employer.name,
    ):
        assert secret and secret not in text


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # categories: data migration
def test_a_flush_of_the_test_database_leaves_the_triggers_in_place(world):
    # Given audit rows, flushed away as transactional tests are (tests/conftest.py lifts the
    # triggers for the flush's own transaction)
    drive_to(world, CaseState.UNDER_REVIEW)
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEvent.objects.count() == 0
    # Then the triggers are back: a new row cannot be changed or deleted
    with transaction.atomic():
        event = audit_record(verb="probe")
    refused_by_database("UPDATE casework_auditevent SET verb = 'x' WHERE id = %s", [event.id])
    refused_by_database("DELETE FROM casework_auditevent WHERE id = %s", [event.id])
    assert AuditEvent.objects.filter(pk=event.pk, verb="probe").exists()


def test_each_new_event_follows_its_chains_head_read_under_the_lock(world, chains):
    """audit_record reads the head under the chain's lock (on PostgreSQL the lock and the read
    in one round trip): each event links to the one before it, with the same hash and time the
    ORM reads, and a chain of its own starts from the genesis value."""
    from casework.audit import _locked_head

    case = chains[0]
    before = (
        AuditEvent.objects.filter(chain_key=case.pk)
        .order_by("-id")
        .values_list("hash", "occurred_at")
    )[0]
    with transaction.atomic():
        assert _locked_head(case.pk) == before
        first = audit_record(verb="note_added", case=case, actor_kind="staff")
        second = audit_record(verb="note_added", case=case, actor_kind="staff")
    assert first.prev_hash == before[0]
    assert second.prev_hash == first.hash
    with transaction.atomic():
        assert _locked_head(10**12) == (None, None)
    assert "broken" not in verify()
