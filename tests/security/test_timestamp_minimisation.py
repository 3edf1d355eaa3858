"""Timestamp minimisation for anonymous filers (security.md matrix G6; casework/minimise.py):
what a receipt-code worker does after filing — messages, evidence, consent withdrawals and the
audit events of those actions — is stored to the day, moved forward only to the latest time
already on the same record so that the order stays true; the filing's own times stay exact
(the deadlines count from the submission); staff and account holders keep exact times; and the
upload quotas count more, never less, for the coarse times."""

from datetime import UTC, timedelta
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from casework.audit import audit_verify
from casework.models import AuditEvent, Case, ConsentRecord, Message
from casework.permissions import ReceiptHolder
from casework.services import message_post
from casework.services.consent import consent_withdraw
from documents.evidence import EvidenceQuotaExceeded
from documents.models import Evidence
from documents.services import evidence_upload
from rights.models import CaseDeadline

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _pdf(name="payslip.pdf"):
    return [SimpleUploadedFile(name, PDF, content_type="application/pdf")]


def _day_start(when):
    return timezone.localtime(when).replace(hour=0, minute=0, second=0, microsecond=0)


@pytest.fixture
def clock():
    """timezone.now(), set by the test: everything the services and auto_now_add stamp (in
    UTC, as Django's own)."""
    state = {"now": timezone.now()}
    with mock.patch("django.utils.timezone.now", side_effect=lambda: state["now"].astimezone(UTC)):
        yield state


@pytest.fixture
def filed(world, files_on_disk, anonymous_case):
    case, _code = anonymous_case
    from casework.services import case_accept_for_review

    case_accept_for_review(case=case, user=world.caseworker)
    return Case.objects.get(pk=case.pk)


def test_an_anonymous_filers_later_actions_are_stored_to_the_day(world, filed, clock):
    case, holder = filed, ReceiptHolder(filed.pk)
    filing = Case.objects.filter(pk=case.pk).values("created_at", "submitted_at").get()
    filing_events = list(
        AuditEvent.objects.filter(case=case, verb__in=("filed", "submit")).values_list(
            "verb", "occurred_at"
        )
    )
    deadlines = list(CaseDeadline.objects.filter(case=case).values_list("rule_id", "due_date"))
    # Two days later, at 14:37:12.345678 local time, the worker writes, uploads and withdraws
    # a consent before anyone else acts that day,
    later = timezone.localtime(filing["submitted_at"]) + timedelta(days=2)
    clock["now"] = later.replace(hour=14, minute=37, second=12, microsecond=345678)
    first = message_post(case=case, user=holder, body="我又被扣了工资")
    (upload,) = evidence_upload(case=case, user=holder, files=_pdf())
    consent = ConsentRecord.objects.filter(case=case, withdrawn_at__isnull=True).earliest("pk")
    consent_withdraw(consent=consent, user=holder)
    day = _day_start(clock["now"])
    # each stored at the start of that day, not at 14:37,
    assert Message.objects.get(pk=first.pk).created_at == day
    assert Evidence.objects.get(pk=upload.pk).created_at == day
    assert ConsentRecord.objects.get(pk=consent.pk).withdrawn_at == day
    worker_events = AuditEvent.objects.filter(case=case, actor_kind="worker").exclude(
        verb__in=("filed", "submit")
    )
    assert {e.occurred_at for e in worker_events} == {day}, [
        (e.verb, e.occurred_at) for e in worker_events
    ]
    assert worker_events.count() == 3
    # a caseworker's reply at 15:02 keeps its exact time, and the worker's answer at 15:10 is
    # stored at the reply's time — after it, so the thread reads in order, but not at 15:10;
    clock["now"] = clock["now"].replace(hour=15, minute=2)
    reply = message_post(case=case, user=world.caseworker, body="收到，我们会跟进")
    assert Message.objects.get(pk=reply.pk).created_at == clock["now"]
    reply_at = clock["now"]
    clock["now"] = clock["now"].replace(hour=15, minute=10)
    answer = message_post(case=case, user=holder, body="谢谢")
    assert Message.objects.get(pk=answer.pk).created_at == reply_at
    thread = list(Message.objects.filter(case=case).values_list("pk", flat=True))
    assert thread == [first.pk, reply.pk, answer.pk]
    # no stored time of the worker's anywhere holds the minutes they acted at,
    stored = [
        *Message.objects.filter(case=case, from_worker=True).values_list("created_at", flat=True),
        *Evidence.objects.filter(case=case).values_list("created_at", flat=True),
        *worker_events.values_list("occurred_at", flat=True),
    ]
    assert all(timezone.localtime(t).minute in (0, 2) for t in stored), stored
    # while the filing keeps its exact times, and so do the deadlines counted from it;
    assert Case.objects.filter(pk=case.pk).values("created_at", "submitted_at").get() == filing
    assert (
        list(
            AuditEvent.objects.filter(case=case, verb__in=("filed", "submit")).values_list(
                "verb", "occurred_at"
            )
        )
        == filing_events
    )
    assert (
        list(CaseDeadline.objects.filter(case=case).values_list("rule_id", "due_date")) == deadlines
    )
    # and the audit chain, hashed over the stored times, verifies.
    assert audit_verify()[1] is None


def test_a_worker_with_an_account_and_staff_keep_exact_times(world, files_on_disk, clock):
    from casework.choices import CaseState
    from tests.factories import drive_to

    case = drive_to(world, CaseState.UNDER_REVIEW, filed_by=world.worker)
    clock["now"] = timezone.localtime(clock["now"] + timedelta(days=1)).replace(
        hour=9, minute=41, second=7, microsecond=1234
    )
    message = message_post(case=case, user=world.worker, body="补充材料")
    (upload,) = evidence_upload(case=case, user=world.worker, files=_pdf())
    assert Message.objects.get(pk=message.pk).created_at == clock["now"]
    assert Evidence.objects.get(pk=upload.pk).created_at == clock["now"]
    event = AuditEvent.objects.filter(case=case, verb="message_sent").latest("id")
    assert event.occurred_at == clock["now"]


def test_the_upload_quota_counts_the_whole_day_for_coarse_times(filed, clock, settings):
    settings.RIGHTSDESK = {
        **settings.RIGHTSDESK,
        "EVIDENCE_QUOTAS": {"files_per_case": 0, "files_per_hour": 2, "bytes_per_day": 0},
    }
    holder = ReceiptHolder(filed.pk)
    clock["now"] = timezone.localtime(clock["now"] + timedelta(days=3)).replace(hour=9)
    evidence_upload(case=filed, user=holder, files=_pdf("a.pdf") + _pdf("b.pdf"))
    # Five hours later the uploads are stored at 00:00: an exact "last hour" would not count
    # them; the window starts at the beginning of the day instead, so the limit still holds.
    clock["now"] = clock["now"].replace(hour=14)
    with pytest.raises(EvidenceQuotaExceeded):
        evidence_upload(case=filed, user=holder, files=_pdf("c.pdf"))
    assert Evidence.objects.filter(case=filed).count() == 2
