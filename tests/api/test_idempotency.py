"""Idempotency-Key on POST: a retry gets the first answer and creates nothing twice, also when
the two requests arrive at the same time. The concurrent tests run threads against PostgreSQL
(marked `postgres`: DATABASE_URL), and against a real SQLite file in WAL mode through a server
in a child process (tests/api/sqlite_race.py): the in-memory SQLite of the test run refuses
concurrent writers outright ("database table is locked") instead of waiting as a file does."""

import io
import threading
import time
from unittest import mock

import pytest
from django.db import connection

from api.models import IdempotencyRecord
from casework.choices import CaseState
from casework.models import Case, Note
from tests.factories import build_world, drive_to

from .conftest import client_for, token_for

INTAKE = {
    "worker_name": "李四",
    "employer_name": "常州某机械有限公司",
    "category_codes": ["WAGE.ARREARS"],
    "facts": "拖欠两个月工资。",
    "consent_union_handling": True,
}


@pytest.mark.django_db
def test_a_retried_post_returns_the_first_answer_and_creates_nothing_twice(world):
    client = client_for(world.caseworker)
    first = client.post("/api/v1/cases/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    count = Case.objects.count()
    again = client.post("/api/v1/cases/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert again["Location"] == first["Location"]
    assert Case.objects.count() == count
    other = client.post("/api/v1/cases/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert other.status_code == 201 and other.json()["reference"] != first.json()["reference"]


@pytest.mark.django_db
def test_a_refusal_is_replayed_too(world):
    case = drive_to(world, CaseState.SUBMITTED)
    client = client_for(world.caseworker)
    url = f"/api/v1/cases/{case.reference}/transitions/start_mediation/"
    first = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    again = client.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert first.status_code == again.status_code == 409
    assert again["Content-Type"] == "application/problem+json"
    assert again.json() == first.json()


@pytest.mark.django_db
def test_the_same_key_for_another_request_is_refused(world):
    client = client_for(world.caseworker)
    client.post("/api/v1/cases/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="k")
    count = Case.objects.count()
    changed = {**INTAKE, "facts": "另一件事。"}
    response = client.post("/api/v1/cases/", changed, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert response.status_code == 422
    assert Case.objects.count() == count


@pytest.mark.django_db
def test_keys_belong_to_their_caller(world):
    mine = client_for(world.caseworker)
    theirs = client_for(world.caseworker2)
    a = mine.post("/api/v1/cases/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    b = theirs.post("/api/v1/cases/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="shared")
    assert a.status_code == b.status_code == 201
    assert a.json()["reference"] != b.json()["reference"]


@pytest.mark.django_db
def test_a_server_error_releases_the_key_so_the_retry_runs(world):
    client = client_for(world.caseworker)
    client.raise_request_exception = False
    with mock.patch("api.views.cases.case_file", side_effect=RuntimeError("boom")):
        failed = client.post("/api/v1/cases/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert failed.status_code == 500
    assert not IdempotencyRecord.objects.exists()
    retried = client.post("/api/v1/cases/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="k")
    assert retried.status_code == 201


@pytest.mark.django_db
def test_an_overlong_key_is_refused(world):
    response = client_for(world.caseworker).post(
        "/api/v1/cases/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="k" * 300
    )
    assert response.status_code == 400
    assert not Case.objects.exists()


def _concurrently(*calls):
    """Run the calls in threads started together; their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(i, call):
        try:
            barrier.wait()
            results[i] = call()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def _slowly(real):
    def slow(*args, **kwargs):
        time.sleep(0.6)  # the second request arrives while the first is running
        return real(*args, **kwargs)

    return slow


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_posts_with_one_key_create_one_case():
    from api.views import cases

    world = build_world()
    token = token_for(world.caseworker)

    def post():
        client = client_for(token=token)
        return client.post("/api/v1/cases/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="same")

    with mock.patch.object(cases, "case_file", _slowly(cases.case_file)):
        a, b = _concurrently(post, post)
    assert a.status_code == b.status_code == 201, (a.content, b.content)
    assert a.json() == b.json()
    assert Case.objects.count() == 1
    assert sorted([a.get("Idempotent-Replayed", ""), b.get("Idempotent-Replayed", "")]) == [
        "",
        "true",
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_concurrent_post_still_running_after_the_wait_gets_409_then_the_answer(settings):
    from casework.services import records

    settings.API_IDEMPOTENCY_WAIT_SECONDS = 0.1
    world = build_world()
    case = drive_to(world, CaseState.UNDER_REVIEW)
    token = token_for(world.caseworker)
    url = f"/api/v1/cases/{case.reference}/notes/"

    def post():
        client = client_for(token=token)
        return client.post(url, {"body": "同一条备注"}, format="json", HTTP_IDEMPOTENCY_KEY="n")

    with mock.patch("api.views.records.note_add", _slowly(records.note_add)):
        a, b = _concurrently(post, post)
    assert sorted([a.status_code, b.status_code]) == [201, 409]
    late = post()
    assert late.status_code == 201
    assert late.json() == (a if a.status_code == 201 else b).json()
    assert Note.objects.filter(case=case, body="同一条备注").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_transitions_with_one_key_run_once():
    from casework.models import AuditEvent

    world = build_world()
    case = drive_to(world, CaseState.SUBMITTED)
    token = token_for(world.caseworker)
    url = f"/api/v1/cases/{case.reference}/transitions/accept_for_review/"

    def post():
        return client_for(token=token).post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="t")

    from api.views import transitions

    real = transitions.TRANSITIONS["accept_for_review"]
    slow = (_slowly(real[0]), *real[1:])
    with mock.patch.dict(transitions.TRANSITIONS, {"accept_for_review": slow}):
        a, b = _concurrently(post, post)
    assert a.status_code == b.status_code == 200, (a.content, b.content)
    assert a.json() == b.json()
    assert AuditEvent.objects.filter(case=case, verb="accept_for_review").count() == 1


def test_two_concurrent_posts_with_one_key_create_one_case_on_an_sqlite_file(tmp_path):
    """The same race on the embedded default: an SQLite file (WAL, IMMEDIATE transactions)."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).with_name("sqlite_race.py")
    env = {**os.environ, "RIGHTSDESK_VAR_DIR": str(tmp_path), "LOG_LEVEL": "WARNING"}
    env.pop("DATABASE_URL", None)
    env["SQLITE_PATH"] = str(tmp_path / "race.sqlite3")
    done = subprocess.run(
        [sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["statuses"] == [201, 201], result
    assert result["bodies_equal"] and result["replayed"] == ["", "true"]
    assert result["cases"] == 1
    assert result["transition_statuses"] == [200, 200] and result["accept_events"] == 1


@pytest.mark.django_db
def test_old_answers_are_purged_and_the_key_runs_again(world):
    from datetime import timedelta

    from django.core.management import call_command
    from django.utils import timezone

    client = client_for(world.caseworker)
    client.post("/api/v1/cases/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="old")
    client.post("/api/v1/cases/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="new")
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    call_command("purge_idempotency_keys", stdout=io.StringIO())
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
    count = Case.objects.count()
    again = client.post("/api/v1/cases/", INTAKE, format="json", HTTP_IDEMPOTENCY_KEY="old")
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Case.objects.count() == count + 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_people_acting_on_one_case_at_once_one_wins_the_other_gets_409():
    from casework.models import AuditEvent

    world = build_world()
    case = drive_to(world, CaseState.SUBMITTED)
    url = f"/api/v1/cases/{case.reference}/transitions/accept_for_review/"
    tokens = [token_for(world.caseworker), token_for(world.caseworker2)]

    def post(token):
        return lambda: client_for(token=token).post(url, {}, format="json")

    from api.views import transitions

    real = transitions.TRANSITIONS["accept_for_review"]
    slow = (_slowly(real[0]), *real[1:])
    with mock.patch.dict(transitions.TRANSITIONS, {"accept_for_review": slow}):
        a, b = _concurrently(post(tokens[0]), post(tokens[1]))
    assert sorted([a.status_code, b.status_code]) == [200, 409], (a.content, b.content)
    loser = a if a.status_code == 409 else b
    assert loser["Content-Type"] == "application/problem+json"
    assert AuditEvent.objects.filter(case=case, verb="accept_for_review").count() == 1


@pytest.mark.django_db
def test_the_daily_sweep_forgets_old_answers():
    from datetime import timedelta

    from django.utils import timezone

    from notifications.sweep import sweep_run

    assert sweep_run().idempotency_records_purged == 0
    IdempotencyRecord.objects.bulk_create(
        [
            IdempotencyRecord(owner="user:1", key=key, fingerprint="f", status=201, body="{}")
            for key in ("old", "new")
        ]
    )
    IdempotencyRecord.objects.filter(key="old").update(
        created_at=timezone.now() - timedelta(hours=25)
    )
    assert sweep_run().idempotency_records_purged == 1
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["new"]
