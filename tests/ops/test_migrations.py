"""Migrations go backwards as well as forwards (security.md matrix H7): every operation of the
project's migrations can be reversed; the whole chain runs down to nothing and up again; and on
a database with cases, evidence, object-permission rows and audit events, undoing the latest
migration of every app and applying it again keeps the states, the grants, the files and the
audit chain. (`make check-migrations` checks that models and migrations agree.)"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader

from casework.audit import audit_verify
from casework.models import AuditEvent, Case, CaseUserObjectPermission
from casework.services import case_accept_for_review
from documents.models import Evidence
from documents.services import evidence_upload
from tests.documents.test_evidence import PDF, png, upload

PROJECT_APPS = (
    "accounts",
    "api",
    "casework",
    "documents",
    "notifications",
    "privacy",
    "rights",
)


def _project_migrations(loader):
    return {
        key: migration
        for key, migration in loader.disk_migrations.items()
        if key[0] in PROJECT_APPS
    }


def test_every_operation_of_every_migration_can_be_reversed():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    migrations = _project_migrations(loader)
    assert {app for app, _name in migrations} == set(PROJECT_APPS)
    irreversible = [
        (key, type(op).__name__)
        for key, migration in sorted(migrations.items())
        for op in migration.operations
        if not op.reversible
    ]
    assert irreversible == []


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _state():
    """What must survive: case states and versions, every grant, every file, the audit."""
    return {
        "cases": sorted(Case.objects.values_list("pk", "state", "version", "reference")),
        "grants": sorted(
            CaseUserObjectPermission.objects.values_list(
                "user_id", "permission__codename", "content_object_id"
            )
        ),
        "evidence": sorted(Evidence.objects.values_list("pk", "case_id", "file", "sha256")),
        "audit": sorted(AuditEvent.objects.values_list("pk", "verb", "hash")),
    }


@pytest.fixture
def populated(world, filed_case, settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }
    case = case_accept_for_review(case=filed_case, user=world.caseworker)
    evidence_upload(
        case=case, user=world.caseworker, files=[upload("a.png", png()), upload("b.pdf", PDF)]
    )
    return case


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_undoing_and_redoing_the_latest_migrations_keeps_states_grants_files_and_audit(
    populated,
):
    before = _state()
    assert before["grants"] and before["evidence"] and before["audit"], before
    loader = MigrationLoader(connection)
    targets = []
    for app in PROJECT_APPS:
        names = sorted(name for a, name in loader.disk_migrations if a == app)
        if len(names) > 1:  # an app with one migration would lose its tables
            targets.append((app, names[-2]))
    undone = []
    try:
        # One app at a time: undoing one app's latest migration may undo others that depend on
        # it, after which another app's target would be a step forwards (Django refuses mixed
        # plans); such an app's latest migration is undone already.
        for app, name in targets:
            plan = MigrationExecutor(connection).migration_plan([(app, name)])
            if plan and all(backwards for _migration, backwards in plan):
                _migrate([(app, name)])
                undone.append(app)
        applied = MigrationExecutor(connection).loader.applied_migrations
        assert undone
        assert not any(
            (app, sorted(n for a, n in loader.disk_migrations if a == app)[-1]) in applied
            for app, _target in targets
        ), "the latest migrations were undone"
    finally:
        _migrate(_leaves())
    assert _state() == before
    checked, broken = audit_verify()
    assert broken is None and checked == len(before["audit"])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_whole_chain_runs_down_to_nothing_and_up_again():
    try:
        _migrate([(app, None) for app in PROJECT_APPS])
        tables = set(connection.introspection.table_names())
        assert not {t for t in tables if t.split("_")[0] in PROJECT_APPS}
    finally:
        _migrate(_leaves())
    tables = set(connection.introspection.table_names())
    assert {"casework_case", "documents_evidence", "casework_auditevent"} <= tables
