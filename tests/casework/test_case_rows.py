"""The case page's lists read in one query (casework/selectors/case_rows.py) are the rows the
ORM reads, value for value and in the same order, on SQLite and PostgreSQL alike."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from casework.models import AuditEvent, Case, Claim
from casework.selectors.case_rows import SPECS, case_rows, case_rows_preload
from casework.selectors.deadlines import deadline_rules_by_id
from casework.selectors.staff import TIMELINE_HIDDEN_VERBS
from casework.services import message_post, note_add
from casework.services.deadlines import deadline_suspend
from casework.services.records import identity_view_record
from documents.evidence_selectors import evidence_panel
from documents.models import Evidence, GeneratedDocument
from rights.deadline_models import CaseDeadline, CaseDeadlineEvent
from tests.factories import drive_to

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _querysets(case: Case) -> dict:
    """What each list's reader reads without the preload."""
    return {
        "claims": case.claims.order_by("id"),
        "messages": case.messages.order_by("created_at", "id"),
        "notes": case.notes.order_by("created_at", "id"),
        "events": case.audit_events.exclude(verb__in=TIMELINE_HIDDEN_VERBS).order_by(
            "occurred_at", "id"
        ),
        "proceedings": case.proceedings.order_by("filed_on", "id"),
        "deadlines": CaseDeadline.objects.filter(case=case)
        .select_related("rule")
        .order_by("due_date", "rule__code"),
        "deadline_events": CaseDeadlineEvent.objects.filter(case=case)
        .select_related("rule")
        .order_by("start", "id"),
        "documents": GeneratedDocument.objects.filter(case=case).order_by("kind", "-version"),
        "evidence": Evidence.objects.filter(case=case).order_by("created_at", "id"),
    }


def _values(name: str, obj) -> dict:
    spec = SPECS[name]
    return {
        f.attname: getattr(obj, f.attname)
        for f in spec.model._meta.concrete_fields
        if f.attname not in spec.exclude
    }


@pytest.fixture
def busy_case(world):
    """A case in proceedings (referral, consent, packet, proceeding, deadlines) with claims of
    awkward amounts, messages and notes in both scripts, a suspension and evidence."""
    case = drive_to(world, "proceedings")
    for item, amount, calc in (
        ("拖欠工资", Decimal("12345.67"), {"months": 3, "rate": "0.5", "nested": {"a": [1, 2]}}),
        ("加班费 <b>", Decimal("0.10"), {}),
        ("经济补偿", Decimal("99999999.99"), {"text": '引号"和\\反斜杠'}),
    ):
        Claim.objects.create(
            case=case,
            item=item,
            amount=amount,
            calculation=calc,
            period_start=date(2026, 1, 1) if calc else None,
        )
    for i in range(3):
        message_post(case=case, user=world.caseworker, body=f"消息 {i}\n第二行 ' \" <x>")
        note_add(case=case, user=world.caseworker, body=f"内部备注 {i} 🙂")
    deadline_suspend(
        case=case,
        user=world.caseworker,
        start=timezone.localdate() - timedelta(days=10),
        end=timezone.localdate() - timedelta(days=3),
        note="住院",
    )
    from documents.services import evidence_upload

    evidence_upload(
        case=case,
        user=world.caseworker,
        files=[SimpleUploadedFile(f"证据-{n}.pdf", PDF, "application/pdf") for n in range(3)],
    )
    with_identity = case.parties.filter(worker__isnull=False).values_list("worker_id", flat=True)
    identity_view_record(case=case, user=world.caseworker, worker_ids=list(with_identity))
    return Case.objects.get(pk=case.pk)


def test_every_list_equals_what_the_orm_reads(busy_case):
    expected = {name: list(qs) for name, qs in _querysets(busy_case).items()}
    assert set(expected) == set(SPECS)
    for name in ("claims", "messages", "notes", "events", "deadlines", "evidence", "documents"):
        assert expected[name], f"the fixture left {name} empty: the comparison would prove nothing"
    assert any(e.verb in TIMELINE_HIDDEN_VERBS for e in AuditEvent.objects.filter(case=busy_case))

    case = Case.objects.get(pk=busy_case.pk)
    deadline_rules_by_id()  # the process-local copy of the rules, read once per process
    with CaptureQueriesContext(connection) as ctx:
        case_rows_preload(case)
    assert len(ctx.captured_queries) == 1

    for name, rows in expected.items():
        got = case_rows(case, name, [])
        assert [type(o) for o in got] == [type(o) for o in rows], name
        assert [_values(name, o) for o in got] == [_values(name, o) for o in rows], name
        deferred = {f.attname for f in SPECS[name].model._meta.concrete_fields} & set(
            SPECS[name].exclude
        )
        for o in got:
            assert o.case is case  # no query to reach the case
            # As Model.from_db leaves an instance: saved, of this database, the rest deferred.
            assert (o._state.adding, o._state.db) == (False, "default")
            assert o.get_deferred_fields() == deferred, name
            if name in ("deadlines", "deadline_events"):
                assert o.rule == o.__class__.objects.get(pk=o.pk).rule
    amounts = [c.amount for c in case_rows(case, "claims", [])]
    assert amounts[-3:] == [Decimal("12345.67"), Decimal("0.10"), Decimal("99999999.99")]
    assert all(timezone.is_aware(e.occurred_at) for e in case_rows(case, "events", []))


def test_readers_without_the_preload_read_their_own_rows(busy_case, world):
    case = Case.objects.get(pk=busy_case.pk)
    assert case_rows(case, "claims", case.claims.order_by("id")) == list(case.claims.order_by("id"))
    staff = evidence_panel(case, world.caseworker, upload_url="/u/")
    case_rows_preload(case)
    preloaded = evidence_panel(case, world.caseworker, upload_url="/u/")
    assert [e.pk for e in preloaded["items"]] == [e.pk for e in staff["items"]]


def test_the_worker_sees_only_their_own_evidence_from_a_preloaded_list(busy_case, world):
    from documents.services import evidence_upload

    evidence_upload(
        case=busy_case,
        user=busy_case.filed_by,
        files=[SimpleUploadedFile("mine.pdf", PDF, "application/pdf")],
    )
    case = Case.objects.get(pk=busy_case.pk)
    plain = evidence_panel(case, case.filed_by, upload_url="/u/")
    case_rows_preload(case)
    preloaded = evidence_panel(case, case.filed_by, upload_url="/u/")
    assert [e.original_name for e in plain["items"]] == ["mine.pdf"]
    assert [e.pk for e in preloaded["items"]] == [e.pk for e in plain["items"]]
