"""Retention and purge (security.md G7): a purged case leaves no file on disk, no row of its
own but the stripped Case (for anonymous statistics) and the audit chain, no permission row;
each purge is audited without personal data."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse

from casework.audit import audit_verify
from casework.models import (
    AuditEvent,
    Case,
    CaseParty,
    CaseSearchTerm,
    CaseUserObjectPermission,
    Claim,
    ConsentRecord,
    Message,
    Note,
    Referral,
    Worker,
)
from casework.selectors.search import search_normalise
from documents.models import Evidence, GeneratedDocument
from privacy.models import PurgedCase
from privacy.purge import _case_relations, case_purge, purge_due_cases
from tests.factories import drive_to

from .conftest import MESSAGE, NOTE, files_under


def _rows_of(case) -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.filter(**{field: case}).count()
        for model, field in _case_relations()
    }


def test_a_purge_leaves_no_file_no_row_and_no_grant(
    world, ended_case, _files_on_disk, django_capture_on_commit_callbacks
):
    case = ended_case
    worker_ids = list(
        CaseParty.objects.filter(case=case, worker__isnull=False).values_list(
            "worker_id", flat=True
        )
    )
    # Given a case with files on disk and rows of every kind,
    assert len(files_under(_files_on_disk)) >= 3
    before = _rows_of(case)
    for label in (
        "documents.Evidence",
        "documents.GeneratedDocument",
        "casework.Note",
        "casework.Message",
        "casework.ConsentRecord",
        "casework.Referral",
        "casework.CaseParty",
        "casework.Claim",
        "casework.CaseUserObjectPermission",
    ):
        assert before[label] > 0, label
    stats_before = (
        Case.objects.filter(pk=case.pk)
        .values(
            "reference",
            "state",
            "outcome",
            "amount_awarded",
            "amount_recovered",
            "owning_org",
            "channel",
            "claimant_count",
            "created_at",
            "closed_at",
            "primary_employer",
        )
        .get()
    )
    categories = set(case.categories.values_list("pk", flat=True))
    names = {
        search_normalise(n)
        for n in [
            case.primary_worker.name,
            *Worker.objects.filter(pk__in=worker_ids).values_list("name", flat=True),
        ]
    }
    employer = case.primary_employer
    assert names <= set(CaseSearchTerm.objects.filter(case=case).values_list("term", flat=True))

    # when it is purged (and the transaction commits),
    with django_capture_on_commit_callbacks(execute=True):
        case_purge(case=case, reason="retention")

    # then no file is left on disk,
    assert files_under(_files_on_disk) == []
    # no row of the case but the stripped case itself, its mark and its audit chain,
    assert all(n == 0 for n in _rows_of(case).values()), _rows_of(case)
    assert not Worker.objects.filter(pk__in=worker_ids).exists()
    # the search index holds only what the stripped case keeps (its reference and employer),
    # no worker's name (the FTS table on SQLite follows these rows by its triggers),
    assert set(CaseSearchTerm.objects.filter(case=case).values_list("kind", "term")) == {
        ("ref", search_normalise(case.reference)),
        ("name", search_normalise(employer.name)),
        ("code", search_normalise(employer.credit_code)),
    }
    assert not CaseSearchTerm.objects.filter(term__in=names).exists()
    assert not CaseUserObjectPermission.objects.filter(content_object=case).exists()
    stripped = Case.objects.get(pk=case.pk)
    assert stripped.facts == "" and stripped.filed_by is None and stripped.assignee is None
    assert stripped.primary_worker is None and stripped.receipt_digest is None
    assert stripped.employment_start is None and stripped.knew_date is None
    # the anonymous statistics are unchanged,
    assert Case.objects.filter(pk=case.pk).values(*stats_before).get() == stats_before
    assert set(stripped.categories.values_list("pk", flat=True)) == categories
    # the worker no longer sees it; nobody reads the note or message anywhere,
    assert not Case.objects.filter(filed_by=world.worker, pk=case.pk).exists()
    assert not Note.objects.filter(body__contains="CANARY").exists()
    assert not Message.objects.filter(body__contains="CANARY").exists()
    # and the purge is audited, once, with counts and no personal data; the chain holds.
    event = AuditEvent.objects.get(case=case, verb="case_purged")
    text = repr(event.payload)
    for secret in (NOTE, MESSAGE, "王", "工资条", world.worker.username):
        assert secret not in text
    assert event.payload["reason"] == "retention" and event.payload["files"] >= 3
    assert event.actor_id is None and event.actor_kind == "system"
    assert audit_verify()[1] is None
    assert PurgedCase.objects.get(case=case).reason == "retention"


def test_a_rolled_back_purge_keeps_every_file(world, ended_case, _files_on_disk, monkeypatch):
    files = files_under(_files_on_disk)
    import privacy.purge as purge

    def boom(**kwargs):
        raise RuntimeError("audit failed")

    monkeypatch.setattr(purge, "audit_record", boom)
    with pytest.raises(RuntimeError):
        case_purge(case=ended_case, reason="retention")
    assert files_under(_files_on_disk) == files
    assert Evidence.objects.filter(case=ended_case).count() == 2


def test_an_open_case_is_never_purged(world):
    case = drive_to(world, "under_review")
    with pytest.raises(ValueError):
        case_purge(case=case, reason="retention")
    assert Case.objects.get(pk=case.pk).facts


def test_the_sweep_purges_only_cases_ended_before_the_retention_period(
    world, ended_case, settings, django_capture_on_commit_callbacks, _files_on_disk
):
    settings.RIGHTSDESK = {**settings.RIGHTSDESK, "RETENTION_DAYS_AFTER_CLOSE": 365}
    recent = drive_to(world, "withdrawn")
    open_case = drive_to(world, "under_review")
    ended = ended_case.closed_at
    assert purge_due_cases(now=ended + timedelta(days=364)) == []
    with django_capture_on_commit_callbacks(execute=True):
        done = purge_due_cases(now=ended + timedelta(days=366))
    assert ended_case.reference in done
    assert recent.reference in done  # withdrawn at about the same moment
    assert open_case.reference not in done
    assert Case.objects.get(pk=open_case.pk).facts
    assert purge_due_cases(now=ended + timedelta(days=400)) == []  # nothing twice
    assert files_under(_files_on_disk) == []


def test_the_command_purges_with_a_given_period(world, ended_case, _files_on_disk):
    out = StringIO()
    call_command("purge_closed_cases", days=0, stdout=out)
    assert "1 case(s) purged." in out.getvalue()
    assert PurgedCase.objects.filter(case=ended_case).exists()
    assert not Evidence.objects.exists() and not GeneratedDocument.objects.exists()
    assert not (
        Claim.objects.exists() or ConsentRecord.objects.exists() or Referral.objects.exists()
    )


def test_a_supervisor_still_opens_the_stripped_case(
    client, world, ended_case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case_purge(case=ended_case, reason="retention")
    client.force_login(world.supervisor)
    response = client.get(reverse("casework:case_detail", args=[ended_case.reference]))
    assert response.status_code == 200
    assert MESSAGE not in response.content.decode()


def test_a_purged_case_cannot_be_reopened(world, ended_case, django_capture_on_commit_callbacks):
    from casework.permissions import may

    assert may(world.supervisor, "reopen", Case.objects.get(pk=ended_case.pk))
    with django_capture_on_commit_callbacks(execute=True):
        case_purge(case=ended_case, reason="retention")
    assert not may(world.supervisor, "reopen", Case.objects.get(pk=ended_case.pk))


def test_the_daily_sweep_runs_the_retention_purge(world, ended_case, settings, _files_on_disk):
    from notifications.sweep import sweep_run

    settings.RIGHTSDESK = {**settings.RIGHTSDESK, "RETENTION_DAYS_AFTER_CLOSE": 365}
    ended = ended_case.closed_at
    assert sweep_run(now=ended + timedelta(days=364)).cases_purged == 0
    assert not PurgedCase.objects.filter(case=ended_case).exists()
    assert sweep_run(now=ended + timedelta(days=366)).cases_purged == 1
    assert PurgedCase.objects.filter(case=ended_case).exists()
    assert sweep_run(now=ended + timedelta(days=367)).cases_purged == 0  # nothing twice
