import hashlib
import io

import pypdf
import pytest
from django.core.files.storage import default_storage

from casework.choices import CaseState, ConsentScope
from casework.errors import Forbidden, GuardFailed, NotFound
from casework.models import AuditEvent, Referral
from casework.services import case_refer, consent_grant
from documents.models import DocumentKind, DocumentStatus, GeneratedDocument
from documents.rendering import RenderError
from documents.selectors import case_documents, referral_packet_ready
from documents.services import document_render_now, document_request, document_retry

PACKET = DocumentKind.REFERRAL_PACKET


def _pdf_bytes(doc: GeneratedDocument) -> bytes:
    with default_storage.open(doc.file.name, "rb") as handle:
        return handle.read()


def _pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_assignee_request_queues_version_1_and_the_task_renders_a_real_pdf(
    world, reviewed_case, django_capture_on_commit_callbacks
):
    # Given the assignee of a case under review,
    # when they ask for the referral packet,
    with django_capture_on_commit_callbacks() as callbacks:
        doc = document_request(case=reviewed_case, kind=PACKET, user=world.caseworker)
        # then version 1 exists, queued, with its snapshot, and nothing is rendered before commit;
        queued = GeneratedDocument.objects.get(pk=doc.pk)
        assert (queued.version, queued.status, queued.file.name) == (1, DocumentStatus.QUEUED, "")
        assert queued.requested_by == world.caseworker
        assert queued.snapshot["reference"] == reviewed_case.reference
    assert len(callbacks) == 1
    # and once the transaction commits, the render task turns it into a real PDF.
    for callback in callbacks:
        callback()
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READY
    data = _pdf_bytes(doc)
    assert data.startswith(b"%PDF")
    assert doc.sha256 == hashlib.sha256(data).hexdigest()
    assert doc.size == len(data)
    assert doc.rendered_at is not None
    assert doc.file.name.startswith("generated/") and reviewed_case.reference not in doc.file.name
    text = _pdf_text(data)
    for expected in (
        "转介材料",
        "Referral packet",
        reviewed_case.reference,
        "王小明",
        "常州恒远碳纤维材料有限公司",
        "91320412MA1WY8K5BP",
        "人民币18,600.00元",
        "CNY 18,600.00",
        "2027年8月16日",  # knew 2026-08-15 + 1 year, a Sunday, moved to Monday (Civil Code 203)
        "16 August 2027",
        "劳动争议调解仲裁法第27条",
        "英文译文仅供参考，以中文为准",
        f"第 1 页 / 共 {doc.pages} 页",
        f"Page {doc.pages} of {doc.pages}",
        "13812345678",
    ):
        assert expected in text, expected
    assert doc.pages == len(pypdf.PdfReader(io.BytesIO(data)).pages) >= 2


def test_request_and_render_write_audit_events_with_ids_only(
    world, reviewed_case, render_on_commit
):
    doc = render_on_commit(document_request, case=reviewed_case, kind=PACKET, user=world.caseworker)
    doc.refresh_from_db()
    requested = AuditEvent.objects.get(case=reviewed_case, verb="document_requested")
    assert requested.actor == world.caseworker
    assert requested.payload == {"document": doc.pk, "kind": PACKET, "version": 1}
    rendered = AuditEvent.objects.get(case=reviewed_case, verb="document_rendered")
    assert rendered.actor_kind == "system"
    assert rendered.payload == {
        "document": doc.pk,
        "kind": PACKET,
        "version": 1,
        "sha256": doc.sha256,
        "pages": doc.pages,
    }


def test_second_request_creates_version_2_and_leaves_version_1_unchanged(
    world, reviewed_case, render_on_commit
):
    first = render_on_commit(
        document_request, case=reviewed_case, kind=PACKET, user=world.caseworker
    )
    first.refresh_from_db()
    before = GeneratedDocument.objects.filter(pk=first.pk).values().get()
    first_bytes = _pdf_bytes(first)

    second = render_on_commit(
        document_request, case=reviewed_case, kind=PACKET, user=world.caseworker
    )

    second.refresh_from_db()
    assert second.version == 2 and second.status == DocumentStatus.READY
    assert second.file.name != first.file.name
    assert GeneratedDocument.objects.filter(pk=first.pk).values().get() == before
    assert _pdf_bytes(first) == first_bytes
    assert [d.pk for d in case_documents(reviewed_case)] == [second.pk]


def test_caseworker_of_another_union_gets_not_found_and_nothing_is_created(world, reviewed_case):
    events = AuditEvent.objects.filter(case=reviewed_case).count()
    with pytest.raises(NotFound):
        document_request(case=reviewed_case, kind=PACKET, user=world.other_caseworker)
    assert not GeneratedDocument.objects.exists()
    assert AuditEvent.objects.filter(case=reviewed_case).count() == events


def test_coordinator_and_worker_get_not_found(world, reviewed_case):
    for user in (world.coordinator, world.worker, world.analyst):
        with pytest.raises(NotFound):
            document_request(case=reviewed_case, kind=PACKET, user=user)
    assert not GeneratedDocument.objects.exists()


def test_caseworker_of_the_same_union_who_is_not_the_assignee_is_refused(world, reviewed_case):
    # caseworker2 sees the whole file but may not refer the case, so may not prepare its packet.
    with pytest.raises(Forbidden):
        document_request(case=reviewed_case, kind=PACKET, user=world.caseworker2)
    assert not GeneratedDocument.objects.exists()


def test_unknown_kind_is_not_found(world, reviewed_case):
    with pytest.raises(NotFound):
        document_request(case=reviewed_case, kind="passport_copy", user=world.caseworker)
    assert not GeneratedDocument.objects.exists()


def test_render_of_a_ready_document_leaves_it_alone(world, reviewed_case, render_on_commit):
    doc = render_on_commit(document_request, case=reviewed_case, kind=PACKET, user=world.caseworker)
    before = GeneratedDocument.objects.filter(pk=doc.pk).values().get()
    files = default_storage.listdir("generated")[1]

    assert document_render_now(doc.pk) == DocumentStatus.READY

    assert GeneratedDocument.objects.filter(pk=doc.pk).values().get() == before
    assert default_storage.listdir("generated")[1] == files
    assert AuditEvent.objects.filter(case=reviewed_case, verb="document_rendered").count() == 1


def test_a_failed_render_is_marked_failed_and_can_be_retried(
    world, reviewed_case, render_on_commit, monkeypatch
):
    # Given a renderer that breaks,
    def broken(**kwargs):
        raise RenderError("the renderer refused to fetch a resource")

    monkeypatch.setattr("documents.rendering.render_pdf", broken)
    case_state = reviewed_case.state
    doc = render_on_commit(document_request, case=reviewed_case, kind=PACKET, user=world.caseworker)
    # then the document is failed with a short reason, no file is left and the case is untouched;
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.FAILED
    assert doc.failure_reason == "the renderer refused to fetch a resource"
    assert doc.file.name == "" and not default_storage.exists("generated")
    reviewed_case.refresh_from_db()
    assert reviewed_case.state == case_state
    assert not referral_packet_ready(reviewed_case)
    # A failed document is not picked up again by itself (the task finds nothing to do),
    assert document_render_now(doc.pk) == DocumentStatus.FAILED
    # but once the renderer works again, a retry queues and renders it.
    monkeypatch.undo()
    render_on_commit(document_retry, document=doc, user=world.caseworker)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READY and doc.version == 1
    assert doc.failure_reason == "" and _pdf_bytes(doc).startswith(b"%PDF")


def test_unexpected_renderer_errors_are_recorded_without_detail(
    world, reviewed_case, render_on_commit, monkeypatch
):
    def broken(**kwargs):
        raise MemoryError("王小明")  # whatever the exception says stays out of the reason

    monkeypatch.setattr("documents.rendering.render_pdf", broken)
    doc = render_on_commit(document_request, case=reviewed_case, kind=PACKET, user=world.caseworker)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.FAILED
    assert doc.failure_reason == "render error: MemoryError"


def test_other_languages_are_refused(world, reviewed_case):
    with pytest.raises(GuardFailed):
        document_request(case=reviewed_case, kind=PACKET, user=world.caseworker, language="en")
    assert not GeneratedDocument.objects.exists()


def test_referring_generates_the_packet_as_the_referring_user(
    world, reviewed_case, render_on_commit, _documents_settings
):
    # Given the worker's consent to share with the centre and a union that needs no approval,
    world.wujin.requires_referral_approval = False
    world.wujin.save()
    consent_grant(
        case=reviewed_case,
        user=world.worker,
        scope=ConsentScope.LEGAL_AID_PROVIDER,
        provider=world.centre,
    )
    # when the assignee refers the case with no packet generated yet,
    case = render_on_commit(
        case_refer, case=reviewed_case, user=world.caseworker, provider_id=world.centre.pk
    )
    # then the referral goes to the centre and the packet of that moment is generated by them,
    assert case.state == CaseState.REFERRED
    assert Referral.objects.get(case=reviewed_case).provider == world.centre
    packet = GeneratedDocument.objects.get(case=reviewed_case, kind=PACKET)
    assert (packet.version, packet.requested_by) == (1, world.caseworker)
    # rendered once the referral committed.
    packet.refresh_from_db()
    assert packet.status == DocumentStatus.READY and referral_packet_ready(reviewed_case)
