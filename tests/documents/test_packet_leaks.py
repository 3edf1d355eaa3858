"""What the referral packet must not carry (security.md matrix D5, D6, D9): another case's
evidence named in this case's text (D5), canary strings from fields the provider's lawyer may
not see — internal notes, the message thread, a refused referral's note, another case's worker —
in the PDF's text, its Info dictionary, its XMP metadata or its attachments (D6), and template
syntax typed into any printed field, which is printed as typed and never evaluated (D9)."""

import hashlib
import io
import re

import pypdf
import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile

from casework.choices import CaseState
from casework.models import Case, Claim, Employer, Referral, Worker
from casework.services import message_post, note_add
from documents import rendering
from documents.models import DocumentKind, DocumentStatus, Evidence
from documents.services import document_request, evidence_upload
from tests.factories import drive_to, jpeg_with_gps

from .filing_support import png_bytes

PACKET = DocumentKind.REFERRAL_PACKET


def _render(render_on_commit, case, user, monkeypatch):
    """Render the case's packet with a fetcher that records every URL WeasyPrint asks for;
    return (PDF bytes, reader, URLs asked)."""
    asked = []
    original = rendering.static_only_fetcher

    def recording_fetcher(*args, **kwargs):
        fetcher = original(*args, **kwargs)
        fetch = fetcher.fetch

        def spy(url, headers=None):
            asked.append(url)
            return fetch(url, headers)

        fetcher.fetch = spy
        return fetcher

    monkeypatch.setattr(rendering, "static_only_fetcher", recording_fetcher)
    doc = render_on_commit(document_request, case=case, kind=PACKET, user=user)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READY, doc.failure_reason
    with doc.file.open("rb") as handle:
        data = handle.read()
    return data, pypdf.PdfReader(io.BytesIO(data)), asked


def _flat_text(reader) -> str:
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def _everything_readable(data: bytes, reader) -> str:
    """The page text, the Info dictionary, the XMP packet, the attachments' names and
    descriptions, and every stream of the file decoded: all a reader of the PDF could find."""
    parts = [_flat_text(reader)]
    parts += [f"{k}={v}" for k, v in (reader.metadata or {}).items()]
    xmp = reader.trailer["/Root"].get("/Metadata")
    if xmp is not None:
        parts.append(xmp.get_object().get_data().decode("utf-8", "replace"))
    parts += list(reader.attachments)
    numbers = {n for table in reader.xref.values() for n in table} | set(reader.xref_objStm)
    for number in sorted(numbers):
        obj = reader.get_object(number)
        if isinstance(obj, pypdf.generic.StreamObject):
            filters = obj.get("/Filter")
            if filters in ("/DCTDecode", "/JPXDecode") or obj.get("/Subtype") == "/Image":
                continue  # image pixels, not text
            parts.append(obj.get_data().decode("latin-1"))
        else:
            parts.append(str(obj))
    return "\n".join(parts)


# --- D5: another case's evidence, named in this case's text --------------------------------------


def test_another_cases_evidence_named_in_the_text_is_never_embedded(
    world, reviewed_case, render_on_commit, monkeypatch
):
    # Given case B, with evidence of its own stored under evidence/…,
    other = drive_to(world, CaseState.UNDER_REVIEW, worker_name="赵六六")
    (theirs,) = evidence_upload(
        case=other,
        user=world.caseworker,
        files=[SimpleUploadedFile("b.png", png_bytes())],
    )
    with theirs.file.open("rb") as handle:
        their_bytes = handle.read()
    path = theirs.file.storage.path(theirs.file.name)
    # and case A, with evidence of its own, whose facts and evidence description name B's file
    # by its media path, its storage path, a file: URL and evidence:<id>,
    planted = (
        f'<img src="/media/{theirs.file.name}">'
        f'<img src="{django_settings.MEDIA_URL or "/"}{theirs.file.name}">'
        f'<img src="file://{path}"><img src="{path}">'
        f'<a href="evidence:{theirs.pk}">evidence:{theirs.pk}</a>'
        f'<object data="evidence:{theirs.sha256}"></object>'
    )
    (ours,) = evidence_upload(
        case=reviewed_case,
        user=world.caseworker,
        files=[SimpleUploadedFile("a.jpg", jpeg_with_gps())],
        description=planted[:500],
    )
    Case.objects.filter(pk=reviewed_case.pk).update(facts="拖欠工资。" + planted)
    # when A's packet is rendered,
    data, reader, asked = _render(render_on_commit, reviewed_case, world.caseworker, monkeypatch)
    # then only A's own evidence is embedded (by its hash), nothing of B's bytes is in the file,
    embedded = [hashlib.sha256(v[0]).hexdigest() for v in reader.attachments.values()]
    assert embedded == [ours.sha256]
    assert theirs.sha256 not in embedded and their_bytes[-64:] not in data
    assert all(len(img.data) and img.data != their_bytes for p in reader.pages for img in p.images)
    # WeasyPrint asked for nothing but the stylesheet folder (no /media, no file: path; the
    # stylesheet itself is parsed once per process, so the list may be empty),
    assert all(url.startswith(rendering.STYLE_DIR.as_uri() + "/") for url in asked)
    # and the planted references are printed as the characters typed.
    text = _flat_text(reader)
    assert f"evidence:{theirs.pk}" in text and f'src="/media/{theirs.file.name}"' in text
    assert Evidence.objects.filter(case=other).count() == 1  # B's evidence is there, untouched


# --- D6: canaries in fields the lawyer may not see ----------------------------------------------

CANARIES = {
    "note": "CANARY-NOTE-策略-7Q",
    "message": "CANARY-MESSAGE-私信-8R",
    "decline": "CANARY-DECLINE-拒绝-9S",
    "other_worker": "CANARY-OTHER-WORKER-金十",
    "hotline": "CANARY-12351",
}


def test_no_canary_from_an_internal_field_reaches_the_packet_text_or_metadata(
    world, reviewed_case, render_on_commit, monkeypatch
):
    case = reviewed_case
    # Given canaries in every field the lawyer must not see: the union's internal note, the
    # worker's message thread, an earlier provider's refusal note, the 12351 ticket number,
    note_add(case=case, user=world.caseworker, body=f"内部策略 {CANARIES['note']}")
    message_post(case=case, user=world.worker, body=f"我的情况 {CANARIES['message']}")
    Referral.objects.create(
        case=case,
        provider=world.firm,
        state="declined",
        decline_reason="other",
        decline_note=CANARIES["decline"],
    )
    Case.objects.filter(pk=case.pk).update(hotline_ticket=CANARIES["hotline"])
    # and another worker of the same dispute (same employer, their own case),
    employer = Employer.objects.get(pk=case.primary_employer_id)
    other = drive_to(
        world,
        CaseState.UNDER_REVIEW,
        filed_by=world.other_worker,
        worker_name=CANARIES["other_worker"],
        employer_name=employer.name,
        credit_code=employer.credit_code,
    )
    note_add(case=other, user=world.caseworker, body=CANARIES["note"] + "-B")
    evidence_upload(
        case=case,
        user=world.caseworker,
        files=[SimpleUploadedFile("pay.jpg", jpeg_with_gps())],
        description="工资条",
    )
    # when the packet is rendered,
    data, reader, _asked = _render(render_on_commit, case, world.caseworker, monkeypatch)
    everything = _everything_readable(data, reader)
    # then no canary is in its text, Info, XMP, attachments or any decoded stream,
    for field, canary in CANARIES.items():
        assert canary not in everything, field
        assert canary.encode("utf-16-be") not in data, field
    assert "CANARY" not in everything
    # while what the lawyer needs is there (golden fields in test_rendering): the reference,
    # the worker's name, the employer, the facts and the evidence.
    text = _flat_text(reader)
    worker = Worker.objects.get(pk=case.primary_worker_id)
    for needed in (case.reference, worker.name, employer.name, "工资条"):
        assert re.sub(r"\s+", "", needed) in text, needed
    assert len(reader.attachments) == 1
    assert Claim.objects.filter(case=case).exists()


# --- D9: template syntax typed into a field -----------------------------------------------------

TEMPLATE_SYNTAX = (
    "{{7*7}}",
    "{{ 7|add:7 }}",
    "{% debug %}",
    "{{ settings.SECRET_KEY }}",
    "{% load static %}{% static 'x' %}",
    "${7*7}",
    "</p><script>alert(1)</script>",
)


@pytest.mark.parametrize("kind", [PACKET, DocumentKind.ARBITRATION_APPLICATION])
def test_template_syntax_in_fields_is_printed_literally(world, render_on_commit, kind):
    from casework.services import case_accept_for_review
    from casework.services.intake import ClaimItem

    planted = "".join(TEMPLATE_SYNTAX)
    case = drive_to(
        world,
        CaseState.SUBMITTED,
        worker_name="王小明" + TEMPLATE_SYNTAX[0],
        address=planted,
        occupation=TEMPLATE_SYNTAX[2],
        employer_name="常州恒远" + TEMPLATE_SYNTAX[1],
        employer_address=planted,
        facts="拖欠工资。" + planted,
        claims=[ClaimItem(item=planted[:200], amount="100.00")],
    )
    case = case_accept_for_review(case=case, user=world.caseworker)
    evidence_upload(
        case=case,
        user=world.caseworker,
        files=[SimpleUploadedFile("a.jpg", jpeg_with_gps())],
        description=planted,
    )
    doc = render_on_commit(document_request, case=case, kind=kind, user=world.caseworker)
    doc.refresh_from_db()
    assert doc.status == DocumentStatus.READY, doc.failure_reason
    with doc.file.open("rb") as handle:
        text = _flat_text(pypdf.PdfReader(io.BytesIO(handle.read())))
    # Every piece is printed as typed (whitespace aside),
    for piece in TEMPLATE_SYNTAX:
        assert re.sub(r"\s+", "", piece) in text, piece
    assert "王小明{{7*7}}" in text and "常州恒远{{7|add:7}}" in text
    # and none was evaluated: no product, no secret, no context dump of {% debug %}.
    assert django_settings.SECRET_KEY not in text
    for evaluated in ("王小明49", "常州恒远14", "sql_queries", "'csrf_token'", "{'True':True"):
        assert evaluated not in text, evaluated
