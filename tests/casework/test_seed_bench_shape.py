"""The shape of `seed_bench`'s data (casework/demo/bulk*.py) and its bulk writer's values.

At 1,000,000 cases the bench has 200 organisations and the busiest district union a subtree of
50; a small seed has the same structure scaled down: about five audit events and two evidence
rows per case, grants as casework.services.grants makes them, audit chains that verify.
"""

import hashlib
import threading
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from io import StringIO
from types import SimpleNamespace
from unittest import mock

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count
from django.test.utils import override_settings

from accounts.choices import OrganisationKind, Role
from accounts.models import Membership, Organisation
from casework.audit import audit_verify
from casework.choices import ReferralState
from casework.demo.bulk_cases import CaseWriter
from casework.demo.bulk_people import _shape
from casework.demo.bulk_rows import Ids, Table, insert_objects
from casework.models import (
    AuditEvent,
    Case,
    CaseUserObjectPermission,
    Claim,
    Employer,
    Message,
    Note,
    Referral,
    Worker,
)
from documents.models import Evidence

CASES = 2000
CHUNK = 700  # three chunks, so that each is built while the one before it is written


def test_at_full_scale_there_are_200_organisations_and_49_enterprise_unions_under_district_1():
    for cases in (100_000, 1_000_000):
        providers, enterprises, under_first = _shape(cases)
        assert 1 + 6 + enterprises + providers == 200
        assert (providers, under_first) == (10, 49)
    # smaller benches have fewer, district 1 keeping its share
    assert _shape(2000) == (3, 1, 1)
    providers, enterprises, under_first = _shape(25_000)
    assert 1 + 6 + enterprises + providers == 50
    assert under_first == -(-enterprises * 49 // 183)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """One small seed for this module's tests (as test_seed.py's `demo`): written inside a
    transaction that is rolled back when the module ends; each test still runs in its own
    savepoint (they take `db` too)."""
    storage = {
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path_factory.mktemp("bench-files"))},
        },
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    built = []
    real_build = CaseWriter.build

    def build(self, created_times):
        batch = real_build(self, created_times)
        # The thread's own connection: never opened if building touched no database.
        built.append((threading.current_thread().name, connection.connection is None))
        return batch

    with (
        django_db_blocker.unblock(),
        override_settings(STORAGES=storage, PASSWORD_HASHERS=hashers),
        mock.patch("casework.demo.bulk.CHUNK", CHUNK),
        mock.patch.object(CaseWriter, "build", build),
        transaction.atomic(),
    ):
        out = StringIO()
        call_command("seed_bench", cases=CASES, seed=5, stdout=out)
        yield SimpleNamespace(output=out.getvalue(), built=built)
        transaction.set_rollback(True)


def test_each_chunk_is_built_on_a_thread_of_its_own_without_the_database(seeded, db):
    """What lets seed_bench build the next chunk while the database writes this one: building
    reads nothing (the thread never even connects), and the chunks come in order."""
    assert len(seeded.built) == -(-CASES // CHUNK) == 3
    assert all(name.startswith("seed-build") for name, _ in seeded.built)
    assert all(untouched for _, untouched in seeded.built)
    references = list(Case.objects.order_by("id").values_list("reference", flat=True))
    assert len(references) == CASES
    assert references == sorted(references)  # the chunks were written in the order filed


def test_a_small_seed_has_the_bench_shape(seeded, db):
    providers, enterprises, under_first = _shape(CASES)
    assert Organisation.objects.count() == 1 + 6 + enterprises + providers
    district_1 = Organisation.objects.get(name_en="Bench District Union 1")
    subtree = Organisation.objects.filter(path__startswith=district_1.path)
    assert subtree.count() == 1 + under_first
    roles = dict(
        Membership.objects.filter(
            user__username__in=["bench_cw_1_1", "bench_sup_1", "bench_supervisor"]
        ).values_list("user__username", "organisation__kind")
    )
    assert roles == {
        "bench_cw_1_1": OrganisationKind.DISTRICT_UNION,
        "bench_sup_1": OrganisationKind.DISTRICT_UNION,
        "bench_supervisor": OrganisationKind.CITY_FEDERATION,
    }
    assert Membership.objects.get(user__username="bench_sup_1").organisation == district_1
    assert Membership.objects.get(user__username="bench_sup_1").role == Role.SUPERVISOR
    # every union has caseworkers; N/2 employers, N/2 workers (and the co-claimants)
    unions = Organisation.objects.filter(
        kind__in=[
            OrganisationKind.CITY_FEDERATION,
            OrganisationKind.DISTRICT_UNION,
            OrganisationKind.ENTERPRISE_UNION,
        ]
    )
    assert all(
        Membership.objects.filter(organisation=o, role=Role.CASEWORKER).count() >= 2 for o in unions
    )
    assert Employer.objects.count() == CASES // 2
    assert Worker.objects.count() >= CASES // 2
    assert Case.objects.count() == CASES


def test_a_small_seed_has_about_five_events_and_two_evidence_files_per_case(seeded, db):
    long_case = Note.objects.values("case_id").annotate(n=Count("id")).order_by("-n")[0]["case_id"]
    others = AuditEvent.objects.exclude(case_id=long_case)
    per_case = others.count() / (CASES - 1)
    assert 4.5 <= per_case <= 6.0, per_case
    evidence = Evidence.objects.exclude(case_id=long_case).count() / (CASES - 1)
    assert 1.6 <= evidence <= 2.4, evidence
    # each upload's event names exactly the rows it wrote
    rows = defaultdict(set)
    for case_id, pk in Evidence.objects.values_list("case_id", "pk"):
        rows[case_id].add(pk)
    named = defaultdict(set)
    for case_id, payload in AuditEvent.objects.filter(verb="evidence_uploaded").values_list(
        "case_id", "payload"
    ):
        assert payload["count"] == len(payload["evidence"])
        named[case_id] |= set(payload["evidence"])
    assert named == rows
    # the stored files hold the bytes their rows' hashes name
    for name, sha256, size in Evidence.objects.values_list("file", "sha256", "size").distinct():
        with default_storage.open(name, "rb") as handle:
            data = handle.read()
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (sha256, size)
    # the case page benchmark's case: 200 more timeline entries and 20 evidence files
    assert (
        Note.objects.filter(case_id=long_case).count()
        + Message.objects.filter(case_id=long_case).count()
        >= 200
    )
    assert Evidence.objects.filter(case_id=long_case).count() == 20


def test_a_small_seed_verifies_and_grants_as_the_services_do(seeded, db):
    checked, broken = audit_verify()
    assert broken is None
    assert checked == AuditEvent.objects.count()
    out = StringIO()
    call_command("verify_audit", stdout=out)
    assert "intact" in out.getvalue()

    expected = set()
    for case_id, assignee in Case.objects.exclude(assignee=None).values_list("pk", "assignee_id"):
        expected |= {(case_id, assignee, "view_case"), (case_id, assignee, "work_case")}
    for case_id, lawyer in Referral.objects.filter(state=ReferralState.ACCEPTED).values_list(
        "case_id", "lawyer_id"
    ):
        expected |= {(case_id, lawyer, "view_case"), (case_id, lawyer, "work_case")}
    granted = set(
        CaseUserObjectPermission.objects.values_list(
            "content_object_id", "user_id", "permission__codename"
        )
    )
    assert granted == expected


def test_bulk_rows_are_stored_exactly_as_the_orm_stores_them(seeded, db):
    case = Case.objects.order_by("pk").first()
    at = datetime(2025, 3, 9, 7, 5, 3, 120400, tzinfo=timezone(timedelta(hours=8)))
    amount = Decimal("1234.50")
    calculation = {"基本工资": "3000", "月份": [1, 2.5, None], "note": 'a "quoted" \\ line'}
    by_orm = Claim.objects.create(case=case, item="orm", amount=amount, calculation=calculation)
    Claim.objects.filter(pk=by_orm.pk).update(created_at=at)
    Table(Claim, ["case_id", "item", "amount", "calculation", "created_at"]).insert(
        [(case.pk, "bulk", amount, calculation, at)]
    )
    born = date(1990, 2, 28)
    workers = Table(Worker)
    insert_objects(
        Ids(), workers, [workers.new(name="bulk-worker", date_of_birth=born, created_at=at)]
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT amount, calculation, created_at FROM casework_claim "
            "WHERE item IN ('orm', 'bulk') ORDER BY item DESC"
        )
        orm_row, bulk_row = cursor.fetchall()
    assert bulk_row == orm_row
    claim = Claim.objects.get(item="bulk")
    assert (claim.amount, claim.calculation, claim.created_at) == (amount, calculation, at)
    assert claim.created_at.astimezone(UTC) == at
    assert Worker.objects.get(name="bulk-worker").date_of_birth == born
