"""A render task delivered twice (Celery's late acknowledgement gives a task back to the queue
when its worker dies) renders its document once: one ready file, one `document_rendered`
event; a claim left behind by a dead worker is taken over once its lease has run out."""

import threading
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from casework.models import AuditEvent
from casework.services import case_accept_for_review
from documents import services
from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from documents.services import document_render_now, document_request, render_lease

PACKET = DocumentKind.REFERRAL_PACKET


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }


@pytest.fixture
def renders(monkeypatch):
    """A stand-in renderer (WeasyPrint's own speed is bench/'s business) counting its calls."""
    calls = []

    def fake_render(**kwargs):
        calls.append(kwargs["template"])
        return b"%PDF-1.7 stand-in " + str(len(calls)).encode(), 1

    monkeypatch.setattr("documents.rendering.render_pdf", fake_render)
    return calls


@pytest.fixture
def queued_packet(world, filed_case):
    """A packet asked for but not rendered yet (its task not run: nothing runs on commit)."""
    case = case_accept_for_review(case=filed_case, user=world.caseworker)
    return document_request(case=case, kind=PACKET, user=world.caseworker)


def _stored_files() -> list[str]:
    try:
        return default_storage.listdir(services.STORAGE_DIR)[1]
    except FileNotFoundError:
        return []


def _rendered_events(doc) -> int:
    return sum(
        1
        for e in AuditEvent.objects.filter(verb="document_rendered")
        if e.payload.get("document") == doc.pk
    )


def test_a_second_delivery_after_the_render_finished_does_nothing(queued_packet, renders):
    assert document_render_now(queued_packet.pk) == DocumentStatus.READY
    first = GeneratedDocument.objects.get(pk=queued_packet.pk)

    assert document_render_now(queued_packet.pk) == DocumentStatus.READY

    again = GeneratedDocument.objects.get(pk=queued_packet.pk)
    assert len(renders) == 1
    assert (again.file.name, again.sha256, again.rendered_at) == (
        first.file.name,
        first.sha256,
        first.rendered_at,
    )
    assert _rendered_events(queued_packet) == 1
    assert len(_stored_files()) == 1
    assert GeneratedDocument.objects.filter(case=queued_packet.case, kind=PACKET).count() == 1


def test_a_claim_whose_worker_died_is_taken_over_after_its_lease(queued_packet, renders, caplog):
    # A worker claimed it and was killed: the row still says "rendering", from long ago.
    started = timezone.now() - render_lease() - timedelta(seconds=1)
    GeneratedDocument.objects.filter(pk=queued_packet.pk).update(
        status=DocumentStatus.RENDERING, render_started_at=started
    )

    assert document_render_now(queued_packet.pk) == DocumentStatus.READY

    doc = GeneratedDocument.objects.get(pk=queued_packet.pk)
    assert doc.status == DocumentStatus.READY and doc.render_started_at > started
    assert len(renders) == 1
    assert _rendered_events(queued_packet) == 1
    assert len(_stored_files()) == 1
    assert "never finished" in caplog.text


def test_a_second_delivery_waits_for_a_fresh_claim_instead_of_rendering_again(
    queued_packet, renders, monkeypatch
):
    # The first delivery holds a fresh claim and finishes while the second one waits.
    started = timezone.now()
    GeneratedDocument.objects.filter(pk=queued_packet.pk).update(
        status=DocumentStatus.RENDERING, render_started_at=started
    )
    waits = []

    def first_finishes(seconds):
        waits.append(seconds)
        GeneratedDocument.objects.filter(pk=queued_packet.pk).update(
            status=DocumentStatus.READY, sha256="f" * 64, file="generated/first.pdf"
        )

    monkeypatch.setattr(services.time, "sleep", first_finishes)

    assert document_render_now(queued_packet.pk) == DocumentStatus.READY

    assert len(waits) == 1 and 0 < waits[0] <= services.CLAIM_POLL_SECONDS
    assert renders == []  # nothing rendered a second time
    assert GeneratedDocument.objects.get(pk=queued_packet.pk).file.name == "generated/first.pdf"
    assert _rendered_events(queued_packet) == 0


def test_the_dead_workers_late_result_cannot_overwrite_the_takeover(queued_packet, renders):
    """The old claim's holder coming back (it was only slow) finds its claim gone: it can
    neither fail nor finish the document, and its file is not kept."""
    old_start = timezone.now() - render_lease() - timedelta(seconds=5)
    GeneratedDocument.objects.filter(pk=queued_packet.pk).update(
        status=DocumentStatus.RENDERING, render_started_at=old_start
    )
    stale_view = GeneratedDocument.objects.get(pk=queued_packet.pk)
    assert document_render_now(queued_packet.pk) == DocumentStatus.READY
    ready = GeneratedDocument.objects.get(pk=queued_packet.pk)

    assert services._fail(stale_view, "late failure") is False

    after = GeneratedDocument.objects.get(pk=queued_packet.pk)
    assert (after.status, after.sha256, after.file.name) == (
        DocumentStatus.READY,
        ready.sha256,
        ready.file.name,
    )
    assert not AuditEvent.objects.filter(verb="document_render_failed").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_deliveries_at_once_render_once(world, renders, settings):
    """Two workers receive the same render at the same moment (PostgreSQL: real concurrent
    connections). One renders, the other waits for it and renders nothing."""
    from casework.services import case_file
    from tests.factories import IntakeDataFactory

    case, _ = case_file(data=IntakeDataFactory(), filed_by=world.worker)
    case = case_accept_for_review(case=case, user=world.caseworker)
    doc = document_request(case=case, kind=PACKET, user=world.caseworker)
    barrier = threading.Barrier(2)
    results = []

    def deliver():
        try:
            barrier.wait()
            results.append(document_render_now(doc.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert results == [DocumentStatus.READY, DocumentStatus.READY]
    assert len(renders) == 1
    assert _rendered_events(doc) == 1
    assert len(_stored_files()) == 1


def test_each_claim_counts_as_an_attempt(queued_packet, renders):
    started = timezone.now() - render_lease() - timedelta(seconds=1)
    GeneratedDocument.objects.filter(pk=queued_packet.pk).update(
        status=DocumentStatus.RENDERING, render_started_at=started, render_attempts=1
    )
    assert document_render_now(queued_packet.pk) == DocumentStatus.READY
    assert GeneratedDocument.objects.get(pk=queued_packet.pk).render_attempts == 2


def test_a_render_whose_worker_died_too_often_is_failed_not_tried_again(
    queued_packet, renders, world
):
    """A render that kills its worker every time (out of memory, say) would be handed from
    worker to worker for ever by late acknowledgement: after MAX_RENDER_ATTEMPTS it fails, with
    its reason, and can be retried by a person."""
    from documents.services import MAX_RENDER_ATTEMPTS, document_retry

    started = timezone.now() - render_lease() - timedelta(seconds=1)
    GeneratedDocument.objects.filter(pk=queued_packet.pk).update(
        status=DocumentStatus.RENDERING,
        render_started_at=started,
        render_attempts=MAX_RENDER_ATTEMPTS,
    )

    assert document_render_now(queued_packet.pk) == DocumentStatus.FAILED

    doc = GeneratedDocument.objects.get(pk=queued_packet.pk)
    assert doc.status == DocumentStatus.FAILED
    assert doc.failure_reason == f"the render was interrupted {MAX_RENDER_ATTEMPTS} times"
    assert renders == []
    assert AuditEvent.objects.filter(verb="document_render_failed").count() == 1
    assert _stored_files() == []

    # A person retries it: the count starts again and it renders.
    document_retry(document=doc, user=world.caseworker)
    assert GeneratedDocument.objects.get(pk=queued_packet.pk).render_attempts == 0
    assert document_render_now(queued_packet.pk) == DocumentStatus.READY
    assert len(renders) == 1
